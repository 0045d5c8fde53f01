"""The WSGI application the bench serves under gunicorn: LTC itself, plus the throughput floor.

``/bench-floor/leads/`` answers what ``GET /api/v1/leads/`` answers for the same token (the
caller's visible leads, best score first, 50 rows) with one hand-written ``json_agg`` query after
the token lookup: what the database and a WSGI worker need at the least. It exists only in this
module, which only the bench's gunicorn loads; the project's own ``ltc.wsgi`` never has it.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_app = get_wsgi_application()

FLOOR_PATH = "/bench-floor/leads/"
_pools: dict[int, list[int]] = {}


def _visible_pools(user) -> list[int]:
    if user.pk not in _pools:
        from leads.models import Pool

        _pools[user.pk] = list(Pool.objects.visible_to(user).values_list("id", flat=True))
    return _pools[user.pk]


def floor_leads(environ, start_response):
    from django.db import connection

    from ltc.org.models import User
    from ltc.security.tokens import hash_key

    header = environ.get("HTTP_AUTHORIZATION", "")
    key = header.split(" ", 1)[1] if header.startswith("Token ") else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id FROM security_usertoken WHERE key_hash = %s "
            "AND revoked_at IS NULL AND expires_at > now()",
            [hash_key(key)],
        )
        row = cursor.fetchone()
        if row is None:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"detail":"token"}']
        user = User.objects.get(pk=row[0]) if row[0] not in _pools else None
        pools = _visible_pools(user) if user else _pools[row[0]]
        cursor.execute(
            # The page's ids from the covering (score, id) index first, then their rows.
            "SELECT coalesce(json_agg(t ORDER BY t.score DESC, t.id DESC), '[]')::text FROM "
            "(SELECT l.id, l.title, l.company_name, l.contact_name, l.phone, l.email, l.source, "
            "l.campaign_id, l.estimated_amount, l.currency, l.state, l.pool_id, l.owner_id, "
            "l.score, l.score_reasons, l.follow_up_due_at, l.created_at FROM leads_lead l "
            "WHERE l.id IN (SELECT id FROM leads_lead WHERE owner_id = %s OR (state = 'new' "
            "AND pool_id = ANY(%s)) ORDER BY score DESC, id DESC LIMIT 50)) t",
            [row[0], pools],
        )
        body = cursor.fetchone()[0]
    from django.db import close_old_connections

    close_old_connections()
    payload = ('{"results":' + body + "}").encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def application(environ, start_response):
    if environ.get("PATH_INFO") == FLOOR_PATH:
        return floor_leads(environ, start_response)
    return django_app(environ, start_response)
