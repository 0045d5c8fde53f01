"""THE definitions of the dashboard figures. The pages, the API, the exports and the drill-down
lists all call these functions, so they show the same number.

Each figure takes a ``Scope`` (whose records: see ``scope.py``) and a ``Period`` (``periods.py``)
and returns plain dicts and lists. Every number is grouped and summed by the database; Python
only walks the few result groups (stages, months, grades, reasons), never the rows.

Money: amounts are in one currency (``currency``, the company's by default). Records in another
currency still count in the counts but add nothing to the amounts (there is no exchange rate).
Rates are shares between 0 and 1 (``None`` when there is nothing to divide by). Durations are days
with one decimal; percentiles are nearest-rank (``stats.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import DisqualifyReason, LeadRecovery, LeadState, Source
from opportunities.models import (
    Grade,
    LossReason,
    OpportunityState,
    ReviewKind,
    Stage,
)

from .periods import Period, month_start
from .scope import Scope
from .stats import PERCENTILES, days, nearest_rank

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=20, decimal_places=2)
CLOSED = (OpportunityState.WON, OpportunityState.LOST, OpportunityState.ABANDONED)
NO_SOURCE = "direct"  # deals opened without a lead


def default_currency() -> str:
    return settings.LTC_DEFAULT_CURRENCY


def _sum(expression, currency: str, prefix: str = "", extra: Q | None = None):
    condition = Q(**{f"{prefix}currency": currency})
    if extra is not None:
        condition &= extra
    if isinstance(expression, str):
        expression = F(expression)
    return Coalesce(
        Sum(expression, filter=condition, output_field=MONEY), Value(ZERO), output_field=MONEY
    )


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def rate(part, whole) -> float | None:
    """A share between 0 and 1 (four decimals; not money, so a float), None without a whole."""
    return round(float(part) / float(whole), 4) if whole else None


def _in(period: Period, field: str) -> Q:
    """``field`` (a datetime) falls in the period."""
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _on(period: Period, field: str) -> Q:
    """``field`` (a date) falls in the period."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# Funnel -------------------------------------------------------------------------------------------
def open_in_stage(scope: Scope, stage_id: int) -> QuerySet:
    return scope.opportunities().filter(state=OpportunityState.OPEN, stage_id=stage_id)


def entered_stage(scope: Scope, period: Period, stage_id: int) -> QuerySet:
    entered = scope.stage_history().filter(_in(period, "entered_at"), stage_id=stage_id)
    return scope.opportunities().filter(pk__in=entered.values("opportunity_id"))


def leads_created(scope: Scope, period: Period) -> QuerySet:
    return scope.leads().filter(_in(period, "created_at"))


