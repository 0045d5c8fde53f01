"""Who sees which opportunity: the iron triangle, the managers above its team, and company-wide
roles. The one scoping rule of the opportunities app."""

from django.db import models
from django.db.models import Q

from ltc.org.models import Role
from ltc.org.scoping import managed_team_ids, managed_users

ALL_OPPORTUNITIES = {Role.ADMIN, Role.INTEGRATION}


def opportunity_scope(user, prefix: str = "") -> Q:
    if user.is_superuser or user.role in ALL_OPPORTUNITIES:
        return Q()
    q = (
        Q(**{f"{prefix}owner": user})
        | Q(**{f"{prefix}solution_owner": user})
        | Q(**{f"{prefix}fulfillment_owner": user})
    )
    team_ids = managed_team_ids(user)
    if team_ids:
        q |= Q(**{f"{prefix}team_id__in": team_ids}) | Q(
            **{f"{prefix}owner__in": managed_users(user)}
        )
    return q


class OpportunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user))

    def open(self):
        return self.filter(state="open")

    def for_list(self):
        return self.select_related(
            "customer", "owner", "stage", "solution_owner", "fulfillment_owner"
        )


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user, prefix="opportunity__"))

    def to_decide_by(self, user):
        """Pending reviews a manager may decide: deals of the teams they manage, never their own."""
        if not (user.is_superuser or user.role == Role.ADMIN or managed_team_ids(user)):
            return self.none()
        qs = self.filter(state="pending").exclude(opportunity__owner=user)
        if user.is_superuser or user.role == Role.ADMIN:
            return qs
        team_ids = managed_team_ids(user)
        return qs.filter(
            Q(opportunity__team_id__in=team_ids) | Q(opportunity__owner__in=managed_users(user))
        )
