"""The lead: its state machine with the conditions of each transition, and its recoveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.models import TakenBack
from ltc.core.money import currency_field, money_field

from ..querysets import LeadQuerySet
from .sources import Campaign, Pool, Source


class LeadState(models.TextChoices):
    NEW = "new", _("New (in the pool)")
    ASSIGNED = "assigned", _("Assigned")
    VALIDATED = "validated", _("Validated")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_STATES = (LeadState.NEW, LeadState.ASSIGNED, LeadState.VALIDATED)


class DisqualifyReason(models.TextChoices):
    NO_NEED = "no_need", _("No real need")
    NO_BUDGET = "no_budget", _("No budget")
    UNREACHABLE = "unreachable", _("Contact unreachable")
    COMPETITOR = "competitor", _("Already with a competitor")
    DUPLICATE = "duplicate", _("Duplicate")
    INVALID = "invalid", _("Invalid or spam")
    OTHER = "other", _("Other")


# Conditions of the lead's transitions: each names the requirement it checks.
@requirement("follow_up_logged", _("At least one follow-up logged (the contact was reached)"))
def has_follow_up(lead: Lead) -> bool:
    return lead.follow_up_count > 0


@requirement("need", _("The customer's need is described"))
def has_need(lead: Lead) -> bool:
    return bool((lead.need or "").strip())


@requirement("budget_confirmed", _("The budget is confirmed"))
def has_budget_confirmed(lead: Lead) -> bool:
    return lead.budget_confirmed


@requirement("reason", _("A disqualification reason is given"))
def has_disqualify_reason(lead: Lead) -> bool:
    return bool(lead.disqualify_reason)


@requirement("owner", _("The lead has an owner"))
def has_owner(lead: Lead) -> bool:
    return lead.owner_id is not None


@requirement("unowned", _("The lead is in the pool without an owner"))
def has_no_owner(lead: Lead) -> bool:
    return lead.owner_id is None


class Lead(FSMModelMixin, models.Model):
    title = models.CharField(_("title"), max_length=200)
    company_name = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # campaign and duplicate_of are indexed where set only (lead_campaign_idx,
    # lead_duplicate_of_idx): every query on them asks for a given campaign or lead, or for
    # "is set", and most leads have neither.
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        related_name="leads",
        on_delete=models.PROTECT,
        db_index=False,
    )
    estimated_amount = money_field(verbose_name=_("estimated amount"), null=True, blank=True)
    currency = currency_field()
    need = models.TextField(_("need"), blank=True, max_length=5000)
    budget_confirmed = models.BooleanField(_("budget confirmed"), default=False)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    # pool and owner lead the composite indexes below: their own indexes would be redundant.
    pool = models.ForeignKey(
        Pool,
        verbose_name=_("pool"),
        related_name="leads",
        on_delete=models.PROTECT,
        db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        related_name="leads",
        on_delete=models.PROTECT,
        db_index=False,
    )
    # No single-column index: (state, follow_up_due_at) leads with it, and every index costs
    # the recovery sweep's update of 100,000 rows.
    state = FSMField(_("state"), default=LeadState.NEW, choices=LeadState.choices, protected=True)

    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    follow_up_due_at = models.DateTimeField(_("follow-up due"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    follow_up_count = models.PositiveIntegerField(_("follow-ups"), default=0, editable=False)
    recovery_count = models.PositiveIntegerField(_("times recovered"), default=0, editable=False)
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=20, choices=DisqualifyReason.choices, blank=True
    )
    disqualify_note = models.TextField(_("disqualification note"), blank=True, max_length=2000)

    phone_key = models.CharField(max_length=40, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    company_key = models.CharField(max_length=200, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        related_name="duplicates",
        on_delete=models.SET_NULL,
        db_index=False,
    )

    score = models.SmallIntegerField(_("score"), default=0, editable=False)
    score_reasons = models.JSONField(default=list, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-score", "-id"]
        indexes = [
            models.Index(fields=["pool", "state", "-score", "-id"], name="lead_pool_score_idx"),
            # The lead list's default order across pools (GET /api/v1/leads/ as a rep reads it
            # in this order and stops after 50 visible rows).
            # Covering: the keyset page's ids come from an index-only scan, no heap visit for the
            # thousands of rows it skips.
            models.Index(
                fields=["-score", "-id"],
                name="lead_score_cover_idx",
                include=["owner", "state", "pool", "source"],
            ),
            # The pool filtered by source, as the pool page and API ask for it: the page's rows
            # in order and its count from the index alone (the condition is ``in_pool_of``'s).
            models.Index(
                fields=["pool", "source", "-score", "-id"],
                name="lead_pool_source_idx",
                condition=models.Q(state="new", owner__isnull=True),
            ),
            # Serves owned leads only (every query on it asks for an owner): partial, so the
            # recovery sweep's updated rows (back in the pool, no owner) get no entry.
            models.Index(
                fields=["owner", "state", "follow_up_due_at"],
                name="lead_owner_due_idx",
                condition=models.Q(owner__isnull=False),
            ),
            # Whole, not partial: the sweeps ask for assigned leads by deadline, but a lead list
            # filtered by any state counts its rows from this index (partial, counting the
            # converted leads took a bitmap scan of lead_pool_score_idx, ~100x slower), and a
            # recovered lead's entry ('new', NULL) is appended at one place, nearly free. With
            # id last, the recovery's batches resume at (deadline, id) in the index itself.
            models.Index(fields=["state", "follow_up_due_at", "id"], name="lead_state_due_idx"),
            # The duplicate keys are looked up by equality only: plain indexes, without the
            # LIKE (pattern_ops) twins a db_index CharField gets on PostgreSQL. A blank key is
            # never looked up (services.find_duplicate skips it), so the blank ones, many for
            # phone and e-mail, get no entry.
            models.Index(
                fields=["phone_key"], name="lead_phone_key_idx", condition=~models.Q(phone_key="")
            ),
            models.Index(
                fields=["email_key"], name="lead_email_key_idx", condition=~models.Q(email_key="")
            ),
            models.Index(fields=["company_key"], name="lead_company_key_idx"),
            models.Index(
                fields=["campaign"],
                name="lead_campaign_idx",
                condition=models.Q(campaign__isnull=False),
            ),
            models.Index(
                fields=["duplicate_of"],
                name="lead_duplicate_of_idx",
                condition=models.Q(duplicate_of__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_amount__isnull=True)
                | models.Q(estimated_amount__gte=0),
                name="lead_amount_not_negative",
            ),
            # An owned lead is never in the pool, and a pool lead never has an owner.
            models.CheckConstraint(
                condition=~models.Q(state="new", owner__isnull=False)
                & ~models.Q(state__in=["assigned", "validated"], owner__isnull=True),
                name="lead_owner_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # Transitions. The service checks who may act and the pool's limits; the model knows the
    # states and the requirements of the record itself.
    @transition(
        field=state, source=LeadState.NEW, target=LeadState.ASSIGNED, conditions=[has_no_owner]
    )
    def claim(self, *, by, at) -> None:
        self._take(by, at)

    @transition(field=state, source=[LeadState.NEW, LeadState.ASSIGNED], target=LeadState.ASSIGNED)
    def assign(self, *, to, at) -> None:
        self._take(to, at)

    @transition(
        field=state, source=LeadState.ASSIGNED, target=LeadState.NEW, conditions=[has_owner]
    )
    def release(self, *, at) -> None:
        self._return_to_pool()

    @transition(
        field=state, source=LeadState.ASSIGNED, target=LeadState.NEW, conditions=[has_owner]
    )
    def recover(self, *, at) -> None:
        """The single-row form of ``services.recover_overdue_leads``' bulk update."""
        self._return_to_pool()
        self.recovery_count += 1

    @transition(
        field=state,
        source=LeadState.ASSIGNED,
        target=LeadState.VALIDATED,
        conditions=[has_follow_up, has_need, has_budget_confirmed],
    )
    def validate(self, *, at) -> None:
        self.validated_at = at
        self.follow_up_due_at = None
        self.warned_at = None

    @transition(
        field=state,
        source=[LeadState.NEW, LeadState.ASSIGNED, LeadState.VALIDATED],
        target=LeadState.DISQUALIFIED,
        conditions=[has_disqualify_reason],
    )
    def disqualify(self, *, at) -> None:
        self.closed_at = at
        self.follow_up_due_at = None
        self.warned_at = None

    @transition(
        field=state, source=LeadState.VALIDATED, target=LeadState.CONVERTED, conditions=[has_owner]
    )
    def convert(self, *, at) -> None:
        self.closed_at = at

    def _take(self, user, at) -> None:
        self.owner = user
        self.assigned_at = at
        self.follow_up_due_at = at + self.pool.first_follow_up
        self.warned_at = None

    def _return_to_pool(self) -> None:
        self.owner = None
        self.assigned_at = None
        self.follow_up_due_at = None
        self.warned_at = None


class LeadRecovery(TakenBack):
    """A lead taken back from its owner: by the recovery task or released by hand."""

    class Kind(models.TextChoices):
        RECOVERED = "recovered", _("Recovered: follow-up overdue")
        RELEASED = "released", _("Released by hand")

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), related_name="recoveries", on_delete=models.CASCADE
    )
    # former_owner leads the (former_owner, lead, at) index: its own would be redundant.
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField(_("follow-up was due"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead recovery")
        verbose_name_plural = _("lead recoveries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["former_owner", "lead", "at"])]

    def __str__(self) -> str:
        return f"{self.lead_id} ← {self.former_owner_id}"
