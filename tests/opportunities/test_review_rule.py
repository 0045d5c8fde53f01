"""Who may decide a review is one rule (``services.review_actions``, whose approve and reject ask
``services.decision_refused``) with one queryset form (``Review.objects.decidable_by``), which the inboxes and the API's ``?to_decide`` use. On random
reviews (owner, team, escalation, first approver, state) and every user of a two-level
organisation, the queryset lists exactly the reviews the rule lets the user decide."""

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opportunities import services
from opportunities.models import Review, ReviewKind, ReviewState

from ..factories import deciders_and_deals, opportunity
from ..profiles import examples

DEALS = ["rep1", "rep3", "manager", "rep1-in-team2"]
FIRST = [None, "manager", "director", "admin", "rep2"]

reviews = st.lists(
    st.tuples(
        st.sampled_from(DEALS),
        st.sampled_from(list(ReviewKind.values)),
        st.sampled_from([ReviewState.PENDING, ReviewState.PENDING, ReviewState.APPROVED]),
        st.booleans(),  # escalated
        st.sampled_from(FIRST),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda spec: (spec[0], spec[1]),  # one review per deal and kind
)


@pytest.fixture
def people(org):
    return deciders_and_deals(org, opportunity)


@settings(
    max_examples=examples(40),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=reviews)
def test_the_inbox_lists_exactly_what_the_rule_lets_each_user_decide(org, people, specs):
    users, deals = people
    now = timezone.now()
    with transaction.atomic():
        made = []
        for deal_name, kind, state, escalated, first in specs:
            made.append(
                Review.objects.create(
                    opportunity=deals[deal_name],
                    kind=kind,
                    state=state,
                    requested_by=deals[deal_name].owner,
                    requested_at=now,
                    needs_second_approval=escalated,
                    first_approved_by=users[first] if escalated and first else None,
                    first_approved_at=now if escalated and first else None,
                )
            )
        ids = [review.pk for review in made]
        for name, user in users.items():
            listed = set(
                Review.objects.filter(pk__in=ids).decidable_by(user).values_list("pk", flat=True)
            )
            actions = {review.pk: services.review_actions(user, review) for review in made}
            allowed = {pk for pk, acts in actions.items() if acts["approve"]}
            assert listed == allowed, (name, specs)
            assert allowed == {pk for pk, acts in actions.items() if acts["reject"]}
            assert allowed == {review.pk for review in made if services.may_decide(user, review)}
        transaction.set_rollback(True)


def test_the_rule_explains_each_refusal(org, people):
    users, deals = people
    review = Review.objects.create(
        opportunity=deals["rep1"],
        kind=ReviewKind.CONTRACT,
        requested_by=org.rep1,
        requested_at=timezone.now(),
        needs_second_approval=True,
        first_approved_by=org.manager,
        first_approved_at=timezone.now(),
    )
    assert services.decision_refused(org.rep1, review)  # the owner
    assert services.decision_refused(org.rep3, review)  # not above the deal
    with translation.override("en"):
        assert "first approval" in str(services.decision_refused(org.manager, review))
    assert services.decision_refused(users["director"], review) is None  # above the manager
    assert services.decision_refused(org.admin, review) is None
