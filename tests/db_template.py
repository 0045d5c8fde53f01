"""A migrated SQLite test database, kept as a template and copied instead of migrated again.

Migrating an empty database is most of a test process's start-up (tens of seconds, nearly all of
it Django rendering the migration states in Python, not SQLite's I/O). The test database of a
SQLite run is a file (var/test_ltc.sqlite3, one per xdist worker: threads of a test open their
own connections to it), so the first process to need one migrates it as before and saves a copy
under a key of everything the migrations are built from: every migration file, the project
modules they import (the default processes, the phone key…), the models of apps without
migrations, Django's version and the database settings. Every later process, of this run or the
next, copies the template instead (a file lock makes the second xdist worker wait for the first
rather than migrate in parallel). A change to any of those files is a new key, so a stale schema
is never used; ``LTC_TEST_DB_TEMPLATE=0`` (or pytest's ``--create-db``) turns the template off,
and `make clean` / CI's ``rm -f var/test_ltc.sqlite3*`` delete it.

PostgreSQL runs are untouched: Django migrates their test databases as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import re
import sqlite3
from pathlib import Path

IMPORTED = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


def enabled(config) -> bool:
    from django.conf import settings

    if os.environ.get("LTC_TEST_DB_TEMPLATE", "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    if config.getvalue("reuse_db") or config.getvalue("create_db"):
        return False  # pytest-django's own options keep their meaning
    databases = settings.DATABASES
    return list(databases) == ["default"] and databases["default"]["ENGINE"].endswith("sqlite3")


def _project_module_files(source: str, root: Path) -> list[Path]:
    files = []
    for match in IMPORTED.finditer(source):
        name = match.group(1) or match.group(2)
        if name.startswith(("django", ".")):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin and origin.is_file() and root in origin.parents:
            files.append(origin)
    return files


def key() -> str:
    """A digest of everything the migrated schema and its data are built from."""
    import django
    from django.apps import apps
    from django.conf import settings

    root = Path(settings.BASE_DIR).resolve()
    digest = hashlib.sha256()
    database = {k: v for k, v in settings.DATABASES["default"].items() if k not in ("NAME", "TEST")}
    digest.update(json.dumps([django.__version__, database], sort_keys=True, default=str).encode())
    files: set[Path] = set()
    for config in apps.get_app_configs():
        migrations = Path(config.path) / "migrations"
        found = sorted(migrations.glob("*.py")) if migrations.is_dir() else []
        if not found and config.models_module is not None:
            found = [Path(config.models_module.__file__)]
        for path in found:
            files.add(path.resolve())
            if root in path.resolve().parents:
                files.update(_project_module_files(path.read_text(), root))
    for path in sorted(files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


class Template:
    """``use()`` before Django sets up the test database: True when the template was copied
    to it (Django then keeps it instead of migrating); ``save()`` after a migration."""

    def __init__(self):
        from django.conf import settings

        default = settings.DATABASES["default"]
        self.test_name = Path(default["TEST"]["NAME"])  # with the xdist worker's suffix
        base = Path(settings.VAR_DIR) / "test_ltc.sqlite3"
        self.path = base.with_name(f"{base.name}.template-{key()}")
        self._lock = None

    def use(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.path.with_name(self.path.name + ".lock"), "w")  # noqa: SIM115
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # the other worker may be writing it
        if not self.path.exists():
            return False  # keep the lock: this process migrates and saves, the other waits
        self._copy(self.path, self.test_name)
        self.release()
        return True

    def save(self) -> None:
        partial = self.path.with_name(self.path.name + f".{os.getpid()}")
        self._copy(self.test_name, partial)
        os.replace(partial, self.path)

    def release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        """SQLite's backup: a consistent copy, the write-ahead log included."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        src.close()
        dst.close()
