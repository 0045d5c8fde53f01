"""Who sees which opportunity: the iron triangle, the managers above its team, and company-wide
roles. The one scoping rule of the opportunities app."""

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ltc.org.models import Role
from ltc.org.scoping import NOTHING, is_partner_user, managed_team_ids, managed_users

ALL_OPPORTUNITIES = {Role.ADMIN, Role.INTEGRATION}


def opportunity_scope(user, prefix: str = "") -> Q:
    if is_partner_user(user):
        return NOTHING
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


def managed_deal_scope(user, prefix: str = "") -> Q:
    """The deals ``user`` manages, as a manager above their team or owner (an administrator: all;
    anyone else: none): the queryset form of ``opportunities.services.manages_deal``, which the
    queryset forms of the deciding and delivering rules are built from."""
    if user.is_superuser or user.role == Role.ADMIN:
        return Q()
    team_ids = managed_team_ids(user)
    if not team_ids:
        return NOTHING
    return Q(**{f"{prefix}team_id__in": team_ids}) | Q(**{f"{prefix}owner__team_id__in": team_ids})


# The visit cadence: an open deal is late when its account was not visited (a logged visit or
# meeting, planned or not) within its current stage's cadence, counted from the last visit or,
# never visited, from the deal's creation. Entering a later stage does not restart the clock: a
# deal that reached stage 5 without a visit is late. Computed, never stored; the sweep only
# reminds (``cadence_warned_at`` says a reminder went out for this lateness).
def past_cadence_q(cadence_days: int, now: datetime) -> Q:
    deadline = now - timedelta(days=cadence_days)
    return Q(last_visit_at__lt=deadline) | Q(last_visit_at__isnull=True, created_at__lt=deadline)


def is_past_cadence(
    *, last_visit_at: datetime | None, created_at: datetime, cadence_days: int, now: datetime
) -> bool:
    """The same rule for a row already in memory (a board card, a detail page)."""
    return (last_visit_at or created_at) < now - timedelta(days=cadence_days)


class OpportunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user))

    def open(self):
        return self.filter(state="open")

    def past_cadence(self, now: datetime | None = None):
        """Open deals past their stage's visit cadence now (one query for the cadences)."""
        from .models import Stage

        now = now or timezone.now()
        late = Q(pk__in=[])
        for days in Stage.objects.order_by().values_list("cadence_days", flat=True).distinct():
            late |= Q(stage__cadence_days=days) & past_cadence_q(days, now)
        return self.open().filter(late)

    def for_list(self):
        return self.select_related(
            "customer", "owner", "stage", "solution_owner", "fulfillment_owner"
        )


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user, prefix="opportunity__"))

    def awaiting_assessment_by(self, user):
        """Pending reviews whose assessment for the user's place in the deal's triangle is not
        written yet (a partner registration asks no SR or FR)."""
        return self.filter(state="pending").filter(
            Q(opportunity__owner=user, relationship_assessment="")
            | (
                Q(opportunity__solution_owner=user, solution_assessment="")
                & ~Q(kind="registration")
            )
            | (
                Q(opportunity__fulfillment_owner=user, delivery_assessment="")
                & ~Q(kind="registration")
            )
        )

    def decidable_by(self, user):
        """Pending reviews ``user`` may decide now: the queryset form of ``review_actions``'
        approve and reject (``services.decision_refused`` on a pending review;
        tests/opportunities/test_review_rule.py holds the two together on random reviews). A manager above the deal, never its owner; once an escalated
        review has its first approval, only an approver above that first approver (an
        administrator, or a manager of their team) decides it, never the first approver again."""
        admin = user.is_superuser or user.role == Role.ADMIN
        team_ids = managed_team_ids(user)
        if not (admin or team_ids):
            return self.none()
        qs = self.filter(managed_deal_scope(user, "opportunity__"), state="pending").exclude(
            opportunity__owner=user
        )
        waits_for_second = Q(needs_second_approval=True, first_approved_by__isnull=False)
        second = ~Q(first_approved_by=user)
        if not admin:
            second &= Q(first_approved_by__in=managed_users(user))
        return qs.filter(~waits_for_second | (waits_for_second & second))

    # The name the inboxes used before the rule had its actions function.
    to_decide_by = decidable_by
