"""Activities (follow-ups), the one transition log, and in-app notifications.

All three attach to any record through a content type, so leads now and opportunities, contracts
and invoices later share them without this app importing any of them.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .querysets import PlannedActivityQuerySet


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    TODO = "todo", _("To-do")


class Activity(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    note = models.TextField(_("note"), max_length=5000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        related_name="activities",
        on_delete=models.PROTECT,
    )
    occurred_at = models.DateTimeField(_("when"))
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class TransitionLog(models.Model):
    """Every state change of every record: who, when, from, to, and an optional comment."""

    # content_type and actor lead the composite indexes below: their own indexes would be
    # redundant, and every index costs the recovery sweep's 100,000 inserted rows.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    transition = models.CharField(_("transition"), max_length=50)
    source = models.CharField(_("from"), max_length=50)
    target = models.CharField(_("to"), max_length=50)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        related_name="transitions",
        on_delete=models.PROTECT,
        db_index=False,
    )
    at = models.DateTimeField(_("when"), db_index=True)
    comment = models.TextField(_("comment"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transition log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            # A user's own transitions (the claims of the day): the rows without an actor (the
            # sweeps' and the system's, 100,000 per recovery run) get no entry.
            models.Index(
                fields=["actor", "transition", "at"],
                name="transition_actor_idx",
                condition=models.Q(actor__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transition}: {self.source} → {self.target}"


class NotificationQuerySet(models.QuerySet):
    def shown_to(self, user):
        """The user's notifications in the app: those of the kinds they did not turn off."""
        muted = NotificationPreference.objects.filter(user=user, in_app=False).values("kind")
        return self.filter(recipient=user).exclude(kind__in=muted)


class Notification(models.Model):
    """A message to one user. The text is built at display time from ``kind`` and ``params`` so
    each reader gets it in their own language."""

    # recipient leads the (recipient, read_at) index: its own index would be redundant.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        related_name="notifications",
        on_delete=models.CASCADE,
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["emailed_at"],
                name="notification_unsent_idx",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from .notices import render

        return render(self.kind, self.params)


class PlannedState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedActivity(FSMModelMixin, models.Model):
    """A call, meeting, visit, e-mail or to-do someone will do, due at a time, on one record.
    Completing it with an outcome logs the :class:`Activity` through the record's own rule (a
    lead's follow-up, a deal's visit), see ``subjects.py``."""

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True, max_length=5000)
    due_at = models.DateTimeField(_("due"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        related_name="planned_activities",
        on_delete=models.PROTECT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    state = FSMField(
        _("state"), default=PlannedState.PLANNED, choices=PlannedState.choices, protected=True
    )
    outcome = models.TextField(_("outcome"), blank=True, max_length=5000)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    activity = models.OneToOneField(
        Activity,
        verbose_name=_("logged activity"),
        null=True,
        blank=True,
        related_name="planned",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PlannedActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned activity")
        verbose_name_plural = _("planned activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["owner", "state", "due_at"]),
            models.Index(fields=["content_type", "object_id", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def is_overdue(self, now=None) -> bool:
        from django.utils import timezone

        return self.state == PlannedState.PLANNED and self.due_at < (now or timezone.now())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @transition(field=state, source=PlannedState.PLANNED, target=PlannedState.DONE)
    def complete(self):
        pass

    @transition(field=state, source=PlannedState.PLANNED, target=PlannedState.CANCELLED)
    def cancel(self):
        pass


class CalendarFeed(models.Model):
    """A user's secret iCalendar address. Only the SHA-256 of the token is kept: the address is
    shown once when made; making a new one or revoking it ends the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="calendar_feed",
        on_delete=models.CASCADE,
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification: shown in the app, e-mailed, both or
    neither. No row: both."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="notification_preferences",
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("kind"), max_length=50)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class MorningDigest(models.Model):
    """A user who wants one e-mail each morning: the day's activities, due leads, approvals."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="morning_digest",
        on_delete=models.CASCADE,
    )
    last_sent_on = models.DateField(_("last sent on"), null=True, blank=True)

    class Meta:
        verbose_name = _("morning digest")
        verbose_name_plural = _("morning digests")

    def __str__(self) -> str:
        return str(self.user)


class AlertHookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class TeamAlertHook(models.Model):
    """A team's group-robot webhook: the alerts meant for the team's manager are posted there
    too (a lead recovered, a deal unvisited, a review or a discount to decide)."""

    team = models.OneToOneField(
        "org.Team", verbose_name=_("team"), related_name="alert_hook", on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertHookKind.choices)
    url = models.URLField(_("webhook URL"), max_length=500)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team alert webhook")
        verbose_name_plural = _("team alert webhooks")

    def __str__(self) -> str:
        return f"{self.team} · {self.get_kind_display()}"


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group robot")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(FSMModelMixin, models.Model):
    """One message to send, written in the same transaction as the change it tells of, then
    sent by a Celery task (and the minute sweep) with retries and back-off: an SMTP outage loses
    nothing, a permanent failure stays here for the admin to see and retry."""

    channel = models.CharField(_("channel"), max_length=10, choices=OutboxChannel.choices)
    to = models.CharField(_("to"), max_length=500)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    kind = models.CharField(_("kind"), max_length=50, blank=True)
    state = FSMField(
        _("state"), default=OutboxState.PENDING, choices=OutboxState.choices, protected=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_idx",
                condition=models.Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to}: {self.subject}"

    @transition(field=state, source=OutboxState.PENDING, target=OutboxState.SENT)
    def mark_sent(self):
        pass

    @transition(field=state, source=OutboxState.PENDING, target=OutboxState.FAILED)
    def mark_failed(self):
        pass

    @transition(field=state, source=OutboxState.FAILED, target=OutboxState.PENDING)
    def retry(self):
        pass
