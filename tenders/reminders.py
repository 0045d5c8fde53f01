"""Reminders before a tender's submission deadline: the deal's AR and every member of the bid
team with a task still open hear of it once per deadline, within ``REMIND_BEFORE`` of it.
Set-based and idempotent: the reminded deadline is stored, so running twice reminds nobody
twice, and moving the deadline reminds again."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from ltc.activity.services import notify_many

from .models import Tender, TenderState, TenderTask

REMIND_BEFORE = timedelta(hours=48)


@transaction.atomic
def remind_deadlines(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = (
        Tender.objects.select_for_update()
        .filter(
            state=TenderState.PREPARING,
            submission_due_at__gt=now,
            submission_due_at__lte=now + REMIND_BEFORE,
        )
        .exclude(reminded_for=F("submission_due_at"))
    )
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return 0
    open_tasks = defaultdict(set)
    for tender_id, member_id in TenderTask.objects.filter(
        tender_id__in=ids, done_at__isnull=True
    ).values_list("tender_id", "member_id"):
        open_tasks[tender_id].add(member_id)
    notices = []
    for tender_id, number, due_at, owner_id, name in Tender.objects.filter(pk__in=ids).values_list(
        "pk", "number", "submission_due_at", "opportunity__owner_id", "opportunity__name"
    ):
        params = {
            "number": number,
            "name": name,
            "due": date_format(timezone.localtime(due_at), "SHORT_DATETIME_FORMAT"),
            "open": len(open_tasks[tender_id]),
        }
        url = reverse("tenders:detail", args=[tender_id])
        for user_id in {owner_id} | open_tasks[tender_id]:
            notices.append((user_id, "tender_deadline", params, url))
    Tender.objects.filter(pk__in=ids).update(reminded_for=F("submission_due_at"))
    notify_many(notices)
    return len(ids)
