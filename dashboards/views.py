"""The dashboard pages: the manager's (company, teams, any rep of the subtree), the rep's own,
the drill-down lists behind the bars, the exports and the targets form. Every number comes from
``figures.py`` through ``tables.py``; the views only arrange it into charts and tables."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ltc.core.errors import InvalidInput
from ltc.org.models import Role, Team, User

from . import cells, exports, figures, partner_figures
from .forms import TargetForm
from .models import SalesTarget
from .pages import campaign_charts, kpi_tiles, lead_charts, sticky_filters
from .params import FigureRequest, figure_request
from .scope import may_see_manager_dashboard, sees_company
from .services import may_set_targets, set_target, target_teams_and_reps
from .tables import FIGURES, TABLES_BY_NAME

PAGE_SIZE = 50
FILTER_KEYS = ("period", "from", "to", "team", "owner", "currency")

SECTIONS = [
    ("funnel", gettext_lazy("Funnel"), ["funnel_stages", "funnel_leads"]),
    ("forecast", gettext_lazy("Forecast against target"), ["forecast_months"]),
    (
        "leakage",
        gettext_lazy("Lead leakage"),
        ["leakage_sources", "leakage_reps", "leakage_reasons"],
    ),
    (
        "win_rate",
        gettext_lazy("Win rate"),
        ["win_grade", "win_owner", "win_team", "win_source", "loss_reasons", "competitors"],
    ),
    ("cycle_times", gettext_lazy("Cycle times"), ["cycle_stages", "cycle_reviews", "cycle_chain"]),
    ("receivables", gettext_lazy("Receivables"), ["receivables_aging", "receivables_customers"]),
    ("revenue", gettext_lazy("Revenue"), ["revenue_months"]),
    (
        "products",
        gettext_lazy("Products and discounts"),
        ["product_families", "discount_owner", "discount_team"],
    ),
    (
        "complaints",
        gettext_lazy("Complaints and after-sales"),
        ["complaint_summary", "complaint_contracts", "complaint_customers"],
    ),
    ("customer_pool", gettext_lazy("Customer pool"), ["customer_pool_reps"]),
    ("tenders", gettext_lazy("Tenders"), ["tender_results", "tender_win_rate", "tender_bonds"]),
    ("campaigns", gettext_lazy("Campaign results"), ["campaign_results"]),
]
# Marketing sees every lead but no deal: the leads' funnel, their leakage and the campaigns
# (the deal figures would be empty panels).
LEAD_SECTIONS = [
    ("funnel", gettext_lazy("Lead funnel"), ["funnel_leads"]),
    ("leakage", gettext_lazy("Lead leakage"), ["leakage_sources", "leakage_reasons"]),
    ("campaigns", gettext_lazy("Campaign results"), ["campaign_results"]),
]
# not on a rep's own dashboard
TEAM_TABLES = {"leakage_reps", "win_owner", "win_team", "discount_owner", "discount_team"}


def _filters(figure: FigureRequest, params) -> dict[str, str]:
    """The filters that ask for the same figures again (for links, exports and drill-downs)."""
    kept = {key: params.get(key) for key in ("period", "from", "to", "currency") if params.get(key)}
    kept.update(figure.scope.query_params())
    return kept


def _url(name: str, filters: dict, **extra) -> str:
    return reverse(name) + "?" + urlencode({**filters, **extra})


def _request(request, *, mine: bool):
    """The figure request of a page and the query it was built from. A malformed filter is
    reported and dropped (the page shows the defaults for it); a team or person outside the
    viewer's scope is a 404."""
    params = request.GET.copy()
    if mine:
        # One's own dashboard: asking it for a team or someone else is asking outside it.
        if params.get("team") or params.get("owner", str(request.user.pk)) != str(request.user.pk):
            raise Http404("scope")
        params["owner"] = str(request.user.pk)
    for _attempt in FILTER_KEYS:
        try:
            return figure_request(request.user, params), params
        except InvalidInput as exc:
            messages.error(request, _error_text(exc))
            dropped = [exc.field] if exc.field in params else list(FILTER_KEYS)
            if exc.field in ("from", "to"):
                dropped = ["period", "from", "to"]
            for key in dropped:
                params.pop(key, None)
    return figure_request(request.user, {}), {}


def _error_text(exc: InvalidInput) -> str:
    return "; ".join(force_str(m) for m in exc.as_dict().get(exc.field, [exc.detail]))


# Charts: how each section's figure is drawn (categories, series, and the bar's records).
def _drill(filters, kind, key):
    return _url("dashboards:records", filters, figure=kind, key="" if key is None else key)


