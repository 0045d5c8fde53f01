"""Quotes (报价): line totals in Decimal cents, versions, and the discount approval gate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import services
from contracts.models import CommercialPolicy, Quote, QuoteLine, QuoteState
from ltc.core.errors import InvalidInput, NotAllowed, TransitionRefused
from ltc.core.money import quantize

from ..profiles import examples
from .steps import (
    LINES,
    TODAY,
    catalogue_lines,
    fresh,
    missing_codes,
    product_id,
    set_policy,
    signing_deal,
    standard_book,
    team2_manager,
)

VALID_UNTIL = TODAY + timedelta(days=30)


def quote(deal, by, lines=None, **kwargs) -> Quote:
    """A quote from the catalogue (LINES picked as products) unless ``lines`` says otherwise."""
    kwargs.setdefault("valid_until", VALID_UNTIL)
    kwargs.setdefault("price_book", standard_book())
    lines = catalogue_lines() if lines is None else lines
    return services.create_quote(opportunity=deal, by=by, lines=lines, **kwargs)


def discounted(percent: str) -> list[dict]:
    return [{"product": product_id("LIC"), "quantity": "1", "discount_percent": percent}]


def cents(value: Decimal) -> bool:
    return isinstance(value, Decimal) and value.as_tuple().exponent == -2


# Totals ----------------------------------------------------------------------------------------
def test_a_line_amount_is_quantity_times_unit_price_less_the_discount_in_cents(org, deal):
    q = quote(
        deal,
        org.rep1,
        lines=[
            {
                "description": "Support days",
                "quantity": "3",
                "unit_price": "33.33",
                "discount_percent": "12.5",
            },
            # 1.5 × 10.03 × 50% = 7.5225: rounded once it is 7.52 (not 7.53 via a rounded 15.05).
            {
                "description": "Cables",
                "quantity": "1.5",
                "unit_price": "10.03",
                "discount_percent": "50",
            },
        ],
    )

    support, cables = QuoteLine.objects.filter(quote=q).order_by("position")
    assert (support.list_amount, support.amount) == (Decimal("99.99"), Decimal("87.49"))
    assert (cables.list_amount, cables.amount) == (Decimal("15.05"), Decimal("7.52"))
    q = fresh(q)
    assert (q.subtotal, q.total, q.discount_total) == (
        Decimal("115.04"),
        Decimal("95.01"),
        Decimal("20.03"),
    )
    assert q.max_discount == Decimal("50.00")
    assert all(cents(v) for v in (q.subtotal, q.total, q.discount_total, cables.amount))


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999"), places=2)
discounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
line_lists = st.lists(
    st.fixed_dictionaries(
        {"quantity": amounts, "unit_price": prices, "discount_percent": discounts}
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(lines=line_lists)
def test_the_quote_total_is_the_sum_of_its_line_amounts_and_never_above_the_list_total(
    org, deal, lines
):
    q = Quote.objects.filter(opportunity=deal, state=QuoteState.DRAFT).first()
    payload = [{"description": f"Item {i}", **line} for i, line in enumerate(lines)]
    if q is None:
        q = quote(deal, org.rep1, lines=payload)
    else:
        services.update_quote(quote=q, by=org.rep1, lines=payload)
    q = fresh(q)
    stored = list(q.lines.all())

    for line, given_line in zip(stored, lines, strict=True):
        q_, p, d = given_line["quantity"], given_line["unit_price"], given_line["discount_percent"]
        assert line.amount == quantize(q_ * p * (1 - d / 100))
        assert Decimal("0") <= line.amount <= line.list_amount == quantize(q_ * p)
    assert q.total == sum((line.amount for line in stored), Decimal("0"))
    assert q.subtotal == sum((line.list_amount for line in stored), Decimal("0"))
    assert q.total <= q.subtotal
    assert q.discount_total == q.subtotal - q.total
    assert all(cents(v) for v in (q.total, q.subtotal, q.discount_total))


# Versions --------------------------------------------------------------------------------------
def test_a_second_quote_for_the_deal_is_version_2_and_supersedes_version_1(org, deal):
    first = quote(deal, org.rep1)

    second = quote(deal, org.rep1, lines=discounted("5"))

    assert (second.version, second.previous) == (2, first)
    assert second.number != first.number
    first = fresh(first)
    assert first.state == QuoteState.SUPERSEDED
    assert [line.description for line in first.lines.all()] == ["Server", "Installation"]
    assert first.total == Decimal("2475.00")
    assert [line.description for line in second.lines.all()] == ["Licence"]


def test_revising_a_quote_copies_its_lines_into_the_next_version(org, deal):
    first = quote(deal, org.rep1)

    revised = services.revise_quote(quote=first, by=org.rep1)

    def rows(q):
        return list(
            q.lines.values_list(
                "description", "quantity", "unit_price", "discount_percent", "amount"
            )
        )

    assert revised.version == 2
    assert rows(revised) == rows(first)
    assert fresh(revised).total == fresh(first).total == Decimal("2475.00")
    assert fresh(first).state == QuoteState.SUPERSEDED


def test_an_accepted_quote_stays_accepted_when_a_new_version_is_made(org, deal):
    first = services.send_quote(quote=quote(deal, org.rep1), by=org.rep1)
    services.record_quote_answer(quote=first, by=org.rep1, accepted=True)

    quote(deal, org.rep1)

    assert fresh(first).state == QuoteState.ACCEPTED


# Discount approval -----------------------------------------------------------------------------
def test_a_discount_of_exactly_the_threshold_is_sent_without_approval(org, deal):
    q = quote(deal, org.rep1, lines=discounted("10"))
    assert not q.needs_approval

    with pytest.raises(TransitionRefused) as refused:
        services.submit_quote(quote=q, by=org.rep1)
    assert missing_codes(refused.value) == {"needs_approval"}

    sent = services.send_quote(quote=q, by=org.rep1)
    assert (sent.state, sent.sent_at is not None) == (QuoteState.SENT, True)


def test_a_discount_above_the_threshold_blocks_sending_until_a_manager_approves(org, deal):
    q = quote(deal, org.rep1, lines=discounted("10.01"))
    assert q.needs_approval

    with pytest.raises(TransitionRefused) as refused:
        services.send_quote(quote=q, by=org.rep1)
    assert missing_codes(refused.value) == {"discount_approved"}
    assert fresh(q).state == QuoteState.DRAFT

    services.submit_quote(quote=q, by=org.rep1)
    approved = services.decide_quote(quote=q, by=org.manager, approve=True)
    assert (approved.state, approved.approved_by) == (QuoteState.APPROVED, org.manager)

    sent = services.send_quote(quote=q, by=org.rep1)
    assert sent.state == QuoteState.SENT


def test_the_discount_threshold_comes_from_the_commercial_policy(org, deal):
    assert CommercialPolicy.current().quote_discount_threshold == Decimal("10")
    set_policy(quote_discount_threshold=Decimal("5"))

    assert quote(deal, org.rep1, lines=discounted("6")).needs_approval
    assert not quote(deal, org.rep1, lines=discounted("5")).needs_approval


def test_the_deals_owner_cannot_approve_its_discount(org, deal):
    q = services.submit_quote(quote=quote(deal, org.rep1, lines=discounted("20")), by=org.rep1)

    with pytest.raises(NotAllowed):
        services.decide_quote(quote=q, by=org.rep1, approve=True)
    assert fresh(q).state == QuoteState.PENDING_APPROVAL


def test_a_manager_cannot_approve_the_discount_of_their_own_deal(org):
    own = signing_deal(org.manager)
    q = services.submit_quote(quote=quote(own, org.manager, lines=discounted("20")), by=org.manager)

    with pytest.raises(NotAllowed):
        services.decide_quote(quote=q, by=org.manager, approve=True)

    assert services.decide_quote(quote=q, by=org.admin, approve=True).state == QuoteState.APPROVED


def test_a_manager_of_another_team_cannot_approve_the_discount(org, deal):
    other = team2_manager(org)
    q = services.submit_quote(quote=quote(deal, org.rep1, lines=discounted("20")), by=org.rep1)

    with pytest.raises(NotAllowed):
        services.decide_quote(quote=q, by=other, approve=True)
    assert fresh(q).state == QuoteState.PENDING_APPROVAL


def test_rejecting_a_discount_needs_a_comment_and_returns_the_quote_to_draft(org, deal):
    q = services.submit_quote(quote=quote(deal, org.rep1, lines=discounted("20")), by=org.rep1)

    with pytest.raises(InvalidInput) as invalid:
        services.decide_quote(quote=q, by=org.manager, approve=False, comment="  ")
    assert invalid.value.field == "comment"
    assert fresh(q).state == QuoteState.PENDING_APPROVAL

    rejected = services.decide_quote(quote=q, by=org.manager, approve=False, comment="Too much")
    assert rejected.state == QuoteState.DRAFT
    assert rejected.is_editable
    with pytest.raises(TransitionRefused) as refused:
        services.send_quote(quote=q, by=org.rep1)
    assert missing_codes(refused.value) == {"discount_approved"}

    edited = services.update_quote(quote=q, by=org.rep1, lines=discounted("8"))
    assert not edited.needs_approval
    assert services.send_quote(quote=q, by=org.rep1).state == QuoteState.SENT


# Editing and sending ---------------------------------------------------------------------------
@pytest.mark.parametrize("step", ["submitted", "approved", "sent"])
def test_only_a_draft_quote_is_edited(org, deal, step):
    q = quote(deal, org.rep1, lines=discounted("20"))
    services.submit_quote(quote=q, by=org.rep1)
    if step in ("approved", "sent"):
        services.decide_quote(quote=q, by=org.manager, approve=True)
    if step == "sent":
        services.send_quote(quote=q, by=org.rep1)

    with pytest.raises(TransitionRefused) as refused:
        services.update_quote(quote=q, by=org.rep1, notes="Changed")
    assert missing_codes(refused.value) == {"state"}
    assert fresh(q).notes == ""


def test_a_quote_past_its_validity_date_cannot_be_sent(org, deal, frozen):
    q = quote(deal, org.rep1, valid_until=TODAY + timedelta(days=5))

    frozen.shift(timedelta(days=6))

    with pytest.raises(TransitionRefused) as refused:
        services.send_quote(quote=q, by=org.rep1)
    assert missing_codes(refused.value) == {"valid_until"}
    assert fresh(q).state == QuoteState.DRAFT


def test_a_quote_is_still_sent_on_its_last_valid_day(org, deal, frozen):
    q = quote(deal, org.rep1, valid_until=TODAY + timedelta(days=5))

    frozen.shift(timedelta(days=5))

    assert services.send_quote(quote=q, by=org.rep1).state == QuoteState.SENT


@pytest.mark.parametrize("who", ["solution", "delivery", "rep2"])
def test_only_the_ar_or_a_manager_sends_the_quote(org, deal, who):
    q = quote(deal, org.rep1)

    with pytest.raises(NotAllowed):
        services.send_quote(quote=q, by=org.user(who))

    assert services.send_quote(quote=q, by=org.manager).state == QuoteState.SENT


@pytest.mark.parametrize(
    "bad",
    [
        {"quantity": "0"},
        {"quantity": "-1"},
        {"quantity": "0.001"},  # rounds to 0.00
        {"unit_price": "-0.01"},
        {"discount_percent": "101"},
        {"discount_percent": "-1"},
        {"description": "   "},
        {"quantity": "two"},
        {"unit_price": "1,000"},
        {"discount_percent": "ten"},
        {"quantity": "NaN"},
        {"unit_price": "Infinity"},
        {"quantity": "Infinity", "unit_price": "0"},
        {"discount_percent": "NaN"},
    ],
    ids=lambda bad: "-".join(f"{k}={v}" for k, v in bad.items()),
)
def test_a_bad_line_is_refused_on_lines(org, deal, bad):
    line = {"description": "Licence", "quantity": "1", "unit_price": "100", **bad}

    with pytest.raises(InvalidInput) as invalid:
        quote(deal, org.rep1, lines=[line])

    assert invalid.value.field == "lines"
    assert not Quote.objects.filter(opportunity=deal).exists()


def test_a_quote_in_an_unknown_currency_is_refused(org, deal):
    with pytest.raises(InvalidInput) as invalid:
        quote(deal, org.rep1, currency="XXX")
    assert invalid.value.field == "currency"

    assert quote(deal, org.rep1, currency="USD", lines=LINES, price_book=None).currency == "USD"


@pytest.mark.parametrize("lines", [[], None, "one line", [None]])
def test_a_quote_without_usable_lines_is_refused_on_lines(org, deal, lines):
    with pytest.raises(InvalidInput) as invalid:
        services.create_quote(opportunity=deal, by=org.rep1, lines=lines, valid_until=VALID_UNTIL)
    assert invalid.value.field == "lines"


@pytest.mark.parametrize("who", ["rep2", "rep3", "finance", "marketing"])
def test_only_the_triangle_and_its_managers_quote_the_deal(org, deal, who):
    with pytest.raises(NotAllowed):
        quote(deal, org.user(who))

    assert quote(deal, org.solution).version == 1
