"""The customer pool (客户公海): who may claim, assign and release a customer, and how.

Where the rule lives. The customer and its pool are this ground-floor app's; two facts the rule
needs are downstream of it: whether the customer has an open deal (opportunities) and whether
its owner logged an activity on one of its deals. This app imports no chain app, so the chain
registers those facts here — ``register_hold`` (customers that stay with their owner whatever
their clock says) and ``register_touch_source`` (records whose activities count as touching
their customer) — the way opportunities widens the customer scope with ``register_scope``.
The periodic sweeps (``pool_sweeps``) and these services then ask the registries; the rule
is in one place, here, and works without the chain (no registered hold: the clock decides).

The same shape as the lead pool (leads.services): an atomic claim (the rep's row, then the
customer's row locked; losers get "no longer in the pool"), per-pool limits (customers held,
cooling-off after a customer was taken from the rep), a managers' assign, a release with a
reason, and set-based, idempotent recovery.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transition, notify
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.org.models import Role, User
from ltc.org.scoping import manages, team_and_ancestor_ids

from .models import Customer, CustomerPool, CustomerRecovery, PoolState

CLAIMERS = {Role.REP, Role.MANAGER}
ASSIGNERS = {Role.MANAGER, Role.ADMIN}
OWNER_ROLES = {Role.REP, Role.MANAGER}


# Registries the chain fills ------------------------------------------------------------------
# code → (label, fn() -> values queryset of customer ids that stay with their owner). The ids
# must not be NULL (they feed ``NOT IN``).
_HOLDS: dict[str, tuple[str | Promise, Callable[[], QuerySet]]] = {}
# model → fn(object_id) -> values queryset of the customer ids an activity on it touches.
_TOUCH_SOURCES: dict[type, Callable[[int], QuerySet]] = {}


def register_hold(code: str, label, customer_ids: Callable[[], QuerySet]) -> None:
    _HOLDS[code] = (label, customer_ids)


def register_touch_source(model: type, customer_ids: Callable[[int], QuerySet]) -> None:
    _TOUCH_SOURCES[model] = customer_ids


def without_holds(qs: QuerySet) -> QuerySet:
    """``qs`` less every customer a registered hold keeps with its owner."""
    for _label, customer_ids in _HOLDS.values():
        qs = qs.exclude(pk__in=customer_ids())
    return qs


def holds_on(customer: Customer) -> list[Missing]:
    """The holds that keep this customer with its owner now (e.g. an open deal)."""
    return [
        Missing(code, label)
        for code, (label, customer_ids) in _HOLDS.items()
        if Customer.objects.filter(pk=customer.pk, pk__in=customer_ids()).exists()
    ]


# Who may do what (one place: views, templates, API and tests ask these) ---------------------
def _role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def may_see_pool(user) -> bool:
    return _role(user) in CLAIMERS | ASSIGNERS


def may_claim(user) -> bool:
    return _role(user) in CLAIMERS


def may_assign(user) -> bool:
    return _role(user) in ASSIGNERS


def may_release(user, customer: Customer) -> bool:
    """The owner, a manager above the owner, or an admin may send a held customer back (the
    transition then asks for an owner and a pool)."""
    if _role(user) == Role.ADMIN:
        return True
    if customer.owner_id is None:
        return False
    return customer.owner_id == user.pk or manages(user, customer.owner)


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


# Helpers ---------------------------------------------------------------------------------------
def _locked(customer_id: int) -> Customer:
    return (
        Customer.objects.select_for_update(of=("self",))
        .select_related("pool", "owner")
        .get(pk=customer_id)
    )


def local_text(dt: datetime | None) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i") if dt else ""


def default_pool_for(user) -> CustomerPool | None:
    """The customer pool of the nearest team above the user that has one, else the default."""
    chain = team_and_ancestor_ids(user) if user and user.pk else []
    pools = {
        p.team_id: p for p in CustomerPool.objects.filter(Q(team_id__in=chain) | Q(is_default=True))
    }
    for team_id in chain:
        if team_id in pools:
            return pools[team_id]
    return pools.get(None)


def start_clock(customer: Customer, *, owner, now: datetime) -> None:
    """A new customer of ``owner`` falls under the pool rule of the owner's pool (if any)."""
    if owner is None or customer.pool_id:
        return
    customer.pool = default_pool_for(owner)
    if customer.pool is not None:
        customer.assigned_at = now
        customer.pool_due_at = now + customer.pool.idle


