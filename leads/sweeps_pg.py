"""The recovery sweep as one statement per batch on PostgreSQL.

The same effect as the portable loop in ``services.recover_overdue_leads`` — overdue assigned
leads back to their pool, a recovery row, a transition-log row and the notifications of the
former owner and their managers — written as data-modifying CTEs, so a batch is one round trip
instead of five bulk inserts built row by row in Python. Each batch is its own transaction,
sized so that it holds its leads locked for about half a second (``next_batch_size``). Rows a
request holds right now are skipped (``SKIP LOCKED``) and taken by the next run. The batches
walk the overdue leads in (deadline, id) order, each from where the previous one stopped. A
recipient hears once per batch: of the lead itself when it is their only one, else in a digest
(``lead_recovered_digest``, ``lead_recovered_team_digest``: how many, the first titles, whose).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from ltc.activity.models import Notification, TransitionLog
from ltc.core.tasks import publish_on_commit
from ltc.org.scoping import managers_of

from .models import Lead, LeadRecovery
from .notices import DIGEST_TITLES

BATCH = """
WITH picked AS (
    SELECT id, owner_id, follow_up_due_at AS due, title FROM {lead}
    WHERE state = 'assigned' AND follow_up_due_at < %(now)s
        AND (follow_up_due_at, id) > (%(after_due)s, %(after_id)s)
    ORDER BY follow_up_due_at, id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE {lead} l SET state = 'new', owner_id = NULL, assigned_at = NULL,
        follow_up_due_at = NULL, warned_at = NULL, recovery_count = l.recovery_count + 1,
        updated_at = %(now)s
    FROM picked p WHERE l.id = p.id
    RETURNING l.id, p.owner_id, p.due, p.title
), recovered AS (
    INSERT INTO {recovery} (lead_id, former_owner_id, kind, reason, due_at, at)
    SELECT id, owner_id, 'recovered', %(reason)s, due, %(now)s FROM moved
), logged AS (
    INSERT INTO {log} (content_type_id, object_id, transition, source, target, actor_id, at,
                       comment)
    SELECT %(ct)s, id, 'recover', 'assigned', 'new', NULL, %(now)s, %(reason)s FROM moved
), notices AS (
    -- One notice per recipient and kind for the batch: the lead itself when it is the only
    -- one (its title, owner and deadline), else a digest (how many, the first titles, whose).
    SELECT r.recipient, r.kind, count(*) AS n, min(m.id) AS one_id,
        min(m.title) AS one_title, min(coalesce(u.username, '')) AS one_owner,
        min(m.due) AS one_due,
        array_to_string((array_agg(m.title ORDER BY m.id))[1:%(titles)s], ', ')
            || CASE WHEN count(*) > %(titles)s THEN ', …' ELSE '' END AS titles,
        string_agg(DISTINCT coalesce(u.username, ''), ', ') AS owners
    FROM moved m LEFT JOIN {user} u ON u.id = m.owner_id
    -- The owner's notice, then one per manager of the owner: a hash join on the (owner,
    -- manager) pairs, not the whole pair list scanned again for each lead.
    JOIN (
        SELECT DISTINCT owner_id AS owner, owner_id AS recipient, 'lead_recovered' AS kind
        FROM moved
        UNION ALL
        SELECT t.owner, t.manager, 'lead_recovered_team'
        FROM unnest(%(owners)s::bigint[], %(managers)s::bigint[]) AS t(owner, manager)
    ) r ON r.owner = m.owner_id
    GROUP BY r.recipient, r.kind
), noticed AS (
    INSERT INTO {notice} (recipient_id, kind, params, url, created_at, read_at, emailed_at)
    SELECT recipient,
        CASE WHEN n = 1 THEN kind ELSE kind || '_digest' END,
        CASE WHEN n = 1 THEN jsonb_build_object('title', one_title, 'owner', one_owner,
                'due', coalesce(to_char(one_due AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI'), ''))
            ELSE jsonb_build_object('count', n, 'titles', titles, 'owners', owners) END,
        CASE WHEN n = 1 THEN '/leads/' || one_id || '/' ELSE %(digest_url)s END,
        %(now)s, NULL, NULL
    FROM notices ORDER BY recipient, kind
    RETURNING 1
)
SELECT (SELECT coalesce(array_agg(id ORDER BY id), '{{}}') FROM moved),
    (SELECT count(*) FROM noticed), (SELECT count(*) FROM picked), last.due, last.id
FROM (SELECT NULL) AS one LEFT JOIN LATERAL (
    SELECT due, id FROM picked ORDER BY due DESC, id DESC LIMIT 1
) last ON true
"""
# How long a batch may hold the rows it moves locked: the sweep sizes its batches to about
# half of it, from the time the previous batch took (a claim or a follow-up on one of those
# leads waits at most that long).
LOCK_BUDGET_SECONDS = 1.0
MIN_BATCH = 100


def next_batch_size(size: int, took: float, *, largest: int) -> int:
    """The next batch's size: aiming at half the lock budget per batch, at most doubling or
    halving at a time, between ``MIN_BATCH`` and ``largest``."""
    aim = LOCK_BUDGET_SECONDS / 2
    if took <= 0:
        return min(largest, size * 2)
    scaled = int(size * aim / took)
    return min(largest, max(MIN_BATCH, min(size * 2, max(size // 2, scaled))))


def recover_overdue_leads_pg(*, now: datetime, reason: str, batch_size: int) -> int:
    from ltc.org.models import User

    sql = BATCH.format(
        lead=Lead._meta.db_table,
        recovery=LeadRecovery._meta.db_table,
        log=TransitionLog._meta.db_table,
        notice=Notification._meta.db_table,
        user=User._meta.db_table,
    )
    # The managers of everyone who holds an overdue lead now: one tree walk for the sweep.
    owner_ids = (
        Lead.objects.filter(state="assigned", follow_up_due_at__lt=now)
        .order_by()
        .values_list("owner_id", flat=True)
        .distinct()
    )
    pairs = [(o, m) for o, ms in managers_of(list(owner_ids)).items() for m in ms]
    params = {
        "now": now,
        "batch": batch_size,
        "reason": reason,
        "ct": ContentType.objects.get_for_model(Lead).pk,
        "tz": timezone.get_current_timezone_name(),
        "titles": DIGEST_TITLES,
        "digest_url": reverse("leads:pool"),
        "owners": [o for o, _m in pairs],
        "managers": [m for _o, m in pairs],
        # Each batch starts after the last (deadline, id) the previous one took, in the order
        # of lead_state_due_idx (state, follow_up_due_at, id): asking for the first
        # ``batch_size`` overdue leads again would walk, in every batch, past each lead the
        # earlier ones moved (their entries stay until vacuum): quadratic in the batches.
        "after_due": datetime(1, 1, 1, tzinfo=UTC),
        "after_id": 0,
    }
    total = 0
    # The first batch is small; the next ones are sized from the time each took, so that none
    # holds its leads locked for more than about a second (LOCK_BUDGET_SECONDS), each in a
    # transaction of its own.
    params["batch"] = size = min(batch_size, 1000)
    while True:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            moved_ids, noticed, picked, last_due, last_id = cursor.fetchone()
            moved_ids = list(moved_ids)  # this batch's leads, moved in this transaction
            if noticed:
                from ltc.activity.tasks import deliver_notification_emails

                publish_on_commit(deliver_notification_emails)
        total += len(moved_ids)
        if picked < size:
            return total
        params["after_due"], params["after_id"] = last_due, last_id
        took = time.perf_counter() - started
        params["batch"] = size = next_batch_size(size, took, largest=batch_size)
