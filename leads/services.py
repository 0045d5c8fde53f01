"""Every operation that changes a lead. One transaction each; errors name what is missing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import Activity, ActivityKind, TransitionLog
from ltc.activity.services import (
    log_transition,
    log_transitions_bulk,
    notify,
    notify_many,
    record_activity,
)
from ltc.core.errors import InvalidInput, Missing, NotAllowed, TransitionRefused
from ltc.core.fsm import ensure_can
from ltc.core.merge import move_related_rows
from ltc.core.normalize import company_key, email_key, phone_key
from ltc.org.models import Role, User
from ltc.org.scoping import managers_of, manages, team_and_ancestor_ids

from .models import DisqualifyReason, Lead, LeadRecovery, LeadState, Pool
from .recovery_notices import recovery_notices
from .scoring import rescore

EDITABLE_FIELDS = (
    "title",
    "company_name",
    "contact_name",
    "phone",
    "email",
    "source",
    "campaign",
    "estimated_amount",
    "currency",
    "need",
    "budget_confirmed",
    "notes",
)
CREATORS = {Role.MARKETING, Role.REP, Role.MANAGER, Role.ADMIN, Role.INTEGRATION}
CLAIMERS = {Role.REP, Role.MANAGER}
ASSIGNERS = {Role.MARKETING, Role.MANAGER, Role.ADMIN}
OWNER_ROLES = {Role.REP, Role.MANAGER}


# Who may do what ----------------------------------------------------------------------------
def _role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def works_on(user, lead: Lead) -> bool:
    """The owner, a manager above the owner, or an admin may work a held lead."""
    if _role(user) == Role.ADMIN:
        return True
    if lead.owner_id is None:
        return False
    return lead.owner_id == user.pk or manages(user, lead.owner)


def may_edit(user, lead: Lead) -> bool:
    return _role(user) in {Role.ADMIN, Role.MARKETING, Role.INTEGRATION} or works_on(user, lead)


def may_disqualify(user, lead: Lead) -> bool:
    if lead.state == LeadState.NEW:
        return _role(user) in ASSIGNERS
    return works_on(user, lead)


def may_merge(user, lead: Lead, into: Lead) -> bool:
    if _role(user) in ASSIGNERS:
        return True
    return works_on(user, lead) and works_on(user, into)


def _require(allowed: bool, detail) -> None:
    if not allowed:
        raise NotAllowed(detail)


# Helpers ------------------------------------------------------------------------------------
def _locked(lead_id: int) -> Lead:
    return (
        Lead.objects.select_for_update(of=("self",)).select_related("pool", "owner").get(pk=lead_id)
    )


def _stamp(lead: Lead) -> None:
    lead.phone_key = phone_key(lead.phone)
    lead.email_key = email_key(lead.email)
    lead.company_key = company_key(lead.company_name)


def find_duplicate(lead: Lead) -> Lead | None:
    """The oldest open lead with the same normalised phone, e-mail or company name."""
    q = Q()
    if lead.phone_key:
        q |= Q(phone_key=lead.phone_key)
    if lead.email_key:
        q |= Q(email_key=lead.email_key)
    if lead.company_key:
        q |= Q(company_key=lead.company_key)
    if not q:
        return None
    return Lead.objects.open().filter(q).exclude(pk=lead.pk).order_by("id").first()


def default_pool_for(user) -> Pool:
    """The pool of the nearest team above the user that has one, else the default pool."""
    chain = team_and_ancestor_ids(user) if user and user.pk else []
    pools = {p.team_id: p for p in Pool.objects.filter(Q(team_id__in=chain) | Q(is_default=True))}
    for team_id in chain:
        if team_id in pools:
            return pools[team_id]
    default = pools.get(None)
    if default is None:
        default = (
            Pool.objects.filter(is_default=True).first() or Pool.objects.order_by("id").first()
        )
    if default is None:
        raise InvalidInput(
            _("No lead pool is configured; an administrator must create one."), "pool"
        )
    return default


def _local_text(dt: datetime | None) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i") if dt else ""


# Creating and editing -----------------------------------------------------------------------
@transaction.atomic
def create_lead(*, by, pool: Pool | None = None, **fields) -> Lead:
    _require(_role(by) in CREATORS, _("Your role may not create leads."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field."), sorted(unknown)[0])
    lead = Lead(pool=pool or default_pool_for(by), created_by=by, **fields)
    _stamp(lead)
    rescore(lead)
    lead.duplicate_of = find_duplicate(lead)
    lead.save()
    log_transition(obj=lead, transition="create", source="", target=lead.state, actor=by)
    return lead


@transaction.atomic
def update_lead(*, lead: Lead, by, **fields) -> Lead:
    lead = _locked(lead.pk)
    _require(
        may_edit(by, lead), _("Only the owner, their manager or marketing may edit this lead.")
    )
    if not lead.is_open:
        raise NotAllowed(_("A converted or disqualified lead cannot be edited."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here."), sorted(unknown)[0])
    for name, value in fields.items():
        setattr(lead, name, value)
    _stamp(lead)
    rescore(lead)
    if lead.duplicate_of_id is None:
        lead.duplicate_of = find_duplicate(lead)
    lead.save()
    return lead


# The pool -----------------------------------------------------------------------------------
def claim_limits(*, lead: Lead, user, now: datetime) -> list[Missing]:
    """The pool's limits on this user claiming this lead, every one that is exceeded."""
    pool = lead.pool
    missing: list[Missing] = []
    held = Lead.objects.filter(
        owner=user, state__in=[LeadState.ASSIGNED, LeadState.VALIDATED]
    ).count()
    if held >= pool.max_held:
        missing.append(
            Missing(
                "max_held",
                _("You hold %(held)s leads; the limit is %(limit)s.")
                % {"held": held, "limit": pool.max_held},
            )
        )
    day_start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    claimed_today = TransitionLog.objects.filter(
        actor=user, transition="claim", at__gte=day_start, content_type__model="lead"
    ).count()
    if claimed_today >= pool.max_daily_claims:
        missing.append(
            Missing(
                "max_daily_claims",
                _("You claimed %(count)s leads today; the limit is %(limit)s a day.")
                % {"count": claimed_today, "limit": pool.max_daily_claims},
            )
        )
    if pool.reclaim_cooldown_days:
        since = now - timedelta(days=pool.reclaim_cooldown_days)
        last = (
            LeadRecovery.objects.filter(lead=lead, former_owner=user, at__gte=since)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        if last:
            missing.append(
                Missing(
                    "reclaim_cooldown",
                    _("This lead was taken back from you; you may claim it again after %(when)s.")
                    % {"when": _local_text(last + timedelta(days=pool.reclaim_cooldown_days))},
                )
            )
    return missing


def claim_lead(*, lead: Lead, user, now: datetime | None = None) -> Lead:
    """Take a lead from the pool. Of many simultaneous claims exactly one wins: the row is locked
    (SQLite: the IMMEDIATE transaction), and the losers see a lead that is no longer new."""
    _require(_role(user) in CLAIMERS, _("Only sales reps and managers claim leads."))
    now = now or timezone.now()
    with transaction.atomic():
        # One rep's claims queue up, so two claims cannot both pass the holding limit.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        lead = _locked(lead.pk)
        if lead.state != LeadState.NEW:
            raise TransitionRefused(
                _("This lead is no longer in the pool."),
                [
                    Missing(
                        "state",
                        _("The lead must be in the pool (it is “%(state)s”).")
                        % {"state": lead.get_state_display()},
                    )
                ],
            )
        ensure_can(
            lead,
            "claim",
            _("You cannot claim this lead."),
            claim_limits(lead=lead, user=user, now=now),
        )
        lead.claim(by=user, at=now)
        lead.save()
        log_transition(
            obj=lead,
            transition="claim",
            source=LeadState.NEW,
            target=lead.state,
            actor=user,
            at=now,
        )
    return lead


@transaction.atomic
def assign_lead(*, lead: Lead, owner, by, now: datetime | None = None) -> Lead:
    now = now or timezone.now()
    _require(_role(by) in ASSIGNERS, _("Only managers and marketing assign leads."))
    if owner is None or not owner.is_active or _role(owner) not in OWNER_ROLES:
        raise InvalidInput(_("Leads are assigned to an active sales rep or manager."), "owner")
    if _role(by) == Role.MANAGER and owner.pk != by.pk and not manages(by, owner):
        raise InvalidInput(_("You may only assign leads to people in your teams."), "owner")
    lead = _locked(lead.pk)
    if lead.owner_id == owner.pk:
        raise InvalidInput(_("The lead already belongs to this person."), "owner")
    if lead.owner_id and _role(by) == Role.MANAGER and not manages(by, lead.owner):
        raise NotAllowed(_("This lead belongs to someone outside your teams."))
    source = lead.state
    ensure_can(lead, "assign", _("This lead cannot be assigned."))
    lead.assign(to=owner, at=now)
    lead.save()
    log_transition(
        obj=lead,
        transition="assign",
        source=source,
        target=lead.state,
        actor=by,
        at=now,
        comment=str(owner),
    )
    notify(
        [owner],
        kind="lead_assigned",
        params={"title": lead.title, "by": str(by)},
        url=f"/leads/{lead.pk}/",
    )
    return lead


@transaction.atomic
def release_lead(*, lead: Lead, user, reason: str, now: datetime | None = None) -> Lead:
    now = now or timezone.now()
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the lead goes back to the pool."), "reason")
    lead = _locked(lead.pk)
    _require(works_on(user, lead), _("Only the owner or their manager may release this lead."))
    former_owner = lead.owner
    ensure_can(lead, "release", _("This lead cannot be released."))
    lead.release(at=now)
    lead.save()
    LeadRecovery.objects.create(
        lead=lead, former_owner=former_owner, kind=LeadRecovery.Kind.RELEASED, reason=reason, at=now
    )
    log_transition(
        obj=lead,
        transition="release",
        source=LeadState.ASSIGNED,
        target=lead.state,
        actor=user,
        at=now,
        comment=reason,
    )
    return lead


# Working a lead ------------------------------------------------------------------------------
def complete_planned_follow_up(*, obj: Lead, user, kind: str, note: str, now: datetime) -> Activity:
    """A planned call, visit, e-mail or meeting done on a lead is its follow-up (the pool's
    clock restarts); a to-do is only logged, by someone who works on the lead."""
    if kind == ActivityKind.TODO:
        _require(works_on(user, obj), _("Only the owner or their manager may log on this lead."))
        return record_activity(obj=obj, kind=kind, note=note, actor=user, occurred_at=now)
    return log_follow_up(lead=obj, user=user, kind=kind, note=note, now=now)


@transaction.atomic
def log_follow_up(
    *, lead: Lead, user, kind: str, note: str, now: datetime | None = None
) -> Activity:
    """A call, visit, e-mail or meeting. It resets the follow-up clock of an assigned lead."""
    now = now or timezone.now()
    if not (note or "").strip():
        raise InvalidInput(_("Write what was said or agreed."), "note")
    lead = _locked(lead.pk)
    _require(works_on(user, lead), _("Only the owner or their manager may follow up this lead."))
    if lead.state not in (LeadState.ASSIGNED, LeadState.VALIDATED):
        raise TransitionRefused(
            _("Follow-ups are logged on leads someone is working."),
            [
                Missing(
                    "state",
                    _("The lead must be assigned or validated (it is “%(state)s”).")
                    % {"state": lead.get_state_display()},
                )
            ],
        )
    activity = record_activity(obj=lead, kind=kind, note=note, actor=user, occurred_at=now)
    lead.follow_up_count += 1
    lead.last_follow_up_at = now
    if lead.state == LeadState.ASSIGNED:
        lead.follow_up_due_at = now + lead.pool.follow_up_interval
        lead.warned_at = None
    rescore(lead)
    lead.save()
    return activity


@transaction.atomic
def validate_lead(
    *,
    lead: Lead,
    user,
    need: str | None = None,
    budget_confirmed: bool | None = None,
    now: datetime | None = None,
) -> Lead:
    now = now or timezone.now()
    lead = _locked(lead.pk)
    _require(works_on(user, lead), _("Only the owner or their manager may validate this lead."))
    if need is not None:
        lead.need = need
    if budget_confirmed is not None:
        lead.budget_confirmed = budget_confirmed
    ensure_can(lead, "validate", _("The lead cannot be validated yet."))
    lead.validate(at=now)
    rescore(lead)
    lead.save()
    log_transition(
        obj=lead,
        transition="validate",
        source=LeadState.ASSIGNED,
        target=lead.state,
        actor=user,
        at=now,
    )
    return lead


@transaction.atomic
def disqualify_lead(
    *, lead: Lead, user, reason: str, note: str = "", now: datetime | None = None
) -> Lead:
    now = now or timezone.now()
    if reason not in DisqualifyReason.values:
        raise InvalidInput(_("Choose one of the disqualification reasons."), "reason")
    lead = _locked(lead.pk)
    _require(may_disqualify(user, lead), _("You may not disqualify this lead."))
    source = lead.state
    lead.disqualify_reason = reason
    lead.disqualify_note = note or ""
    ensure_can(lead, "disqualify", _("This lead cannot be disqualified."))
    lead.disqualify(at=now)
    lead.save()
    log_transition(
        obj=lead,
        transition="disqualify",
        source=source,
        target=lead.state,
        actor=user,
        at=now,
        comment=note or lead.get_disqualify_reason_display(),
    )
    return lead


# The fields a user picks from either lead when merging, with their labels.
MERGE_FIELDS = [
    ("title", _("Title")),
    ("company_name", _("Company")),
    ("contact_name", _("Contact")),
    ("phone", _("Phone")),
    ("email", _("E-mail")),
    ("source", _("Source")),
    ("campaign", _("Campaign")),
    ("estimated_amount", _("Estimated amount")),
    ("currency", _("Currency")),
    ("need", _("Need")),
    ("budget_confirmed", _("Budget confirmed")),
    ("notes", _("Notes")),
]
# A duplicate's own history stays with it (it remains, disqualified as a duplicate): its
# recoveries; a converted lead's deal cannot be the duplicate's (only open leads merge).
MERGE_KEEPS_ON_DUPLICATE = {"leads.leadrecovery", "opportunities.opportunity"}


@transaction.atomic
def merge_leads(
    *,
    duplicate: Lead,
    into: Lead,
    user,
    picks: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Lead:
    """Fold a duplicate into the lead it repeats: each field from the side ``picks`` names
    (``into`` or ``duplicate``; by default ``into``'s, its gaps filled from the duplicate), every
    related row moved (activities, files, leads flagged as its duplicates), the duplicate
    disqualified, and the merge recorded on both leads' timelines."""
    now = now or timezone.now()
    if duplicate.pk == into.pk:
        raise InvalidInput(_("A lead cannot be merged into itself."), "into")
    names = {name for name, _label in MERGE_FIELDS}
    for name, side in (picks or {}).items():
        if name not in names:
            raise InvalidInput(_("Unknown field to merge."), name)
        if side not in ("into", "duplicate"):
            raise InvalidInput(_("Pick one of the two leads."), name)
    first, second = sorted([duplicate.pk, into.pk])
    locked = {
        lead.pk: lead
        for lead in Lead.objects.select_for_update(of=("self",))
        .select_related("pool", "owner")
        .filter(pk__in=[first, second])
    }
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    _require(may_merge(user, duplicate, into), _("You may not merge these leads."))
    if not into.is_open:
        raise InvalidInput(_("Leads can only be merged into an open lead."), "into")
    for name, _label in MERGE_FIELDS:
        mine, theirs = getattr(into, name), getattr(duplicate, name)
        side = (picks or {}).get(name) or ("duplicate" if not mine and theirs else "into")
        if side == "duplicate":
            setattr(into, name, theirs)
    moved = move_related_rows(source=duplicate, target=into, keep=MERGE_KEEPS_ON_DUPLICATE)
    into.follow_up_count += moved.get("activity.activity.object_id", 0)
    if into.duplicate_of_id in (duplicate.pk, into.pk):
        into.duplicate_of = None
    _stamp(into)
    rescore(into)
    into.save()
    source = duplicate.state
    duplicate.disqualify_reason = DisqualifyReason.DUPLICATE
    duplicate.disqualify_note = f"#{into.pk} {into.title}"
    duplicate.duplicate_of = into
    ensure_can(duplicate, "disqualify", _("This lead cannot be merged."))
    duplicate.disqualify(at=now)
    duplicate.save()
    log_transition(
        obj=duplicate,
        transition="merge",
        source=source,
        target=duplicate.state,
        actor=user,
        at=now,
        comment=duplicate.disqualify_note,
    )
    log_transition(
        obj=into,
        transition="merge",
        source=into.state,
        target=into.state,
        actor=user,
        at=now,
        comment=_("Merged lead #%(id)s “%(title)s” into this one; rows moved: %(rows)s.")
        % {"id": duplicate.pk, "title": duplicate.title, "rows": sum(moved.values())},
    )
    return into


# The periodic sweeps: the leads service's bulk transitions ------------------------------------
def recover_overdue_leads(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Return every assigned lead whose follow-up is overdue to its pool.

    Set-based: each batch locks the overdue rows (skipping rows a request holds right now),
    moves them with one UPDATE guarded by the same state and deadline, and inserts the
    recoveries, transition-log rows and notifications in bulk. Running it again finds nothing.
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # The same sweep as one statement per batch (see sweeps_pg): 100,000 leads in seconds.
        from .sweeps_pg import recover_overdue_leads_pg

        reason = str(_("No follow-up before the deadline"))
        return recover_overdue_leads_pg(now=now, reason=reason, batch_size=batch_size or 10_000)
    batch_size = batch_size or 2000
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                Lead.objects.select_for_update(skip_locked=True)
                .filter(state=LeadState.ASSIGNED, follow_up_due_at__lt=now)
                .order_by("id")
                .values_list("id", "owner_id", "follow_up_due_at", "title")[:batch_size]
            )
            if not rows:
                return total
            ids = [row[0] for row in rows]
            moved = Lead.objects.filter(
                pk__in=ids, state=LeadState.ASSIGNED, follow_up_due_at__lt=now
            ).update(
                state=LeadState.NEW,
                owner=None,
                assigned_at=None,
                follow_up_due_at=None,
                warned_at=None,
                recovery_count=F("recovery_count") + 1,
                updated_at=now,
            )
            if moved != len(
                ids
            ):  # a row changed under us (SQLite has no row locks): redo the batch
                transaction.set_rollback(True)
                continue
            reason = str(_("No follow-up before the deadline"))
            LeadRecovery.objects.bulk_create(
                [
                    LeadRecovery(
                        lead_id=lead_id,
                        former_owner_id=owner_id,
                        kind=LeadRecovery.Kind.RECOVERED,
                        reason=reason,
                        due_at=due,
                        at=now,
                    )
                    for lead_id, owner_id, due, _title in rows
                ],
                batch_size=batch_size,
            )
            log_transitions_bulk(
                model=Lead,
                object_ids=ids,
                transition="recover",
                source=LeadState.ASSIGNED,
                target=LeadState.NEW,
                comment=reason,
                at=now,
            )
            managers = managers_of(row[1] for row in rows)
            owners = dict(
                User.objects.filter(pk__in={row[1] for row in rows}).values_list("id", "username")
            )
            notify_many(recovery_notices(rows, managers, owners, _local_text))
            total += moved


def warn_leads_due_soon(*, now: datetime | None = None) -> int:
    """Warn owners of leads that go back to the pool within their pool's warning window. Each lead
    is warned once per deadline (a follow-up clears ``warned_at``)."""
    now = now or timezone.now()
    total = 0
    for pool in Pool.objects.all():
        window_end = now + timedelta(hours=pool.warning_hours)
        with transaction.atomic():
            rows = list(
                Lead.objects.select_for_update(skip_locked=True)
                .filter(
                    pool=pool,
                    state=LeadState.ASSIGNED,
                    warned_at__isnull=True,
                    follow_up_due_at__gte=now,
                    follow_up_due_at__lte=window_end,
                )
                .values_list("id", "owner_id", "follow_up_due_at", "title")
            )
            if not rows:
                continue
            Lead.objects.filter(pk__in=[r[0] for r in rows], warned_at__isnull=True).update(
                warned_at=now
            )
            notify_many(
                (
                    owner_id,
                    "lead_due_soon",
                    {"title": title, "due": _local_text(due)},
                    f"/leads/{lead_id}/",
                )
                for lead_id, owner_id, due, title in rows
            )
            total += len(rows)
    return total


def unmet_for_validation(lead: Lead) -> list[Missing]:
    """The checklist shown before a rep tries to validate: the same requirements the transition checks."""
    from ltc.core.fsm import unmet

    return unmet(lead, "validate")
