"""Factories for every model the tests build. Demo-like defaults; override what a test is about."""

from decimal import Decimal

import factory
from django.utils import timezone

from leads.models import Campaign, Lead, Pool, Source
from ltc.customers.models import Contact, Customer, CustomerPool
from ltc.org.models import Role, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    # Hashed when the user is built, so creating one is a single INSERT (a post-generation
    # set_password saved every user twice, and the second save ran the token-revoking check).
    password = factory.django.Password("demo1234")


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pool

    name = factory.Sequence(lambda n: f"Pool {n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    source = Source.CAMPAIGN


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Co., Ltd.")


class CustomerPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPool

    name = factory.Sequence(lambda n: f"Customer pool {n}")


def held_customer(owner, pool, *, due_in=None, **kwargs) -> Customer:
    """A customer of ``owner`` under ``pool``'s rule; ``due_in`` (a timedelta from now) is when
    it goes back to the pool (default: the pool's idle days)."""
    now = timezone.now()
    due = now + due_in if due_in is not None else now + pool.idle
    return CustomerFactory(
        owner=owner, team=owner.team, pool=pool, assigned_at=now, pool_due_at=due, **kwargs
    )


def pooled_customer(pool, **kwargs) -> Customer:
    return CustomerFactory(pool=pool, pool_state="pooled", **kwargs)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead in the pool. Use ``held_lead`` for one with an owner (state set as a fixture would)."""

    class Meta:
        model = Lead

    title = factory.Sequence(lambda n: f"Lead {n}")
    company_name = factory.Sequence(lambda n: f"Company {n}")
    contact_name = "Zhang San"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    source = Source.WEBSITE
    estimated_amount = Decimal("300000.00")
    pool = factory.SubFactory(PoolFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Fixtures may place a lead in any state (the FSM protects the field on loaded instances).
        state = kwargs.pop("state", "new")
        lead = model_class(*args, **kwargs)
        lead.__dict__["state"] = state
        from leads.scoring import rescore
        from ltc.core.normalize import company_key, email_key, phone_key

        lead.phone_key, lead.email_key = phone_key(lead.phone), email_key(lead.email)
        lead.company_key = company_key(lead.company_name)
        rescore(lead)
        lead.save()
        return lead


def held_lead(owner, *, state="assigned", due_in=None, **kwargs) -> Lead:
    """A lead held by ``owner``; ``due_in`` is a timedelta from now for the follow-up deadline."""
    now = timezone.now()
    return LeadFactory(
        owner=owner,
        state=state,
        assigned_at=now,
        follow_up_due_at=(now + due_in) if due_in is not None else now + timezone.timedelta(days=2),
        **kwargs,
    )


def opportunity(
    owner, *, amount=Decimal("300000"), customer=None, partner="", stage_code=None, **fields
):
    """An opportunity opened through the service (so grade, process, stage history and tasks are
    real); ``stage_code`` then places it in that stage directly, as a fixture would, with a stage
    history of a deal that entered every stage on the way through its gate (so it stands on the
    full track whatever its amount becomes)."""
    from opportunities import services
    from opportunities.models import Opportunity, Stage, StageHistory

    customer = customer or CustomerFactory(owner=owner, team=owner.team)
    opp = services.create_opportunity(
        by=owner,
        customer=customer,
        name=fields.pop("name", f"Deal for {customer.name}"),
        amount=amount,
        expected_close_date=fields.pop(
            "expected_close_date", timezone.localdate() + timezone.timedelta(days=90)
        ),
        partner=partner,
        **fields,
    )
    if stage_code:
        stage = Stage.objects.get(process=opp.process, code=stage_code)
        now = timezone.now()
        passed = list(
            Stage.objects.filter(
                process=opp.process, order__gt=opp.stage.order, order__lte=stage.order
            ).order_by("order")
        )
        if passed:
            StageHistory.objects.filter(opportunity=opp).update(exited_at=now)
        StageHistory.objects.bulk_create(
            StageHistory(
                opportunity=opp,
                stage=step,
                entered_at=now,
                exited_at=None if step == stage else now,
                entered_by=owner,
            )
            for step in passed
        )
        Opportunity.objects.filter(pk=opp.pk).update(stage=stage, probability=stage.probability)
        opp.refresh_from_db()
    return opp


# The people who may or may not decide: the org's users and a director above the region's
# managers (the second approver of an escalated decision).
DECIDERS = ["admin", "manager", "director", "rep1", "rep2", "rep3", "solution", "finance"]


def deciders_and_deals(org, make_deal) -> tuple[dict, dict]:
    """The ``DECIDERS`` by name (a director added as the region's leader) and four deals made by
    ``make_deal(owner)``: rep1's, rep3's (another team), the manager's own, and one of rep1's
    moved to team 2."""
    from opportunities.models import Opportunity

    director = UserFactory(username="director", role=Role.MANAGER, team=org.region)
    org.region.leader = director
    org.region.save()
    users = {name: getattr(org, name, None) for name in DECIDERS}
    users["director"] = director
    deals = {
        "rep1": make_deal(org.rep1),
        "rep3": make_deal(org.rep3),
        "manager": make_deal(org.manager),
        "rep1-in-team2": opportunity(org.rep1),
    }
    Opportunity.objects.filter(pk=deals["rep1-in-team2"].pk).update(team=org.team2)
    deals["rep1-in-team2"].refresh_from_db()
    return users, deals
