"""The hot paths of LTC, each with its floor: the same answer from the leanest hand-written SQL.

A path is measured through Django's test client (the full request: middleware, auth, view,
serializer or template) as the user who would make it; its floor runs on the same connection.
Paths that change data run in a transaction that is rolled back, so every run starts from the
same rows (the floor too).
"""

from __future__ import annotations

import json
import logging
import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from leads.models import Lead, LeadState, Pool
from leads.services import recover_overdue_leads
from ltc.org.models import Role, Team, User
from opportunities.models import Opportunity

from .measure import interleaved, queries_of, timed, undone, vacuum_analyze


@dataclass
class Result:
    name: str
    label: str
    stats: dict
    queries: int
    floor: dict | None = None
    floor_queries: int | None = None
    target: dict = field(default_factory=dict)
    note: str = ""
    # The median of the rounds' ratios when path and floor ran interleaved (measure.interleaved).
    ratio: float | None = None

    def as_dict(self) -> dict:
        ratio = self.ratio
        if ratio is None and self.floor and self.floor.get("median_ms"):
            ratio = round(self.stats["median_ms"] / self.floor["median_ms"], 2)
        verdict = check_target(self.target, self.stats, self.queries, ratio)
        return {
            "label": self.label,
            **self.stats,
            "queries": self.queries,
            "floor": self.floor,
            "floor_queries": self.floor_queries,
            "ratio_to_floor": ratio,
            "target": self.target,
            "met": verdict,
            "note": self.note,
        }


def check_target(target: dict, stats: dict, queries: int, ratio) -> bool | None:
    """Whether the path met ``target``: every bound it names (``median_ms``, ``queries``,
    ``ratio`` to the floor), or one of its ``either`` targets (issue 20's "≤ 100 ms or ≤ 1.5×
    their floor")."""
    if not target:
        return None
    if "either" in target:
        return any(check_target(t, stats, queries, ratio) for t in target["either"])
    ok = True
    if "median_ms" in target:
        ok &= stats.get("median_ms", 1e9) <= target["median_ms"]
    if "queries" in target:
        ok &= queries <= target["queries"]
    if "ratio" in target:
        ok &= ratio is not None and ratio <= target["ratio"]
    return bool(ok)


def _sql(statements: list[tuple[str, list]]):
    def run():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()

    return run


def _once(fn) -> float:
    import time

    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _ok(response, *codes):
    if response.status_code not in (codes or (200,)):
        raise RuntimeError(
            f"{response.request['PATH_INFO']} answered {response.status_code}: "
            f"{response.content[:300]!r}"
        )
    return response