def _charts(name: str, result: dict, filters: dict, mine: bool) -> list[dict]:
    if name == "funnel":
        stages = [s for s in result["stages"] if s["open_count"] or s["entered"]]
        return [
            {
                "id": "chart-funnel",
                "title": _("Open pipeline per stage"),
                "categories": [s["name"] for s in stages],
                "series": [
                    {"name": _("Open amount"), "data": [s["open_amount"] for s in stages]},
                    {
                        "name": _("Conversion %"),
                        "line": True,
                        "percent": True,
                        "data": [s["conversion"] for s in stages],
                    },
                ],
                "links": [_drill(filters, "stage", s["stage_id"]) for s in stages],
            }
        ]
    if name == "forecast":
        months = result["months"]
        return [
            {
                "id": "chart-forecast",
                "title": _("Won and weighted pipeline against the target, with the gap's causes"),
                "categories": [m["month"] for m in months],
                "series": [
                    {"name": _("Won"), "stack": "f", "data": [m["won"] for m in months]},
                    {
                        "name": _("Weighted pipeline"),
                        "stack": "f",
                        "data": [m["weighted"] for m in months],
                    },
                    {
                        "name": _("Low conversion"),
                        "stack": "f",
                        "data": [m["low_conversion"] for m in months],
                    },
                    {
                        "name": _("Slipped dates"),
                        "stack": "f",
                        "data": [m["slipped_dates"] for m in months],
                    },
                    {
                        "name": _("Missing pipeline"),
                        "stack": "f",
                        "data": [m["missing_pipeline"] for m in months],
                    },
                    {"name": _("Target"), "line": True, "data": [m["target"] for m in months]},
                ],
                "links": [_drill(filters, "forecast_month", m["month"]) for m in months],
            }
        ]
    if name == "leakage":
        rows = result["by_source"]
        return [
            {
                "id": "chart-leakage",
                "title": _("Where the period's leads leak, by source"),
                "categories": [r["label"] for r in rows],
                "series": [
                    {"name": _("Follow-up missed"), "data": [r["missed"] for r in rows]},
                    {"name": _("Recovered"), "data": [r["recovered"] for r in rows]},
                    {"name": _("Disqualified"), "data": [r["disqualified"] for r in rows]},
                    {"name": _("Untouched"), "data": [r["untouched"] for r in rows]},
                ],
                "links": [_drill(filters, "lead_source", r["source"]) for r in rows],
            }
        ]
    if name == "win_rate":
        charts = [
            {
                "id": "chart-win-grade",
                "title": _("Win rate by grade"),
                "categories": [r["grade"] for r in result["by_grade"]],
                "series": [
                    {
                        "name": _("Win rate"),
                        "percent": True,
                        "data": [r["win_rate"] for r in result["by_grade"]],
                    }
                ],
                "links": [_drill(filters, "grade", r["grade"]) for r in result["by_grade"]],
            },
            {
                "id": "chart-loss",
                "title": _("Loss reasons"),
                "categories": [r["label"] for r in result["loss_reasons"]],
                "series": [
                    {"name": _("Deals"), "data": [r["count"] for r in result["loss_reasons"]]}
                ],
                "links": [
                    _drill(filters, "loss_reason", r["reason"]) for r in result["loss_reasons"]
                ],
            },
        ]
        if not mine:
            charts.insert(
                1,
                {
                    "id": "chart-win-owner",
                    "title": _("Win rate by rep"),
                    "categories": [r["name"] for r in result["by_owner"]],
                    "series": [
                        {
                            "name": _("Win rate"),
                            "percent": True,
                            "data": [r["win_rate"] for r in result["by_owner"]],
                        }
                    ],
                    "links": [_drill(filters, "owner", r["owner"]) for r in result["by_owner"]],
                },
            )
        return charts
    if name == "cycle_times":
        stages = [s for s in result["stages"] if s["count"]]
        return [
            {
                "id": "chart-cycle",
                "title": _("Days per stage"),
                "categories": [s["name"] for s in stages],
                "series": [
                    {"name": _("Median days"), "data": [s["median"] for s in stages]},
                    {"name": _("90th percentile days"), "data": [s["p90"] for s in stages]},
                ],
                "links": [_drill(filters, "stayed", s["stage_id"]) for s in stages],
            }
        ]
    if name == "receivables":
        aging = result["aging"]
        keys = ["not_due", "days_0_30", "days_31_60", "days_61_90", "over_90"]
        labels = [_("Not due"), _("0–30 days"), _("31–60 days"), _("61–90 days"), _("Over 90 days")]
        return [
            {
                "id": "chart-aging",
                "title": _("Receivables aging"),
                "categories": labels,
                "series": [{"name": _("Outstanding"), "data": [aging[k] for k in keys]}],
                "links": [_drill(filters, "receivable", k) for k in keys],
            }
        ]
    if name == "products":
        families = result["families"]
        return [
            {
                "id": "chart-products",
                "title": _("Won and revenue by product family"),
                "categories": [f["name"] for f in families],
                "series": [
                    {"name": _("Won"), "data": [f["won"] for f in families]},
                    {"name": _("Revenue"), "data": [f["revenue"] for f in families]},
                ],
                "links": [_drill(filters, "family", f["family"]) for f in families],
            }
        ]
    if name == "complaints":
        rows = result["by_severity"]
        return [
            {
                "id": "chart-complaints",
                "title": _("Complaints opened and SLA breaches by severity"),
                "categories": [r["name"] for r in rows],
                "series": [
                    {"name": _("Complaints"), "data": [r["complaints"] for r in rows]},
                    {"name": _("SLA breached"), "data": [r["breached"] for r in rows]},
                ],
                "links": [_drill(filters, "complaint_severity", r["severity"]) for r in rows],
            }
        ]
    if name == "revenue":
        months = result["months"]
        return [
            {
                "id": "chart-revenue",
                "title": _("Revenue recognised per month"),
                "categories": [m["month"] for m in months],
                "series": [{"name": _("Net revenue"), "data": [m["net"] for m in months]}],
                "links": [_drill(filters, "revenue_month", m["month"]) for m in months],
            }
        ]
    return []


