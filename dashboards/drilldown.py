"""The records behind a bar: for each drill-down kind, the queryset of ``figures.py`` whose count
the bar shows. The lists are scoped like the figures (they start from the same querysets)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput
from ltc.core.numbers import whole_number

from . import complaint_figures, figures, product_figures, tender_figures
from .params import FigureRequest
from .periods import parse_period
from .scope import MAX_ID

LEADS, DEALS, COMPLAINTS, TENDERS = "leads", "opportunities", "complaints", "tenders"


def _month(key: str):
    try:
        return parse_period(key)
    except InvalidInput:
        raise InvalidInput(_("Give the month as YYYY-MM."), "key") from None


def _id(key: str) -> int:
    number = whole_number(key)
    if number is None or number >= MAX_ID:
        raise InvalidInput(_("Give the id as a whole number."), "key")
    return number


def records(figure: FigureRequest, kind: str, key: str) -> tuple[str, QuerySet]:
    """``(LEADS or DEALS, queryset)`` for the bar ``kind``/``key``; InvalidInput otherwise."""
    scope, period = figure.scope, figure.period
    key = (key or "").strip()
    if kind == "stage":
        return DEALS, figures.open_in_stage(scope, _id(key))
    if kind == "entered":
        return DEALS, figures.entered_stage(scope, period, _id(key))
    if kind == "stayed":
        stays = scope.stage_history().filter(
            exited_at__gte=period.start_at, exited_at__lt=period.end_at, stage_id=_id(key)
        )
        return DEALS, scope.opportunities().filter(pk__in=stays.values("opportunity_id"))
    if kind in ("grade", "owner", "team", "source", "loss_reason", "competitor"):
        if kind in ("owner", "team") and key not in ("", "None"):
            _id(key)
        return DEALS, figures.win_rate_deals(scope, period, kind, key)
    if kind == "closed":
        if key not in figures.CLOSED:
            raise InvalidInput(_("Unknown state."), "key")
        return DEALS, figures.closed_deals(scope, period).filter(state=key)
    if kind == "forecast_month":
        return DEALS, figures.forecast_deals(scope, _month(key))
    if kind == "won_month":
        return DEALS, figures.won_deals(scope, _month(key))
    if kind == "leakage":
        if key not in figures.LEAKAGE_KINDS:
            raise InvalidInput(_("Unknown leakage count."), "key")
        return LEADS, figures.leakage_leads(scope, period, key)
    if kind == "lead_source":
        return LEADS, figures.leads_created(scope, period).filter(source=key)
    if kind == "lead_owner":
        leads = figures.leads_created(scope, period)
        if key in ("", "None"):
            return LEADS, leads.filter(owner__isnull=True)
        return LEADS, leads.filter(owner_id=_id(key))
    if kind == "lead_reason":
        return LEADS, figures.leads_created(scope, period).filter(
            state="disqualified", disqualify_reason=key
        )
    if kind == "leads":
        leads = figures.leads_created(scope, period)
        chain = {
            "created": leads,
            "converted": leads.filter(opportunity__isnull=False),
            "won": leads.filter(opportunity__state="won"),
        }
        if key not in chain:
            raise InvalidInput(_("Unknown lead count."), "key")
        return LEADS, chain[key]
    if kind == "family":
        if key:
            _id(key)
        return DEALS, product_figures.family_deals(scope, period, key, figure.currency)
    if kind in ("discount_owner", "discount_team"):
        if key not in ("", "None"):
            _id(key)
        group = kind.removeprefix("discount_")
        return DEALS, product_figures.discount_deals(scope, period, group, key, figure.currency)
    if kind in ("complaint_contract", "complaint_customer"):
        subject = kind.removeprefix("complaint_")
        return COMPLAINTS, complaint_figures.records(scope, period, subject, str(_id(key)))
    if kind in ("complaint_severity", "complaints"):
        subject = "severity" if kind == "complaint_severity" else "all"
        try:
            found = complaint_figures.records(scope, period, subject, key)
        except ValueError:
            raise InvalidInput(_("Unknown complaint figure."), "key") from None
        return COMPLAINTS, found
    if kind == "tender_result":
        if key not in (*tender_figures.DECIDED, *tender_figures.ACTIVE):
            raise InvalidInput(_("Unknown state."), "key")
        return TENDERS, tender_figures.result_tenders(scope, period, key)
    if kind == "tender_bond":
        if key not in tender_figures.BOND_GROUPS:
            raise InvalidInput(_("Unknown bond group."), "key")
        return TENDERS, tender_figures.bond_tenders(scope, key, figure.currency)
    raise InvalidInput(_("Unknown drill-down."), "figure")