def _one(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def _stage_moves(scope: Scope, period: Period, stages: list) -> dict[int, tuple[int, int]]:
    """``funnel``'s ``entered`` and ``advanced`` per stage id, in two steps: one row per deal with
    flags (won; entered stage S in the period; reached a later stage of S's process, at any
    time), then the sums of the flags. One grouped pass over the stage history instead of a
    lookup of the later stages for every stay."""
    flags = {
        "won": Max(
            Case(When(opportunity__state=OpportunityState.WON, then=_one(1)), default=_one(0))
        )
    }
    sums = {}
    for stage in stages:
        later = [s.pk for s in stages if s.process_id == stage.process_id and s.order > stage.order]
        entered = Q(stage_id=stage.pk) & _in(period, "entered_at")
        flags[f"e{stage.pk}"] = Max(Case(When(entered, then=_one(1)), default=_one(0)))
        went_on = Q(won=1)
        if later:
            flags[f"l{stage.pk}"] = Max(
                Case(When(stage_id__in=later, then=_one(1)), default=_one(0))
            )
            went_on |= Q(**{f"l{stage.pk}": 1})
        sums[f"entered_{stage.pk}"] = Sum(f"e{stage.pk}")
        sums[f"advanced_{stage.pk}"] = Sum(
            Case(When(Q(**{f"e{stage.pk}": 1}) & went_on, then=_one(1)), default=_one(0))
        )
    if not stages:
        return {}
    totals = (
        scope.stage_history()
        .order_by()
        .values("opportunity_id")
        .annotate(**flags)
        .aggregate(**sums)
    )
    return {
        stage.pk: (totals[f"entered_{stage.pk}"] or 0, totals[f"advanced_{stage.pk}"] or 0)
        for stage in stages
    }


def funnel(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    """The pipeline now and how deals moved through it in the period.

    - ``stages``: for every stage of every process, ``open_count`` and ``open_amount`` of the open
      deals sitting in it now; ``entered``: the deals that entered the stage in the period;
      ``advanced``: those of them that later reached any later stage of their process or were won;
      ``conversion`` = advanced / entered. A fast-track deal that jumped from stage 1 to signing
      counts as entered and advanced in stage 1 and is simply absent from the stages it skipped.
    - ``closed``: deals won, lost and abandoned in the period (closed date), count and amount.
    - ``leads``: of the leads created in the period, how many became an opportunity and how many
      of those were won: ``lead_to_opportunity``, ``opportunity_to_won``, ``lead_to_won``.
    """
    currency = currency or default_currency()
    opps = scope.opportunities()
    # COUNT(*), not of the ids: the open deals per stage are then read from opp_state_stage_idx
    # alone (state, stage, amount, currency).
    now_rows = {
        row["stage_id"]: row
        for row in opps.filter(state=OpportunityState.OPEN)
        .order_by()
        .values("stage_id")
        .annotate(count=Count("*"), amount=_sum("amount", currency))
    }
    all_stages = list(
        Stage.objects.select_related("process").order_by(
            "-process__is_default", "process_id", "order"
        )
    )
    moves = _stage_moves(scope, period, all_stages)
    stages = []
    for stage in all_stages:
        held = now_rows.get(stage.pk, {})
        entered, advanced = moves[stage.pk]
        stages.append(
            {
                "stage_id": stage.pk,
                "code": stage.code,
                "name": stage.name,
                "process": stage.process.name,
                "order": stage.order,
                "open_count": held.get("count", 0),
                "open_amount": _money(held.get("amount")),
                "entered": entered,
                "advanced": advanced,
                "conversion": rate(advanced, entered),
            }
        )
    closed = opps.filter(_in(period, "closed_at"), state__in=CLOSED).aggregate(
        **{f"{s}_count": Count("id", filter=Q(state=s)) for s in CLOSED},
        **{f"{s}_amount": _sum("amount", currency, extra=Q(state=s)) for s in CLOSED},
    )
    chain = leads_created(scope, period).aggregate(
        leads=Count("id"),
        opportunities=Count("id", filter=Q(opportunity__isnull=False)),
        won=Count("id", filter=Q(opportunity__state=OpportunityState.WON)),
    )
    return {
        "currency": currency,
        "stages": stages,
        "closed": {
            s.value: {"count": closed[f"{s}_count"], "amount": _money(closed[f"{s}_amount"])}
            for s in CLOSED
        },
        "leads": {
            **chain,
            "lead_to_opportunity": rate(chain["opportunities"], chain["leads"]),
            "opportunity_to_won": rate(chain["won"], chain["opportunities"]),
            "lead_to_won": rate(chain["won"], chain["leads"]),
        },
    }


# Lead leakage -------------------------------------------------------------------------------------
def _recovered_for_deadline() -> QuerySet:
    """The lead's recoveries for a missed deadline (``missed``, with ``_overdue_now``)."""
    return LeadRecovery.objects.filter(lead_id=OuterRef("pk"), kind=LeadRecovery.Kind.RECOVERED)


def _overdue_now(now: datetime) -> Q:
    return Q(state=LeadState.ASSIGNED, follow_up_due_at__lt=now)


def leakage_filters(now: datetime) -> dict[str, Q]:
    """The condition of each leakage count on a lead (see ``leakage``)."""
    return {
        "missed": Q(Exists(_recovered_for_deadline())) | _overdue_now(now),
        "recovered": Q(recovery_count__gte=1),
        "recovered_twice": Q(recovery_count__gte=2),
        "disqualified": Q(state=LeadState.DISQUALIFIED),
        "untouched": Q(state__in=[LeadState.NEW, LeadState.ASSIGNED], follow_up_count=0),
    }


LEAKAGE_KINDS = ("missed", "recovered", "recovered_twice", "disqualified", "untouched")


def _leakage_row(row: dict) -> dict:
    total = row["total"]
    return {
        "total": total,
        "recoveries": row["recoveries"],
        **{name: row[name] for name in LEAKAGE_KINDS},
        **{f"{name}_share": rate(row[name], total) for name in LEAKAGE_KINDS},
    }


def _leakage_groups(leads: QuerySet, now: datetime, reasons: dict[str, Q]) -> list[dict]:
    """``leakage``'s counts per (source, owner) in one read of the leads: the leads joined (LEFT
    JOIN) to the ids of the leads recovered for a missed deadline, one row per lead, so every
    count counts a lead once. ``missed``: so recovered (a joined row) or overdue now; the other
    conditions are ``leakage_filters`` (and ``reasons``) as 0/1 flags computed on the lead. A
    join, not a lookup per lead nor an IN-subquery (which the planner may run per lead)."""
    conditions = {**leakage_filters(now), "missed": _overdue_now(now), **reasons}
    flags = {
        f"f_{name}": Case(When(q, then=_one(1)), default=_one(0)) for name, q in conditions.items()
    }
    inner = (
        leads.order_by()
        .annotate(**flags)
        .values("id", "source", "owner_id", "recovery_count", *flags)
    )
    try:
        inner_sql, inner_params = inner.query.sql_with_params()
    except EmptyResultSet:
        return []
    connection = connections[leads.db]
    quote = connection.ops.quote_name
    counts = {name: f"l.{quote(f'f_{name}')} = 1" for name in conditions if name != "missed"}
    counts["missed"] = f"(r.lead_id IS NOT NULL OR l.{quote('f_missed')} = 1)"
    selects = [
        "COUNT(*) AS total",
        "SUM(COALESCE(l.recovery_count, 0)) AS recoveries",
        *(
            f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {quote(name)}"
            for name, condition in counts.items()
        ),
    ]
    recovered = (
        f"SELECT lead_id FROM {quote(LeadRecovery._meta.db_table)} WHERE kind = %s GROUP BY lead_id"
    )
    sql = (
        f"SELECT l.source, l.owner_id, {', '.join(selects)} FROM ({inner_sql}) l "
        f"LEFT JOIN ({recovered}) r ON r.lead_id = l.id GROUP BY l.source, l.owner_id "
        "ORDER BY l.source"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, LeadRecovery.Kind.RECOVERED])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def leakage_leads(
    scope: Scope, period: Period, kind: str, *, now: datetime | None = None
) -> QuerySet:
    """The leads behind one leakage count (``kind``: one of ``LEAKAGE_KINDS``)."""
    return leads_created(scope, period).filter(leakage_filters(_now(now))[kind])


def leakage(scope: Scope, period: Period, *, now: datetime | None = None) -> dict:
    """Where the leads created in the period leak (线索流失率). For each lead:

    - ``missed``: the pool's follow-up rule was broken at least once — the recovery task took the
      lead back for a missed deadline (first follow-up within the pool's days of the claim, then
      every interval), or it is held now past its deadline;
    - ``recovered``: recovered at least once (``recovered_twice``: twice or more; ``recoveries``
      adds up every recovery, so a lead recovered twice counts 2 there and 1 in ``recovered``);
    - ``disqualified``: closed as disqualified, and ``by_reason`` per reason category;
    - ``untouched``: still open (in the pool or held) with no follow-up logged at all.

    Shares are of ``total``, the leads created in the period. ``by_source`` groups by the lead's
    source. ``by_rep`` groups by the lead's owner now (``null``: in the pool) and adds, per former
    owner, ``taken_back``: the leads of the period the recovery task took from that rep.
    """
    now = _now(now)
    leads = leads_created(scope, period)
    # One read of the leads (``_leakage_groups``): every count per (source, owner), with the
    # disqualified per reason as extra counts. The counts add up, so the totals, the sources and
    # the reps are sums of these groups; sources keep the database's order.
    codes = [code for code, _label in DisqualifyReason.choices]
    disqualified = Q(state=LeadState.DISQUALIFIED)
    per_reason = {
        f"reason_{i}": disqualified & Q(disqualify_reason=code) for i, code in enumerate(codes)
    }
    per_reason["reason_odd"] = disqualified & ~Q(disqualify_reason__in=codes)
    keys = ("total", "recoveries", *LEAKAGE_KINDS)
    sums = dict.fromkeys(keys, 0)
    sources: dict = {}
    held: dict = {}
    reasons = dict.fromkeys(codes, 0)
    odd = 0
    for row in _leakage_groups(leads, now, per_reason):
        for into in (
            sums,
            sources.setdefault(row["source"], {}),
            held.setdefault(row["owner_id"], {}),
        ):
            for key in keys:
                into[key] = into.get(key, 0) + int(row[key] or 0)
        for i, code in enumerate(codes):
            reasons[code] += int(row[f"reason_{i}"] or 0)
        odd += int(row["reason_odd"] or 0)
    reasons = {code: count for code, count in reasons.items() if count}
    if odd:  # reasons outside the list (old or blank codes): counted as they are
        reasons.update(
            leads.filter(disqualified)
            .exclude(disqualify_reason__in=codes)
            .order_by()
            .values_list("disqualify_reason")
            .annotate(count=Count("id"))
        )
    totals = _leakage_row(sums)
    labels = dict(DisqualifyReason.choices)
    by_reason = [
        {
            "reason": code,
            "label": str(labels.get(code, code or "—")),
            "count": count,
            "share": rate(count, totals["total"]),
        }
        for code, count in sorted(reasons.items(), key=lambda item: -item[1])
    ]
    source_labels = dict(Source.choices)
    by_source = [
        {"source": source, "label": str(source_labels.get(source, source)), **_leakage_row(row)}
        for source, row in sources.items()
    ]
    taken = {
        row["former_owner_id"]: row["count"]
        for row in LeadRecovery.objects.filter(
            kind=LeadRecovery.Kind.RECOVERED, lead__in=leads.values("pk")
        )
        .order_by()
        .values("former_owner_id")
        .annotate(count=Count("lead_id", distinct=True))
    }
    names = _user_names(set(held) | set(taken))
    empty = _leakage_row({k: 0 for k in ("total", "recoveries", *LEAKAGE_KINDS)})
    by_rep = []
    for owner_id in sorted(set(held) | set(taken), key=lambda i: (i is None, names.get(i, ""))):
        row = _leakage_row(held[owner_id]) if owner_id in held else dict(empty)
        name = names.get(owner_id, "") if owner_id is not None else str(_("In the pool"))
        row.update(owner=owner_id, name=name, taken_back=taken.get(owner_id, 0))
        by_rep.append(row)
    return {**totals, "by_reason": by_reason, "by_source": by_source, "by_rep": by_rep}


def _user_names(ids: set) -> dict:
    from ltc.org.models import User

    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids)}


