"""The customer pool's periodic sweeps (Celery beat, ``ltc.customers.tasks``): recovery and
the warnings before it. Both are set-based and idempotent: a batch locks its rows (skipping rows
a request holds right now), moves them with one UPDATE guarded by the same conditions, and
inserts the recovery rows, transition-log rows and notifications in bulk; running again finds
nothing to do. Customers with a registered hold (an open deal) are never picked."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import log_transitions_bulk, notify_many
from ltc.org.models import User
from ltc.org.scoping import managers_of

from .models import Customer, CustomerPool, CustomerRecovery, PoolState
from .pool import local_text, without_holds

REASON = _("No activity by the owner and no open deal before the deadline")
# How many customer names one warning lists (the rest are counted).
WARN_NAMES = 10


def _overdue(now: datetime):
    return without_holds(
        Customer.objects.filter(
            pool_state=PoolState.HELD,
            owner__isnull=False,
            pool__isnull=False,
            pool_due_at__lt=now,
            merged_into__isnull=True,
        )
    )


def recover_idle_customers(*, now: datetime | None = None, batch_size: int = 1000) -> int:
    """Return every held customer whose clock ran out, and that has no hold, to its pool."""
    now = now or timezone.now()
    reason = str(REASON)
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                _overdue(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pool_due_at", "id")
                .values_list("id", "owner_id", "pool_id", "pool_due_at", "name")[:batch_size]
            )
            if not rows:
                return total
            ids = [row[0] for row in rows]
            moved = Customer.objects.filter(
                pk__in=ids, pool_state=PoolState.HELD, pool_due_at__lt=now
            ).update(
                pool_state=PoolState.POOLED,
                owner=None,
                assigned_at=None,
                pool_due_at=None,
                warned_at=None,
                recovery_count=F("recovery_count") + 1,
                updated_at=now,
            )
            if moved != len(ids):  # a row changed under us (SQLite has no row locks): redo
                transaction.set_rollback(True)
                continue
            CustomerRecovery.objects.bulk_create(
                CustomerRecovery(
                    customer_id=pk,
                    pool_id=pool_id,
                    former_owner_id=owner_id,
                    kind=CustomerRecovery.Kind.RECOVERED,
                    reason=reason,
                    due_at=due,
                    at=now,
                )
                for pk, owner_id, pool_id, due, _name in rows
            )
            log_transitions_bulk(
                model=Customer,
                object_ids=ids,
                transition="recover",
                source=PoolState.HELD,
                target=PoolState.POOLED,
                comment=reason,
                at=now,
            )
            notify_many(_recovery_notices(rows))
            total += moved


def _recovery_notices(rows) -> list[tuple]:
    """The former owner's notice and one per manager of the owner, for each customer."""
    owner_ids = {row[1] for row in rows}
    managers = managers_of(owner_ids)
    names = dict(User.objects.filter(pk__in=owner_ids).values_list("id", "username"))
    notices = []
    for pk, owner_id, _pool, due, name in rows:
        params = {"name": name, "due": local_text(due), "owner": names.get(owner_id, "")}
        url = f"/customers/{pk}/"
        notices.append((owner_id, "customer_recovered", params, url))
        notices.extend(
            (m, "customer_recovered_team", params, url) for m in managers.get(owner_id, [])
        )
    return notices


def warn_customers_due_soon(*, now: datetime | None = None) -> int:
    """Warn owners of the customers that go back to the pool within their pool's warning
    window: one notice per owner listing them (not one per customer). Each customer is warned
    once per deadline (an activity clears ``warned_at``). Answers how many customers."""
    now = now or timezone.now()
    due_soon: dict[int, list[tuple]] = defaultdict(list)
    with transaction.atomic():
        for pool in CustomerPool.objects.filter(warning_days__gt=0):
            rows = list(
                without_holds(
                    Customer.objects.filter(
                        pool=pool,
                        pool_state=PoolState.HELD,
                        owner__isnull=False,
                        warned_at__isnull=True,
                        pool_due_at__gte=now,
                        pool_due_at__lte=now + timedelta(days=pool.warning_days),
                    )
                )
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pool_due_at", "id")
                .values_list("id", "owner_id", "pool_due_at", "name")
            )
            if not rows:
                continue
            Customer.objects.filter(pk__in=[r[0] for r in rows], warned_at__isnull=True).update(
                warned_at=now
            )
            for _pk, owner_id, due, name in rows:
                due_soon[owner_id].append((due, name))
        notify_many(
            (
                owner_id,
                "customer_due_soon",
                {
                    "count": len(items),
                    "due": local_text(min(items)[0]),
                    "names": "、".join(name for _due, name in sorted(items)[:WARN_NAMES])
                    + ("…" if len(items) > WARN_NAMES else ""),
                },
                "/customers/pool/",
            )
            for owner_id, items in due_soon.items()
        )
    return sum(len(items) for items in due_soon.values())
