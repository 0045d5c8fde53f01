"""``make soak``: mixed traffic against a local gunicorn for SOAK_SECONDS (default ten minutes).

A fresh SQLite database under var/soak/<run>/ (or DATABASE_URL if set) gets the demo seed; gunicorn
serves it on 127.0.0.1:SOAK_PORT; threads play the day's traffic:

- reps browse the HTML pages (logged in through the login form, with CSRF) and claim and
  release leads of the pool through the API (a 409 "someone else was faster" is a refusal, not an
  error);
- marketing creates leads, the ERP (an API token) reads orders and contracts and creates
  customers and contacts;
- finance reads revenue and orders and records payments with an Idempotency-Key, sending some
  keys twice (the second answer must be the first payment).

At the end: errors must be 0 (no 5xx, no connection failure, no unexpected status), every record a
successful POST created must exist, no payment key may have made two payments, and the gunicorn
workers' memory may not have grown by more than SOAK_MAX_RSS_GROWTH_MB. The figures (requests,
errors, p50/p95, RSS at start and end) are printed and written to var/soak/<run>/result.json.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
PORT = int(os.environ.get("SOAK_PORT", "8765"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "3"))
MAX_RSS_GROWTH_MB = float(os.environ.get("SOAK_MAX_RSS_GROWTH_MB", "60"))
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "demo1234"  # the documented demo password of the seed
PAGES = [
    "/",
    "/leads/pool/",
    "/leads/mine/",
    "/opportunities/board/",
    "/opportunities/",
    "/contracts/approvals/",
    "/contracts/",
    "/delivery/orders/",
    "/customers/",
    "/notifications/",
]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.created: list[tuple[str, int]] = []  # (api path, id) of every record a POST made
        self.payment_keys: dict[str, int] = {}
        self.refusals = 0

    def record(self, seconds: float, status: int):
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1

    def error(self, text: str):
        with self.lock:
            self.errors.append(text)


STATS = Stats()


class Client:
    """A tiny HTTP client: token or session (cookie jar, CSRF from the cookie)."""

    def __init__(self, token: str | None = None):
        self.token = token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(
        self, method: str, path: str, body=None, *, form=False, expect=(200,), headers=None
    ):
        headers = dict(headers or {})
        data = None
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        if method != "GET" and not self.token:
            headers["X-CSRFToken"] = self.csrf()
            headers["Referer"] = BASE + "/"
        request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        except Exception as exc:  # connection refused, reset, timeout: all errors
            STATS.error(f"{method} {path}: {type(exc).__name__} {exc}")
            return None, None
        STATS.record(time.perf_counter() - started, status)
        if status not in expect:
            STATS.error(f"{method} {path}: {status} {payload[:200]!r}")
        return status, payload

    def json(self, method, path, body=None, **kwargs):
        status, payload = self.request(method, path, body, **kwargs)
        if payload and status and status < 300 and payload[:1] in (b"{", b"["):
            return status, json.loads(payload)
        return status, None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_302


def token_for(username: str) -> str:
    _status, body = Client().json(
        "POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD}
    )
    if not body:
        raise SystemExit(f"soak: no API token for {username}")
    return body["token"]


def browser_for(username: str) -> Client:
    client = Client()
    _status, html = client.request("GET", "/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html or b"")
    status, _ = client.request(
        "POST",
        "/login/",
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1).decode(),
        },
        form=True,
        expect=(302,),
    )
    if status != 302:
        raise SystemExit(f"soak: {username} cannot log in")
    return client


# --- The actors ---------------------------------------------------------------------------------
def rep_browsing(stop: threading.Event, username: str):
    client = browser_for(username)
    while not stop.is_set():
        client.request("GET", random.choice(PAGES))


def rep_claiming(stop: threading.Event, username: str):
    client = Client(token_for(username))
    while not stop.is_set():
        _status, pool = client.json("GET", "/api/v1/leads/pool/?page_size=20")
        leads = (pool or {}).get("results", [])
        if not leads:
            time.sleep(0.2)
            continue
        lead = random.choice(leads)
        status, claimed = client.json(
            "POST", f"/api/v1/leads/{lead['id']}/claim/", {}, expect=(200, 409)
        )
        if status == 409:
            with STATS.lock:
                STATS.refusals += 1
            continue
        client.json(
            "POST",
            f"/api/v1/leads/{lead['id']}/follow-up/",
            {"kind": "call", "note": "Soak call: interested, call back next week"},
            expect=(201,),
        )
        client.json(
            "POST",
            f"/api/v1/leads/{lead['id']}/release/",
            {"reason": "Soak test: back to the pool"},
            expect=(200,),
        )


def marketing_creating(stop: threading.Event, username: str):
    client = Client(token_for(username))
    while not stop.is_set():
        marker = uuid.uuid4().hex[:10]
        status, lead = client.json(
            "POST",
            "/api/v1/leads/",
            {
                "title": f"Soak lead {marker}",
                "company_name": f"浸泡测试公司 {marker}",
                "contact_name": "Soak",
                "phone": "+86 139 0000 0000",
                "source": "website",
                "estimated_amount": str(random.randint(1, 9_000_000)),
                "currency": "CNY",
            },
            expect=(201,),
        )
        if status == 201 and lead:
            with STATS.lock:
                STATS.created.append(("/api/v1/leads/", lead["id"]))
        time.sleep(0.05)


def erp_syncing(stop: threading.Event, username: str):
    client = Client(token_for(username))
    while not stop.is_set():
        for path in ("/api/v1/orders/", "/api/v1/contracts/", "/api/v1/delivery-units/"):
            client.json("GET", path)
        marker = uuid.uuid4().hex[:10]
        status, customer = client.json(
            "POST", "/api/v1/customers/", {"name": f"ERP 客户 {marker}"}, expect=(201,)
        )
        if status == 201 and customer:
            with STATS.lock:
                STATS.created.append(("/api/v1/customers/", customer["id"]))
            status, contact = client.json(
                "POST",
                "/api/v1/contacts/",
                {"customer": customer["id"], "name": f"联系人 {marker}"},
                expect=(201,),
            )
            if status == 201 and contact:
                with STATS.lock:
                    STATS.created.append(("/api/v1/contacts/", contact["id"]))


def finance_paying(stop: threading.Event, username: str, customers: list[int], billing: bool):
    client = Client(token_for(username))
    browser = browser_for(username)
    keys: list[tuple[str, dict]] = []
    while not stop.is_set():
        browser.request("GET", random.choice(["/delivery/revenue/", "/contracts/", "/"]))
        client.json("GET", "/api/v1/revenue/")
        if not billing or not customers:
            continue
        if keys and random.random() < 0.2:
            key, body = random.choice(keys)  # a retry of an earlier payment: the same answer
        else:
            key = uuid.uuid4().hex
            body = {
                "customer": random.choice(customers),
                "amount": f"{random.randint(1, 50000)}.{random.randint(0, 99):02d}",
                "currency": "CNY",
                "date": date.today().isoformat(),
                "reference": f"SOAK-{key[:8]}",
                "allocations": [],
            }
            keys.append((key, body))
        status, payment = client.json(
            "POST", "/api/v1/payments/", body, expect=(200, 201), headers={"Idempotency-Key": key}
        )
        if status in (200, 201) and payment:
            with STATS.lock:
                first = STATS.payment_keys.setdefault(key, payment["id"])
                if first != payment["id"]:
                    STATS.errors.append(f"payment key {key} made two payments")
                if first == payment["id"] and status == 201:
                    STATS.created.append(("/api/v1/payments/", payment["id"]))


# --- The run --------------------------------------------------------------------------------------
def rss_of_workers(master: int) -> dict[int, int]:
    """Resident memory (kB) of gunicorn's worker processes."""
    workers = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
            workers[int(entry.name)] = int(rss.group(1)) if rss else 0
    return workers