# Claim limits ------------------------------------------------------------------------------------
def held_count(user) -> int:
    return Customer.objects.filter(owner=user, pool_state=PoolState.HELD).count()


def claim_limits(
    *,
    customer: Customer,
    user,
    now: datetime,
    held: int | None = None,
    cooling: dict[int, datetime] | None = None,
) -> list[Missing]:
    """Every limit of the customer's pool this user would exceed by claiming it. ``held`` and
    ``cooling`` (from ``cooldowns``) may be passed in when a whole page is asked at once."""
    pool = customer.pool
    missing: list[Missing] = []
    held = held_count(user) if held is None else held
    if held >= pool.max_held:
        missing.append(
            Missing(
                "max_held",
                _("You hold %(held)s customers; the limit is %(limit)s.")
                % {"held": held, "limit": pool.max_held},
            )
        )
    if cooling is None:
        cooling = cooldowns(user=user, customer_ids=[customer.pk], now=now)
    if customer.pk in cooling:
        missing.append(cooldown_missing(cooling[customer.pk]))
    return missing


def claim_blockers(user, customers, now: datetime) -> dict[int, list[Missing]]:
    """customer id → why ``user`` may not claim it now (empty: the button works), for a page of
    pooled customers in two queries. The pages and the API's pool list show these."""
    customers = list(customers)
    if not may_claim(user):
        refusal = [Missing("role", _("Only sales reps and managers claim customers."))]
        return {c.pk: refusal for c in customers}
    held = held_count(user)
    cooling = cooldowns(user=user, customer_ids=[c.pk for c in customers], now=now)
    return {
        c.pk: claim_limits(customer=c, user=user, now=now, held=held, cooling=cooling)
        for c in customers
    }


def cooldowns(*, user, customer_ids, now: datetime) -> dict[int, datetime]:
    """customer id → when ``user`` may claim it again, for those still cooling off (one query
    for a whole page of the pool)."""
    rows = (
        CustomerRecovery.objects.filter(former_owner=user, customer_id__in=customer_ids)
        .values_list("customer_id", "at", "pool__reclaim_cooldown_days")
        .order_by("at")
    )
    until = {}
    for customer_id, at, days in rows:
        end = at + timedelta(days=days)
        if end > now:
            until[customer_id] = end
    return until


def cooldown_missing(until: datetime) -> Missing:
    return Missing(
        "reclaim_cooldown",
        _("This customer was taken back from you; you may claim it again after %(when)s.")
        % {"when": local_text(until)},
    )


def _not_in_pool(customer: Customer) -> TransitionRefused:
    return TransitionRefused(
        _("This customer is no longer in the pool."),
        [
            Missing(
                "pool_state",
                _("The customer must be in the pool (it is “%(state)s”).")
                % {"state": customer.get_pool_state_display()},
            )
        ],
    )


