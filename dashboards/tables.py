"""The tables under the charts: which rows of which figure, with which columns. The pages render
them and ``exports.py`` writes them to CSV and Excel from the same definitions, so a table and
its export always hold the same numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import (
    campaigns,
    complaint_figures,
    customer_pool_figures,
    figures,
    product_figures,
    tender_figures,
)

# A figure function by the name the pages and exports use.
FIGURES: dict[str, Callable] = {
    "funnel": lambda f: figures.funnel(f.scope, f.period, currency=f.currency),
    "leakage": lambda f: figures.leakage(f.scope, f.period),
    "win_rate": lambda f: figures.win_rate(f.scope, f.period, currency=f.currency),
    "forecast": lambda f: figures.forecast(f.scope, f.period, currency=f.currency),
    "cycle_times": lambda f: figures.cycle_times(f.scope, f.period),
    "receivables": lambda f: figures.receivables(f.scope, f.period, currency=f.currency),
    "revenue": lambda f: figures.revenue(f.scope, f.period, currency=f.currency),
    "products": lambda f: product_figures.products(f.scope, f.period, currency=f.currency),
    "complaints": lambda f: complaint_figures.complaints(f.scope, f.period),
    "customer_pool": lambda f: customer_pool_figures.customer_pool(f.scope, f.period),
    "tenders": lambda f: tender_figures.tenders(f.scope, f.period, currency=f.currency),
    "campaigns": lambda f: campaigns.campaign_results(f.scope, f.period, currency=f.currency),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = "text"  # text, count, money, share, days


@dataclass(frozen=True)
class Table:
    name: str
    figure: str
    title: object
    columns: tuple[Column, ...]
    rows: Callable[[dict], list[dict]]
    # How a row leads to its records: (drill-down figure, the row's key field), or None.
    drill: tuple[str, str] | None = None


def C(key, label, kind="text"):
    return Column(key, label, kind)


LEAKAGE_COLUMNS = (
    C("total", _("Leads"), "count"),
    C("missed", _("Follow-up missed"), "count"),
    C("missed_share", _("Missed share"), "share"),
    C("recovered", _("Recovered"), "count"),
    C("recovered_twice", _("Recovered twice or more"), "count"),
    C("disqualified", _("Disqualified"), "count"),
    C("untouched", _("Untouched"), "count"),
    C("untouched_share", _("Untouched share"), "share"),
)
WIN_COLUMNS = (
    C("closed", _("Closed"), "count"),
    C("won", _("Won"), "count"),
    C("lost", _("Lost"), "count"),
    C("abandoned", _("Abandoned"), "count"),
    C("win_rate", _("Win rate"), "share"),
    C("won_amount", _("Won amount"), "money"),
    C("amount_win_rate", _("Win rate by amount"), "share"),
)
SPREAD_COLUMNS = (
    C("count", _("Count"), "count"),
    C("median", _("Median days"), "days"),
    C("p90", _("90th percentile days"), "days"),
)
AGING_COLUMNS = (
    C("not_due", _("Not due"), "money"),
    C("days_0_30", _("0–30 days"), "money"),
    C("days_31_60", _("31–60 days"), "money"),
    C("days_61_90", _("61–90 days"), "money"),
    C("over_90", _("Over 90 days"), "money"),
    C("total", _("Outstanding"), "money"),
)


def _one(key):
    return lambda result: [result[key]]


TABLES = [
    Table(
        "funnel_stages",
        "funnel",
        _("Pipeline per stage"),
        (
            C("name", _("Stage")),
            C("process", _("Process")),
            C("open_count", _("Open deals"), "count"),
            C("open_amount", _("Open amount"), "money"),
            C("entered", _("Entered in the period"), "count"),
            C("advanced", _("Went on"), "count"),
            C("conversion", _("Conversion"), "share"),
        ),
        lambda r: r["stages"],
        drill=("stage", "stage_id"),
    ),
    Table(
        "funnel_leads",
        "funnel",
        _("Lead → opportunity → won"),
        (
            C("leads", _("Leads created"), "count"),
            C("opportunities", _("Became opportunities"), "count"),
            C("won", _("Won"), "count"),
            C("lead_to_opportunity", _("Lead → opportunity"), "share"),
            C("opportunity_to_won", _("Opportunity → won"), "share"),
            C("lead_to_won", _("Lead → won"), "share"),
        ),
        _one("leads"),
    ),
    Table(
        "leakage_sources",
        "leakage",
        _("Leakage by source"),
        (C("label", _("Source")), *LEAKAGE_COLUMNS),
        lambda r: r["by_source"],
        drill=("lead_source", "source"),
    ),
    Table(
        "leakage_reps",
        "leakage",
        _("Leakage by rep"),
        (C("name", _("Rep (now)")), *LEAKAGE_COLUMNS, C("taken_back", _("Taken back"), "count")),
        lambda r: r["by_rep"],
        drill=("lead_owner", "owner"),
    ),
    Table(
        "leakage_reasons",
        "leakage",
        _("Disqualified by reason"),
        (C("label", _("Reason")), C("count", _("Leads"), "count"), C("share", _("Share"), "share")),
        lambda r: r["by_reason"],
        drill=("lead_reason", "reason"),
    ),
    Table(
        "win_grade",
        "win_rate",
        _("Win rate by grade"),
        (C("label", _("Grade")), *WIN_COLUMNS),
        lambda r: r["by_grade"],
        drill=("grade", "grade"),
    ),
    Table(
        "win_owner",
        "win_rate",
        _("Win rate by rep"),
        (C("name", _("Rep")), *WIN_COLUMNS),
        lambda r: r["by_owner"],
        drill=("owner", "owner"),
    ),
    Table(
        "win_team",
        "win_rate",
        _("Win rate by team"),
        (C("name", _("Team")), *WIN_COLUMNS),
        lambda r: r["by_team"],
        drill=("team", "team"),
    ),
    Table(
        "win_source",
        "win_rate",
        _("Win rate by lead source"),
        (C("label", _("Source")), *WIN_COLUMNS),
        lambda r: r["by_source"],
        drill=("source", "source"),
    ),
    Table(
        "loss_reasons",
        "win_rate",
        _("Loss reasons"),
        (
            C("label", _("Reason")),
            C("count", _("Deals"), "count"),
            C("amount", _("Amount"), "money"),
        ),
        lambda r: r["loss_reasons"],
        drill=("loss_reason", "reason"),
    ),
    Table(
        "competitors",
        "win_rate",
        _("Competitors that won"),
        (
            C("competitor", _("Competitor")),
            C("count", _("Deals lost"), "count"),
            C("amount", _("Amount"), "money"),
        ),
        lambda r: r["competitors"],
        drill=("competitor", "competitor"),
    ),
    Table(
        "forecast_months",
        "forecast",
        _("Forecast against target"),
        (
            C("month", _("Month")),
            C("target", _("Target"), "money"),
            C("won", _("Won"), "money"),
            C("weighted", _("Weighted pipeline"), "money"),
            C("forecast", _("Forecast"), "money"),
            C("gap", _("Gap"), "money"),
            C("missing_pipeline", _("Missing pipeline"), "money"),
            C("slipped_dates", _("Slipped dates"), "money"),
            C("low_conversion", _("Low conversion"), "money"),
            C("pipeline", _("Open pipeline"), "money"),
            C("slipped", _("Past due"), "money"),
        ),
        lambda r: r["months"],
        drill=("forecast_month", "month"),
    ),
    Table(
        "cycle_stages",
        "cycle_times",
        _("Days per stage"),
        (C("name", _("Stage")), C("process", _("Process")), *SPREAD_COLUMNS),
        lambda r: r["stages"],
        drill=("stayed", "stage_id"),
    ),
    Table(
        "cycle_reviews",
        "cycle_times",
        _("Review flow time"),
        (C("label", _("Review")), *SPREAD_COLUMNS),
        lambda r: r["reviews"],
        drill=("review_kind", "kind"),
    ),
    Table(
        "cycle_chain",
        "cycle_times",
        _("Lead to win and order to cash"),
        (C("label", _("Measure")), *SPREAD_COLUMNS),
        lambda r: [
            {"chain": "lead_to_win", "label": _("Lead to win"), **r["lead_to_win"]},
            {"chain": "order_to_cash", "label": _("Order to cash"), **r["order_to_cash"]},
        ],
        drill=("chain", "chain"),
    ),
    Table(
        "receivables_aging",
        "receivables",
        _("Receivables aging"),
        (*AGING_COLUMNS, C("invoice_count", _("Open invoices"), "count")),
        _one("aging"),
    ),
    Table(
        "receivables_customers",
        "receivables",
        _("Receivables by customer"),
        (C("name", _("Customer")), *AGING_COLUMNS),
        lambda r: r["customers"],
        drill=("receivable_customer", "customer"),
    ),
    Table(
        "revenue_months",
        "revenue",
        _("Revenue recognised per month"),
        (
            C("month", _("Month")),
            C("recognised", _("Recognised"), "money"),
            C("reversed", _("Reversed"), "money"),
            C("net", _("Net"), "money"),
            C("entries", _("Entries"), "count"),
        ),
        lambda r: r["months"],
        drill=("revenue_month", "month"),
    ),
]
DISCOUNT_COLUMNS = (
    C("quotes", _("Quotes sent"), "count"),
    C("list_total", _("List total"), "money"),
    C("discount", _("Discount"), "money"),
    C("average_discount", _("Average discount off list (%)"), "count"),
)
TABLES += [
    Table(
        "product_families",
        "products",
        _("Won and revenue by product family"),
        (
            C("name", _("Product family")),
            C("won", _("Won"), "money"),
            C("revenue", _("Revenue"), "money"),
        ),
        lambda r: r["families"],
        drill=("family", "family"),
    ),
    Table(
        "discount_owner",
        "products",
        _("Average discount off list by rep"),
        (C("name", _("Rep")), *DISCOUNT_COLUMNS),
        lambda r: r["discount_by_owner"],
        drill=("discount_owner", "key"),
    ),
    Table(
        "discount_team",
        "products",
        _("Average discount off list by team"),
        (C("name", _("Team")), *DISCOUNT_COLUMNS),
        lambda r: r["discount_by_team"],
        drill=("discount_team", "key"),
    ),
]
COMPLAINT_COLUMNS = (
    C("complaints", _("Complaints"), "count"),
    C("breached", _("SLA breached"), "count"),
)
TABLES += [
    Table(
        "complaint_summary",
        "complaints",
        _("Complaint rate, SLA breaches and time to resolve"),
        (
            C("opened", _("Complaints opened"), "count"),
            C("contracts", _("Contracts signed"), "count"),
            C("rate_per_contract", _("Complaints per contract"), "count"),
            C("customers", _("Customers with a contract"), "count"),
            C("rate_per_customer", _("Complaints per customer"), "count"),
            C("breached", _("SLA breached"), "count"),
            C("breach_share", _("Breach share"), "share"),
            C("resolved", _("Resolved"), "count"),
            C("median_hours_to_resolve", _("Median hours to resolve"), "days"),
            C("p90_hours_to_resolve", _("90th percentile hours to resolve"), "days"),
        ),
        lambda r: [r["summary"]],
        drill=("complaints", "key"),
    ),
    Table(
        "complaint_contracts",
        "complaints",
        _("Complaints by contract"),
        (
            C("contract__number", _("Contract")),
            C("customer__name", _("Customer")),
            *COMPLAINT_COLUMNS,
        ),
        lambda r: r["by_contract"],
        drill=("complaint_contract", "contract"),
    ),
    Table(
        "complaint_customers",
        "complaints",
        _("Complaints by customer"),
        (C("customer__name", _("Customer")), *COMPLAINT_COLUMNS),
        lambda r: r["by_customer"],
        drill=("complaint_customer", "customer"),
    ),
]
TABLES.append(
    Table(
        "customer_pool_reps",
        "customer_pool",
        _("Customer pool by rep"),
        (
            C("name", _("Rep")),
            C("recovered", _("Customers recovered"), "count"),
            C("reclaimed", _("Customers reclaimed from the pool"), "count"),
            C("untouched", _("Customers held untouched"), "count"),
        ),
        lambda r: r["reps"],
    )
)
TABLES += [
    Table(
        "tender_results",
        "tenders",
        _("Tenders by result"),
        (
            C("name", _("Result")),
            C("count", _("Tenders"), "count"),
            C("amount", _("Submitted price"), "money"),
        ),
        lambda r: r["results"],
        drill=("tender_result", "key"),
    ),
    Table(
        "tender_win_rate",
        "tenders",
        _("Bid win rate"),
        (
            C("decided", _("Decided"), "count"),
            C("won", _("Won"), "count"),
            C("lost", _("Lost"), "count"),
            C("win_rate", _("Win rate"), "share"),
            C("won_amount", _("Won at"), "money"),
        ),
        _one("summary"),
    ),
    Table(
        "tender_bonds",
        "tenders",
        _("Bid bonds outstanding"),
        (
            C("name", _("Bond")),
            C("count", _("Tenders"), "count"),
            C("amount", _("Outstanding"), "money"),
        ),
        lambda r: r["bonds"],
        drill=("tender_bond", "key"),
    ),
]
TABLES.append(
    Table(
        "campaign_results",
        "campaigns",
        _("Campaign results"),
        (
            C("name", _("Campaign")),
            C("source_label", _("Source")),
            C("leads", _("Leads"), "count"),
            C("converted", _("Became opportunities"), "count"),
            C("conversion", _("Conversion"), "share"),
            C("pipeline", _("Open pipeline"), "money"),
            C("won", _("Won"), "money"),
            C("budget", _("Budget"), "money"),
        ),
        lambda r: r["rows"],
        drill=("campaign", "key"),
    )
)
TABLES_BY_NAME = {table.name: table for table in TABLES}