def _jsonable(chart: dict) -> dict:
    """Charts go to the page as JSON: amounts as numbers for drawing only (the tables and the
    exports carry the exact decimals)."""

    def number(value):
        return None if value is None else float(value)

    return {
        **chart,
        "title": force_str(chart["title"]),
        "categories": [force_str(c) for c in chart["categories"]],
        "series": [
            {**s, "name": force_str(s["name"]), "data": [number(v) for v in s["data"]]}
            for s in chart["series"]
        ],
    }


def _cell_link(filters: dict, table, column: str, row: dict, user) -> str | None:
    cell = cells.CELLS.get(table.name, {}).get(column)
    if cell is not None and cell.measure == "entered":  # typed by a person: where it is set
        return reverse(cell.kind) if cells.may_open_entered(user, cell) else None
    params = cells.cell_link_params(
        table.name, column, row, table.drill[1] if table.drill else None
    )
    return None if params is None else _url("dashboards:records", filters, **params)


def _table(name: str, result: dict, filters: dict, user) -> dict:
    """A table's rows: each number with the link to the records behind it (``cells.py``)."""
    table = TABLES_BY_NAME[name]
    rows = []
    for row, values in zip(table.rows(result), exports.table_rows(table, result), strict=True):
        link = _drill(filters, table.drill[0], row.get(table.drill[1])) if table.drill else None
        cells = [
            (value, column.kind, _cell_link(filters, table, column.key, row, user))
            for value, column in zip(values, table.columns, strict=True)
        ]
        rows.append({"cells": cells, "link": link})
    return {
        "name": name,
        "title": table.title,
        "columns": table.columns,
        "rows": rows,
        "csv": _url("dashboards:export", filters, table=name, format="csv"),
        "xlsx": _url("dashboards:export", filters, table=name, format="xlsx"),
    }


def _scope_choices(user) -> tuple[list, list]:
    """The teams and people the filter form offers: what the user may ask for (two queries)."""
    from ltc.org.scoping import managed_team_ids

    if sees_company(user):
        teams = Team.objects.order_by("name")
        people = User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER])
    else:
        ids = managed_team_ids(user)
        teams = Team.objects.filter(pk__in=ids).order_by("name")
        people = User.objects.filter(is_active=True, team_id__in=ids)
    return list(teams), list(people.order_by("username"))


def leads_only(user) -> bool:
    """Marketing: every lead, no deal (``visible_to``), so the dashboard shows the leads."""
    return not user.is_superuser and user.role == Role.MARKETING


def _sections(figure: FigureRequest, filters: dict, *, mine: bool, lead_view: bool) -> list:
    sections = []
    for name, title, tables in LEAD_SECTIONS if lead_view else SECTIONS:
        result = FIGURES[name](figure)
        names = [t for t in tables if not (mine and t in TEAM_TABLES)]
        charts = lead_charts(name, result, filters) if lead_view or name == "campaigns" else None
        if charts is None:
            charts = _charts(name, result, filters, mine)
        sections.append(
            {
                "name": name,
                "title": title,
                "charts": [_jsonable(c) for c in charts],
                "tables": [_table(t, result, filters, figure.scope.viewer) for t in names],
                "result": result,
            }
        )
    return sections