class Bench:
    def __init__(self, *, iterations: int = 30, out=None, overdue: int = 100_000):
        self.iterations = iterations
        self.out = out
        self.overdue = overdue
        self.pg = connection.vendor == "postgresql"
        self.now = timezone.now()
        self.results: list[Result] = []
        self._pick()

    def say(self, text: str) -> None:
        if self.out:
            self.out.write(text + "\n")
            self.out.flush()

    # -- who and what -----------------------------------------------------------------------
    def _pick(self) -> None:
        """A rep of the busiest team pool, that team's manager, an admin, and the rows they
        work on."""
        pool = Pool.objects.filter(team__isnull=False).order_by("id").select_related("team").first()
        if pool is None:
            raise RuntimeError("No generated data: run generate_data first.")
        self.pool, self.team = pool, pool.team
        self.rep = User.objects.filter(team=self.team, role=Role.REP).order_by("id").first()
        self.manager = self.team.leader or User.objects.get(team=self.team, role=Role.MANAGER)
        self.admin = User.objects.filter(role=Role.ADMIN).order_by("id").first()
        self.source = (
            Lead.objects.filter(pool=pool, state=LeadState.NEW)
            .values_list("source", flat=True)
            .first()
            or "website"
        )
        self.pool_ids = list(
            Pool.objects.visible_to(self.rep).values_list("id", flat=True).order_by("id")
        )

    def client(self, user) -> Client:
        from ltc.security.tokens import issue_user_token

        _token, key = issue_user_token(user=user, name="bench")
        c = Client(HTTP_AUTHORIZATION=f"Token {key}")
        c.force_login(user)
        return c

    def measure(self, name, label, fn, *, floor=None, undo=False, target=None, note="", n=None):
        n = n or self.iterations
        # Bounded time: a path slower than half a second gets as many runs as fit in ~8 s (at
        # least 3); the first, unmeasured run warms the caches.
        probe = undone(fn) if undo else _once(fn)
        if probe > 0.5:
            n = max(3, min(n, int(8 / probe)))
        warmup = 2 if n >= 5 else 0
        floor_stats = floor_queries = ratio = None
        if floor is not None:
            floor_fn, floor_queries = floor
            stats, floor_stats, ratio = interleaved(
                fn, floor_fn, rounds=n, undo=undo, warmup=warmup
            )
        else:
            stats = timed(fn, iterations=n, undo=undo, warmup=warmup)
        queries = queries_of(fn, undo=undo)
        result = Result(
            name, label, stats, queries, floor_stats, floor_queries, target or {}, note, ratio
        )
        self.results.append(result)
        ratio = result.as_dict()["ratio_to_floor"]
        self.say(
            f"  {name:<34} median {stats['median_ms']:>9.2f} ms  p95 {stats['p95_ms']:>9.2f} ms"
            f"  {queries:>3} q"
            + (f"  floor {floor_stats['median_ms']:>8.2f} ms  ×{ratio}" if floor_stats else "")
        )
        return result

    # -- leads ------------------------------------------------------------------------------
    def lead_columns(self) -> str:
        return (
            "l.id, l.title, l.company_name, l.contact_name, l.phone, l.email, l.source, "
            "l.campaign_id, l.estimated_amount, l.currency, l.state, l.pool_id, p.name AS "
            "pool_name, l.owner_id, u.username AS owner_username, l.score, l.score_reasons, "
            "l.follow_up_due_at, l.created_at"
        )

    def pool_floor_sql(self) -> tuple[str, list]:
        marks = ", ".join(["%s"] * len(self.pool_ids))
        inner = (
            f"SELECT {self.lead_columns()} FROM leads_lead l "
            "JOIN leads_pool p ON p.id = l.pool_id LEFT JOIN org_user u ON u.id = l.owner_id "
            f"WHERE l.state = 'new' AND l.owner_id IS NULL AND l.pool_id IN ({marks}) "
            "AND l.pool_id = %s AND l.source = %s ORDER BY l.score DESC, l.id DESC LIMIT 50"
        )
        params = [*self.pool_ids, self.pool.pk, self.source]
        if self.pg:
            return f"SELECT json_agg(t) FROM ({inner}) t", params
        return inner, params

    def leads(self) -> None:
        rep = self.client(self.rep)
        query = f"?pool={self.pool.pk}&source={self.source}"
        floor = (_sql([self.pool_floor_sql()]), 1)
        self.measure(
            "lead_pool_page",
            "Lead pool page (HTML, 50 rows, pool+source, by score)",
            lambda: _ok(rep.get(reverse("leads:pool") + query)),
            floor=floor,
        )
        self.measure(
            "lead_pool_api",
            "Lead pool API (50 rows, pool+source, by score)",
            lambda: _ok(rep.get("/api/v1/leads/pool/" + query + "&page_size=50")),
            floor=floor,
            target={"median_ms": 20, "queries": 10},
        )
        marks = ", ".join(["%s"] * len(self.pool_ids))
        inner = (
            f"SELECT {self.lead_columns()} FROM leads_lead l "
            "JOIN leads_pool p ON p.id = l.pool_id LEFT JOIN org_user u ON u.id = l.owner_id "
            "WHERE l.id IN (SELECT id FROM leads_lead WHERE (owner_id = %s OR (state = 'new' "
            f"AND pool_id IN ({marks}))) ORDER BY score DESC, id DESC LIMIT 50) "
            "ORDER BY l.score DESC, l.id DESC"
        )
        params = [self.rep.pk, *self.pool_ids]
        sql = f"SELECT json_agg(t) FROM ({inner}) t" if self.pg else inner
        self.measure(
            "lead_list_api",
            "Lead list API GET /api/v1/leads/ (50 rows, as a rep)",
            lambda: _ok(rep.get("/api/v1/leads/?page_size=50")),
            floor=(_sql([(sql, params)]), 1),
        )
        newest = inner.replace("ORDER BY score DESC, id DESC", "ORDER BY created_at DESC, id DESC")
        newest = newest.replace("ORDER BY l.score DESC", "ORDER BY l.created_at DESC")
        self.measure(
            "lead_list_page",
            "Lead list page /leads/ (HTML, 50 rows, newest first, as a rep; keyset, no count)",
            lambda: _ok(rep.get(reverse("leads:list"))),
            floor=(_sql([(newest, params)]), 1),
        )
        self.claim(rep)

    def claim(self, rep) -> None:
        ids = list(
            Lead.objects.filter(pool=self.pool, state=LeadState.NEW)
            .order_by("-id")
            .values_list("id", flat=True)[: self.iterations + 10]
        )
        picks = iter(ids * 3)
        floor_picks = iter(ids * 3)
        due = timezone.now() + timedelta(days=self.pool.first_follow_up_days)

        def claim():
            _ok(rep.post(f"/api/v1/leads/{next(picks)}/claim/"))

        def floor():
            _sql(
                [
                    (
                        "UPDATE leads_lead SET state = 'assigned', owner_id = %s, "
                        "assigned_at = %s, follow_up_due_at = %s, warned_at = NULL "
                        "WHERE id = %s AND state = 'new' AND owner_id IS NULL",
                        [self.rep.pk, timezone.now(), due, next(floor_picks)],
                    )
                ]
            )()

        self.measure(
            "lead_claim",
            "Claim one lead (API POST, limits checked, logged)",
            claim,
            floor=(floor, 1),
            undo=True,
        )

    # -- recovery ---------------------------------------------------------------------------
    def recovery(self) -> None:
        """Make ``overdue`` pool leads assigned and overdue, sweep them, sweep again; all in one
        transaction that is rolled back (so the runs repeat on the same rows)."""
        reps = list(User.objects.filter(role=Role.REP).values_list("id", flat=True))
        count = min(self.overdue, Lead.objects.filter(state=LeadState.NEW).count())
        now = timezone.now()

        def prepare():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM leads_lead WHERE state = 'new' ORDER BY id LIMIT %s", [count]
                )
                ids = [r[0] for r in cursor.fetchall()]
                if self.pg:  # one statement: owners dealt round-robin from the reps
                    cursor.execute(
                        "UPDATE leads_lead SET state = 'assigned', "
                        "owner_id = (%s::bigint[])[1 + (id %% %s)], assigned_at = %s, "
                        "follow_up_due_at = %s WHERE id = ANY(%s)",
                        [reps, len(reps), now - timedelta(days=5), now - timedelta(hours=3), ids],
                    )
                else:
                    cursor.executemany(
                        "UPDATE leads_lead SET state = 'assigned', owner_id = %s, "
                        "assigned_at = %s, follow_up_due_at = %s WHERE id = %s",
                        [
                            (
                                reps[i % len(reps)],
                                now - timedelta(days=5),
                                now - timedelta(hours=3),
                                lid,
                            )
                            for i, lid in enumerate(ids)
                        ],
                    )
            existing = Lead.objects.filter(
                state=LeadState.ASSIGNED, follow_up_due_at__lt=now
            ).count()
            return existing

        runs = {"first": [], "second": [], "floor": []}
        moved = {}
        n = max(1, min(3, self.iterations))
        for _i in range(n):

            def sweep():
                moved["overdue"] = prepare()
                import time

                t0 = time.perf_counter()
                moved["first"] = recover_overdue_leads(now=now)
                runs["first"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                moved["second"] = recover_overdue_leads(now=now)
                runs["second"].append(time.perf_counter() - t0)

            undone(sweep)

            def floor_sweep():
                prepare()
                import time

                statements = self.recovery_floor(now)
                t0 = time.perf_counter()
                _sql(statements)()
                runs["floor"].append(time.perf_counter() - t0)

            undone(floor_sweep)
        from .measure import summarise

        floor = summarise(runs["floor"])
        # Sweep and floor alternate, one of each per round: the ratio is the rounds' median.
        ratios = [a / b for a, b in zip(runs["first"], runs["floor"], strict=True) if b > 0]
        note = f"{moved.get('overdue', 0):,} overdue leads; second run moved {moved.get('second')}"
        self.results.append(
            Result(
                "recovery_first_run",
                f"Recovery sweep over {moved.get('overdue', 0):,} overdue leads",
                summarise(runs["first"]),
                0,
                floor,
                len(self.recovery_floor(now)),
                # Issue 20: within 1.2x of the bare UPDATE of the same rows (its 5 s goal is out
                # of reach of the schema on the 2-core machine; the time is still reported).
                {"ratio": 1.2},
                note,
                round(statistics.median(ratios), 2) if ratios else None,
            )
        )
        self.results.append(
            Result(
                "recovery_second_run",
                "Recovery sweep again (nothing left to move)",
                summarise(runs["second"]),
                0,
                None,
                None,
                {"median_ms": 500},
                "",
            )
        )
        for r in self.results[-2:]:
            self.say(f"  {r.name:<34} median {r.stats['median_ms']:>9.2f} ms")

    def recovery_floor(self, now):
        """Move, record the recoveries, the transition log and the notices of the former owner
        and their managers: on PostgreSQL one statement, as the sweep's own answer has them all
        (a floor without the 210,000 notices would be the floor of less work)."""
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(Lead).pk
        reason = "No follow-up before the deadline"
        if self.pg:
            owners, managers = self.recovery_managers()
            return [
                (
                    "WITH moved AS (UPDATE leads_lead l SET state = 'new', owner_id = NULL, "
                    "assigned_at = NULL, follow_up_due_at = NULL, warned_at = NULL, "
                    "recovery_count = recovery_count + 1, updated_at = %s "
                    "FROM (SELECT id, owner_id, follow_up_due_at FROM leads_lead "
                    "WHERE state = 'assigned' AND follow_up_due_at < %s FOR UPDATE SKIP LOCKED) o "
                    "WHERE l.id = o.id RETURNING l.id, o.owner_id, o.follow_up_due_at, l.title), "
                    "rec AS (INSERT INTO leads_leadrecovery (lead_id, former_owner_id, kind, "
                    "reason, due_at, at) SELECT id, owner_id, 'recovered', %s, follow_up_due_at, "
                    "%s FROM moved), "
                    "logged AS (INSERT INTO activity_transitionlog (content_type_id, object_id, "
                    "transition, source, target, at, comment) SELECT %s, id, 'recover', "
                    "'assigned', 'new', %s, %s FROM moved) "
                    "INSERT INTO activity_notification (recipient_id, kind, params, url, "
                    "created_at) SELECT r.recipient, r.kind, jsonb_build_object('title', m.title, "
                    "'owner', u.username, 'due', to_char(m.follow_up_due_at AT TIME ZONE %s, "
                    "'YYYY-MM-DD HH24:MI')), '/leads/' || m.id || '/', %s "
                    "FROM moved m JOIN org_user u ON u.id = m.owner_id "
                    "JOIN (SELECT id AS owner, id AS recipient, 'lead_recovered' AS kind "
                    "FROM org_user UNION ALL SELECT owner, manager, 'lead_recovered_team' "
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS t(owner, manager)) r "
                    "ON r.owner = m.owner_id",
                    [
                        now,
                        now,
                        reason,
                        now,
                        ct,
                        now,
                        reason,
                        timezone.get_current_timezone_name(),
                        now,
                        owners,
                        managers,
                    ],
                )
            ]
        return [
            (
                "INSERT INTO leads_leadrecovery (lead_id, former_owner_id, kind, reason, due_at, "
                "at) SELECT id, owner_id, 'recovered', %s, follow_up_due_at, %s FROM leads_lead "
                "WHERE state = 'assigned' AND follow_up_due_at < %s",
                [reason, now, now],
            ),
            (
                "INSERT INTO activity_transitionlog (content_type_id, object_id, transition, "
                "source, target, at, comment) SELECT %s, id, 'recover', 'assigned', 'new', %s, %s "
                "FROM leads_lead WHERE state = 'assigned' AND follow_up_due_at < %s",
                [ct, now, reason, now],
            ),
            (
                "UPDATE leads_lead SET state = 'new', owner_id = NULL, assigned_at = NULL, "
                "follow_up_due_at = NULL, warned_at = NULL, recovery_count = recovery_count + 1 "
                "WHERE state = 'assigned' AND follow_up_due_at < %s",
                [now],
            ),
        ]

    # -- opportunities ----------------------------------------------------------------------
    def opportunities(self) -> None:
        manager = self.client(self.manager)
        team_id = self.team.pk
        board_sql = (
            "SELECT o.id, o.name, o.amount, o.currency, o.grade, o.stage_id, o.probability, "
            "o.stage_entered_at, c.name, u.first_name, u.last_name, u.username "
            "FROM opportunities_opportunity o JOIN customers_customer c ON c.id = o.customer_id "
            "JOIN org_user u ON u.id = o.owner_id WHERE o.state = 'open' AND o.process_id = "
            "(SELECT id FROM opportunities_process WHERE is_default ORDER BY id LIMIT 1) "
            "AND o.team_id = %s ORDER BY o.stage_entered_at, o.id"
        )
        stages_sql = (
            "SELECT s.id, s.code, s.name_en, s.name_zh, s.probability FROM opportunities_stage s "
            "JOIN opportunities_process p ON p.id = s.process_id WHERE p.is_default "
            'ORDER BY s."order"'
        )
        self.measure(
            "pipeline_board_team",
            f"Pipeline board of a team ({self._open_deals(team_id):,} open deals)",
            lambda: _ok(manager.get(reverse("opportunities:board") + f"?team={team_id}")),
            floor=(_sql([(stages_sql, []), (board_sql, [team_id])]), 2),
            target={"median_ms": 100},
        )
        opp = (
            Opportunity.objects.filter(team_id=team_id, state="open", stage__order=2)
            .order_by("id")
            .first()
            or Opportunity.objects.filter(team_id=team_id, state="open").order_by("id").first()
        )
        owner = self.client(opp.owner)
        page_sql = [
            (
                "SELECT o.*, c.name, u.username FROM opportunities_opportunity o "
                "JOIN customers_customer c ON c.id = o.customer_id JOIN org_user u ON "
                "u.id = o.owner_id WHERE o.id = %s",
                [opp.pk],
            ),
            (
                "SELECT h.*, s.code FROM opportunities_stagehistory h JOIN opportunities_stage s "
                "ON s.id = h.stage_id WHERE h.opportunity_id = %s ORDER BY h.entered_at",
                [opp.pk],
            ),
            (
                "SELECT * FROM opportunities_opportunitytask WHERE opportunity_id = %s",
                [opp.pk],
            ),
            (
                "SELECT r.* FROM opportunities_stagerequirement r JOIN opportunities_stage s ON "
                's.id = r.stage_id WHERE s.process_id = %s ORDER BY s."order", r."order"',
                [opp.process_id],
            ),
        ]
        self.measure(
            "opportunity_page",
            "Opportunity page (checklist, history, triangle)",
            lambda: _ok(owner.get(reverse("opportunities:detail", args=[opp.pk]))),
            floor=(_sql(page_sql), len(page_sql)),
            target={"queries": 10, "ratio": 10},
        )
        now = timezone.now()
        opp, target, unmet = self._advanceable(team_id, fallback=opp)
        owner = self.client(opp.owner)
        advance_sql = [
            (
                "SELECT r.kind, r.code FROM opportunities_stagerequirement r WHERE r.stage_id = "
                "(SELECT s2.id FROM opportunities_stage s2 JOIN opportunities_stage s1 ON "
                's1.process_id = s2.process_id WHERE s1.id = %s AND s2."order" > s1."order" '
                'ORDER BY s2."order" LIMIT 1)',
                [opp.stage_id],
            ),
            (
                "UPDATE opportunities_stagehistory SET exited_at = %s WHERE opportunity_id = %s "
                "AND exited_at IS NULL",
                [now, opp.pk],
            ),
            (
                "INSERT INTO opportunities_stagehistory (opportunity_id, stage_id, entered_at, "
                "entered_by_id, evidence) VALUES (%s, %s, %s, %s, %s)",
                [opp.pk, target.pk if target else opp.stage_id, now, opp.owner_id, "[]"],
            ),
            (
                "UPDATE opportunities_opportunity SET stage_id = %s, probability = %s, "
                "stage_entered_at = %s, cadence_warned_at = NULL WHERE id = %s",
                [
                    target.pk if target else opp.stage_id,
                    target.probability if target else opp.probability,
                    now,
                    opp.pk,
                ],
            ),
        ]
        state = {}

        def advance():
            state["status"] = _ok(
                owner.post(
                    f"/api/v1/opportunities/{opp.pk}/advance/",
                    data=json.dumps({}),
                    content_type="application/json",
                ),
                200,
                409,
            ).status_code

        def measured():
            # The unmet items are met first, in this transaction that is rolled back: each run
            # (its own savepoint) is then a real move, not a 409 refusal.
            self._satisfy(opp, unmet, now)
            self.measure(
                "opportunity_advance",
                "Advance an opportunity with its checklist (API POST)",
                advance,
                floor=(_sql(advance_sql), len(advance_sql)),
                undo=True,
            )

        undone(measured)
        self.results[-1].note = (
            "advanced" if state.get("status") == 200 else "refused with the missing items (409)"
        )

    def recovery_managers(self) -> tuple[list[int], list[int]]:
        """The (owner, manager) pairs of everyone who may hold a lead, as two arrays."""
        from ltc.org.scoping import managers_of

        if not hasattr(self, "_recovery_managers"):
            holders = User.objects.filter(role__in=[Role.REP, Role.MANAGER]).values_list(
                "id", flat=True
            )
            pairs = [(o, m) for o, ms in managers_of(list(holders)).items() for m in ms]
            self._recovery_managers = ([o for o, _m in pairs], [m for _o, m in pairs])
        return self._recovery_managers

    # The checklist items the bench can meet by itself: a task done, a plain field filled.
    SATISFIABLE_FIELDS = {"bid_date", "needs", "value_proposition", "expected_close_date"}

    def _advanceable(self, team_id, *, fallback):
        """An open deal of the team whose next stage's checklist is met, or else the first one
        whose unmet items are only tasks and plain fields (met inside the rolled-back
        transaction before timing), so the advance path measures a real move; with its target
        and those unmet items. Among the team's first few hundred deals by id; else
        ``fallback`` (which is refused: a 409)."""
        from ltc.core.errors import DomainError
        from opportunities import services

        candidates = (
            Opportunity.objects.filter(team_id=team_id, state="open")
            .select_related("stage", "process", "owner")
            .order_by("id")[:300]
        )
        best = None
        for deal in candidates:
            try:
                target, items, missing = services.gate(deal)
            except DomainError:  # the last stage: nowhere to advance to
                continue
            if not missing:
                return deal, target, []
            kinds = {item.code: item.kind for item in items}
            unmet = [(kinds.get(m.code), m.code) for m in missing]
            if best is None and all(
                kind == "task" or (kind == "field" and code in self.SATISFIABLE_FIELDS)
                for kind, code in unmet
            ):
                best = (deal, target, unmet)
        return best or (fallback, None, [])

    def _satisfy(self, deal, unmet, now) -> None:
        from opportunities.models import OpportunityTask, TaskRole

        fields = {
            "bid_date": now.date() + timedelta(days=30),
            "needs": "Bench: needs documented",
            "value_proposition": "Bench: value proposition",
            "expected_close_date": now.date() + timedelta(days=60),
        }
        for kind, code in unmet:
            if kind == "field":
                Opportunity.objects.filter(pk=deal.pk).update(**{code: fields[code]})
            elif not OpportunityTask.objects.filter(opportunity=deal, code=code).update(
                done_at=now, done_by=deal.owner
            ):
                OpportunityTask.objects.create(
                    opportunity=deal,
                    code=code,
                    label=code,
                    role=TaskRole.AR,
                    done_at=now,
                    done_by=deal.owner,
                )

    def _open_deals(self, team_id) -> int:
        return Opportunity.objects.filter(team_id=team_id, state="open").count()

    def queue_page(self) -> None:
        """The invoiceable work queue page: its top 50 orders read from ``order_invoiceable_queue``
        (the floor: that index read with the orders' contract and customer)."""
        finance = User.objects.filter(role=Role.FINANCE).order_by("id").first()
        if finance is None:
            return
        client = self.client(finance)
        floor = (
            "SELECT o.id, o.number, o.amount, o.invoiceable, c.number, cu.name FROM delivery_order o "
            "JOIN contracts_contract c ON c.id = o.contract_id JOIN customers_customer cu ON "
            "cu.id = c.customer_id WHERE c.state IN ('signed', 'executing') "
            "ORDER BY o.invoiceable DESC, o.order_date DESC, o.id DESC LIMIT 51"
        )
        self.measure(
            "invoiceable_queue_page",
            "Invoiceable work queue page (HTML, finance, 50 orders by the stored amount)",
            lambda: _ok(client.get(reverse("billing:queue"))),
            floor=(_sql([(floor, [])]), 1),
            target={"ratio": 5},
        )

    # -- dashboards and billing (present when their apps provide the endpoints) -------------
    def endpoint(self, name: str, *args) -> str | None:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    def run(self, only: set[str] | None = None) -> list[Result]:
        from . import figures

        # The recovery step last, then VACUUM ANALYZE: its rolled-back sweeps leave the leads
        # table with a dead row per moved lead, which every path timed after it would read.
        steps = [
            ("leads", self.leads),
            ("opportunities", self.opportunities),
            ("dashboards", lambda: figures.dashboards(self)),
            ("billing", lambda: figures.billing(self)),
            ("queue", self.queue_page),
            ("recovery", self.recovery),
        ]
        # A refused request (the 409 of an advance whose checklist is unmet) is an answer of
        # the path, not news: django.request's warnings would print one line per run.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.ERROR)
        try:
            for name, step in steps:
                if only and name not in only:
                    continue
                self.say(f"{name}:")
                step()
                if name == "recovery":
                    self.say("  " + vacuum_analyze())
        finally:
            request_log.setLevel(level)
        return self.results


__all__ = ["Bench", "Result", "Team"]
