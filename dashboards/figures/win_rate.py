"""Win rate: closed deals won and lost, per owner, source, product and loss reason."""

from __future__ import annotations

from decimal import Decimal

from django.db import connections
from django.db.models import (
    Count,
    Q,
    QuerySet,
)

from leads.models import Source
from opportunities.models import (
    Grade,
    LossReason,
    OpportunityState,
)

from ..periods import Period
from ..scope import Scope
from ._base import CLOSED, NO_SOURCE, ZERO, _in, _money, _sum, default_currency, rate
from .leakage import _user_names


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
    # Over 60 lines on purpose: most of its length is one SQL statement (the database computes the
    # figure).
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
    # Over 60 lines on purpose: most of its length is the docstring defining the figure; the code is
    # one grouped query per part.
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
