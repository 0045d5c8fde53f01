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
        """Pending reviews ``user`` may decide now: the queryset form of
        ``services.decision_refused`` (tests/opportunities/test_review_rule.py holds the two
        together on random reviews). A manager above the deal, never its owner; once an escalated
        review has its first approval, only an approver above that first approver (an
        administrator, or a manager of their team) decides it, never the first approver again."""
        admin = user.is_superuser or user.role == Role.ADMIN
        team_ids = managed_team_ids(user)
        if not (admin or team_ids):
            return self.none()
        qs = self.filter(state="pending").exclude(opportunity__owner=user)
        if not admin:
            qs = qs.filter(
                Q(opportunity__team_id__in=team_ids) | Q(opportunity__owner__in=managed_users(user))
            )
        waits_for_second = Q(needs_second_approval=True, first_approved_by__isnull=False)
        second = ~Q(first_approved_by=user)
        if not admin:
            second &= Q(first_approved_by__in=managed_users(user))
        return qs.filter(~waits_for_second | (waits_for_second & second))