# Win rate -----------------------------------------------------------------------------------------
def closed_deals(scope: Scope, period: Period) -> QuerySet:
    """The deals won, lost or abandoned in the period: the population of every win rate."""
    return scope.opportunities().filter(_in(period, "closed_at"), state__in=CLOSED)


def _win_counts(currency: str) -> dict:
    return {
        "closed": Count("id"),
        "won": Count("id", filter=Q(state=OpportunityState.WON)),
        "lost": Count("id", filter=Q(state=OpportunityState.LOST)),
        "abandoned": Count("id", filter=Q(state=OpportunityState.ABANDONED)),
        "won_amount": _sum("amount", currency, extra=Q(state=OpportunityState.WON)),
        "closed_amount": _sum("amount", currency),
    }


def _win_row(row: dict) -> dict:
    return {
        "closed": row["closed"],
        "won": row["won"],
        "lost": row["lost"],
        "abandoned": row["abandoned"],
        "won_amount": _money(row["won_amount"]),
        "closed_amount": _money(row["closed_amount"]),
        "win_rate": rate(row["won"], row["closed"]),
        "amount_win_rate": rate(row["won_amount"], row["closed_amount"]),
    }


# The columns of the closed deals every win-rate grouping reads, and the groupings: (name, key
# columns, extra condition, sort columns). One statement reads the deals once (a CTE) and groups
# them every way (UNION ALL), instead of one scan of the deals per grouping.
_WIN_COLUMNS = (
    ("grade", "grade"),
    ("owner_id", "owner_id"),
    ("team_id", "team_id"),
    ("team_name", "team__name"),
    ("source", "lead__source"),
    ("loss_reason", "loss_reason"),
    ("competitor", "loss_competitor"),
    ("state", "state"),
    ("currency", "currency"),
    ("amount", "amount"),
)
_WIN_GROUPS = (
    ("total", (), "", ()),
    ("grade", ("grade",), "", ("grade",)),
    ("owner", ("owner_id",), "", ()),
    ("team", ("team_id", "team_name"), "", ("team_name",)),
    ("source", ("source",), "", ("source",)),
    ("loss_reason", ("loss_reason",), "state <> 'won'", ("-closed", "loss_reason")),
    (
        "competitor",
        ("competitor",),
        "state = 'lost' AND competitor <> ''",
        ("-closed", "competitor"),
    ),
)


