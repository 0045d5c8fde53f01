"""The records of the table numbers that are not deals, leads or invoices: the contracts and
revenue entries of a product family, the quotes of the discount tables, the stage stays of "days
per stage", the customer pool's recoveries and customers, the decided tenders and the contracts
and customers complaints are rated against. ``cells.py`` names them in ``CELLS``; each kind is
``kind(figure, key) -> (model, queryset)`` over the same querysets the figure counts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput

from . import complaint_figures, customer_pool_figures, drilldown, product_figures, tender_figures
from .figures import _in
from .params import FigureRequest

CONTRACTS, QUOTES, STAYS = "contracts", "quotes", "stays"
RECOVERIES, CUSTOMERS = "customer_recoveries", "customers"


def _family_key(key: str) -> str:
    return str(drilldown._id(key)) if key else ""


def _family_won(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    key = _family_key(key)
    contracts = product_figures.family_contracts(figure.scope, figure.period, key, figure.currency)
    return CONTRACTS, contracts


def _family_revenue(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    key = _family_key(key)
    revenue = product_figures.family_revenue(figure.scope, figure.period, key, figure.currency)
    return "revenue", revenue


def _quotes(group: str):
    def kind(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
        if key not in ("", "None"):
            drilldown._id(key)
        return QUOTES, product_figures.discount_quotes(
            figure.scope, figure.period, group, key, figure.currency
        )

    return kind


def _stays(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    """The stays in a stage that ended in the period: what "days per stage" counts (a deal that
    came back to the stage stayed twice)."""
    stays = figure.scope.stage_history().filter(_in(figure.period, "exited_at"))
    return STAYS, stays.filter(stage_id=drilldown._id(key))


def _pool(column: str):
    model = CUSTOMERS if column == "untouched" else RECOVERIES
    records, field = customer_pool_figures.RECORDS[column]

    def kind(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
        found = records(figure.scope, figure.period)
        return model, found.filter(**{f"{field}_id": drilldown._id(key)})

    return kind


def _tenders_decided(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    return drilldown.TENDERS, tender_figures.decided_tenders(figure.scope, figure.period)


def _rated_against(figure: FigureRequest, key: str) -> tuple[str, QuerySet]:
    """The contracts (``key`` contracts) or their customers (``customers``) complaints are rated
    against: signed by the end of the period."""
    from ltc.customers.models import Customer

    contracts = complaint_figures.signed_contracts(figure.scope, figure.period)
    if key == "contracts":
        return CONTRACTS, contracts
    if key == "customers":
        return CUSTOMERS, Customer.objects.filter(pk__in=contracts.values("customer_id"))
    raise InvalidInput(_("Unknown complaint figure."), "key")


KINDS = {
    "family_won": _family_won,
    "family_revenue": _family_revenue,
    "quotes_owner": _quotes("owner"),
    "quotes_team": _quotes("team"),
    "stays": _stays,
    **{f"pool_{column}": _pool(column) for column in customer_pool_figures.RECORDS},
    "tenders_decided": _tenders_decided,
    "rated_against": _rated_against,
}

# How the records page lists them: (select_related, order_by).
LISTED = {
    CONTRACTS: (("customer", "opportunity"), ("-signed_on", "-id")),
    QUOTES: (("opportunity", "opportunity__customer", "opportunity__owner"), ("-sent_at", "-id")),
    STAYS: (("opportunity", "opportunity__customer", "stage"), ("-exited_at", "-id")),
    RECOVERIES: (("customer", "former_owner", "reclaimed_by"), ("-at", "-id")),
    CUSTOMERS: (("owner",), ("name", "id")),
}

# The sums each of them has (by model label), besides a count.
SUMS = {
    "contracts.Contract": ("family_won",),
    "contracts.Quote": ("list_total", "discount"),
}


def family_won(queryset: QuerySet, key: str) -> object:
    """The listed contracts' shares of the family ``key`` (a sum no SQL aggregate makes: each
    contract's amount spread over its quote's families, as ``product_figures.products``)."""
    return product_figures.family_won(queryset, _family_key(key))
