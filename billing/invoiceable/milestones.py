"""What is invoiceable on a contract's own milestones (advance, dated), and why not the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    Sum,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, PaymentTerm, Trigger
from ltc.core.errors import Missing
from ltc.core.money import quantize

from .terms import (
    NOTHING,
    Term,
    _labels,
    _room_reason,
    _sum,
    live_invoices,
    money,
    percent,
    terms_of,
)


# A contract's milestones -------------------------------------------------------------------------
@dataclass(frozen=True)
class Milestone:
    """One milestone of a contract: ``due_now``, and how it is invoiced (``reason``)."""

    term: Term
    due_now: bool

    @cached_property
    def reason(self) -> Missing:
        return _milestone_reason(self.term, self.due_now)


@dataclass(frozen=True)
class ContractFigures:
    """What may be invoiced against a contract now (its signing and dated milestones), for all
    of them or for one (``term``), and why (``reasons``, worded when first asked for)."""

    amount: Decimal
    triggered: Decimal  # the signing and dated milestones due now
    milestones_invoiced: Decimal  # what live invoices against the contract itself hold
    invoiced: Decimal  # everything live invoiced on the contract, orders included
    room: Decimal
    invoiceable: Decimal
    milestones: tuple[Milestone, ...]
    term: Term | None = None

    @cached_property
    def reasons(self) -> tuple[Missing, ...]:
        return tuple(_contract_reasons(self))


def contract_figures(
    *,
    amount: Decimal,
    signed: bool,
    terms: Iterable[Term],
    milestones_invoiced: Decimal,
    invoiced: Decimal,
    term_id: int | None = None,
    today: date | None = None,
) -> ContractFigures:
    """The rule for a contract's milestones, from its numbers and terms (no query)."""
    today = today or timezone.localdate()
    milestones = tuple(Milestone(t, t.is_triggered(signed, today)) for t in terms)
    triggered = sum((m.term.amount for m in milestones if m.due_now), NOTHING)
    room = amount - invoiced
    cap = min(triggered - milestones_invoiced, room)
    chosen = next((m for m in milestones if m.term.id == term_id), None)
    if chosen is not None:  # one milestone: within what is left of it, once it is due
        left = chosen.term.amount - chosen.term.invoiced
        cap = min(cap, left) if chosen.due_now else NOTHING
    return ContractFigures(
        amount=amount,
        triggered=triggered,
        milestones_invoiced=milestones_invoiced,
        invoiced=invoiced,
        room=room,
        invoiceable=max(NOTHING, cap),
        milestones=milestones,
        term=chosen.term if chosen else None,
    )


def _milestone_reason(term: Term, due_now: bool) -> Missing:
    values = {
        "label": term.label,
        "percent": percent(term.percent),
        "amount": money(term.amount),
        "invoiced": money(term.invoiced),
    }
    if term.trigger == Trigger.ACCEPTANCE:
        return Missing(
            "milestone_on_acceptance",
            _(
                "%(label)s %(percent)s%% (%(amount)s) is invoiced through the orders, "
                "%(percent)s%% of each order's accepted value"
            )
            % values,
        )
    if due_now:
        return Missing(
            "milestone_due",
            _("%(label)s %(amount)s is due now; %(invoiced)s invoiced naming it") % values,
        )
    if term.trigger == Trigger.DATE:
        values["date"] = term.due_date.isoformat() if term.due_date else "—"
        return Missing(
            "milestone_date", _("%(label)s %(amount)s due %(date)s, against the contract") % values
        )
    return Missing(
        "contract_signed",
        _("%(label)s %(amount)s falls due when the contract is signed") % values,
    )


def _contract_reasons(figures: ContractFigures):
    """What is due against the contract now, which milestones are not, and why."""
    due = [m.term for m in figures.milestones if m.due_now]
    yield Missing(
        "milestones",
        _(
            "Milestones due now against the contract (%(labels)s): %(triggered)s; "
            "%(invoiced)s invoiced against the contract"
        )
        % {
            "labels": _labels(due) or "—",
            "triggered": money(figures.triggered),
            "invoiced": money(figures.milestones_invoiced),
        },
    )
    chosen = figures.term
    if chosen is not None and chosen in due:
        yield Missing(
            "milestone_amount",
            _("%(label)s %(amount)s: %(invoiced)s invoiced naming it, %(left)s left")
            % {
                "label": chosen.label,
                "amount": money(chosen.amount),
                "invoiced": money(chosen.invoiced),
                "left": money(max(chosen.amount - chosen.invoiced, NOTHING)),
            },
        )
    yield from (m.reason for m in figures.milestones if not m.due_now)
    if figures.room < figures.triggered - figures.milestones_invoiced:
        yield _room_reason(figures.room)


def _terms_with_invoiced(exclude: int | None = None):
    on_term = live_invoices().filter(term=OuterRef("pk")).exclude(pk=exclude)
    return Prefetch(
        "terms",
        queryset=PaymentTerm.objects.annotate(invoiced=_sum(on_term)).order_by("position", "id"),
    )


def for_contract(
    contract: Contract,
    today: date | None = None,
    *,
    term: PaymentTerm | None = None,
    exclude: int | None = None,
) -> ContractFigures:
    """The figures of ``contract``'s milestones now (two queries), for milestone ``term`` when
    given, leaving out invoice ``exclude``."""
    sums = (
        live_invoices()
        .filter(contract_id=contract.pk)
        .exclude(pk=exclude)
        .aggregate(all=Sum("amount"), milestones=Sum("amount", filter=Q(order__isnull=True)))
    )
    # read again, with what is invoiced naming each milestone (without ``exclude``)
    getattr(contract, "_prefetched_objects_cache", {}).pop("terms", None)
    prefetch_related_objects([contract], _terms_with_invoiced(exclude))
    return contract_figures(
        amount=contract.amount,
        signed=contract.signed_on is not None,
        terms=terms_of(contract),
        milestones_invoiced=quantize(sums["milestones"] or 0),
        invoiced=quantize(sums["all"] or 0),
        term_id=term.pk if term is not None else None,
        today=today,
    )