def _win_groups(closed: QuerySet, currency: str) -> dict[str, list[dict]]:
    """``{grouping: [rows]}``: per grouping of ``_WIN_GROUPS`` its rows (key columns and the
    ``_win_counts`` figures), in the grouping's order — the same rows and order as one
    ``values(...).annotate(**_win_counts(currency)).order_by(...)`` query per grouping."""
    connection = connections[closed.db]  # the read replica when the router picks it
    inner, inner_params = (
        closed.order_by().values_list(*(field for _, field in _WIN_COLUMNS)).query.sql_with_params()
    )
    key_names = [name for name, _ in _WIN_COLUMNS if name not in ("state", "currency", "amount")]
    width = len(key_names)
    # A first part that yields no row but gives every key column its type (PostgreSQL types a
    # UNION's bare NULLs from the left).
    parts = [
        f"SELECT -1 AS part, {', '.join(f'{key} AS k{i}' for i, key in enumerate(key_names))}"
        ", 0 AS closed, 0 AS won, 0 AS lost, 0 AS abandoned, amount AS won_amount, amount AS "
        "closed_amount, 0 AS sort_number, grade AS sort_text FROM closed_deals WHERE 1 = 0"
    ]
    params = []
    for number, (_name, keys, condition, ordering) in enumerate(_WIN_GROUPS):
        columns = [key if key in keys else "NULL" for key in key_names]
        sort_number = "-COUNT(*)" if "-closed" in ordering else "0"
        sort_text = next((key for key in ordering if not key.startswith("-")), "NULL")
        parts.append(
            f"SELECT {number} AS part, {', '.join(f'{c} AS k{i}' for i, c in enumerate(columns))}, "
            "COUNT(*) AS closed, "
            "COALESCE(SUM(CASE WHEN state = 'won' THEN 1 ELSE 0 END), 0) AS won, "
            "COALESCE(SUM(CASE WHEN state = 'lost' THEN 1 ELSE 0 END), 0) AS lost, "
            "COALESCE(SUM(CASE WHEN state = 'abandoned' THEN 1 ELSE 0 END), 0) AS abandoned, "
            "SUM(CASE WHEN currency = %s AND state = 'won' THEN amount END) AS won_amount, "
            "SUM(CASE WHEN currency = %s THEN amount END) AS closed_amount, "
            f"{sort_number} AS sort_number, {sort_text} AS sort_text "
            f"FROM closed_deals {'WHERE ' + condition if condition else ''} "
            f"{'GROUP BY ' + ', '.join(keys) if keys else ''}"
        )
        params += [currency, currency]
    names = ", ".join(name for name, _ in _WIN_COLUMNS)
    sql = (
        f"WITH closed_deals ({names}) AS ({inner}) "
        + " UNION ALL ".join(parts)
        + " ORDER BY part, sort_number, sort_text"
    )
    result: dict[str, list[dict]] = {name: [] for name, _, _, _ in _WIN_GROUPS}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *params])
        for row in cursor.fetchall():
            name, keys = _WIN_GROUPS[row[0]][0], _WIN_GROUPS[row[0]][1]
            closed_count, won, lost, abandoned, won_amount, closed_amount = row[
                1 + width : 7 + width
            ]
            result[name].append(
                {
                    **{key: row[1 + key_names.index(key)] for key in keys},
                    "closed": closed_count,
                    "won": won,
                    "lost": lost,
                    "abandoned": abandoned,
                    "won_amount": _money_sum(won_amount),
                    "closed_amount": _money_sum(closed_amount),
                }
            )
    return result


