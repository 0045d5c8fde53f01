"""The audit trail of money: one row per changed field of a tracked record, never edited.

Rows are written by ``ltc.audit.tracker`` when a tracked record is created, changed or deleted.
``save()`` of an existing row, ``delete()`` and the queryset's ``update()``/``delete()`` refuse;
on PostgreSQL a trigger refuses UPDATE and DELETE in the database too.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import NotAllowed


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise NotAllowed(_("The audit trail cannot be changed."))

    def delete(self):
        raise NotAllowed(_("The audit trail cannot be changed."))

    def visible_to(self, user):
        """Admin and finance read the whole trail; nobody else reads any of it."""
        from .permissions import can_read_audit

        return self if can_read_audit(user) else self.none()


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    model = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    field = models.CharField(_("field"), max_length=100)
    old_value = models.TextField(_("old value"), blank=True, null=True)
    new_value = models.TextField(_("new value"), blank=True, null=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), db_index=True)
    source = models.CharField(_("source"), max_length=100)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["model", "object_id", "-at"]),
            models.Index(fields=["actor", "-at"]),
        ]

    def __str__(self):
        return f"{self.model}#{self.object_id}.{self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise NotAllowed(_("The audit trail cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise NotAllowed(_("The audit trail cannot be changed."))
