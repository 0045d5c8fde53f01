"""Who sees which lead: the one scoping rule of the leads app."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ltc.org.models import Role
from ltc.org.scoping import (
    is_partner_user,
    managed_team_ids,
    managed_users,
    team_and_ancestor_ids,
)

# Marketing creates, imports and assigns leads company-wide; admin and integrations see all.
ALL_LEADS = {Role.ADMIN, Role.INTEGRATION, Role.MARKETING}
# Roles that work the pool: claim (reps, managers) or assign (marketing, admin).
POOL_ROLES = {Role.REP, Role.MANAGER, Role.MARKETING, Role.ADMIN}


def pool_scope(user) -> Q:
    """The pools a user works in: the default pool, the pools of their team and the teams above
    it, and for a manager the pools of every team they manage."""
    if user.is_superuser or user.role in ALL_LEADS:
        return Q()
    team_ids = set(team_and_ancestor_ids(user)) | set(managed_team_ids(user))
    return Q(is_default=True) | Q(team_id__in=team_ids)


class PoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not (user.is_superuser or user.role in POOL_ROLES):
            return self.none()
        return self.filter(pool_scope(user))


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_partner_user(user):
            return self.none()
        if user.is_superuser or user.role in ALL_LEADS:
            return self.all()
        q = Q(owner=user)
        if user.role in POOL_ROLES:
            from .models import Pool

            q |= Q(state="new", pool__in=Pool.objects.filter(pool_scope(user)))
        if managed_team_ids(user):
            q |= Q(owner__in=managed_users(user))
        return self.filter(q)

    def in_pool_of(self, user):
        """The leads this user may claim or assign now."""
        from .models import Pool

        if not (user.is_superuser or user.role in POOL_ROLES):
            return self.none()
        return self.filter(
            state="new", owner__isnull=True, pool__in=Pool.objects.filter(pool_scope(user))
        )

    def claimable_by(self, user):
        """Where a claim looks a lead up: what the user sees plus every lead of their pools, so
        that a lead someone else just took answers "no longer in the pool" (409), not 404."""
        from .models import Pool

        if not (user.is_superuser or user.role in POOL_ROLES):
            return self.visible_to(user)
        return self.filter(
            Q(pk__in=self.visible_to(user).values("pk"))
            | Q(pool__in=Pool.objects.filter(pool_scope(user)))
        )

    def open(self):
        return self.filter(state__in=["new", "assigned", "validated"])

    def for_list(self):
        return self.select_related("owner", "pool", "campaign")
