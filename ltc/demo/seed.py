"""Seed the demo: organisation, pools, campaigns, customers and leads, through the services.

Configuration rows (teams, users, pools, campaigns) are upserted, so a second run changes
nothing; records with a history (customers, leads) are created only once, and the leads are
played through ``leads.services`` so their transitions, follow-ups, recoveries and
notifications are the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from leads import services as lead_services
from leads.models import Campaign, Lead, Pool
from ltc.activity.models import TransitionLog
from ltc.customers.models import Customer
from ltc.customers.services import create_customer, save_contact
from ltc.org.models import Team, User

from . import data
from .catalogue import seed_catalogue
from .complaints import seed_complaints
from .customer_pool import seed_customer_pool
from .partners import seed_partners
from .pipeline import seed_pipeline
from .targets import seed_targets
from .tenders import seed_tenders


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        if count:
            self.created[what] = self.created.get(what, 0) + int(count)


@transaction.atomic
def seed_demo(*, now: datetime | None = None) -> SeedResult:
    now = now or timezone.now()
    result = SeedResult()
    teams = _seed_teams(result)
    users = _seed_users(teams, result)
    Team.objects.filter(pk=teams[data.TEAM_1].pk).update(leader=users["manager"])
    pools = _seed_pools(teams, result)
    campaigns = _seed_campaigns(users, now, result)
    _seed_customers(users, result)
    if not Lead.objects.filter(title__in=data.MARKER_TITLES).exists():
        _seed_leads(users, pools, campaigns, now, result)
    seed_catalogue(users, result)
    seed_pipeline(users, now, result)
    seed_targets(users, result)
    seed_partners(users, now, result)
    seed_complaints(users, now, result)
    seed_customer_pool(users, now, result)
    seed_tenders(users, now, result)
    return result


def _seed_teams(result: SeedResult) -> dict[str, Team]:
    region, created = Team.objects.update_or_create(name=data.REGION, defaults={"parent": None})
    result.add("teams", created)
    teams = {data.REGION: region}
    for name in (data.TEAM_1, data.TEAM_2):
        teams[name], created = Team.objects.update_or_create(name=name, defaults={"parent": region})
        result.add("teams", created)
    return teams


def _seed_users(teams: dict[str, Team], result: SeedResult) -> dict[str, User]:
    users = {}
    for username, (full_name, role, team, is_admin) in data.USERS.items():
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                # A Chinese name is written family name first, as one string.
                "first_name": full_name,
                "last_name": "",
                "email": f"{username}@{data.EMAIL_DOMAIN}",
                "role": role,
                "team": teams[team] if team else None,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        # Set once: a second run neither rehashes (slow, and a change) nor undoes a password the
        # user chose since.
        if created or not user.has_usable_password():
            user.set_password(data.PASSWORD)
            user.save(update_fields=["password"])
        result.add("users", created)
        users[username] = user
    return users


def _seed_pools(teams: dict[str, Team], result: SeedResult) -> dict[str, Pool]:
    default = Pool.objects.filter(is_default=True).first()
    if default is None:
        default = Pool.objects.create(name=data.DEFAULT_POOL, is_default=True)
        result.add("pools")
    region, created = Pool.objects.get_or_create(
        team=teams[data.REGION], defaults={"name": data.REGION_POOL}
    )
    result.add("pools", created)
    return {"default": default, "region": region}


def _seed_campaigns(users, now: datetime, result: SeedResult) -> dict[str, Campaign]:
    today = timezone.localdate(now)
    campaigns = {}
    for key, (name, source, starts, ends, budget) in data.CAMPAIGNS.items():
        campaigns[key], created = Campaign.objects.get_or_create(
            name=name,
            defaults={
                "source": source,
                "starts_on": today - timedelta(days=starts),
                "ends_on": today - timedelta(days=ends),
                "budget": budget,
                "currency": "CNY",
                "owner": users["marketing"],
            },
        )
        result.add("campaigns", created)
    return campaigns


def _seed_customers(users, result: SeedResult) -> None:
    existing = set(Customer.objects.values_list("name", flat=True))
    for name, industry, region, address, website, owner, contacts in data.CUSTOMERS:
        if name in existing:
            continue
        customer = create_customer(
            by=users[owner],
            name=name,
            industry=industry,
            region=region,
            address=address,
            website=website,
        )
        result.add("customers")
        for contact_name, title, phone, email in contacts:
            save_contact(
                by=users[owner],
                customer=customer,
                name=contact_name,
                title=title,
                phone=phone,
                email=email,
            )
            result.add("contacts")


def _seed_leads(users, pools, campaigns, now: datetime, result: SeedResult) -> None:
    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    lead_type = ContentType.objects.get_for_model(Lead)
    for spec in data.LEADS:
        spec = dict(spec)
        steps = spec.pop("steps")
        created = ago(spec.pop("created"))
        pool = pools[spec.pop("pool")]
        campaign = spec.pop("campaign")
        lead = lead_services.create_lead(
            by=users["marketing"],
            pool=pool,
            campaign=campaigns[campaign] if campaign else None,
            currency="CNY",
            **spec,
        )
        # The services stamp creation with the real clock; date it back so the history reads
        # in order (created, then claimed days ago) and the dashboards have a spread of weeks.
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
        TransitionLog.objects.filter(
            content_type=lead_type, object_id=lead.pk, transition="create"
        ).update(at=created)
        _play(lead, steps, users, ago)
        result.add("leads")

    # The recovery sweep as it would have run a few days ago: it takes back the lead claimed
    # and never followed up, records the recovery and notifies the rep and the manager. The
    # leads that are overdue only since then are left for the real periodic task.
    result.add(
        "recovered leads", lead_services.recover_overdue_leads(now=ago(data.RECOVERY_DAYS_AGO))
    )
    result.add("due-soon warnings", lead_services.warn_leads_due_soon(now=now))


def _play(lead: Lead, steps, users, ago) -> None:
    owner = None
    for verb, *args in steps:
        if verb == "claim":
            username, days = args
            owner = users[username]
            lead = lead_services.claim_lead(lead=lead, user=owner, now=ago(days))
        elif verb == "assign":
            username, by, days = args
            owner = users[username]
            lead = lead_services.assign_lead(lead=lead, owner=owner, by=users[by], now=ago(days))
        elif verb == "follow_up":
            kind, note, days = args
            lead_services.log_follow_up(lead=lead, user=owner, kind=kind, note=note, now=ago(days))
        elif verb == "validate":
            need, days = args
            lead = lead_services.validate_lead(
                lead=lead, user=owner, need=need, budget_confirmed=True, now=ago(days)
            )
        elif verb == "disqualify":
            reason, note, days, by = args
            lead = lead_services.disqualify_lead(
                lead=lead, user=users[by] if by else owner, reason=reason, note=note, now=ago(days)
            )
        elif verb == "release":
            reason, days = args
            lead = lead_services.release_lead(lead=lead, user=owner, reason=reason, now=ago(days))
            owner = None
        else:  # pragma: no cover - a typo in data.py
            raise ValueError(f"unknown demo step {verb!r}")


def summary() -> dict[str, int]:
    """Counts of what the demo shows, for the command's closing report."""
    from collections import Counter

    from ltc.activity.models import Activity, Notification
    from ltc.customers.models import Contact
    from opportunities.models import Opportunity

    states = Counter(Lead.objects.values_list("state", flat=True))
    opp_states = Counter(Opportunity.objects.values_list("state", flat=True))
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "pools": Pool.objects.count(),
        "campaigns": Campaign.objects.count(),
        "customers": Customer.objects.count(),
        "contacts": Contact.objects.count(),
        "leads": sum(states.values()),
        **{f"leads {state}": count for state, count in sorted(states.items())},
        "opportunities": Opportunity.objects.count(),
        **{f"opportunities {state}": count for state, count in sorted(opp_states.items())},
        "activities": Activity.objects.count(),
        "notifications": Notification.objects.count(),
    }
