"""No request ever answers 5xx: a walk over every URL pattern of the pages, the API and the admin,
with every HTTP method (and OPTIONS/HEAD), malformed and hostile bodies, and hostile values
(NUL bytes, lone surrogates, over-long strings, out-of-range dates and numbers) in every query
parameter the route documents or its page's forms name. On PostgreSQL, which refuses what SQLite
lets through (a NUL in a string, a lone surrogate, a year beyond 9999), with the demo data, as an
administrator (who reaches every page) and anonymously. The walk prints how many requests it
tried."""

from __future__ import annotations

import io
import json
import os
import re
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from ltc.integrations.models import Scope
from ltc.integrations.tokens import create_token
from ltc.org.models import Role, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HOSTILE = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x" * 5000,
    "9999-12",
    "9999-12-31",
    "0001-01-01",
    "2030-13-45",
    "99999999999999999999999",
    "9" * 5000,  # more digits than int() reads
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits: int() reads them as 12
    "-1",
    "1e400",
    "NaN",
    "'\"<script>alert(1)</script>",
    "../../etc/passwd",
    "%",
    "",
]
# Query parameters the pages read (beyond the API's documented ones and the page's own forms).
COMMON_PARAMS = [
    "q",
    "page",
    "cursor",
    "page_size",
    "period",
    "from",
    "to",
    "since",
    "until",
    "team",
    "owner",
    "stage",
    "state",
    "source",
    "pool",
    "sort",
    "order",
    "o",
    "currency",
    "next",
    "to_stage",
    "kind",
    "date",
    "customer",
    "contract",
    "grade",
    "week",
    "month",
    "year",
    "format",
    "dimension",
    "key",
    "figure",
    "scope",
    "lang",
    "language",
    "campaign",
    "id",
]
NAME = re.compile(r"""\bname\s*=\s*["']([\w\-\[\]]+)["']""")
SKIP = ("api/schema", "api/docs", "static/", "media/", "i18n/setlang")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _value(kind: str, name: str) -> str:
    if kind == "uuid":
        return str(uuid.uuid4())
    if kind == "int" or name in ("pk", "id") or name.endswith(("_pk", "_id")):
        return "1"
    return "x"


def _concrete(route: str) -> str | None:
    """A path for the route pattern: ids 1 (the demo has a first record of everything), codes
    and external ids ``x``; the ``.json`` suffix variants of the API routes are left out."""
    if "(?P<format>" in route:
        return None
    path = route.replace("^", "").replace("$", "").replace("\\", "")
    path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: _value(m.group(1) or "", m.group(2)), path)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: _value("", m.group(1)), path)
    if any(ch in path for ch in "()[]*+?|"):
        return None
    return "/" + path


def _body_fields(html: str) -> list[str]:
    return sorted(set(NAME.findall(html)) - {"csrfmiddlewaretoken"})


def _hostile_json(fields: list[str], value) -> bytes:
    nested_list = [{"label": value, "percent": value, "trigger": value, "amount": value}]
    body = {name: value for name in fields} or {"name": value}
    for key in ("payment_terms", "lines", "units", "allocations", "assessments"):
        body[key] = nested_list
    return json.dumps(body).encode("utf-8", "surrogatepass")


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=io.StringIO())


class ReadParams:
    """Records the query parameters the views look up (``QueryDict`` lookups), so hostile values
    go into the parameters a route actually uses, documented or not."""

    def __init__(self):
        self.names: set[str] = set()
        self._saved = {}

    def __enter__(self):
        from django.http import QueryDict

        def recording(original):
            def lookup(query_dict, key, *args, **kwargs):
                if isinstance(key, str):
                    self.names.add(key)
                return original(query_dict, key, *args, **kwargs)

            return lookup

        for name in ("__getitem__", "get", "getlist"):
            self._saved[name] = getattr(QueryDict, name)
            setattr(QueryDict, name, recording(self._saved[name]))
        return self

    def __exit__(self, *exc):
        from django.http import QueryDict

        for name, original in self._saved.items():
            setattr(QueryDict, name, original)


def _query(params, value) -> str:
    text = quote(value, safe="", errors="surrogatepass")
    return "&".join(f"{quote(name)}={text}" for name in sorted(params))


