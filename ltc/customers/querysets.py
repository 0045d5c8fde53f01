from django.db import models
from django.db.models import Q

from ltc.org.models import Role
from ltc.org.scoping import NOTHING, is_partner_user, managed_team_ids, managed_users

# Roles that work across the company's customers: marketing (campaigns), finance (billing),
# admin and integrations.
ALL_CUSTOMERS = {Role.ADMIN, Role.INTEGRATION, Role.MARKETING, Role.FINANCE}


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
    for extra in _EXTRA_SCOPES:
        q |= Q(**{f"{prefix}pk__in": extra(user)})
    team_ids = managed_team_ids(user)
    if team_ids:
        q |= Q(**{f"{prefix}team_id__in": team_ids}) | Q(
            **{f"{prefix}owner__in": managed_users(user)}
        )
    return q


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A merged duplicate is nobody's customer any more: its rows live on the survivor.
        return self.filter(customer_scope(user), merged_into__isnull=True)


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(customer_scope(user, prefix="customer__"))