def _mark_reclaimed(customer: Customer, *, by, at: datetime) -> None:
    """The latest recovery of a pooled customer records who took it again (the figures)."""
    last = (
        CustomerRecovery.objects.filter(customer=customer, reclaimed_at__isnull=True)
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if last:
        CustomerRecovery.objects.filter(pk=last).update(reclaimed_by=by, reclaimed_at=at)


# Operations -------------------------------------------------------------------------------------
def claim_customer(*, customer: Customer, user, now: datetime | None = None) -> Customer:
    """Take a customer from the pool. Of many simultaneous claims exactly one wins: the row is
    locked (SQLite: the IMMEDIATE transaction); the losers find it no longer pooled."""
    _require(may_claim(user), _("Only sales reps and managers claim customers."))
    now = now or timezone.now()
    with transaction.atomic():
        # One rep's claims queue up, so two claims cannot both pass the holding limit.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        customer = _locked(customer.pk)
        if customer.pool_state != PoolState.POOLED:
            raise _not_in_pool(customer)
        ensure_can(
            customer,
            "claim",
            _("You cannot claim this customer."),
            claim_limits(customer=customer, user=user, now=now),
        )
        customer.claim(by=user, at=now)
        customer.save()
        _mark_reclaimed(customer, by=user, at=now)
        log_transition(
            obj=customer,
            transition="claim",
            source=PoolState.POOLED,
            target=customer.pool_state,
            actor=user,
            at=now,
        )
    return customer


@transaction.atomic
def assign_customer(*, customer: Customer, owner, by, now: datetime | None = None) -> Customer:
    now = now or timezone.now()
    _require(may_assign(by), _("Only managers and administrators assign customers."))
    if owner is None or not owner.is_active or _role(owner) not in OWNER_ROLES:
        raise InvalidInput(_("Customers are assigned to an active sales rep or manager."), "owner")
    if _role(by) == Role.MANAGER and owner.pk != by.pk and not manages(by, owner):
        raise InvalidInput(_("You may only assign customers to people in your teams."), "owner")
    customer = _locked(customer.pk)
    if customer.owner_id == owner.pk:
        raise InvalidInput(_("The customer already belongs to this person."), "owner")
    if customer.owner_id and _role(by) == Role.MANAGER and not manages(by, customer.owner):
        raise NotAllowed(_("This customer belongs to someone outside your teams."))
    source = customer.pool_state
    ensure_can(customer, "assign", _("This customer cannot be assigned."))
    customer.assign(to=owner, at=now)
    customer.save()
    if source == PoolState.POOLED:
        _mark_reclaimed(customer, by=owner, at=now)
    log_transition(
        obj=customer,
        transition="assign",
        source=source,
        target=customer.pool_state,
        actor=by,
        at=now,
        comment=str(owner),
    )
    notify(
        [owner],
        kind="customer_assigned",
        params={"name": customer.name, "by": str(by)},
        url=f"/customers/{customer.pk}/",
    )
    return customer


@transaction.atomic
def release_customer(
    *, customer: Customer, user, reason: str, now: datetime | None = None
) -> Customer:
    now = now or timezone.now()
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the customer goes back to the pool."), "reason")
    customer = _locked(customer.pk)
    _require(
        may_release(user, customer),
        _("Only the owner or their manager may release this customer."),
    )
    former_owner, due = customer.owner, customer.pool_due_at
    ensure_can(customer, "release", _("This customer cannot be released."), holds_on(customer))
    customer.release(at=now)
    customer.save()
    CustomerRecovery.objects.create(
        customer=customer,
        pool=customer.pool,
        former_owner=former_owner,
        kind=CustomerRecovery.Kind.RELEASED,
        reason=reason,
        due_at=due,
        at=now,
    )
    log_transition(
        obj=customer,
        transition="release",
        source=PoolState.HELD,
        target=customer.pool_state,
        actor=user,
        at=now,
        comment=reason,
    )
    return customer


@transaction.atomic
def log_customer_activity(
    *, customer: Customer, user, kind: str, note: str, now: datetime | None = None
):
    """A call, visit, e-mail or meeting on the customer; logged by its owner, it restarts the
    pool clock (``touched_by_activity``, on every new activity)."""
    from ltc.activity.models import ActivityKind
    from ltc.activity.services import record_activity

    from .services import may_edit_customer

    if kind not in ActivityKind.values:
        raise InvalidInput(_("Choose a kind of activity."), "kind")
    if not (note or "").strip():
        raise InvalidInput(_("Write what was said or agreed."), "note")
    customer = Customer.objects.select_related("owner").get(pk=customer.pk)
    _require(
        may_edit_customer(user, customer),
        _("Only the account owner or their manager may log activities here."),
    )
    return record_activity(
        obj=customer, kind=kind, note=note, actor=user, occurred_at=now or timezone.now()
    )


def touch_customers(*, customer_ids, by, at: datetime) -> int:
    """An activity its owner logged restarts the customers' clocks (one UPDATE per pool rule;
    customers of other people or under no pool are left alone)."""
    rows = (
        Customer.objects.filter(
            pk__in=customer_ids, owner=by, pool_state=PoolState.HELD, pool__isnull=False
        )
        .order_by()
        .values_list("pool__idle_days", "pk")
    )
    by_days: dict[int, list[int]] = {}
    for days, pk in rows:
        by_days.setdefault(days, []).append(pk)
    for days, ids in by_days.items():
        Customer.objects.filter(pk__in=ids).update(
            last_touched_at=at, pool_due_at=at + timedelta(days=days), warned_at=None
        )
    return sum(len(ids) for ids in by_days.values())


def touched_by_activity(activity) -> int:
    """The customers an activity touches: its own subject, or the customer of a registered
    source (a deal). Called on every new activity (apps.py)."""
    from django.contrib.contenttypes.models import ContentType

    model = ContentType.objects.get_for_id(activity.content_type_id).model_class()
    if model is Customer:
        ids = [activity.object_id]
    elif model in _TOUCH_SOURCES:
        ids = _TOUCH_SOURCES[model](activity.object_id)
    else:
        return 0
    return touch_customers(customer_ids=ids, by=activity.actor_id, at=activity.occurred_at)