class Walk:
    """Requests to every path as one identity; every 5xx is a failure."""

    NESTED = b"[" * 100_000 + b"]" * 100_000

    def __init__(self, client, login=None):
        self.client, self.login = client, login
        self.tried = 0
        self.failures: list[str] = []

    def send(self, method, path, what="", **kwargs):
        response = getattr(self.client, method)(path, **kwargs)
        self.tried += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {method.upper()} {path} {what}")
        return response

    def route(self, index: int, path: str) -> None:
        if self.login:
            self.login()  # whatever the last route did to the session
        with ReadParams() as read:
            first = self.send("get", f"{path}?{_query(COMMON_PARAMS, '1')}")
        is_page = "html" in first.get("Content-Type", "")
        html = first.content.decode("utf-8", "replace") if is_page else ""
        fields = _body_fields(html)
        # Every hostile value in all the parameters the route read (or its forms name) at once,
        # then in each of them alone (a value refused in one parameter can hide another's).
        params = sorted(read.names | set(fields))
        if params:
            for value in HOSTILE:
                self.send("get", f"{path}?{_query(params, value)}", repr(value[:20]))
            for n, name in enumerate(params):
                value = HOSTILE[(index + n) % len(HOSTILE)]
                self.send("get", f"{path}?{_query([name], value)}", repr(value[:20]))
        self.send("head", path)
        for method in ("options", "post", "put", "patch", "delete"):
            bodies = [("application/json", self.NESTED), ("application/json", b"{not json")]
            if method not in ("options", "delete"):
                value = HOSTILE[index % len(HOSTILE)]
                bodies.append(("application/json", _hostile_json(fields, value)))
                bodies.append(("application/json", _hostile_json(fields, "a\x00b")))
                form = "&".join(f"{name}=%ED%A0%80{'x' * 300}" for name in fields or ["q"])
                bodies.append(("application/x-www-form-urlencoded", form.encode()))
            for content_type, body in bodies:
                response = self.send(
                    method,
                    path,
                    f"{content_type} {body[:30]!r}",
                    data=body,
                    content_type=content_type,
                )
                if response.status_code in (404, 405):
                    break  # no such method here (or no such record): no body matters
                if method != "post" and "html" in response.get("Content-Type", ""):
                    break  # a page that answers this method as it answers GET
        anonymous = Client(raise_request_exception=False)
        response = anonymous.post(path, data=self.NESTED, content_type="application/json")
        self.tried += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} anonymous POST {path} nested")


SHARDS = 2  # the walk in halves, so that the test processes share it
# What each part tried, summed up at the end of the run (tests/conftest.py).
REPORTS = settings.VAR_DIR / "route-walk"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_route_answers_5xx_to_any_method_body_or_parameter(demo, postgres, shard):
    paths = sorted({p for p in (_concrete(r) for r in _routes(get_resolver().url_patterns)) if p})
    # Logging out would walk the rest anonymously.
    paths = [p for p in paths if not p.lstrip("/").startswith(SKIP) and "logout" not in p]
    paths = paths[shard::SHARDS]
    if os.environ.get("LTC_WALK_ONLY"):  # a prefix, to walk a part by hand
        paths = [p for p in paths if p.startswith(os.environ["LTC_WALK_ONLY"])]
    # An administrator of its own, created last: the routes act on the records with id 1,
    # which the admin may delete through the admin's pages.
    administrator = User.objects.create_superuser(
        username="route-walker", password="x", role=Role.ADMIN
    )
    admin = Client(raise_request_exception=False)
    as_admin = Walk(admin, login=lambda: admin.force_login(administrator))
    # And the ERP: an integration token that may write everything, on the API's routes.
    robot = User.objects.create_user(username="route-walker-erp", role=Role.INTEGRATION)
    _token, key = create_token(name="ERP", user=robot, scopes=Scope.values, by=administrator)
    erp = APIClient(raise_request_exception=False)
    erp.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    as_erp = Walk(erp)
    for index, path in enumerate(paths):
        as_admin.route(index, path)
        if path.startswith("/api/"):
            as_erp.route(index, path)

    tried = as_admin.tried + as_erp.tried
    failures = as_admin.failures + as_erp.failures
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"part-{shard}.json").write_text(
        json.dumps({"routes": len(paths), "requests": tried, "failures": len(failures)})
    )
    assert (tried > 3000 or "LTC_WALK_ONLY" in os.environ) and not failures, "\n".join(
        failures[:60]
    )
