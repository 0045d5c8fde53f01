"""Lead leakage: leads missed, recovered (twice), disqualified or untouched, and why."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    When,
)
from django.utils.translation import gettext_lazy as _

from leads.models import DisqualifyReason, LeadRecovery, LeadState, Source

from ..periods import Period
from ..scope import Scope
from ._base import _now, rate
from .funnel import _one, leads_created


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
    # Over 60 lines on purpose: most of its length is the docstring defining the figure; the code is
    # one grouped query per part.
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
