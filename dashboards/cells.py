"""Every number of a dashboard table opens the records behind it, and adds up with them.

``CELLS`` says, per table and column, which records a number stands for (a drill-down ``kind``
of ``drilldown.py`` or of this module, narrowed by a ``part``: a state, a leakage count, an aging
bucket) and how the records make the number: ``count`` (how many are listed) or a sum
(``MEASURES``: the amount, the weighted amount, the outstanding amount...). The records page
shows that count and that sum under the list, and ``tests/dashboards/test_drilldown_adds_up.py``
checks, for every entry here, that they equal the number the dashboard shows.

A number that is a ratio or a spread of the records (a share, a median) opens the records it is
computed over (``measure="base"``): their count is the number's denominator.

A number no record makes — a target or a budget a person typed — is ``measure="entered"``: it
opens the page where it is set (``kind`` is that page's URL name, ``ENTERED_BY`` who may go
there), not a records page, and the test says so for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput

from . import campaigns, cell_kinds, drilldown, figures
from .figures import MONEY, _money, _sum
from .params import FigureRequest

INVOICES, REVENUE, REVIEWS = "invoices", "revenue", "reviews"
DEAL_STATES = ("won", "lost", "abandoned")
BUCKETS = ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90", "total")


@dataclass(frozen=True)
class Cell:
    kind: str
    part: str = ""
    # count; base: the records a ratio or spread is over; context: the records a difference
    # is about; entered: typed by a person (kind: the URL name of where); or a sum of MEASURES
    measure: str = "count"
    key: str | None = None  # a fixed key; None: the row's key (the table's drill field)


def _weighted():
    return ExpressionWrapper(
        F("amount") * F("probability") / Value(Decimal("100")), output_field=MONEY
    )


def _forecast():
    """``forecast``'s won + weighted: a won deal's amount, an open deal's weighted amount while
    its expected close date has not passed."""
    counted = Case(
        When(state="won", then=F("amount")),
        When(Q(state="open", expected_close_date__gte=timezone.localdate()), then=_weighted()),
        default=Value(Decimal("0")),
        output_field=MONEY,
    )
    return counted


MEASURES = {
    "forecast": lambda currency: _sum(_forecast(), currency),
    "deal_amount": lambda currency: _sum("opportunity__amount", currency, "opportunity__"),
    "amount": lambda currency: _sum("amount", currency),
    "weighted": lambda currency: _sum(_weighted(), currency),
    "outstanding": lambda currency: _sum(F("amount") - F("paid_amount"), currency),
    "price": lambda currency: _sum("submitted_price", currency, prefix="price_"),
    "bond": lambda currency: _sum("bond_amount", currency, prefix="bond_"),
    "list_total": lambda currency: _sum("subtotal", currency),
    "discount": lambda currency: _sum("discount_total", currency),
    "family_won": None,  # each contract's share of the family: ``cell_kinds.family_won``
}


def total(queryset: QuerySet, measure: str, currency: str, key: str = "") -> Decimal | None:
    """What the listed records add up to for ``measure`` (None for a count, or for a measure
    that is not one of the records' sums: the query's ``measure`` is the visitor's input)."""
    if measure not in MEASURES or measure not in _SUMS.get(queryset.model._meta.label, ()):
        return None
    if measure == "family_won":
        return cell_kinds.family_won(queryset, (key or "").strip())
    return _money(queryset.order_by().aggregate(total=MEASURES[measure](currency))["total"])


# The sums each kind of record has (by model label).
_SUMS = {
    "opportunities.Opportunity": ("amount", "weighted", "forecast"),
    "leads.Lead": ("deal_amount",),
    "billing.Invoice": ("outstanding",),
    "delivery.RevenueEntry": ("amount",),
    "tenders.Tender": ("price", "bond"),
    **cell_kinds.SUMS,
}


def _cells(kind: str, columns: dict[str, tuple[str, str]], **fixed) -> dict[str, Cell]:
    return {
        column: Cell(kind, part, measure, **fixed) for column, (part, measure) in columns.items()
    }


_LEAKAGE = {
    "total": ("", "count"),
    **{name: (name, "count") for name in figures.LEAKAGE_KINDS},
    **{f"{name}_share": (name, "base") for name in ("missed", "untouched")},
}
_WIN = {
    "closed": ("", "count"),
    **{state: (state, "count") for state in DEAL_STATES},
    "win_rate": ("", "base"),
    "won_amount": ("won", "amount"),
    "amount_win_rate": ("", "base"),
}
_AGING = {bucket: (bucket, "outstanding") for bucket in BUCKETS}
_SPREAD = {"count": ("", "count"), "median": ("", "base"), "p90": ("", "base")}
_DISCOUNT = {
    "quotes": ("", "count"),
    "list_total": ("", "list_total"),
    "discount": ("", "discount"),
    "average_discount": ("", "base"),
}

# Who may open the page where an entered number is set (``ENTERED``: its URL name).
TARGETS, CAMPAIGNS_ADMIN = "dashboards:targets", "admin:leads_campaign_changelist"

CELLS: dict[str, dict[str, Cell]] = {
    "funnel_stages": {
        "open_count": Cell("stage"),
        "open_amount": Cell("stage", measure="amount"),
        "entered": Cell("entered"),
        "advanced": Cell("entered", "advanced"),
        "conversion": Cell("entered", measure="base"),
    },
    "funnel_leads": {
        "leads": Cell("leads", key="created"),
        "opportunities": Cell("leads", key="converted"),
        "won": Cell("leads", key="won"),
        "lead_to_opportunity": Cell("leads", key="created", measure="base"),
        "opportunity_to_won": Cell("leads", key="converted", measure="base"),
        "lead_to_won": Cell("leads", key="created", measure="base"),
    },
    "leakage_sources": _cells("lead_source", _LEAKAGE),
    "leakage_reps": {
        **_cells("lead_owner", _LEAKAGE),
        "taken_back": Cell("lead_owner", "taken_back"),
    },
    "leakage_reasons": {"count": Cell("lead_reason"), "share": Cell("lead_reason", measure="base")},
    **{
        table: _cells(kind, _WIN)
        for table, kind in (
            ("win_grade", "grade"),
            ("win_owner", "owner"),
            ("win_team", "team"),
            ("win_source", "source"),
        )
    },
    "loss_reasons": {"count": Cell("loss_reason"), "amount": Cell("loss_reason", measure="amount")},
    "competitors": {"count": Cell("competitor"), "amount": Cell("competitor", measure="amount")},
    "forecast_months": {
        "won": Cell("won_month", measure="amount"),
        "pipeline": Cell("forecast_month", "pipeline", "amount"),
        "weighted": Cell("forecast_month", "pipeline", "weighted"),
        "slipped": Cell("forecast_month", "slipped", "amount"),
        "forecast": Cell("forecast_all", measure="forecast"),
        # a manager types it on the targets page: no record makes it
        "target": Cell(TARGETS, measure="entered"),
        # target − forecast, split by cause: the month's deals, for context (no sum makes them)
        **{
            name: Cell("forecast_all", measure="context")
            for name in ("gap", "missing_pipeline", "slipped_dates", "low_conversion")
        },
    },
    # the stays in the stage (a deal back in a stage stayed twice), not the deals
    "cycle_stages": _cells("stays", _SPREAD),
    "cycle_reviews": _cells("review_kind", _SPREAD),
    "cycle_chain": _cells("chain", _SPREAD),
    # One row: its columns are the keys (the aging buckets).
    "receivables_aging": {
        **{bucket: Cell("receivable", measure="outstanding", key=bucket) for bucket in BUCKETS},
        "invoice_count": Cell("receivable", key="total"),
    },
    "receivables_customers": _cells("receivable_customer", _AGING),
    "revenue_months": {
        "recognised": Cell("revenue_month", "recognition", "amount"),
        "reversed": Cell("revenue_month", "reversal", "amount"),
        "net": Cell("revenue_month", measure="amount"),
        "entries": Cell("revenue_month"),
    },
    "product_families": {
        "won": Cell("family_won", measure="family_won"),
        "revenue": Cell("family_revenue", measure="amount"),
    },
    "discount_owner": _cells("quotes_owner", _DISCOUNT),
    "discount_team": _cells("quotes_team", _DISCOUNT),
    "customer_pool_reps": {
        column: Cell(f"pool_{column}") for column in ("recovered", "reclaimed", "untouched")
    },
    "complaint_summary": {
        "opened": Cell("complaints", key="opened"),
        "contracts": Cell("rated_against", key="contracts"),
        "rate_per_contract": Cell("rated_against", key="contracts", measure="base"),
        "customers": Cell("rated_against", key="customers"),
        "rate_per_customer": Cell("rated_against", key="customers", measure="base"),
        "breached": Cell("complaints", key="breached"),
        "breach_share": Cell("complaints", key="opened", measure="base"),
        "resolved": Cell("complaints", key="resolved"),
        "median_hours_to_resolve": Cell("complaints", key="resolved", measure="base"),
        "p90_hours_to_resolve": Cell("complaints", key="resolved", measure="base"),
    },
    "complaint_contracts": {
        "complaints": Cell("complaint_contract"),
        "breached": Cell("complaint_contract", "breached"),
    },
    "complaint_customers": {
        "complaints": Cell("complaint_customer"),
        "breached": Cell("complaint_customer", "breached"),
    },
    "campaign_results": {
        "leads": Cell("campaign"),
        "converted": Cell("campaign", "converted"),
        "conversion": Cell("campaign", measure="base"),
        "pipeline": Cell("campaign", "pipeline", "deal_amount"),
        "won": Cell("campaign", "won_deal", "deal_amount"),
        # set on the campaign (admin): no record makes it
        "budget": Cell(CAMPAIGNS_ADMIN, measure="entered"),
    },
    "tender_results": {
        "count": Cell("tender_result"),
        "amount": Cell("tender_result", measure="price"),
    },
    "tender_win_rate": {
        "decided": Cell("tenders_decided", key="decided"),
        "won": Cell("tender_result", key="won"),
        "lost": Cell("tender_result", key="lost"),
        "win_rate": Cell("tenders_decided", key="decided", measure="base"),
        "won_amount": Cell("tender_result", key="won", measure="price"),
    },
    "tender_bonds": {"count": Cell("tender_bond"), "amount": Cell("tender_bond", measure="bond")},
}


# The row's key field of a table with no row link (``Table.drill``): one number, one list.
ROW_KEYS = {"customer_pool_reps": "key"}


def may_open_entered(user, cell: Cell) -> bool:
    """Whether ``user`` may open the page where an entered number is set."""
    from .services import may_set_targets

    if cell.kind == TARGETS:
        return may_set_targets(user)
    return user.is_staff and user.has_perm("leads.change_campaign")


def ordered(model: str, queryset: QuerySet) -> QuerySet:
    """The records as the drill-down page lists them: newest first, with what a row shows."""
    related, order = _LISTED[model]
    return queryset.select_related(*related).order_by(*order)


_LISTED = {
    drilldown.LEADS: (("owner", "pool"), ("-created_at", "-id")),
    drilldown.COMPLAINTS: (("customer", "contract", "owner"), ("-opened_at", "-id")),
    drilldown.TENDERS: (("opportunity", "opportunity__customer"), ("-id",)),
    drilldown.DEALS: (("customer", "owner", "stage"), ("-id",)),
    INVOICES: (("customer", "contract", "order"), ("-id",)),
    REVENUE: (("customer", "contract", "unit"), ("-recognised_on", "-id")),
    REVIEWS: (("opportunity", "opportunity__customer"), ("-decided_at", "-id")),
    **cell_kinds.LISTED,
}


# The records ------------------------------------------------------------------------------------
def records(figure: FigureRequest, kind: str, key: str, part: str = "") -> tuple[str, QuerySet]:
    """``(model, queryset)`` behind one number: ``drilldown.records`` and the kinds of this
    module, narrowed by ``part``. InvalidInput for an unknown kind, key or part."""
    key, part = (key or "").strip(), (part or "").strip()
    if kind in _OWN_KINDS:
        model, queryset = _OWN_KINDS[kind](figure, key)
    elif kind == "lead_owner" and part == "taken_back":
        return drilldown.LEADS, _taken_back(figure, key)
    else:
        model, queryset = drilldown.records(figure, kind, key)
    return model, _narrowed(figure, model, kind, key, queryset, part)


def _narrowed(figure, model, kind, key, queryset, part) -> QuerySet:
    if not part:
        return queryset
    if model == drilldown.DEALS and part in DEAL_STATES:
        return queryset.filter(state=part)
    if model == drilldown.DEALS and part in ("pipeline", "slipped"):
        past_due = Q(expected_close_date__lt=timezone.localdate())
        return queryset.filter(past_due if part == "slipped" else ~past_due)
    if model == drilldown.DEALS and kind == "entered" and part == "advanced":
        return queryset.filter(_went_on(figure, key))
    if model == drilldown.LEADS and part in _LEAD_DEALS:
        return queryset.filter(_LEAD_DEALS[part])
    if model == drilldown.LEADS and part in figures.LEAKAGE_KINDS:
        return queryset.filter(figures.leakage_filters(timezone.now())[part])
    if model == drilldown.COMPLAINTS and part == "breached":
        from .complaint_figures import _late

        return queryset.filter(_late(timezone.now()))
    if model == INVOICES and part in BUCKETS:
        return _bucket(queryset, part)
    if model == REVENUE and part in ("recognition", "reversal"):
        return queryset.filter(kind=part)
    raise InvalidInput(_("Unknown part of the figure."), "part")


_LEAD_DEALS = {
    "converted": Q(opportunity__isnull=False),
    "pipeline": Q(opportunity__state="open"),
    "won_deal": Q(opportunity__state="won"),
}


def _went_on(figure: FigureRequest, key: str) -> Q:
    """``funnel``'s ``advanced``: won, or reached a later stage of the stage's process."""
    from opportunities.models import Stage

    stage = Stage.objects.filter(pk=int(key)).first()
    if stage is None:
        return Q(pk__in=[])
    later = Stage.objects.filter(process_id=stage.process_id, order__gt=stage.order)
    stays = figure.scope.stage_history().filter(stage__in=later).values("opportunity_id")
    return Q(state="won") | Q(pk__in=stays)


def _taken_back(figure: FigureRequest, key: str) -> QuerySet:
    from leads.models import LeadRecovery

    taken = LeadRecovery.objects.filter(kind=LeadRecovery.Kind.RECOVERED)
    taken = (
        taken.filter(former_owner__isnull=True)
        if key in ("", "None")
        else taken.filter(former_owner_id=drilldown._id(key))
    )
    leads = figures.leads_created(figure.scope, figure.period)
    return leads.filter(pk__in=taken.values("lead_id"))


def _bucket(invoices: QuerySet, bucket: str) -> QuerySet:
    from billing import selectors

    invoices = selectors.open_invoices(invoices)
    if bucket == "total":
        return invoices
    return invoices.filter(selectors.bucket_filters(timezone.localdate())[bucket])


def _receivable(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    if key not in BUCKETS:
        raise InvalidInput(_("Unknown aging bucket."), "key")
    return INVOICES, _bucket(figure.scope.invoices().filter(currency=figure.currency), key)


def _receivable_customer(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    invoices = figure.scope.invoices().filter(
        currency=figure.currency, customer_id=drilldown._id(key)
    )
    return INVOICES, _bucket(invoices, "total")


def _revenue_month(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    month = drilldown._month(key)
    return REVENUE, figure.scope.revenue().filter(period__gte=month.start, period__lt=month.end)


def _review_kind(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    from opportunities.models import ReviewKind

    if key not in ReviewKind.values:
        raise InvalidInput(_("Unknown review kind."), "key")
    period = figure.period
    reviews = figure.scope.reviews().filter(
        decided_at__gte=period.start_at,
        decided_at__lt=period.end_at,
        duration_seconds__isnull=False,
    )
    return REVIEWS, reviews.filter(kind=key)


def _chain(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    if key == "lead_to_win":
        won = figures.won_deals(figure.scope, figure.period)
        return drilldown.DEALS, won.filter(lead__isnull=False)
    if key == "order_to_cash":
        return INVOICES, figures.paid_invoices(figure.scope, figure.period)
    raise InvalidInput(_("Unknown measure."), "key")


def _forecast_all(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    """A month's forecast and gap are over its won deals and its open deals."""
    month = drilldown._month(key)
    won = figures.won_deals(figure.scope, month).values("pk")
    expected = figures.forecast_deals(figure.scope, month).values("pk")
    deals = figure.scope.opportunities().filter(Q(pk__in=won) | Q(pk__in=expected))
    return drilldown.DEALS, deals


def _closed_all(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    return drilldown.DEALS, figures.closed_deals(figure.scope, figure.period)


def _reviews_all(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    period = figure.period
    reviews = figure.scope.reviews().filter(
        decided_at__gte=period.start_at,
        decided_at__lt=period.end_at,
        duration_seconds__isnull=False,
    )
    return REVIEWS, reviews


def _campaign(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    leads = campaigns.campaign_leads(figure.scope, figure.period, key)
    if leads is None:
        raise InvalidInput(_("Unknown campaign or source."), "key")
    return drilldown.LEADS, leads


_OWN_KINDS = {
    "campaign": _campaign,
    "closed_all": _closed_all,
    "reviews_all": _reviews_all,
    "forecast_all": _forecast_all,
    "receivable": _receivable,
    "receivable_customer": _receivable_customer,
    "revenue_month": _revenue_month,
    "review_kind": _review_kind,
    "chain": _chain,
    **cell_kinds.KINDS,
}


def cell_link_params(table: str, column: str, row: dict, row_key: str | None) -> dict | None:
    """The drill-down query of one number (``figure``, ``key``, ``part``, ``measure``), or None
    when the number has no records behind it (a target is entered, not counted)."""
    cell = CELLS.get(table, {}).get(column)
    if cell is None or cell.measure == "entered":
        return None
    row_key = row_key or ROW_KEYS.get(table)
    if cell.key is not None:
        key = cell.key
    elif row_key is not None:
        key = row.get(row_key)
        key = "" if key is None else str(key)
    else:
        return None
    params = {"figure": cell.kind, "key": key}
    if cell.part:
        params["part"] = cell.part
    if cell.measure in MEASURES:
        params["measure"] = cell.measure
    return params
