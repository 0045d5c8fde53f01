"""A believable company at scale, written straight to the tables (see ``tables.py``).

Everything derives from ``--seed`` and the generation's ``now``: the same arguments give the same
rows, so a run that stopped half-way resumes by regenerating the finished tables in memory (the
later ones point at them) and writing only the missing ones. Each table is written in one
transaction, so it is either complete or empty.

The rows are what the services would have produced: owners match lead states, stage history runs
from the first stage to the current one without gaps, orders stay within their contract's amount,
units add up to their order, revenue is recognised for accepted units only, invoices never
exceed what was accepted and allocations never exceed an invoice or a payment.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from billing import invoiceable
from contracts.models import Contract, PaymentTerm
from delivery.models import DeliveryUnit, Order, RevenueEntry
from leads.models import Campaign, Lead, LeadRecovery, Pool
from leads.scoring import AMOUNT_POINTS, score_lead
from ltc.activity.models import Activity, Notification, TransitionLog
from ltc.core.normalize import company_key
from ltc.customers.models import Contact, Customer
from ltc.org.models import Role, Team, User
from opportunities.models import (
    GradingPolicy,
    Opportunity,
    OpportunityTask,
    Process,
    Review,
    StageHistory,
    StageRequirement,
)

from . import billing_rows
from .tables import RawJSON, Table, reset_sequences, truncate

CENT = Decimal("0.01")
DAY = timedelta(days=1)
HISTORY_DAYS = 3 * 365

SOURCES = [
    ("website", 22),
    ("campaign", 18),
    ("trade_show", 12),
    ("inbound_call", 12),
    ("partner", 10),
    ("referral", 10),
    ("social", 10),
    ("employee", 6),
]
CITIES = ["Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu", "Wuhan", "Suzhou", "Xi'an"]
PREFIXES = "Hua Zhong Xin Tian Jin Hong Sheng Da Rui Kang Bo Yuan Heng Tai Long Feng".split()
STEMS = "tong xin hai da yu cheng feng ke ming guang hua rui neng yuan li".split()
INDUSTRIES = [
    ("Automation", "manufacturing"),
    ("Logistics", "logistics"),
    ("Energy", "energy"),
    ("Telecom", "telecom"),
    ("Medical", "healthcare"),
    ("Steel", "manufacturing"),
    ("Retail", "retail"),
    ("Software", "IT"),
    ("Chemicals", "chemicals"),
    ("Construction", "construction"),
]
SUFFIXES = ["Co., Ltd.", "Group", "Technology Co., Ltd.", "Industrial Co., Ltd."]
# What each part leaves in a company key (lower case, no spaces or punctuation, legal form cut).
CITY_KEYS = {city: city.lower().replace("'", "").replace(" ", "") for city in CITIES}
SUFFIX_KEYS = {
    "Co., Ltd.": "",
    "Group": "group",
    "Technology Co., Ltd.": "technology",
    "Industrial Co., Ltd.": "industrial",
}
PRODUCTS = [
    "warehouse automation",
    "private cloud",
    "base station upgrade",
    "MES rollout",
    "campus network",
    "energy storage",
    "data centre cooling",
    "fleet telematics",
]
SURNAMES = "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Ma Zhu Hu Guo".split()
GIVEN = "Wei Fang Na Min Jing Lei Jun Yan Tao Ming Chao Hui Ping Gang Hong".split()
NEEDS = [
    "Replace the legacy system before the next budget year.",
    "Expand capacity at two sites; tender expected this year.",
    "Pilot first, then a rollout to all plants.",
    "",
]


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def money(value: float) -> Decimal:
    return Decimal(int(value * 100)) / 100


def split_amount(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """``parts`` positive amounts adding up to ``total`` exactly."""
    cents = int(total * 100)
    parts = max(1, min(parts, cents))
    if parts == 1:
        return [total]
    cuts = sorted(rng.sample(range(1, cents), parts - 1))
    bounds = [0, *cuts, cents]
    return [Decimal(bounds[i + 1] - bounds[i]) / 100 for i in range(parts)]


@dataclass
class Sizes:
    leads: int
    scale: float

    def __post_init__(self):
        s = self.scale
        self.opportunities = max(10, round(100_000 * s))
        self.contracts = max(4, round(20_000 * s))
        self.orders = max(6, round(40_000 * s))
        self.units = max(10, round(100_000 * s))
        self.invoices = max(6, round(60_000 * s))
        self.payments = max(5, round(50_000 * s))
        self.customers = max(20, self.opportunities // 4)
        self.campaigns = max(6, round(300 * s))
        root = math.sqrt(s)
        self.regions = max(1, round(4 * root))
        self.teams_per_region = max(2, round(5 * root))
        self.reps_per_team = max(3, round(12 * root))


@dataclass
class Org:
    teams: list = field(default_factory=list)  # (id, name, parent_id, leader_id)
    users: list = field(default_factory=list)  # rows for org_user
    reps: dict = field(default_factory=dict)  # team id -> [user ids]
    sr: dict = field(default_factory=dict)
    fr: dict = field(default_factory=dict)
    manager: dict = field(default_factory=dict)  # team id -> manager id
    team_of: dict = field(default_factory=dict)  # user id -> team id
    marketing: list = field(default_factory=list)
    finance: list = field(default_factory=list)
    admin: int = 0
    pools: list = field(default_factory=list)  # (id, name, team_id, is_default)
    pool_team: dict = field(default_factory=dict)
    leaf_teams: list = field(default_factory=list)


class Progress:
    """A one-line progress bar on stderr (a plain line every 10% when not a terminal)."""

    def __init__(self, out, label: str, total: int):
        self.out, self.label, self.total = out, label, max(total, 1)
        self.done, self.started, self.shown = 0, time.monotonic(), -1
        self.tty = hasattr(out, "isatty") and out.isatty()

    def __call__(self, n: int) -> None:
        self.done += n
        percent = min(100, self.done * 100 // self.total)
        if self.tty or percent // 10 != self.shown // 10 or self.done >= self.total:
            if not self.tty and percent == self.shown:
                return
            self.shown = percent
            rate = self.done / max(time.monotonic() - self.started, 1e-6)
            bar = "#" * (percent // 4)
            end = "\r" if self.tty and percent < 100 else "\n"
            self.out.write(
                f"  {self.label:<16} [{bar:<25}] {self.done:>10,}/{self.total:,} "
                f"{rate:>9,.0f} rows/s{end}"
            )
            self.out.flush()


class Generator:
    def __init__(self, *, leads: int, scale: float, seed: int = 7, out=None, now=None):
        self.sizes = Sizes(leads, scale)
        self.seed = seed
        self.out = out
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.start = self.now - timedelta(days=HISTORY_DAYS)
        self.password = make_password("bench")
        self.process = Process.objects.filter(is_default=True).first()
        if self.process is None:
            raise RuntimeError("The default sales process is missing: run migrate first.")
        self.stages = list(self.process.stages.order_by("order"))
        tasks = StageRequirement.objects.filter(stage__process=self.process, kind="task")
        self.stage_tasks = {}
        for req in tasks.order_by("order", "id"):
            self.stage_tasks.setdefault(req.stage_id, []).append(req)
        self.grading = GradingPolicy.current()
        self.ct = {
            m: ContentType.objects.get_for_model(m).pk for m in (Lead, Opportunity, Contract)
        }
        self.written: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # -- helpers ----------------------------------------------------------------------------
    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    def at(self, day_offset: float) -> datetime:
        return min(self.start + timedelta(days=day_offset), self.now)

    def company(self, index: int) -> str:
        return self.company_and_key(index)[0]

    @staticmethod
    def company_and_key(index: int) -> tuple[str, str]:
        """The name of company ``index`` and its ``company_key``, composed from the parts'
        own keys (the same as ``normalize.company_key(name)``, a test checks it, 20× faster)."""
        a = PREFIXES[index % len(PREFIXES)]
        b = STEMS[(index // len(PREFIXES)) % len(STEMS)]
        ind = INDUSTRIES[(index // (len(PREFIXES) * len(STEMS))) % len(INDUSTRIES)][0]
        city = CITIES[(index // 7) % len(CITIES)]
        suffix = SUFFIXES[index % len(SUFFIXES)]
        n = index // (len(PREFIXES) * len(STEMS) * len(INDUSTRIES))
        name = f"{city} {a}{b}{'' if n == 0 else f' {n}'} {ind} {suffix}"
        key = f"{CITY_KEYS[city]}{a.lower()}{b}{'' if n == 0 else n}{ind.lower()}"
        return name, key + SUFFIX_KEYS[suffix]

    def person(self, rng: random.Random) -> str:
        return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"

    # -- the run ----------------------------------------------------------------------------
    def state_path(self) -> Path:
        return Path(settings.VAR_DIR) / "bench" / "generation.json"

    def plan_key(self) -> dict:
        return {
            "leads": self.sizes.leads,
            "scale": self.sizes.scale,
            "seed": self.seed,
            "database": connection.settings_dict.get("NAME"),
        }

    def run(self, *, reset: bool = False) -> dict:
        path = self.state_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = {}
        if path.exists() and not reset:
            saved = json.loads(path.read_text())
            if saved.get("plan") != self.plan_key():
                saved = {}
        done: dict[str, list] = saved.get("done", {}) if isinstance(saved.get("done"), dict) else {}
        if done and not self._still_there(done):
            done = {}  # the tables were emptied or changed since: start over
        if done:
            self.now = datetime.fromisoformat(saved["now"])
            self.start = self.now - timedelta(days=HISTORY_DAYS)
        else:
            self._check_empty(reset)
        state = {"plan": self.plan_key(), "now": self.now.isoformat(), "done": done}
        path.write_text(json.dumps(state))
        started = time.monotonic()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # A bulk load: no wait for the WAL flush per table, roomy index builds.
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, step in self.steps():
            rows = step()
            if name in done:
                self._say(f"  {name:<16} already written, kept")
                for _row in rows:  # regenerate in memory: later tables point at these rows
                    pass
                continue
            t0 = time.monotonic()
            table, iterable, total = rows.table, rows, rows.total
            with transaction.atomic():
                written = table.write(iterable, progress=Progress(self.out, name, total))
            self.timings[name] = time.monotonic() - t0
            self.written[name] = written
            done[name] = [table.name, table.count()]
            path.write_text(json.dumps(state))
        with transaction.atomic():
            self._finish()
        reset_sequences(GENERATED)
        # The rows went in directly: what is invoiceable on each order is computed once here
        # (the services keep it afterwards).
        t0 = time.monotonic()
        invoiceable.store_all()
        self.timings["invoiceable"] = time.monotonic() - t0
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                # Statistics for the planner and the visibility map for index-only scans.
                cursor.execute("VACUUM (ANALYZE)")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        total = time.monotonic() - started
        result = {
            "seconds": round(total, 1),
            "rows": self.written,
            "tables": {k: round(v, 2) for k, v in self.timings.items()},
            "rows_per_second": round(sum(self.written.values()) / max(total, 1e-6)),
        }
        state["result"] = result
        path.write_text(json.dumps(state))
        return result

    @staticmethod
    def _still_there(done: dict) -> bool:
        """Whether every table a previous run finished still holds what it wrote."""
        with connection.cursor() as cursor:
            for table, count in done.values():
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                if cursor.fetchone()[0] != count:
                    return False
        return True

    def _say(self, text: str) -> None:
        if self.out:
            self.out.write(text + "\n")
            self.out.flush()

    def _check_empty(self, reset: bool) -> None:
        if reset:
            truncate([*GENERATED, *PRODUCED_BY_RUNS])
            return
        busy = [m.__name__ for m in (Lead, Opportunity, Team) if m.objects.exists()]
        if busy:
            raise RuntimeError(
                f"The database already holds {', '.join(busy)} rows that this generator did not "
                "write (or from another plan): pass --reset to empty the generated tables first."
            )

    def steps(self):
        """(name, callable returning a Rows) in the order of the foreign keys."""
        return [
            ("teams", self.teams),
            ("users", self.users),
            ("pools", self.pools),
            ("campaigns", self.campaigns),
            ("customers", self.customers),
            ("contacts", self.contacts),
            ("leads", self.leads),
            ("lead recoveries", self.recoveries),
            ("follow-ups", self.follow_ups),
            ("opportunities", self.opportunities),
            ("stage history", self.stage_history),
            ("tasks", self.tasks),
            ("reviews", self.reviews),
            ("contracts", self.contracts),
            ("payment terms", self.payment_terms),
            ("orders", self.orders),
            ("units", self.units),
            ("revenue", self.revenue),
            *billing_rows.steps(self),
        ]

    def _finish(self) -> None:
        """Team leaders point at users, written after the teams."""
        with connection.cursor() as cursor:
            for team_id, _name, _parent, leader_id in self.org.teams:
                if leader_id:
                    cursor.execute(
                        f'UPDATE "{Team._meta.db_table}" SET leader_id = %s WHERE id = %s',
                        [leader_id, team_id],
                    )

    # -- organisation -----------------------------------------------------------------------
    def _plan_org(self) -> Org:
        s, org = self.sizes, Org()
        rng = self.rng("org")
        uid = 0

        def user(username, role, team_id, first, last):
            nonlocal uid
            uid += 1
            org.users.append((uid, username, role, team_id, first, last))
            if team_id:
                org.team_of[uid] = team_id
            return uid

        org.admin = user("admin", Role.ADMIN, None, "Ada", "Admin")
        tid = 0
        for r in range(s.regions):
            tid += 1
            region_id = tid
            lead = user(f"region{r + 1}", Role.MANAGER, region_id, "Region", f"Lead {r + 1}")
            org.teams.append((region_id, f"Region {r + 1}", None, lead))
            for t in range(s.teams_per_region):
                tid += 1
                team_id = tid
                code = f"{r + 1}{t + 1:02d}"
                manager = user(f"manager{code}", Role.MANAGER, team_id, "Manager", code)
                org.teams.append((team_id, f"Team {code}", region_id, manager))
                org.leaf_teams.append(team_id)
                org.manager[team_id] = manager
                org.reps[team_id] = [
                    user(f"rep{code}-{k + 1:02d}", Role.REP, team_id, *self.person(rng).split())
                    for k in range(s.reps_per_team)
                ]
                org.sr[team_id] = [
                    user(f"sr{code}-{k + 1}", Role.SOLUTION, team_id, *self.person(rng).split())
                    for k in range(max(1, s.reps_per_team // 5))
                ]
                org.fr[team_id] = [
                    user(f"fr{code}-{k + 1}", Role.DELIVERY, team_id, *self.person(rng).split())
                    for k in range(max(1, s.reps_per_team // 5))
                ]
        n_staff = max(2, round(6 * math.sqrt(s.scale)))
        org.marketing = [
            user(f"marketing{k + 1}", Role.MARKETING, None, "M", str(k + 1)) for k in range(n_staff)
        ]
        org.finance = [
            user(f"finance{k + 1}", Role.FINANCE, None, "F", str(k + 1)) for k in range(n_staff)
        ]
        user("erp", Role.INTEGRATION, None, "ERP", "Bridge")
        org.pools.append((1, "Company pool", None, True))
        for pid, team_id in enumerate(org.leaf_teams, start=2):
            org.pools.append((pid, f"Pool of team {team_id}", team_id, False))
            org.pool_team[pid] = team_id
        return org

    def teams(self):
        self.org = self._plan_org()
        table = Table(Team, ["id", "name", "parent_id", "leader_id"])
        return Rows(table, ((t, n, p, None) for t, n, p, _l in self.org.teams), len(self.org.teams))

    def users(self):
        table = Table(
            User,
            [
                "id",
                "username",
                "role",
                "team_id",
                "first_name",
                "last_name",
                "password",
                "email",
                "is_staff",
                "is_superuser",
                "is_active",
                "date_joined",
            ],
        )
        joined = self.start - timedelta(days=30)
        rows = (
            (
                uid,
                name,
                role,
                team,
                first,
                last,
                self.password,
                f"{name}@example.com",
                role == Role.ADMIN,
                role == Role.ADMIN,
                True,
                joined,
            )
            for uid, name, role, team, first, last in self.org.users
        )
        return Rows(table, rows, len(self.org.users))

    def pools(self):
        table = Table(Pool, ["id", "name", "team_id", "is_default"])
        return Rows(table, iter(self.org.pools), len(self.org.pools))

    def campaigns(self):
        rng, n = self.rng("campaigns"), self.sizes.campaigns
        self.campaigns_by_source: dict[str, list] = {"campaign": [], "trade_show": []}
        rows = []
        for cid in range(1, n + 1):
            source = "trade_show" if cid % 3 == 0 else "campaign"
            starts = (self.start + timedelta(days=HISTORY_DAYS * (cid - 1) / n)).date()
            self.campaigns_by_source[source].append((cid, starts))
            rows.append(
                (
                    cid,
                    f"{rng.choice(PRODUCTS).title()} {starts:%Y-%m}",
                    source,
                    starts,
                    starts + timedelta(days=rng.randint(1, 30)),
                    Decimal(rng.randint(20, 400) * 1000),
                    rng.choice(self.org.marketing),
                    self.at((cid - 1) * HISTORY_DAYS / n),
                )
            )
        table = Table(
            Campaign,
            ["id", "name", "source", "starts_on", "ends_on", "budget", "owner_id", "created_at"],
        )
        return Rows(table, iter(rows), n)

    # -- customers, the opportunity plan and leads ------------------------------------------
    def customers(self):
        self._plan_deals()
        rng = self.rng("customers")
        table = Table(
            Customer,
            [
                "id",
                "name",
                "name_key",
                "industry",
                "region",
                "owner_id",
                "team_id",
                "created_at",
                "updated_at",
                "pool_state",
            ],
        )

        def rows():
            for cid in range(1, self.sizes.customers + 1):
                name = self.company(cid)
                owner = self.customer_owner[cid]
                created = self.customer_since[cid]
                yield (
                    cid,
                    name,
                    company_key(name),
                    INDUSTRIES[cid % len(INDUSTRIES)][1],
                    CITIES[(cid // 7) % len(CITIES)],
                    owner,
                    self.org.team_of.get(owner),
                    created,
                    created,
                    "held",  # under no customer pool's rule (ltc.customers.pool)
                )
                rng.random()

        return Rows(table, rows(), self.sizes.customers)

    def contacts(self):
        rng = self.rng("contacts")
        table = Table(
            Contact, ["id", "customer_id", "name", "title", "phone", "email", "created_at"]
        )
        rows = (
            (
                cid,
                cid,
                self.person(rng),
                "Project director",
                f"139{cid:08d}",
                f"contact{cid}@customer{cid}.example.com",
                self.customer_since[cid],
            )
            for cid in range(1, self.sizes.customers + 1)
        )
        return Rows(table, rows, self.sizes.customers)

    def _plan_deals(self) -> None:
        """Decide every opportunity's owner, customer, lead and timing before the leads are
        written, so that converted leads and their deals agree."""
        s, org, rng = self.sizes, self.org, self.rng("deals")
        n = s.opportunities
        n_won = min(s.contracts, n)
        n_from_leads = min(int(n * 0.7), int(s.leads * 0.3))
        self.deals = []
        self.customer_owner, self.customer_since = {}, {}
        # The lead ids of converted leads: spread over the older 85% of the leads.
        span = max(1, int(s.leads * 0.85))
        conv_ids = sorted(rng.sample(range(1, span + 1), n_from_leads)) if n_from_leads else []
        # Won deals first in id order would make the old deals all won; shuffle the outcomes.
        outcomes = ["won"] * n_won
        rest = n - n_won
        outcomes += ["lost"] * int(rest * 0.3) + ["abandoned"] * int(rest * 0.08)
        outcomes += ["open"] * (n - len(outcomes))
        rng.shuffle(outcomes)
        # Open deals are recent; closed ones older: sort outcomes so open ones get later ids.
        outcomes.sort(key=lambda o: (o == "open") + rng.random() * 0.9)
        lead_of = {}
        for i, lead_id in enumerate(conv_ids):
            lead_of[1 + int(i * n / max(1, n_from_leads))] = lead_id
        for oid in range(1, n + 1):
            team = rng.choice(org.leaf_teams)
            owner = rng.choice(org.reps[team])
            cust = rng.randint(1, s.customers)
            if cust not in self.customer_owner:
                self.customer_owner[cust] = owner
            lead_id = lead_of.get(oid)
            if lead_id:
                created_day = self._lead_day(lead_id) + rng.uniform(3, 40)
            else:
                created_day = HISTORY_DAYS * (oid - 1) / n
            outcome = outcomes[oid - 1]
            if outcome == "open":
                created_day = max(created_day, HISTORY_DAYS - rng.uniform(20, 400))
            created_day = min(created_day, HISTORY_DAYS - 2)
            self.customer_since[cust] = min(
                self.customer_since.get(cust, self.now), self.at(created_day)
            )
            self.deals.append(
                SimpleNamespace(
                    id=oid,
                    team=team,
                    owner=owner,
                    customer=cust,
                    lead=lead_id,
                    outcome=outcome,
                    day=created_day,
                )
            )
        for cid in range(1, s.customers + 1):
            if cid not in self.customer_owner:
                team = rng.choice(org.leaf_teams)
                self.customer_owner[cid] = rng.choice(org.reps[team])
                self.customer_since[cid] = self.at(rng.uniform(0, HISTORY_DAYS))
        self.deal_of_lead = {d.lead: d for d in self.deals if d.lead}

    def _lead_day(self, lead_id: int) -> float:
        return HISTORY_DAYS * (lead_id - 1) / self.sizes.leads

    def leads(self):
        s, org, rng = self.sizes, self.org, self.rng("leads")
        table = Table(
            Lead,
            [
                "id",
                "title",
                "company_name",
                "contact_name",
                "phone",
                "email",
                "source",
                "campaign_id",
                "estimated_amount",
                "need",
                "budget_confirmed",
                "pool_id",
                "owner_id",
                "state",
                "assigned_at",
                "last_follow_up_at",
                "follow_up_due_at",
                "follow_up_count",
                "recovery_count",
                "disqualify_reason",
                "phone_key",
                "email_key",
                "company_key",
                "duplicate_of_id",
                "score",
                "score_reasons",
                "created_by_id",
                "created_at",
                "updated_at",
                "validated_at",
                "closed_at",
            ],
        )
        team_pools = [p for p in org.pools if not p[3]]
        pool_of_team = {p[2]: p[0] for p in team_pools}
        n_companies = max(s.customers * 4, s.leads // 4)
        # Leads held by reps now: each rep holds 20–45 recent leads of their team's pool.
        recent_from = max(1, int(s.leads * (1 - 90 / HISTORY_DAYS)))
        held: dict[int, int] = {}
        by_pool: dict[int, list[int]] = {}
        pool_of = [0] * (s.leads + 1)
        prng = self.rng("lead-pools")
        team_pool_ids = [p[0] for p in team_pools]
        for lid in range(1, s.leads + 1):
            deal = self.deal_of_lead.get(lid)
            if deal:
                pid = pool_of_team[deal.team]
            elif prng.random() < 0.1:
                pid = 1
            else:
                pid = team_pool_ids[int(prng.random() * len(team_pool_ids))]
            pool_of[lid] = pid
            if lid >= recent_from and not deal:
                by_pool.setdefault(pid, []).append(lid)
        for pid, team_id in org.pool_team.items():
            candidates = by_pool.get(pid, [])
            prng.shuffle(candidates)
            for rep in org.reps[team_id]:
                for _k in range(prng.randint(20, 45)):
                    if not candidates:
                        break
                    held[candidates.pop()] = rep
        self.lead_facts = {}  # id -> (owner, follow-ups, recoveries, former owner, day, team)
        self.held_count = len(held)
        sources, cum = zip(*SOURCES, strict=True)
        cum = list(itertools.accumulate(cum))
        cum_total = cum[-1]
        scores: dict[tuple, tuple] = {}
        thresholds = [t for t, _p in AMOUNT_POINTS]
        people = [f"{a} {b}" for a in SURNAMES for b in GIVEN]
        reasons = ["no_need", "no_budget", "unreachable", "competitor", "invalid"]
        marketing = org.marketing
        campaigns = self.campaigns_by_source
        hours, days_ = timedelta(hours=1), DAY
        now, start, span = self.now, self.start, HISTORY_DAYS
        old_until = HISTORY_DAYS - 180
        rnd, lognorm = rng.random, rng.lognormvariate

        def rows():
            for lid in range(1, s.leads + 1):
                day = span * (lid - 1) / s.leads + rnd() * 0.5
                created = start + day * days_
                source = sources[bisect.bisect_right(cum, rnd() * cum_total)]
                campaign = None
                options = campaigns.get(source)
                if options:
                    campaign = options[min(len(options) - 1, int(day / span * len(options)))][0]
                deal = self.deal_of_lead.get(lid)
                cidx = deal.customer if deal else s.customers + 1 + int(rnd() * n_companies)
                company, key = self.company_and_key(cidx)
                contact = people[int(rnd() * len(people))] if rnd() < 0.9 else ""
                phone = f"13{int(rnd() * 1e9):09d}" if rnd() < 0.85 else ""
                email = f"c{lid}@{key[:12]}.example.cn" if rnd() < 0.6 else ""
                amount = None
                if rnd() < 0.8:
                    amount = Decimal(int(lognorm(13, 1.1)) // 1000 * 1000 + 1000)
                need = NEEDS[int(rnd() * len(NEEDS))]
                pid = pool_of[lid]
                team_id = org.pool_team.get(pid) or org.leaf_teams[lid % len(org.leaf_teams)]
                owner = assigned = last_fu = due = validated = closed = None
                fu = recov = 0
                reason = ""
                budget = rnd() < 0.12
                if deal:
                    state, owner = "converted", deal.owner
                    budget, need = True, need or NEEDS[0]
                    assigned = min(now, created + rng.uniform(0.1, 2) * days_)
                    fu = 1 + int(rnd() * 3)
                    closed = self.at(deal.day)
                    validated = closed - (2 + int(rnd() * 70)) * hours
                    last_fu = validated - hours
                elif lid in held:
                    owner = held[lid]
                    assigned = self.at(max(day, span - rng.uniform(0.5, 30)))
                    if rnd() < 0.15:
                        state, budget, need = "validated", True, need or NEEDS[1]
                        fu = 1 + int(rnd() * 3)
                        last_fu = assigned + (1 + int(rnd() * 48)) * hours
                        validated = min(now, last_fu + 2 * hours)
                        last_fu = min(last_fu, validated)
                    else:
                        state = "assigned"
                        fu = (0, 0, 1, 1, 2)[int(rnd() * 5)]
                        last_fu = assigned + (1 + int(rnd() * 40)) * hours if fu else None
                        if last_fu and last_fu > now:
                            last_fu = now
                        base = last_fu + 7 * days_ if fu else assigned + 2 * days_
                        if rnd() < 0.12:  # overdue: the next sweep takes it back
                            base = now - (1 + int(rnd() * 96)) * hours
                        due = base
                elif rnd() < (0.6 if day < old_until else 0.15):
                    state = "disqualified"
                    reason = reasons[int(rnd() * len(reasons))]
                    closed = self.at(day + rng.uniform(1, 60))
                    if rnd() < 0.4:
                        reps = org.reps[team_id]
                        owner = reps[int(rnd() * len(reps))]
                        assigned = self.at(day + rng.uniform(0.1, 1))
                        fu = 1
                        last_fu = min(closed, assigned + (1 + int(rnd() * 40)) * hours)
                else:
                    state = "new"
                former = None
                if (assigned is not None and rnd() < 0.08) or (state == "new" and rnd() < 0.05):
                    reps = org.reps[team_id]
                    former = reps[int(rnd() * len(reps))]
                    recov = 1 if rnd() < 0.8 else 2
                    if former == owner:
                        former, recov = None, 0
                bucket = next((t for t in thresholds if amount is not None and amount >= t), None)
                profile = (
                    source,
                    budget,
                    bucket,
                    bool(phone),
                    bool(email),
                    bool(contact),
                    bool(need),
                    min(fu, 3),
                )
                scored = scores.get(profile)
                if scored is None:
                    points, why = score_lead(
                        SimpleNamespace(
                            source=source,
                            budget_confirmed=budget,
                            estimated_amount=bucket,
                            phone=phone,
                            email=email,
                            contact_name=contact,
                            need=need,
                            follow_up_count=fu,
                        )
                    )
                    scored = scores[profile] = (points, RawJSON(json.dumps(why)))
                self.lead_facts[lid] = (owner, fu, recov, former, day, team_id)
                updated = max(x for x in (created, assigned, last_fu, closed) if x is not None)
                yield (
                    lid,
                    f"{PRODUCTS[lid % 8].capitalize()} for {company}"[:200],
                    company,
                    contact,
                    phone,
                    email,
                    source,
                    campaign,
                    amount,
                    need,
                    budget,
                    pid,
                    owner,
                    state,
                    assigned,
                    last_fu,
                    due,
                    fu,
                    recov,
                    reason,
                    phone,
                    email,
                    key,
                    None,
                    scored[0],
                    scored[1],
                    marketing[lid % len(marketing)],
                    created,
                    updated,
                    validated,
                    closed,
                )

        return Rows(table, rows(), s.leads)

    def recoveries(self):
        table = Table(
            LeadRecovery, ["lead_id", "former_owner_id", "kind", "reason", "due_at", "at"]
        )

        def rows():
            for lid, (_owner, _fu, recov, former, day, _team) in self.lead_facts.items():
                if not recov or former is None:
                    continue
                for k in range(recov):
                    at = self.at(day + 3 + 5 * k)
                    yield (
                        lid,
                        former,
                        "recovered",
                        "No follow-up before the deadline",
                        at - timedelta(hours=6),
                        at,
                    )

        total = sum(f[2] for f in self.lead_facts.values() if f[3] is not None)
        return Rows(table, rows(), total)

    def follow_ups(self):
        rng = self.rng("follow-ups")
        ct = self.ct[Lead]
        table = Table(
            Activity,
            [
                "kind",
                "note",
                "actor_id",
                "occurred_at",
                "content_type_id",
                "object_id",
                "created_at",
            ],
        )
        notes = [
            "Called the contact, need confirmed",
            "Visited the site",
            "Sent the brochure",
            "Meeting with the project director",
        ]

        def rows():
            for lid, (owner, fu, _r, _f, day, _team) in self.lead_facts.items():
                for k in range(fu if owner else 0):
                    at = self.at(day + 0.5 + k * rng.uniform(0.5, 3))
                    yield (
                        rng.choice(["call", "visit", "email", "meeting"]),
                        rng.choice(notes),
                        owner,
                        at,
                        ct,
                        lid,
                        at,
                    )

        total = sum(f[1] for f in self.lead_facts.values() if f[0])
        return Rows(table, rows(), total)

    # -- opportunities ----------------------------------------------------------------------
    def opportunities(self):
        rng, org = self.rng("opportunities"), self.org
        stages = self.stages
        signing = next((s for s in stages if s.is_signing), stages[-1])
        weights = [30, 20, 15, 12, 9, 8, 6][: len(stages)]
        table = Table(
            Opportunity,
            [
                "id",
                "name",
                "customer_id",
                "amount",
                "expected_close_date",
                "grade",
                "process_id",
                "stage_id",
                "state",
                "probability",
                "owner_id",
                "solution_owner_id",
                "fulfillment_owner_id",
                "team_id",
                "lead_id",
                "needs",
                "value_proposition",
                "stage_entered_at",
                "last_visit_at",
                "loss_reason",
                "loss_lessons",
                "closed_at",
                "created_at",
                "updated_at",
            ],
        )
        g = self.grading

        def rows():
            for d in self.deals:
                amount = money(max(20_000, rng.lognormvariate(13.5, 1.0)) // 100 * 100)
                grade = g.grade_for(amount)
                if d.outcome == "won":
                    path_end = len(stages) - 1
                elif d.outcome == "open":
                    path_end = rng.choices(range(len(stages)), weights=weights)[0]
                else:
                    path_end = rng.randint(0, len(stages) - 1)
                fast = grade in ("C", "D") and rng.random() < 0.5 and path_end == len(stages) - 1
                path = [stages[0], signing] if fast else stages[: path_end + 1]
                start = self.at(d.day)
                budget_days = (self.now - start).total_seconds() / 86400 - 0.5
                spans = [rng.uniform(5, 60) for _ in path]
                closes = d.outcome != "open"
                need = sum(spans) + (rng.uniform(1, 10) if closes else 0)
                if need > budget_days:
                    spans = [x * budget_days / need for x in spans]
                entered, t = [], start
                for span in spans:
                    entered.append(t)
                    t = t + timedelta(days=span)
                closed = t if closes else None
                d.amount, d.grade, d.path, d.entered, d.closed = (
                    amount,
                    grade,
                    path,
                    entered,
                    closed,
                )
                d.sr = rng.choice(org.sr[d.team]) if len(path) >= 3 or fast else None
                d.fr = rng.choice(org.fr[d.team]) if len(path) >= 3 or fast else None
                if d.outcome == "won":
                    d.sr = d.sr or rng.choice(org.sr[d.team])
                    d.fr = d.fr or rng.choice(org.fr[d.team])
                stage = path[-1]
                probability = {"won": 100, "open": stage.probability}.get(d.outcome, 0)
                lost = d.outcome in ("lost", "abandoned")
                close_date = (closed or (self.now + timedelta(days=rng.randint(20, 300)))).date()
                last_visit = entered[-1] + timedelta(days=rng.uniform(0, 10))
                last_visit = min(last_visit, closed or self.now)
                name = f"{PRODUCTS[d.id % len(PRODUCTS)].capitalize()} · {self.company(d.customer)}"
                yield (
                    d.id,
                    name[:200],
                    d.customer,
                    amount,
                    close_date,
                    grade,
                    self.process.pk,
                    stage.pk,
                    d.outcome,
                    probability,
                    d.owner,
                    d.sr,
                    d.fr,
                    d.team,
                    d.lead,
                    NEEDS[d.id % 3],
                    "Lower cost of operation" if len(path) > 3 else "",
                    entered[-1],
                    last_visit,
                    rng.choice(["price", "competitor", "budget", "timing"]) if lost else "",
                    "Engage the decision maker earlier" if lost else "",
                    closed,
                    start,
                    closed or last_visit,
                )

        return Rows(table, rows(), len(self.deals))

    def stage_history(self):
        table = Table(
            StageHistory,
            ["opportunity_id", "stage_id", "entered_at", "exited_at", "entered_by_id", "evidence"],
        )

        def rows():
            for d in self.deals:
                n = len(d.path)
                for k, stage in enumerate(d.path):
                    exited = d.entered[k + 1] if k + 1 < n else d.closed
                    evidence = [] if k == 0 else [{"kind": "field", "code": "amount", "ok": True}]
                    yield (d.id, stage.pk, d.entered[k], exited, d.owner, evidence)

        return Rows(table, rows(), sum(len(d.path) for d in self.deals))

    def tasks(self):
        """The tasks of every gate a deal passed (done) and of the gate ahead (open)."""
        table = Table(
            OpportunityTask,
            [
                "opportunity_id",
                "code",
                "label",
                "label_zh",
                "role",
                "assignee_id",
                "created_at",
                "done_at",
                "done_by_id",
            ],
        )
        order = {s.pk: i for i, s in enumerate(self.stages)}
        count = [0]

        def rows():
            for d in self.deals:
                passed = {s.pk for s in d.path[1:]}
                ahead = []
                if d.outcome == "open":
                    nxt = order[d.path[-1].pk] + 1
                    ahead = [self.stages[nxt].pk] if nxt < len(self.stages) else []
                seen = set()
                for stage_id in [*(s.pk for s in d.path[1:]), *ahead]:
                    for req in self.stage_tasks.get(stage_id, []):
                        if req.code in seen:
                            continue
                        seen.add(req.code)
                        who = {"sr": d.sr, "fr": d.fr}.get(req.role) or d.owner
                        done = stage_id in passed
                        k = [s.pk for s in d.path].index(stage_id) if done else len(d.path)
                        at = d.entered[k - 1] if done else d.entered[-1]
                        count[0] += 1
                        yield (
                            d.id,
                            req.code,
                            req.label_en or req.code,
                            req.label_zh,
                            req.role or "ar",
                            who,
                            at,
                            (d.entered[k] - timedelta(hours=2)) if done else None,
                            who if done else None,
                        )

        total = 0
        for d in self.deals:
            codes = set()
            stage_ids = [s.pk for s in d.path[1:]]
            if d.outcome == "open":
                nxt = order[d.path[-1].pk] + 1
                stage_ids += [self.stages[nxt].pk] if nxt < len(self.stages) else []
            for sid in stage_ids:
                codes |= {r.code for r in self.stage_tasks.get(sid, [])}
            total += len(codes)
        return Rows(table, rows(), total)

    def reviews(self):
        """Approved project-approval reviews of the deals that passed stage 2, and the approved
        contract review of every won deal."""
        table = Table(
            Review,
            [
                "id",
                "opportunity_id",
                "kind",
                "state",
                "relationship_assessment",
                "solution_assessment",
                "delivery_assessment",
                "requested_by_id",
                "requested_at",
                "decided_by_id",
                "decided_at",
                "duration_seconds",
            ],
        )
        rng = self.rng("reviews")
        approval_stage = self.stages[2].pk if len(self.stages) > 2 else None
        self.contract_review = {}
        plan = []
        rid = 0
        for d in self.deals:
            ids = [s.pk for s in d.path]
            if approval_stage in ids and len(d.path) > 2:
                k = ids.index(approval_stage)
                decided = d.entered[k] - timedelta(hours=1)
                requested = decided - timedelta(hours=rng.uniform(4, 120))
                rid += 1
                plan.append((rid, d, "project_approval", requested, decided))
            if d.outcome == "won":
                decided = d.closed - timedelta(days=rng.uniform(1, 5))
                requested = decided - timedelta(hours=rng.uniform(4, 96))
                rid += 1
                plan.append((rid, d, "contract", requested, decided))
                self.contract_review[d.id] = rid

        def rows():
            for rid_, d, kind, requested, decided in plan:
                yield (
                    rid_,
                    d.id,
                    kind,
                    "approved",
                    "Decision maker supports us",
                    "Solution fits; one competitor",
                    "Deliverable in the plan",
                    d.owner,
                    requested,
                    self.org.manager[d.team],
                    decided,
                    int((decided - requested).total_seconds()),
                )

        return Rows(table, rows(), len(plan))

    # -- contracts, orders, delivery ---------------------------------------------------------
    def contracts(self):
        rng = self.rng("contracts")
        won = [d for d in self.deals if d.outcome == "won"]
        self.contract_plan = []
        for cid, d in enumerate(won, start=1):
            signed = d.closed.date()
            executing = rng.random() < 0.85 and (self.now - d.closed).days > 3
            accepted = d.closed + timedelta(days=rng.uniform(1, 3)) if executing else None
            self.contract_plan.append(
                SimpleNamespace(
                    id=cid,
                    deal=d,
                    amount=d.amount,
                    signed=signed,
                    accepted=accepted,
                    state="executing" if executing else "signed",
                    created=d.closed - timedelta(days=rng.uniform(6, 20)),
                )
            )
        billing_rows.plan_contract_states(self)
        table = Table(
            Contract,
            [
                "id",
                "number",
                "title",
                "opportunity_id",
                "customer_id",
                "amount",
                "our_party",
                "customer_party",
                "version",
                "cost_amount",
                "cost_source",
                "state",
                "review_id",
                "signed_on",
                "accepted_at",
                "closed_at",
                "created_by_id",
                "created_at",
                "updated_at",
            ],
        )

        def rows():
            for c in self.contract_plan:
                d = c.deal
                yield (
                    c.id,
                    f"HT-{c.signed:%Y}-{c.id:06d}",
                    f"Contract · {self.company(d.customer)}"[:200],
                    d.id,
                    d.customer,
                    c.amount,
                    "LTC Solutions Ltd.",
                    self.company(d.customer),
                    1,
                    # The SR's cost: a margin of 8 to 35%.
                    (c.amount * Decimal(100 - rng.randint(8, 35)) / 100).quantize(Decimal("0.01")),
                    "assessment",
                    c.state,
                    self.contract_review.get(d.id),
                    c.signed,
                    c.accepted,
                    getattr(c, "closed_at", None),
                    d.owner,
                    c.created,
                    getattr(c, "closed_at", None) or c.accepted or d.closed,
                )

        return Rows(table, rows(), len(self.contract_plan))

    def payment_terms(self):
        table = Table(
            PaymentTerm,
            [
                "id",
                "contract_id",
                "position",
                "label",
                "percent",
                "trigger",
                "due_date",
                "days_to_pay",
            ],
        )
        terms = [
            (1, "Advance on signing", Decimal("30"), "signing"),
            (2, "On acceptance", Decimal("60"), "acceptance"),
            (3, "After the warranty year", Decimal("10"), "date"),
        ]

        def rows():
            for c in self.contract_plan:
                for pos, label, pct, trigger in terms:
                    due = c.signed + timedelta(days=365) if trigger == "date" else None
                    # Explicit ids (three per contract): the milestone invoices point at them.
                    yield (3 * (c.id - 1) + pos, c.id, pos, label, pct, trigger, due, 30)

        return Rows(table, rows(), 3 * len(self.contract_plan))

    def orders(self):
        """Orders under the executing (and closed) contracts, never more than the contract."""
        rng = self.rng("orders")
        live = [c for c in self.contract_plan if c.accepted is not None]
        n = min(self.sizes.orders, max(len(live), 1) * 6)
        per = [1] * len(live)
        for _k in range(max(0, n - len(live))):
            per[rng.randrange(len(live))] += 1
        self.order_plan = []
        oid = 0
        for c, k in zip(live, per, strict=True):
            k = min(k, 6)
            full = getattr(c, "closed_at", None) is not None or rng.random() < 0.5
            total = c.amount if full else money(float(c.amount) * rng.uniform(0.4, 0.95))
            days_live = max(1.0, (self.now - c.accepted).total_seconds() / 86400)
            for amount in split_amount(rng, total, k):
                oid += 1
                ordered = c.accepted + timedelta(days=rng.uniform(0, min(days_live, 200) * 0.6))
                self.order_plan.append(
                    SimpleNamespace(
                        id=oid,
                        contract=c,
                        amount=amount,
                        date=ordered.date(),
                        at=ordered,
                        units=[],
                        state="open",
                    )
                )
        table = Table(
            Order,
            [
                "id",
                "contract_id",
                "number",
                "amount",
                "order_date",
                "state",
                "created_by_id",
                "created_at",
            ],
        )
        self._plan_units()
        billing_rows.plan_order_states(self)

        def rows():
            for o in self.order_plan:
                c = o.contract
                yield (
                    o.id,
                    c.id,
                    f"PO-{c.id:06d}-{o.id:07d}",
                    o.amount,
                    o.date,
                    o.state,
                    c.deal.fr or c.deal.owner,
                    o.at,
                )

        return Rows(table, rows(), len(self.order_plan))

    def _plan_units(self) -> None:
        rng = self.rng("units")
        orders = self.order_plan
        n = max(self.sizes.units, len(orders))
        per = [1] * len(orders)
        for _k in range(n - len(orders)):
            per[rng.randrange(len(orders))] += 1
        uid = 0
        today = self.now.date()
        for o, k in zip(orders, per, strict=True):
            closed = getattr(o.contract, "closed_at", None) is not None
            age = (today - o.date).days
            for amount in split_amount(rng, o.amount, min(k, 12)):
                uid += 1
                if closed or age > 150 or (age > 20 and rng.random() < 0.6):
                    state = "accepted"
                elif age > 5 and rng.random() < 0.5:
                    state = "shipped"
                else:
                    state = "planned"
                shipped = accepted = None
                if state != "planned":
                    shipped = min(
                        today, o.date + timedelta(days=rng.randint(1, max(1, min(age, 60))))
                    )
                if state == "accepted":
                    accepted = min(today, shipped + timedelta(days=rng.randint(1, 20)))
                    if closed:
                        accepted = min(accepted, o.contract.closed_at.date())
                        shipped = min(shipped, accepted)
                o.units.append(
                    SimpleNamespace(
                        id=uid, amount=amount, state=state, shipped=shipped, accepted=accepted
                    )
                )
            states = {u.state for u in o.units}
            if states == {"accepted"}:
                o.state = "delivered"
            elif states != {"planned"}:
                o.state = "delivering"

    def units(self):
        table = Table(
            DeliveryUnit,
            [
                "id",
                "order_id",
                "name",
                "kind",
                "amount",
                "state",
                "shipped_on",
                "accepted_on",
                "certificate",
                "accepted_by_id",
            ],
        )
        kinds = ["site", "cluster", "shipment"]

        def rows():
            for o in self.order_plan:
                fr = o.contract.deal.fr or o.contract.deal.owner
                for n, u in enumerate(o.units, start=1):
                    yield (
                        u.id,
                        o.id,
                        f"Lot {n} of PO {o.id}",
                        kinds[u.id % 3],
                        u.amount,
                        u.state,
                        u.shipped,
                        u.accepted,
                        f"AC-{u.id:08d}" if u.accepted else "",
                        fr if u.accepted else None,
                    )

        return Rows(table, rows(), sum(len(o.units) for o in self.order_plan))

    def revenue(self):
        table = Table(
            RevenueEntry,
            [
                "unit_id",
                "order_id",
                "contract_id",
                "customer_id",
                "kind",
                "amount",
                "currency",
                "recognised_on",
                "period",
                "created_by_id",
                "created_at",
            ],
        )
        currency = settings.LTC_DEFAULT_CURRENCY

        def rows():
            for o in self.order_plan:
                c = o.contract
                for u in o.units:
                    if u.accepted:
                        at = datetime.combine(
                            u.accepted, datetime.min.time(), tzinfo=self.now.tzinfo
                        )
                        yield (
                            u.id,
                            o.id,
                            c.id,
                            c.deal.customer,
                            "recognition",
                            u.amount,
                            currency,
                            u.accepted,
                            u.accepted.replace(day=1),
                            c.deal.fr or c.deal.owner,
                            at,
                        )

        total = sum(1 for o in self.order_plan for u in o.units if u.accepted)
        return Rows(table, rows(), total)


class Rows:
    """A table and its rows (an iterator), with the count announced for the progress bar."""

    def __init__(self, table: Table, rows, total: int):
        self.table, self.rows, self.total = table, rows, total

    def __iter__(self):
        return iter(self.rows)


GENERATED = [
    Team,
    User,
    Pool,
    Campaign,
    Customer,
    Contact,
    Lead,
    LeadRecovery,
    Activity,
    Opportunity,
    StageHistory,
    OpportunityTask,
    Review,
    Contract,
    PaymentTerm,
    Order,
    DeliveryUnit,
    RevenueEntry,
    *billing_rows.MODELS,
]

# Rows that the services write while the bench runs on the generated data (emptied by --reset).
PRODUCED_BY_RUNS = [TransitionLog, Notification]
