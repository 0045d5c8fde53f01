"""Decision reviews of a deal: kinds, the assessors' opinions, the decision and its second
approver."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.deletion import never_deleted
from ltc.core.fsm import requirement

from ..querysets import ReviewQuerySet
from .deals import Opportunity


class ReviewKind(models.TextChoices):
    PROJECT_APPROVAL = "project_approval", _("Project approval review")
    CONTRACT = "contract", _("Contract review")
    REGISTRATION = "registration", _("Partner registration approval")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("Waiting for decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


@requirement(
    "relationship_assessment", _("AR assessed the customer relationship and decision chain")
)
def has_relationship_assessment(review: Review) -> bool:
    return bool(review.relationship_assessment.strip())


@requirement("solution_assessment", _("SR assessed the solution and the competition"))
def has_solution_assessment(review: Review) -> bool:
    # Partner registrations have no SR/FR: the partner brings solution and delivery.
    return review.kind == ReviewKind.REGISTRATION or bool(review.solution_assessment.strip())


@requirement("delivery_assessment", _("FR assessed deliverability and risk"))
def has_delivery_assessment(review: Review) -> bool:
    return review.kind == ReviewKind.REGISTRATION or bool(review.delivery_assessment.strip())


# Who writes which assessment of a review: the triangle role, the deal's field naming the
# person, and the requirement the assessment answers.
ASSESSORS = (
    ("AR", "owner", has_relationship_assessment),
    ("SR", "solution_owner", has_solution_assessment),
    ("FR", "fulfillment_owner", has_delivery_assessment),
)


class Review(FSMModelMixin, models.Model):
    """A decision review (决策评审): the triangle assesses, a manager decides. Its duration feeds
    the document-flow-time figure."""

    opportunity = models.ForeignKey(Opportunity, related_name="reviews", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=20, choices=ReviewKind.choices)
    state = FSMField(
        _("state"), default=ReviewState.PENDING, choices=ReviewState.choices, protected=True
    )
    relationship_assessment = models.TextField(
        _("customer relationship and decision chain (AR)"), blank=True, max_length=5000
    )
    solution_assessment = models.TextField(
        _("solution and competition (SR)"), blank=True, max_length=5000
    )
    delivery_assessment = models.TextField(
        _("deliverability and risk (FR)"), blank=True, max_length=5000
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT
    )
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("decision comment"), blank=True, max_length=5000)
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True, editable=False
    )
    details = models.JSONField(default=dict, blank=True)
    needs_second_approval = models.BooleanField(
        _("escalated: needs a second approver"), default=False, editable=False
    )
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first approver"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    first_approved_at = models.DateTimeField(_("first approval"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision review")
        verbose_name_plural = _("decision reviews")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "kind"],
                condition=models.Q(state="pending"),
                name="one_pending_review_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.opportunity_id}"

    def missing_assessors(self) -> list[dict]:
        """The assessments a pending review still waits for, each with the role and the person
        who writes it (None when the deal has nobody in that role yet)."""
        if self.state != ReviewState.PENDING:
            return []
        return [
            {"role": role, "user": getattr(self.opportunity, person)}
            for role, person, written in ASSESSORS
            if not written(self)
        ]

    @property
    def waiting_for(self) -> str:
        """“SR 孙浩, FR —”: who a pending review still waits for."""
        return ", ".join(
            f"{m['role']} {m['user'] if m['user'] is not None else '—'}"
            for m in self.missing_assessors()
        )

    def _decide(self, by, at, comment) -> None:
        self.decided_by = by
        self.decided_at = at
        self.comment = comment or ""
        self.duration_seconds = max(0, int((at - self.requested_at).total_seconds()))

    @transition(
        field=state,
        source=ReviewState.PENDING,
        target=ReviewState.APPROVED,
        conditions=[has_relationship_assessment, has_solution_assessment, has_delivery_assessment],
    )
    def approve(self, *, by, at, comment="") -> None:
        self._decide(by, at, comment)

    @transition(field=state, source=ReviewState.PENDING, target=ReviewState.REJECTED)
    def reject(self, *, by, at, comment="") -> None:
        self._decide(by, at, comment)


# A review is decided (approved or rejected), never deleted: a contract or a gate may wait on a
# pending one, and a decided one is the evidence of the gate (ltc/core/deletion.py).
never_deleted(Review, instead=_("Reject it instead."))
