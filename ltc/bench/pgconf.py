"""The recommended PostgreSQL settings (deploy/postgresql.conf) against the server's own.

The bench prints both with its figures: a ratio measured on a server with 128 MB of shared
buffers, random_page_cost 4 and autovacuum off is a ratio of that server. The settings a
session may change (work_mem, random_page_cost, jit, …) the bench applies to its own connection
and, with ``ALTER DATABASE``, to the connections of the gunicorn it starts; the server-wide ones
(shared_buffers, max_wal_size, checkpoint_timeout, autovacuum) are listed as differences unless
the bench is asked to ``ALTER SYSTEM`` (``--alter-system``; shared_buffers still needs a
restart).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction

# Only the container needs these; they say nothing about performance.
NOT_COMPARED = {"listen_addresses"}
_LINE = re.compile(r"^\s*([a-z_]+)\s*=\s*(.+?)\s*(#.*)?$")
_MEMORY = {"B": 1, "kB": 1024, "8kB": 8192, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_TIME = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_QUANTITY = re.compile(r"^(-?[\d.]+)\s*([a-zA-Z0-9]*)$")


def config_path() -> Path:
    return Path(settings.BASE_DIR) / "deploy" / "postgresql.conf"


def recommended(path: Path | None = None) -> dict[str, str]:
    """name -> value of every setting the file sets (quotes removed), in file order."""
    out = {}
    for line in (path or config_path()).read_text().splitlines():
        match = _LINE.match(line)
        if match and match[1] not in NOT_COMPARED:
            out[match[1]] = match[2].strip().strip("'")
    return out


def comparable(value: str, unit: str | None) -> object:
    """A setting in its base quantity (bytes, milliseconds) or lower-cased text: ``2GB`` and
    ``262144`` in units of ``8kB`` compare equal, and so do ``15min`` and ``900`` seconds."""
    match = _QUANTITY.match(value.strip())
    if not match:
        return value.strip().lower()
    number, suffix = float(match[1]), match[2] or (unit or "")
    for table in (_MEMORY, _TIME):
        if suffix in table:
            # A bare number means the setting's own unit (pg_settings.unit, e.g. 8kB or s).
            scale = table[suffix] if match[2] else table.get(unit or "", 1)
            return round(number * scale, 3)
    return round(number, 3)


def server(names) -> dict[str, dict]:
    """name -> the server's value as SHOW prints it, its base quantity and its context."""
    names = list(names)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, unit, context, current_setting(name) FROM pg_settings "
            "WHERE name = ANY(%s)",
            [names],
        )
        rows = cursor.fetchall()
    return {
        name: {"shown": shown, "value": comparable(setting, unit), "unit": unit, "context": ctx}
        for name, setting, unit, ctx, shown in rows
    }


def compare() -> dict:
    """Every recommended setting with the server's value, whether they match and how the
    setting can be changed; plus the list of those that differ."""
    wanted = recommended()
    have = server(wanted)
    rows = {}
    for name, value in wanted.items():
        now = have.get(name)
        if now is None:  # not a setting of this server's version
            rows[name] = {"recommended": value, "server": None, "matches": False}
            continue
        rows[name] = {
            "recommended": value,
            "server": now["shown"],
            "matches": comparable(value, now["unit"]) == now["value"],
            "context": now["context"],
        }
    return {
        "file": str(config_path().relative_to(settings.BASE_DIR)),
        "settings": rows,
        "differs": [n for n, r in rows.items() if not r["matches"]],
    }


def apply(*, alter_system: bool = False) -> list[str]:
    """Set what can be set without a restart; the names applied, each with how.

    Per-session settings: ``SET`` on this connection and ``ALTER DATABASE`` for the next ones
    (the gunicorn workers'). Server-wide reloadable ones only with ``alter_system`` (it changes
    the whole server, every database on it): ``ALTER SYSTEM`` and ``pg_reload_conf()``."""
    if connection.vendor != "postgresql":
        return []
    done = []
    current = compare()["settings"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = connection.ops.quote_name(cursor.fetchone()[0])
        for name, row in current.items():
            if row["matches"] or row.get("context") is None:
                continue
            value = row["recommended"]
            try:
                if row["context"] in ("user", "superuser"):
                    # A savepoint each: a role that may not set one keeps the others.
                    with transaction.atomic():
                        cursor.execute(f"ALTER DATABASE {database} SET {name} = %s", [value])
                        cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
                    done.append(f"{name}: session and database")
                elif alter_system and row["context"] == "sighup":
                    # Outside any transaction, as ALTER SYSTEM must be (the bench command is).
                    cursor.execute(f"ALTER SYSTEM SET {name} = %s", [value])
                    done.append(f"{name}: ALTER SYSTEM")
            except DatabaseError as exc:
                done.append(f"{name}: refused ({str(exc).strip().splitlines()[0]})")
        if alter_system and any(d.endswith("ALTER SYSTEM") for d in done):
            cursor.execute("SELECT pg_reload_conf()")
    return done
