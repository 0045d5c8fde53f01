"""The periodic sweeps, the leads service's bulk transitions: recovering overdue leads to their
pool and warning owners of leads due soon."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import (
    log_transitions_bulk,
    notify_many,
)
from ltc.org.models import User
from ltc.org.scoping import managers_of

from ..models import Lead, LeadRecovery, LeadState, Pool
from ..recovery_notices import recovery_notices
from .rules import _local_text


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
        from ..sweeps_pg import recover_overdue_leads_pg

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