def _money_sum(value) -> Decimal:
    """A raw SQL sum of amounts as the ORM gives it (SQLite answers a float)."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(Decimal("0.01"))


def win_rate(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    """Win rate of the deals closed in the period: ``win_rate`` = won / (won + lost + abandoned),
    ``amount_win_rate`` the same by amount; in total and by grade, rep (the AR), team and lead
    source (``direct`` for deals opened without a lead). ``loss_reasons``: the lost and abandoned
    deals per reason category; ``competitors``: the lost deals per winning competitor (where one
    was named), with their amounts."""
    currency = currency or default_currency()
    groups = _win_groups(closed_deals(scope, period), currency)
    grades = dict(Grade.choices)
    by_grade = [
        {
            "grade": row["grade"],
            "label": str(grades.get(row["grade"], row["grade"])),
            **_win_row(row),
        }
        for row in groups["grade"]
    ]
    by_owner_rows = groups["owner"]
    names = _user_names({row["owner_id"] for row in by_owner_rows})
    by_owner = sorted(
        (
            {"owner": row["owner_id"], "name": names.get(row["owner_id"], ""), **_win_row(row)}
            for row in by_owner_rows
        ),
        key=lambda row: (row["name"], row["owner"]),  # namesakes in id order
    )
    by_team = [
        {"team": row["team_id"], "name": row["team_name"] or "—", **_win_row(row)}
        for row in groups["team"]
    ]
    sources = dict(Source.choices)
    by_source = [
        {
            "source": row["source"] or NO_SOURCE,
            "label": str(sources.get(row["source"], "—")) if row["source"] else "—",
            **_win_row(row),
        }
        for row in groups["source"]
    ]
    reasons = dict(LossReason.choices)
    loss_reasons = [
        {
            "reason": row["loss_reason"],
            "label": str(reasons.get(row["loss_reason"], "—")),
            "count": row["closed"],
            "amount": row["closed_amount"],
        }
        for row in groups["loss_reason"]
    ]
    competitors = [
        {
            "competitor": row["competitor"],
            "count": row["closed"],
            "amount": row["closed_amount"],
        }
        for row in groups["competitor"]
    ]
    return {
        "currency": currency,
        **_win_row(groups["total"][0]),
        "by_grade": by_grade,
        "by_owner": by_owner,
        "by_team": by_team,
        "by_source": by_source,
        "loss_reasons": loss_reasons,
        "competitors": competitors,
    }


def win_rate_deals(scope: Scope, period: Period, dimension: str, key: str) -> QuerySet:
    """The closed deals behind one win-rate row (``grade``, ``owner``, ``team``, ``source``,
    ``loss_reason``, ``competitor``)."""
    closed = closed_deals(scope, period)
    if dimension == "source":
        return (
            closed.filter(lead__isnull=True)
            if key == NO_SOURCE
            else closed.filter(lead__source=key)
        )
    if dimension == "loss_reason":
        return closed.exclude(state=OpportunityState.WON).filter(loss_reason=key)
    if dimension == "competitor":
        return closed.filter(state=OpportunityState.LOST, loss_competitor=key)
    field = {"grade": "grade", "owner": "owner_id", "team": "team_id"}[dimension]
    if dimension in ("owner", "team") and key in ("", "None"):
        return closed.filter(**{f"{field}__isnull": True})
    return closed.filter(**{field: key})


# Forecast -----------------------------------------------------------------------------------------
def forecast_deals(scope: Scope, period: Period) -> QuerySet:
    """The open deals expected to close in the period (by ``expected_close_date``)."""
    return scope.opportunities().filter(
        _on(period, "expected_close_date"), state=OpportunityState.OPEN
    )


def won_deals(scope: Scope, period: Period) -> QuerySet:
    return scope.opportunities().filter(_in(period, "closed_at"), state=OpportunityState.WON)


def targets_by_month(scope: Scope, period: Period, currency: str) -> dict[date, Decimal]:
    """The scope's target per month.

    - a rep: the rep's own targets;
    - a team or a manager's teams: the targets entered for the top teams of the scope (a team
      whose parent is outside the scope: for one team, the team itself); in a month where none of
      them has a target, the sum of the targets of the reps in the scope's teams;
    - the company: the same, with the root teams (no parent) as the top teams.
    Targets in another currency are left out.
    """
    from .models import SalesTarget

    base = SalesTarget.objects.filter(
        month__gte=month_start(period.start), month__lt=period.end, currency=currency
    )
    if scope.owner is not None:
        rows = base.filter(owner=scope.owner).values_list("month").annotate(total=Sum("amount"))
        return {month: _money(total) for month, total in rows}
    if scope.team is not None:
        top = Q(team=scope.team)
        members = Q(owner__team_id__in=scope.team_ids)
    elif scope.team_ids is not None:
        top = Q(team_id__in=scope.team_ids) & ~Q(team__parent_id__in=scope.team_ids)
        members = Q(owner__team_id__in=scope.team_ids)
    else:
        top = Q(team__parent__isnull=True, team__isnull=False)
        members = Q(owner__isnull=False)
    teams = dict(base.filter(top).order_by().values_list("month").annotate(total=Sum("amount")))
    reps = dict(base.filter(members).order_by().values_list("month").annotate(total=Sum("amount")))
    return {month: _money(teams.get(month, reps.get(month))) for month in set(teams) | set(reps)}


def forecast(
    scope: Scope, period: Period, *, currency: str | None = None, today: date | None = None
) -> dict:
    """The weighted forecast per month against the target (智慧漏斗), with the gap's causes.

    Per month m of the period:
    - ``won``: amount of the deals won in m (closed date);
    - ``pipeline``: the open deals expected to close in m whose expected close date has not passed
      yet (today or later), in full; ``weighted``: the same deals × their win probability;
    - ``slipped``: the open deals expected in m whose expected close date has already passed —
      they are still open after the day they should have closed, so the forecast ignores them;
    - ``forecast`` = won + weighted; ``target``: see ``targets_by_month``;
    - ``gap`` = target − forecast when positive, else 0. It is split into three causes that add up
      to it, in this order:
      ``missing_pipeline`` = target − won − pipeline − slipped, when positive: not even every open
      deal closing in full would reach the target — more pipeline is needed;
      ``slipped_dates`` = the part of the rest that the slipped deals would cover (at most their
      amount): deals whose dates slipped, to be re-dated or pushed;
      ``low_conversion`` = what is left, at most pipeline − weighted: the current deals would fill
      it if they closed in full, but their win probability says they will not all close.
    The totals add the months.
    """
    currency = currency or default_currency()
    today = today or timezone.localdate()
    past_due = Q(expected_close_date__lt=today)
    weighted_amount = ExpressionWrapper(
        F("amount") * F("probability") / Value(Decimal("100")), output_field=MONEY
    )
    open_rows = {
        row["month"]: row
        for row in forecast_deals(scope, period)
        .annotate(month=TruncMonth("expected_close_date", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(
            count=Count("id"),
            pipeline=_sum("amount", currency, extra=~past_due),
            weighted=_sum(weighted_amount, currency, extra=~past_due),
            slipped=_sum("amount", currency, extra=past_due),
            slipped_count=Count("id", filter=past_due),
        )
    }
    won_rows = {
        row["month"]: row
        for row in won_deals(scope, period)
        .annotate(month=TruncMonth("closed_at", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("id"), amount=_sum("amount", currency))
    }
    targets = targets_by_month(scope, period, currency)
    months = []
    keys = (
        "target",
        "won",
        "pipeline",
        "weighted",
        "slipped",
        "forecast",
        "gap",
        "missing_pipeline",
        "slipped_dates",
        "low_conversion",
    )
    totals = {key: ZERO for key in keys}
    for month in period.months():
        row, won = open_rows.get(month, {}), won_rows.get(month, {})
        entry = gap_causes(
            target=targets.get(month, ZERO),
            won=_money(won.get("amount")),
            pipeline=_money(row.get("pipeline")),
            weighted=_money(row.get("weighted")),
            slipped=_money(row.get("slipped")),
        )
        entry.update(
            month=month.strftime("%Y-%m"),
            open_count=row.get("count", 0),
            slipped_count=row.get("slipped_count", 0),
            won_count=won.get("count", 0),
        )
        months.append(entry)
        for key in keys:
            totals[key] += entry[key]
    return {"currency": currency, "months": months, "totals": totals}


def gap_causes(
    *, target: Decimal, won: Decimal, pipeline: Decimal, weighted: Decimal, slipped: Decimal
) -> dict:
    """One month of ``forecast``: the forecast, the gap and its three causes (see there)."""
    forecast_amount = won + weighted
    gap = max(ZERO, target - forecast_amount)
    missing = max(ZERO, target - won - pipeline - slipped)
    slipped_part = min(slipped, gap - missing) if gap > missing else ZERO
    return {
        "target": target,
        "won": won,
        "pipeline": pipeline,
        "weighted": weighted,
        "slipped": slipped,
        "forecast": forecast_amount,
        "gap": gap,
        "missing_pipeline": min(missing, gap),
        "slipped_dates": slipped_part,
        "low_conversion": max(ZERO, gap - missing - slipped_part),
    }


# Cycle times --------------------------------------------------------------------------------------
def _duration(end: str, start: str):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _spread(entry: dict | None, convert=days) -> dict:
    entry = entry or {}
    return {
        "count": entry.get("count", 0),
        "median": convert(entry.get(50)),
        "p90": convert(entry.get(90)),
    }


def cycle_times(scope: Scope, period: Period) -> dict:
    """How long things take, as median and 90th percentile days (nearest rank):

    - ``stages``: time spent in each stage, over the stage stays that ended in the period (from
      entering the stage to leaving it; a deal that skipped a stage has no stay there);
    - ``reviews``: document flow time per review kind — requested to decided — over the reviews
      decided in the period;
    - ``lead_to_win``: from the lead's creation to the win, over the deals won in the period that
      came from a lead;
    - ``order_to_cash``: see ``order_to_cash_days``.
    """
    stays = nearest_rank(
        scope.stage_history().filter(_in(period, "exited_at")),
        _duration("exited_at", "entered_at"),
        group="stage_id",
    )
    stages = [
        {
            "stage_id": stage.pk,
            "code": stage.code,
            "name": stage.name,
            "process": stage.process.name,
            **_spread(stays.get(stage.pk)),
        }
        for stage in Stage.objects.select_related("process").order_by(
            "-process__is_default", "process_id", "order"
        )
    ]
    flows = nearest_rank(
        scope.reviews().filter(_in(period, "decided_at"), duration_seconds__isnull=False),
        F("duration_seconds"),
        group="kind",
    )
    kinds = dict(ReviewKind.choices)
    reviews = [
        {"kind": kind, "label": str(label), **_spread(flows.get(kind))}
        for kind, label in kinds.items()
    ]
    lead_to_win = nearest_rank(
        won_deals(scope, period).filter(lead__isnull=False),
        _duration("closed_at", "lead__created_at"),
    )
    return {
        "stages": stages,
        "reviews": reviews,
        "lead_to_win": _spread(lead_to_win.get(None)),
        "order_to_cash": order_to_cash_days(scope, period),
    }


def paid_invoices(scope: Scope, period: Period) -> QuerySet:
    """The invoices paid in full in the period (``paid_on``), with their order-to-cash days."""
    return scope.invoices().filter(_on(period, "paid_on"), cash_days__isnull=False)


def order_to_cash_days(scope: Scope, period: Period) -> dict:
    """Order-to-cash days (billing's ``cash_days``): from the day the work started — the order
    date, or the contract's signing date for a milestone invoice — to the day the invoice was paid
    in full, over the invoices paid in full in the period. A payment split over several invoices
    pays each on its own date; an invoice paid by several payments counts once, on the day the last
    one settled it. Median and 90th percentile (nearest rank) and billing's average."""
    from billing import selectors

    invoices = paid_invoices(scope, period)
    # The nearest ranks of ``stats.nearest_rank`` and billing's average in one statement: the
    # average is one more window over the same rows.
    wanted = [(p * F("_n") + 99) / 100 for p in PERCENTILES]
    rows = list(
        invoices.order_by()
        .annotate(
            _rank=Window(RowNumber(), order_by=[F("cash_days").asc(), F("pk").asc()]),
            _n=Window(Count("pk")),
            _average=Window(Avg("cash_days")),
        )
        .filter(reduce(or_, (Q(_rank=rank) for rank in wanted)))
        .values("cash_days", "_rank", "_n", "_average")
    )
    spread, average = None, None
    for row in rows:  # the two rows at the wanted ranks (one when they coincide)
        spread = spread or {"count": row["_n"]}
        average = selectors.average_days(row["_average"])
        for p in PERCENTILES:
            if row["_rank"] == (row["_n"] * p + 99) // 100:
                spread[p] = row["cash_days"]
    return {
        **_spread(spread, convert=_whole_days),
        "average": None if average is None else float(average),
    }


def _whole_days(value) -> float | None:
    return None if value is None else float(value)


# Revenue and receivables --------------------------------------------------------------------------
def revenue(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    """Revenue recognised per month (the delivery ledger: recognised on acceptance in the month of
    the acceptance date, minus the reversals of corrections), and ``delivered_not_accepted``: the
    units shipped and not yet accepted now (goods at risk, no revenue yet), count and value."""
    currency = currency or default_currency()
    from delivery.models import RevenueEntry, UnitState

    rows = {
        row["period"]: row
        for row in scope.revenue()
        .filter(_on(period, "period"))
        .order_by()
        .values("period")
        .annotate(
            recognised=_sum("amount", currency, extra=Q(kind=RevenueEntry.Kind.RECOGNITION)),
            reversed=_sum("amount", currency, extra=Q(kind=RevenueEntry.Kind.REVERSAL)),
            net=_sum("amount", currency),
            entries=Count("id"),
        )
    }
    months, total = [], ZERO
    for month in period.months():
        row = rows.get(month, {})
        net = _money(row.get("net"))
        total += net
        months.append(
            {
                "month": month.strftime("%Y-%m"),
                "recognised": _money(row.get("recognised")),
                "reversed": _money(row.get("reversed")),
                "net": net,
                "entries": row.get("entries", 0),
            }
        )
    waiting = (
        scope.units()
        .filter(state=UnitState.SHIPPED)
        .aggregate(count=Count("id"), amount=_sum("amount", currency, prefix="order__"))
    )
    return {
        "currency": currency,
        "months": months,
        "total": total,
        "delivered_not_accepted": {"count": waiting["count"], "amount": _money(waiting["amount"])},
    }


def receivables(
    scope: Scope, period: Period, *, currency: str | None = None, today: date | None = None
) -> dict:
    """What customers owe now and how fast they pay, from billing's definitions
    (``billing.selectors``) over the scope's invoices:

    - ``aging``: the outstanding amount (issued, not fully paid: amount − paid) of the open
      invoices by days past due today: not due yet, 0–30 (due today included), 31–60, 61–90,
      over 90; ``customers``: the same per customer, largest first (top 20);
    - ``dso``: days sales outstanding = outstanding now / invoiced in the last 90 days × 90;
    - ``invoiced``: invoices issued in the period (voided ones excluded); ``collected``: payments
      allocated in the period to the scope's invoices (a payment split over invoices counts with
      each invoice's share);
    - ``order_to_cash``: see ``order_to_cash_days``.
    """
    from billing import selectors
    from billing.models import Allocation

    currency = currency or default_currency()
    today = today or timezone.localdate()
    invoices = scope.invoices().filter(currency=currency)
    buckets = ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90", "total")
    totals = selectors.receivables_totals(
        invoices, today=today, since=period.start, until=period.end
    )
    customers = [
        {
            "customer": row["customer"],
            "name": row["customer__name"],
            "invoice_count": row["invoice_count"],
            **{name: _money(row[name]) for name in buckets},
        }
        for row in selectors.aging_by_customer(invoices, today=today)[:20]
    ]
    # The aging total is what DSO counts as outstanding (the same open invoices).
    dso = selectors.dso_row(totals["total"], totals["sales"])
    collected = (
        Allocation.objects.live()
        .filter(
            invoice__in=invoices.values("pk"),
            allocated_on__gte=period.start,
            allocated_on__lt=period.end,
        )
        .aggregate(total=Sum("amount"))["total"]
    )
    return {
        "currency": currency,
        "today": today,
        "aging": {
            "invoice_count": totals["invoice_count"],
            **{name: _money(totals[name]) for name in buckets},
        },
        "customers": customers,
        "dso": {key: dso[key] for key in ("outstanding", "sales", "days", "dso")},
        "invoiced": _money(totals["invoiced"]),
        "collected": _money(collected),
        "order_to_cash": order_to_cash_days(scope, period),
    }


# Visit cadence ------------------------------------------------------------------------------------
def visit_cadence(scope: Scope, *, now: datetime | None = None) -> dict:
    """The open deals of the scope past their stage's visit cadence now (the rule of
    ``OpportunityQuerySet.past_cadence``), per AR, the most first."""
    late = scope.opportunities().past_cadence(_now(now))
    rows = list(
        late.order_by()
        .values("owner_id")
        .annotate(count=Count("id"))
        .order_by("-count", "owner_id")
    )
    names = _user_names({row["owner_id"] for row in rows})
    return {
        "count": sum(row["count"] for row in rows),
        "owners": [
            {
                "owner_id": row["owner_id"],
                "owner": names.get(row["owner_id"], ""),
                "count": row["count"],
            }
            for row in rows
        ],
    }
