from django.db import models
from django.db.models import Q

from ltc.org.models import Role
from ltc.org.scoping import (
    NOTHING,
    is_partner_user,
    managed_team_ids,
    managed_users,
    team_and_ancestor_ids,
)

# Roles that work across the company's customers: marketing (campaigns), finance (billing),
# admin and integrations.
ALL_CUSTOMERS = {Role.ADMIN, Role.INTEGRATION, Role.MARKETING, Role.FINANCE}
# Roles that work the customer pool: see the pooled customers of their pools and claim them.
CUSTOMER_POOL_ROLES = {Role.REP, Role.MANAGER}


# Downstream apps widen the scope without this app importing them (e.g. opportunities: the
# customers of the deals whose iron triangle the user is in). Each is ``fn(user) -> QuerySet of ids``.
_EXTRA_SCOPES = []


def register_scope(fn):
    _EXTRA_SCOPES.append(fn)
    return fn


def customer_scope(user, prefix: str = "") -> Q:
    """The Q that keeps the customers ``user`` may see; ``prefix`` reaches them via a relation."""
    if is_partner_user(user):
        return NOTHING
    if user.is_superuser or user.role in ALL_CUSTOMERS:
        return Q()
    q = Q(**{f"{prefix}owner": user})
    if user.role in CUSTOMER_POOL_ROLES:
        from .models import CustomerPool

        pools = CustomerPool.objects.filter(customer_pool_scope(user)).values("pk")
        q |= Q(**{f"{prefix}pool_state": "pooled", f"{prefix}pool__in": pools})
    for extra in _EXTRA_SCOPES:
        q |= Q(**{f"{prefix}pk__in": extra(user)})
    team_ids = managed_team_ids(user)
    if team_ids:
        q |= Q(**{f"{prefix}team_id__in": team_ids}) | Q(
            **{f"{prefix}owner__in": managed_users(user)}
        )
    return q


def customer_pool_scope(user) -> Q:
    """The customer pools a user works in: the default pool, the pools of their team and the
    teams above it, and for a manager those of every team they manage (as for lead pools)."""
    if user.is_superuser or user.role in ALL_CUSTOMERS:
        return Q()
    team_ids = set(team_and_ancestor_ids(user)) | set(managed_team_ids(user))
    return Q(is_default=True) | Q(team_id__in=team_ids)


class CustomerPoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not (user.is_superuser or user.role in CUSTOMER_POOL_ROLES | {Role.ADMIN}):
            return self.none()
        return self.filter(customer_pool_scope(user))


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A merged duplicate is nobody's customer any more: its rows live on the survivor.
        return self.filter(customer_scope(user), merged_into__isnull=True)

    def in_pool_of(self, user):
        """The pooled customers this user may claim (reps, managers) or assign (admins)."""
        from .models import CustomerPool

        pools = CustomerPool.objects.visible_to(user)
        return self.filter(pool_state="pooled", pool__in=pools, merged_into__isnull=True)

    def claimable_by(self, user):
        """Where a claim looks a customer up: what the user sees plus every customer of their
        pools, so that one someone just took answers "no longer in the pool" (409), not 404."""
        from .models import CustomerPool

        pools = CustomerPool.objects.visible_to(user)
        return self.filter(
            Q(pk__in=self.visible_to(user).values("pk")) | Q(pool__in=pools),
            merged_into__isnull=True,
        )


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(customer_scope(user, prefix="customer__"))
