"""Who sees which planned activity: its owner and whoever planned it, the managers above the
owner's team, everyone who may see the record it is planned on, and company-wide roles."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ltc.org.models import Role
from ltc.org.scoping import is_partner_user, managed_team_ids, managed_users

ALL_ACTIVITIES = {Role.ADMIN, Role.INTEGRATION}


def end_of_today(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now())
    return timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time.min))


class PlannedActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_partner_user(user):
            return self.none()
        if user.is_superuser or user.role in ALL_ACTIVITIES:
            return self
        from .subjects import visible_subjects_q

        q = Q(owner=user) | Q(created_by=user) | visible_subjects_q(user)
        if managed_team_ids(user):
            q |= Q(owner__in=managed_users(user))
        return self.filter(q)

    def open(self):
        return self.filter(state="planned")

    def overdue(self, now: datetime | None = None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def today_and_overdue(self, now: datetime | None = None):
        """Open ones due before the end of today (the user's time zone), overdue included."""
        return self.open().filter(due_at__lt=end_of_today(now))

    def on(self, obj):
        from django.contrib.contenttypes.models import ContentType

        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