def wait_until_up(process) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise SystemExit("soak: gunicorn exited at start; see its log")
        try:
            urllib.request.urlopen(BASE + "/login/", timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise SystemExit("soak: gunicorn did not answer")


def main() -> int:
    run = ROOT / "var" / "soak" / time.strftime("%Y%m%d-%H%M%S")
    run.mkdir(parents=True)
    env = dict(os.environ, LTC_VAR_DIR=str(run), DJANGO_SETTINGS_MODULE="ltc.settings")
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("DEBUG", "false")  # as served: no debug pages, no per-request query log
    env.pop("REDIS_URL", None)  # the filesystem broker under the run's directory
    env.pop("CELERY_BROKER_URL", None)
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(
            [PY, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    log = open(run / "gunicorn.log", "w")
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "ltc.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(WORKERS), "--timeout", "60", "--access-logfile", "-"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    try:
        wait_until_up(server)
        return soak(server, run)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


CHECK_WRITES = """
import json, sys
from django.apps import apps
created = json.load(open(sys.argv[-1]))
models = {"/api/v1/leads/": "leads.Lead", "/api/v1/customers/": "customers.Customer",
          "/api/v1/contacts/": "customers.Contact", "/api/v1/payments/": "billing.Payment"}
lost = []
for path, ids in created.items():
    found = set(apps.get_model(models[path]).objects.filter(pk__in=ids).values_list("pk", flat=True))
    lost += [f"{path}{pk}/" for pk in ids if pk not in found]
print(json.dumps(lost))
"""


def lost_writes(run: Path, created: list[tuple[str, int]]) -> list[str]:
    """Every record a successful POST created, looked up in the database afterwards."""
    by_path: dict[str, list[int]] = {}
    for path, pk in created:
        by_path.setdefault(path, []).append(pk)
    ids_file = run / "created.json"
    ids_file.write_text(json.dumps(by_path))
    script = run / "check_writes.py"
    script.write_text(CHECK_WRITES)
    env = dict(os.environ, LTC_VAR_DIR=str(run), DJANGO_SETTINGS_MODULE="ltc.settings")
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", f"import sys; sys.argv.append({str(ids_file)!r}); "
         f"exec(open({str(script)!r}).read())"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def soak(server, run: Path) -> int:
    admin = Client(token_for("admin"))
    _status, customers = admin.json("GET", "/api/v1/customers/?page_size=50")
    customer_ids = [c["id"] for c in (customers or {}).get("results", [])]
    billing = admin.request("GET", "/api/v1/payments/", expect=(200, 404))[0] == 200
    stop = threading.Event()
    actors = [
        (rep_browsing, "rep1"),
        (rep_browsing, "rep3"),
        (rep_browsing, "manager"),
        (rep_claiming, "rep1"),
        (rep_claiming, "rep2"),
        (rep_claiming, "rep3"),
        (marketing_creating, "marketing"),
        (erp_syncing, "admin"),
    ]
    threads = [threading.Thread(target=fn, args=(stop, user), daemon=True) for fn, user in actors]
    threads.append(
        threading.Thread(
            target=finance_paying, args=(stop, "finance", customer_ids, billing), daemon=True
        )
    )
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(min(30, SECONDS / 10))  # warm-up: imports, caches, the first pages of each worker
    rss_start = rss_of_workers(server.pid)
    while time.monotonic() - started < SECONDS:
        time.sleep(1)
        if server.poll() is not None:
            STATS.error("gunicorn exited during the soak")
            break
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    rss_end = rss_of_workers(server.pid)
    lost = lost_writes(run, STATS.created)
    growth = {pid: (rss_end[pid] - rss_start[pid]) / 1024 for pid in rss_start if pid in rss_end}
    latencies = sorted(STATS.latencies)
    result = {
        "seconds": SECONDS,
        "requests": len(latencies),
        "errors": len(STATS.errors),
        "first_errors": STATS.errors[:20],
        "refusals_409": STATS.refusals,
        "statuses": dict(STATS.statuses),
        "writes_checked": len(STATS.created),
        "lost_writes": lost[:20],
        "payments_by_key": len(STATS.payment_keys),
        "billing_api": billing,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else None,
        "rss_start_kb": rss_start,
        "rss_end_kb": rss_end,
        "rss_growth_mb": {str(k): round(v, 1) for k, v in growth.items()},
        "workers_restarted": sorted(set(rss_start) ^ set(rss_end)),
    }
    (run / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (run.parent / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in result.items() if k != "first_errors"}, indent=2))
    for line in STATS.errors[:20]:
        print("error:", line)
    failed = (
        result["errors"]
        or lost
        or not latencies
        or result["workers_restarted"]
        or any(v > MAX_RSS_GROWTH_MB for v in growth.values())
    )
    print(f"soak: {'FAILED' if failed else 'passed'}; figures in {run / 'result.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