def _render(request, *, mine: bool):
    figure, params = _request(request, mine=mine)
    filters = _filters(figure, params)
    if mine:
        filters["owner"] = str(request.user.pk)  # the drill-downs and exports of my own figures
    lead_view = leads_only(request.user)
    sections = _sections(figure, filters, mine=mine, lead_view=lead_view)
    teams, people = ([], []) if mine else _scope_choices(request.user)
    results = {section["name"]: section["result"] for section in sections}
    context = {
        "title": _("My dashboard") if mine else _("Dashboard"),
        "mine": mine,
        "lead_view": lead_view,
        "query": urlencode(filters),
        "kpis": None if mine or lead_view else kpi_tiles(figure, results, filters),
        "figure": figure,
        "sections": sections,
        "params": {key: request.GET.get(key, "") for key in FILTER_KEYS},
        "teams": teams,
        "people": people,
        "may_set_targets": may_set_targets(request.user),
        "cadence": None if lead_view else figures.visit_cadence(figure.scope),
        "partners": None
        if mine or lead_view
        else partner_figures.partners(figure.scope, figure.period, currency=figure.currency),
    }
    return render(request, "dashboards/dashboard.html", context)


@login_required
def manager_dashboard(request):
    """The figures of the company, a team subtree or one rep, as the viewer's scope allows."""
    if kept := sticky_filters(request, FILTER_KEYS):
        return kept
    if not may_see_manager_dashboard(request.user):
        return _render(request, mine=True)  # a rep, SR or FR: their own figures
    return _render(request, mine=False)


@login_required
def my_dashboard(request):
    """The viewer's own figures: the deals of their triangle, the leads they hold or held."""
    if kept := sticky_filters(request, FILTER_KEYS):
        return kept
    return _render(request, mine=True)


@login_required
def campaigns(request):
    """Campaign results: per campaign and source, what the period's leads became (the scope's
    leads: a rep's own, a manager's teams', the company's for marketing)."""
    mine = not may_see_manager_dashboard(request.user)
    figure, params = _request(request, mine=mine)
    filters = _filters(figure, params)
    result = FIGURES["campaigns"](figure)
    teams, people = ([], []) if mine else _scope_choices(request.user)
    context = {
        "title": _("Campaign results"),
        "mine": mine,
        "figure": figure,
        "params": {key: request.GET.get(key, "") for key in FILTER_KEYS},
        "teams": teams,
        "people": people,
        "charts": [_jsonable(c) for c in campaign_charts(result, filters)],
        "table": _table("campaign_results", result, filters, request.user),
        "open_tables": True,
        "api": reverse("dashboard-campaigns"),
    }
    return render(request, "dashboards/campaigns.html", context)


@login_required
def export(request):
    figure, _params = _request(request, mine=False)
    return exports.export(figure, request.GET.get("table", ""), request.GET.get("format", "csv"))


@login_required
def records(request):
    """The records behind one number, bar or table row, scoped and paginated, with what they
    add up to: their count and, for an amount, their sum (``cells.py``)."""
    figure, params = _request(request, mine=False)
    query = {name: request.GET.get(name, "") for name in ("figure", "key", "part", "measure")}
    try:
        model, queryset = cells.records(figure, query["figure"], query["key"], query["part"])
    except InvalidInput as exc:
        raise Http404(force_str(exc.detail)) from exc
    page = Paginator(cells.ordered(model, queryset), PAGE_SIZE).get_page(request.GET.get("page"))
    filters = _filters(figure, params)
    context = {
        "title": _("Records behind the figure"),
        "model": model,
        "page": page,
        "figure": figure,
        "total": cells.total(queryset, query["measure"], figure.currency, query["key"]),
        "back": _url(
            "dashboards:manager" if may_see_manager_dashboard(request.user) else "dashboards:mine",
            filters,
        ),
        "query": urlencode({**filters, **{k: v for k, v in query.items() if v}}),
    }
    return render(request, "dashboards/records.html", context)


@login_required
def targets(request):
    """Sales targets per month for the teams and reps the user manages (admin: all)."""
    if not may_set_targets(request.user):
        raise Http404("targets")
    teams, reps = target_teams_and_reps(request.user)
    form = TargetForm(request.POST or None, teams=teams, reps=reps)
    if request.method == "POST" and form.is_valid():
        try:
            set_target(by=request.user, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(exc.field if exc.field in form.fields else None, force_str(exc.detail))
        else:
            messages.success(request, _("Target saved."))
            return redirect("dashboards:targets")
    team_ids = [t.pk for t in teams]
    rep_ids = [r.pk for r in reps]
    existing = (
        (
            SalesTarget.objects.filter(team_id__in=team_ids)
            | SalesTarget.objects.filter(owner_id__in=rep_ids)
        )
        .select_related("team", "owner", "entered_by")
        .order_by("-month", "team__name", "owner__username")
    )
    page = Paginator(existing, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboards/targets.html",
        {"title": _("Sales targets"), "form": form, "page": page},
    )
