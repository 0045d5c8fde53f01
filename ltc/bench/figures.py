"""The dashboard endpoints and billing's work queue and aging, with their floors.

A dashboard's floor is the figure's aggregates written as plain SQL, grouped in as few statements
as the figure has sections: what the database must do at the least to give the same numbers.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ltc.org.models import Role, User

from .paths import _ok, _sql


def _period(today):
    start = today - timedelta(days=365)
    return start, today + timedelta(days=1)


def dashboard_floors(bench, team_id: int | None):
    """name -> list of (sql, params) per dashboard figure, for the company or one team."""
    today = timezone.localdate()
    start, end = _period(today)
    opp_team = "AND o.team_id = %s" if team_id else ""
    t = [team_id] if team_id else []
    lead_team = (
        "AND (l.pool_id IN (SELECT id FROM leads_pool WHERE team_id = %s) OR l.owner_id IN "
        "(SELECT id FROM org_user WHERE team_id = %s))"
        if team_id
        else ""
    )
    lt = [team_id, team_id] if team_id else []
    contract_team = (
        "AND c.opportunity_id IN (SELECT id FROM opportunities_opportunity WHERE team_id = %s)"
        if team_id
        else ""
    )
    return {
        "funnel": [
            (
                f"SELECT l.state, COUNT(*) FROM leads_lead l WHERE l.created_at >= %s AND "
                f"l.created_at < %s {lead_team} GROUP BY l.state",
                [start, end, *lt],
            ),
            (
                f"SELECT o.stage_id, COUNT(*), SUM(o.amount) FROM opportunities_opportunity o "
                f"WHERE o.state = 'open' {opp_team} GROUP BY o.stage_id",
                t,
            ),
            (
                f"SELECT h.stage_id, COUNT(DISTINCT h.opportunity_id) FROM "
                f"opportunities_stagehistory h JOIN opportunities_opportunity o ON "
                f"o.id = h.opportunity_id WHERE h.entered_at >= %s AND h.entered_at < %s "
                f"{opp_team} GROUP BY h.stage_id",
                [start, end, *t],
            ),
        ],
        "leakage": [
            (
                f"SELECT l.source, COUNT(*), "
                f"SUM(CASE WHEN l.state = 'disqualified' THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN l.recovery_count > 0 THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN l.follow_up_count = 0 AND l.owner_id IS NOT NULL THEN 1 ELSE 0 "
                f"END) FROM leads_lead l WHERE l.created_at >= %s AND l.created_at < %s "
                f"{lead_team} GROUP BY l.source",
                [start, end, *lt],
            )
        ],
        "win-rate": [
            (
                f"SELECT o.grade, o.state, COUNT(*), SUM(o.amount) FROM "
                f"opportunities_opportunity o WHERE o.closed_at >= %s AND o.closed_at < %s "
                f"AND o.state IN ('won', 'lost', 'abandoned') {opp_team} "
                f"GROUP BY o.grade, o.state",
                [start, end, *t],
            )
        ],
        "forecast": [
            (
                f"SELECT date_trunc('month', o.expected_close_date), SUM(o.amount), "
                f"SUM(o.amount * o.probability / 100) FROM opportunities_opportunity o "
                f"WHERE o.state = 'open' AND o.expected_close_date >= %s AND "
                f"o.expected_close_date < %s {opp_team} GROUP BY 1",
                [start, end + timedelta(days=365), *t],
            )
            if bench.pg
            else (
                f"SELECT strftime('%%Y-%%m', o.expected_close_date), SUM(o.amount) FROM "
                f"opportunities_opportunity o WHERE o.state = 'open' {opp_team} GROUP BY 1",
                t,
            )
        ],
        "cycle-times": [
            (
                "SELECT h.stage_id, COUNT(*), "
                + (
                    "AVG(EXTRACT(EPOCH FROM h.exited_at - h.entered_at)) "
                    if bench.pg
                    else "AVG(julianday(h.exited_at) - julianday(h.entered_at)) "
                )
                + f"FROM opportunities_stagehistory h JOIN opportunities_opportunity o ON "
                f"o.id = h.opportunity_id WHERE h.exited_at >= %s AND h.exited_at < %s "
                f"{opp_team} GROUP BY h.stage_id",
                [start, end, *t],
            ),
            (
                f"SELECT r.kind, COUNT(*), AVG(r.duration_seconds) FROM opportunities_review r "
                f"JOIN opportunities_opportunity o ON o.id = r.opportunity_id WHERE "
                f"r.decided_at >= %s AND r.decided_at < %s AND r.duration_seconds IS NOT NULL "
                f"{opp_team} GROUP BY r.kind",
                [start, end, *t],
            ),
        ],
        "receivables": [
            (
                f"SELECT SUM(CASE WHEN i.due_date > %s THEN i.amount - i.paid_amount END), "
                f"SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.amount - "
                f"i.paid_amount END), SUM(CASE WHEN i.due_date < %s THEN i.amount - "
                f"i.paid_amount END) FROM billing_invoice i JOIN contracts_contract c ON "
                f"c.id = i.contract_id WHERE i.state IN ('issued', 'partially_paid') "
                f"{contract_team}",
                [today, today, today - timedelta(days=30), today - timedelta(days=30), *t],
            )
        ],
        "revenue": [
            (
                f"SELECT r.period, SUM(r.amount) FROM delivery_revenueentry r JOIN "
                f"contracts_contract c ON c.id = r.contract_id WHERE r.period >= %s AND "
                f"r.period < %s {contract_team} GROUP BY r.period",
                [start.replace(day=1), end, *t],
            )
        ],
    }


def dashboards(bench) -> None:
    names = [
        "funnel",
        "leakage",
        "win-rate",
        "forecast",
        "cycle-times",
        "receivables",
        "revenue",
    ]
    try:
        reverse("dashboard-funnel")
    except NoReverseMatch:
        bench.say("  (no dashboard endpoints installed)")
        return
    today = timezone.localdate()
    start = today - timedelta(days=365)
    period = f"?from={start.isoformat()}&to={today.isoformat()}"
    viewers = [
        (
            "company",
            bench.client(bench.admin),
            None,
            {"either": [{"median_ms": 100}, {"ratio": 1.5}]},
        ),
        ("team", bench.client(bench.manager), bench.team.pk, {"median_ms": 30}),
    ]
    for scope, client, team_id, target in viewers:
        floors = dashboard_floors(bench, team_id)
        for name in names:
            try:
                url = reverse(f"dashboard-{name}")
            except NoReverseMatch:
                continue
            query = period + (f"&team={team_id}" if team_id else "")
            statements = floors.get(name)
            bench.measure(
                f"dashboard_{name.replace('-', '_')}_{scope}",
                f"Dashboard {name}, {scope}, one year",
                lambda url=url, query=query, client=client: _ok(client.get(url + query)),
                floor=(_sql(statements), len(statements)) if statements else None,
                target=target,
            )


def billing(bench) -> None:
    finance_user = User.objects.filter(role=Role.FINANCE).order_by("id").first()
    if finance_user is None:
        return
    client = bench.client(finance_user)
    try:
        queue = reverse("billing-invoiceable-list")
    except NoReverseMatch:
        queue = None
    if queue:
        floor = (
            "SELECT o.id, o.number, o.amount, c.number, cu.name, acc.v, COALESCE(inv.v, 0) "
            "FROM delivery_order o JOIN contracts_contract c ON c.id = o.contract_id "
            "JOIN customers_customer cu ON cu.id = c.customer_id "
            "JOIN (SELECT order_id, SUM(amount) v FROM delivery_deliveryunit WHERE "
            "state = 'accepted' GROUP BY order_id) acc ON acc.order_id = o.id "
            "LEFT JOIN (SELECT order_id, SUM(amount) v FROM billing_invoice WHERE state IN "
            "('draft', 'issued', 'partially_paid', 'paid') AND order_id IS NOT NULL GROUP BY "
            "order_id) inv ON inv.order_id = o.id WHERE c.state IN ('signed', 'executing') "
            "AND acc.v > COALESCE(inv.v, 0) ORDER BY o.id LIMIT 50"
        )
        bench.measure(
            "invoiceable_queue_api",
            "Invoiceable work queue (API, finance)",
            lambda: _ok(client.get(queue + "?page_size=50")),
            floor=(_sql([(floor, [])]), 1),
            target={"ratio": 5},
        )
    try:
        aging = reverse("billing:receivables")
    except NoReverseMatch:
        aging = None
    if aging:
        today = timezone.localdate()
        floor = (
            "SELECT SUM(CASE WHEN due_date > %s THEN amount - paid_amount END), "
            "SUM(CASE WHEN due_date <= %s AND due_date >= %s THEN amount - paid_amount END), "
            "SUM(CASE WHEN due_date < %s AND due_date >= %s THEN amount - paid_amount END), "
            "SUM(CASE WHEN due_date < %s AND due_date >= %s THEN amount - paid_amount END), "
            "SUM(CASE WHEN due_date < %s THEN amount - paid_amount END) FROM billing_invoice "
            "WHERE state IN ('issued', 'partially_paid')"
        )
        d = [today - timedelta(days=n) for n in (0, 0, 30, 30, 60, 60, 90, 90)]
        bench.measure(
            "receivables_aging_page",
            "Receivables aging (page, finance)",
            lambda: _ok(client.get(aging)),
            floor=(_sql([(floor, d)]), 1),
            target={"ratio": 5},
        )
