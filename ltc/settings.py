"""LTC settings: one module, everything from the environment, safe defaults for development.

DJANGO_ENV=production turns on the production mode: SECRET_KEY and ALLOWED_HOSTS are required,
cookies are secure, HSTS and SSL redirect are on (``manage.py check --deploy`` is clean).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LTC_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_ENV=production")
    # Development: generate once and keep it under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise RuntimeError("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "ltc.core",
    "ltc.org",
    "ltc.customers",
    "ltc.activity",
    "ltc.security",
    "ltc.audit",
    "ltc.attachments",
    "leads",
    "opportunities",
    "products",
    "tenders",
    "contracts",
    "delivery",
    "billing",
    "partners",
    "complaints",
    "dashboards",
    "ltc.idempotency",
    "ltc.integrations",
]
# The tooling (the demo data and the benchmark's generator and timings) is not production code:
# loaded in development, tests and the benchmark, left out when DJANGO_ENV=production unless
# LTC_TOOLING=1 asks for it (to seed a demo on a production-like stack).
TOOLING_APPS = ["ltc.demo", "ltc.bench"]
if env_bool("LTC_TOOLING", not PRODUCTION):
    INSTALLED_APPS += TOOLING_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ltc.core.middleware.BadInputMiddleware",
    "ltc.core.i18n.UserLanguageMiddleware",
    "ltc.audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ltc.security.middleware.SecurityHeadersMiddleware",
    # Partner users reach their portal and nothing else (404 elsewhere).
    "partners.middleware.PartnerPortalMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ltc.urls"
WSGI_APPLICATION = "ltc.wsgi.application"
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name and address before the password is even checked.
    "ltc.security.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ltc.core.context_processors.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL, default a SQLite file under var/. DATABASE_REPLICA_URL adds a read
# replica for the dashboards and exports (ltc/ops/routers.py). DB_PGBOUNCER=1 when the URLs
# point at PgBouncer in transaction pooling mode: no session state may outlive a transaction.
DB_PGBOUNCER = env_bool("DB_PGBOUNCER", False)


def _database(url: str) -> dict:
    db = dj_database_url.parse(url, conn_max_age=0)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # django-prometheus's SQLite backend: Django's, counting queries for /metrics.
        db["ENGINE"] = "django_prometheus.db.backends.sqlite3"
        # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two requests that read-
        # then-write the same row (claiming a lead) queue up instead of both reading the old state.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Tests use a file, not :memory:, so threads with their own connections share one database.
        db["TEST"] = {"NAME": str(VAR_DIR / "test_ltc.sqlite3")}
        return db
    # psycopg 3's own pool; Django requires CONN_MAX_AGE=0 with it. Our backend is Django's
    # (through django-prometheus's, which counts queries), with a pool that recovers at once
    # from a database restart.
    if db["ENGINE"] == "django.db.backends.postgresql":
        db["ENGINE"] = "ltc.core.postgresql"
    db.setdefault("OPTIONS", {})
    # Server settings for every connection, e.g. "-c statement_timeout=30s". Optional: set
    # `jit = off` on the database or role instead (README, Operations), which PgBouncer allows.
    if os.environ.get("PG_OPTIONS") and not DB_PGBOUNCER:
        db["OPTIONS"].setdefault("options", os.environ["PG_OPTIONS"])
    if DB_PGBOUNCER:
        # Prepared statements live in a server session, which PgBouncer hands to another
        # client after each transaction.
        db["OPTIONS"]["prepare_threshold"] = None
        db["DISABLE_SERVER_SIDE_CURSORS"] = True
    db["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        "timeout": 10,
    }
    db["CONN_MAX_AGE"] = 0
    # The pool checks a connection at checkout: one the server dropped (a restart, a failover,
    # an idle timeout) is replaced instead of failing the request that drew it, and the other
    # idle ones are swept at once. The check looks at the socket, not a SELECT 1 per checkout
    # (ltc/core/postgresql/base.py says why and when it does the round trip).
    db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {
    "default": _database(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ltc.sqlite3'}"))
}
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _database(os.environ["DATABASE_REPLICA_URL"])
    # The test database is the primary's: no second one is created for the replica.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ltc.ops.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates ISO in Chinese and "Dec. 1, 2026" in English; money grouped by three in both (ltc/formats).
FORMAT_MODULE_PATH = ["ltc.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# No MEDIA_URL is served: attachments are downloaded only through their view, which checks
# that the user sees the record (ltc/attachments). An S3-compatible store (AWS S3, MinIO,
# Alibaba OSS, Tencent COS) replaces the local directory when ATTACHMENTS_S3_BUCKET is set.
if os.environ.get("ATTACHMENTS_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["ATTACHMENTS_S3_BUCKET"],
            "endpoint_url": os.environ.get("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("ATTACHMENTS_S3_REGION") or None,
            "access_key": os.environ.get("ATTACHMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("ATTACHMENTS_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("ATTACHMENTS_S3_PREFIX", ""),
            "addressing_style": os.environ.get("ATTACHMENTS_S3_ADDRESSING_STYLE") or None,
            # Private objects; the app streams them, so no signed URL ever leaves the server.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_MB", "20")) * 1024 * 1024
ATTACHMENT_EXTENSIONS = set(
    env_list(
        "ATTACHMENT_EXTENSIONS",
        ".pdf,.ofd,.png,.jpg,.jpeg,.gif,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt,.csv,.zip",
    )
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A server that does not answer must not hold a worker: the outbox tries again later.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "LTC <ltc@localhost>")
# The address of the site, for the links in e-mails and group-robot posts (e.g.
# https://ltc.example.com); without it they carry the path only.
LTC_BASE_URL = os.environ.get("LTC_BASE_URL", "")

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: ``Bearer ltc_…`` / ``Token ltc_…`` integration tokens; other ``Token`` headers
        # fall through to the people's tokens (``ltu_…``, ``POST auth/token/``, stored hashed).
        "ltc.integrations.authentication.IntegrationTokenAuthentication",
        "ltc.security.authentication.UserTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # Integration tokens write only within their scopes; users are not affected.
        "ltc.integrations.permissions.TokenScopePermission",
        # Partner users reach their registrations only (404 elsewhere).
        "partners.middleware.PartnerAPIScope",
    ],
    # Only requests authenticated by an integration token are throttled (per token).
    "DEFAULT_THROTTLE_CLASSES": ["ltc.integrations.throttling.IntegrationTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "integration": os.environ.get("LTC_INTEGRATION_RATE", "600/min"),
    },
    # orjson, writing what DRF's JSONRenderer writes (ltc/core/renderers.py); the browsable API
    # for a browser.
    "DEFAULT_RENDERER_CLASSES": [
        "ltc.core.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "ltc.core.api_defaults.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "ltc.core.api_defaults.Metadata",
    "DEFAULT_PAGINATION_CLASS": "ltc.core.api_defaults.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "ltc.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ltc.core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LTC API",
    "DESCRIPTION": "Lead to cash: leads, opportunities, contracts, delivery, billing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ltc.core.openapi.postprocess_examples_and_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DisqualifyReasonEnum": "leads.models.DisqualifyReason",
        "LeadStateEnum": "leads.models.LeadState",
        "SourceEnum": "leads.models.Source",
        "CurrencyEnum": "ltc.core.money.Currency",
        "RoleEnum": "ltc.org.models.Role",
        "ActivityKindEnum": "ltc.activity.models.ActivityKind",
        "ReviewKindEnum": "opportunities.models.ReviewKind",
        "RequirementKindEnum": "opportunities.models.RequirementKind",
        "TaskRoleEnum": "opportunities.models.TaskRole",
        "DecisionRoleEnum": "opportunities.models.DecisionRole",
        "LossReasonEnum": "opportunities.models.LossReason",
        "OpportunityStateEnum": "opportunities.models.OpportunityState",
        "ReviewStateEnum": "opportunities.models.ReviewState",
        "QuoteStateEnum": "contracts.models.QuoteState",
        "ContractStateEnum": "contracts.models.ContractState",
        "ChangeStateEnum": "contracts.models.ChangeState",
        "TriggerEnum": "contracts.models.Trigger",
        "ProfitabilityEnum": "contracts.models.Evaluation.Profitability",
        "OrderStateEnum": "delivery.models.OrderState",
        "UnitStateEnum": "delivery.models.UnitState",
        "InvoiceStateEnum": "billing.models.InvoiceState",
        "BidRoleEnum": "tenders.models.BidRole",
        "TenderStateEnum": "tenders.models.TenderState",
        "UnitKindEnum": "delivery.models.UnitKind",
        "RevenueKindEnum": "delivery.models.RevenueEntry.Kind",
    },
}

# Celery: Redis when REDIS_URL/CELERY_BROKER_URL is set, else kombu's filesystem transport.
REDIS_URL = os.environ.get("REDIS_URL", "")
_test_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _test_worker.startswith("gw") and "CELERY_BROKER_URL" not in os.environ:
    # Parallel test processes (pytest-xdist gw0, gw1, …) each get a Redis database of their own
    # (the given one, then the ones below it), so one process's embedded Celery worker never
    # consumes the tasks another process's tests published.
    _parts = urlsplit(REDIS_URL)
    _db = int((_parts.path or "/0").lstrip("/") or 0)
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{(_db - int(_test_worker[2:])) % 16}"))
    os.environ["REDIS_URL"] = REDIS_URL  # the test fixtures read it from the environment
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Short timeouts: a request publishing a task must never hang on a broker that is down.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "recover-overdue-leads": {
        "task": "leads.tasks.recover_overdue_leads",
        "schedule": crontab(minute="*/5"),
    },
    "sweep-stuck-lead-imports": {
        "task": "leads.tasks.sweep_stuck_imports",
        "schedule": crontab(minute="*/2"),
    },
    "warn-leads-due-soon": {
        "task": "leads.tasks.warn_leads_due_soon",
        "schedule": crontab(minute="*/15"),
    },
    "recover-idle-customers": {
        "task": "ltc.customers.tasks.recover_idle_customers",
        "schedule": crontab(minute=10, hour="*"),
    },
    "warn-customers-due-soon": {
        "task": "ltc.customers.tasks.warn_customers_due_soon",
        "schedule": crontab(minute=40, hour="*/6"),
    },
    "notify-missed-cadence": {
        "task": "opportunities.tasks.notify_missed_cadence",
        "schedule": crontab(minute=0, hour="*/6"),
    },
    "sweep-webhook-outbox": {
        "task": "ltc.integrations.tasks.sweep_outbox",
        "schedule": 30.0,
    },
    "deliver-notification-emails": {
        "task": "ltc.activity.tasks.deliver_notification_emails",
        "schedule": crontab(minute="*"),
    },
    "send-morning-digests": {
        "task": "ltc.activity.tasks.send_morning_digests",
        "schedule": crontab(minute=0, hour=7),
    },
    "purge-idempotency-keys": {
        "task": "ltc.idempotency.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    "remind-tender-deadlines": {
        "task": "tenders.tasks.remind_deadlines",
        "schedule": crontab(minute="*/15"),
    },
    "notify-overdue-invoices": {
        "task": "billing.tasks.notify_overdue_invoices",
        "schedule": crontab(minute=5, hour="*"),
    },
    "expire-partner-protections": {
        "task": "partners.tasks.expire_protections",
        "schedule": crontab(minute=25, hour="*"),
    },
    "flag-complaint-sla-breaches": {
        "task": "complaints.tasks.flag_sla_breaches",
        "schedule": crontab(minute="*/10"),
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 12
# A person's API token (``POST auth/token/``, ``account/tokens/``) is refused this many hours
# after it was issued.
LTC_API_TOKEN_HOURS = int(os.environ.get("LTC_API_TOKEN_HOURS", "24"))
# Brute force: five failed logins for one user name from one address lock that pair out.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "ltc.security.backends.lockout_response"
AXES_USERNAME_CALLABLE = "ltc.security.backends.lockout_username"
LTC_CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    # No inline script or handler anywhere (static/js/ltc.js does what they did).
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The audit trail (ltc.audit): who changed which field of which money record, from what to what.
LTC_AUDITED_FIELDS = {
    # Master data and deal figures: their history is shown on the record's page and answered
    # by ``<resource>/<id>/history/`` to whoever sees the record.
    "customers.Customer": [
        "name",
        "tax_id",
        "address",
        "industry",
        "region",
        "website",
        "owner",
        "team",
    ],
    "opportunities.Opportunity": [
        "amount",
        "currency",
        "grade",
        "expected_close_date",
        "owner",
        "solution_owner",
        "fulfillment_owner",
        "stage",
    ],
    "contracts.Contract": ["amount", "currency", "state", "cost_amount", "is_risky"],
    "contracts.PaymentTerm": ["contract", "label", "percent", "trigger"],
    "contracts.ChangeRequest": ["contract", "amount_delta", "state"],
    "delivery.Order": ["contract", "amount", "currency", "state"],
    "delivery.DeliveryUnit": ["order", "amount", "state"],
    "delivery.RevenueEntry": ["unit", "amount", "currency"],
    "billing.Invoice": ["amount", "currency", "paid_amount", "state"],
    "billing.CreditNote": ["invoice", "amount"],
    "billing.Payment": ["customer", "amount", "currency", "allocated_amount"],
    "billing.Allocation": ["payment", "invoice", "amount"],
}
# The API docs page boots Swagger UI with an inline script (ltc/security/docs.py).
LTC_API_DOCS_CONTENT_SECURITY_POLICY = {
    **LTC_CONTENT_SECURITY_POLICY,
    "script-src": ["'self'", "'unsafe-inline'"],
}
LTC_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"

LTC_DEFAULT_CURRENCY = os.environ.get("LTC_DEFAULT_CURRENCY", "CNY")
# Our side of quotes and contracts (printed quotes, "our party").
LTC_COMPANY_NAME = os.environ.get("LTC_COMPANY_NAME", "华东智造科技有限公司")


# --- Operations (issue 23; ltc/ops): a cluster of web nodes, workers and one beat -------------
INSTALLED_APPS += ["ltc.ops"]
MIDDLEWARE = [
    # First: the request id, the probes (/healthz, /readyz) and /metrics, before any host check.
    "ltc.ops.middleware.OpsMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *MIDDLEWARE[:-1],
    "ltc.ops.routers.ReplicaReadsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    MIDDLEWARE[-1],  # django-axes stays last
]
# The dashboards and their exports read from DATABASE_REPLICA_URL when set (GET/HEAD only).
LTC_REPLICA_VIEWS = ["dashboards.views.", "dashboards.api."]

# The cache is shared by every node and process when Redis is configured (LTC_CACHE_URL, else
# REDIS_URL): the integration tokens' rate limit, beat's lock and the task counters of /metrics.
# Short timeouts: a cache outage degrades those (ltc/integrations/throttling.py), never a 500.
LTC_CACHE_URL = os.environ.get("LTC_CACHE_URL", REDIS_URL)
# People's API tokens read from the shared cache, forgotten when revoked, rotated or their user
# saved (ltc/security/token_cache.py); off without Redis, where each process has its own cache.
LTC_TOKEN_CACHE_SECONDS = int(
    os.environ.get("LTC_TOKEN_CACHE_SECONDS", "300" if LTC_CACHE_URL else "0")
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": LTC_CACHE_URL,
        "KEY_PREFIX": "ltc",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if LTC_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ltc"},
    # What the throttle falls back to while the shared cache is down: counts per process.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ltc-local"},
}
# Sessions in the database: every node reads the same ones (a node may die between requests).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Behind reverse proxies (LTC_TRUSTED_PROXIES of them in front of gunicorn; compose: 1, Caddy)
# the client's address is read from X-Forwarded-For that many hops from the right, never what
# the client wrote into it (ltc/security/proxies.py). 0, the default, trusts no header.
LTC_TRUSTED_PROXIES = int(os.environ.get("LTC_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "ltc.security.proxies.client_ip"

CELERY_BEAT_SCHEDULER = "ltc.ops.beat:LockedScheduler"
# Celery keeps Django's logging (JSON lines with the task id as request id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Logs: JSON lines (LOG_FORMAT=json, the default in production) or text; one access line per
# request with LTC_ACCESS_LOG (on in production).
from ltc.ops.logs import logging_config  # noqa: E402

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = logging_config(json=LOG_FORMAT == "json", level=os.environ.get("LOG_LEVEL", "INFO"))
LTC_ACCESS_LOG = env_bool("LTC_ACCESS_LOG", PRODUCTION)

# /metrics answers only with "Authorization: Bearer <LTC_METRICS_TOKEN>" (404 when unset).
LTC_METRICS_TOKEN = os.environ.get("LTC_METRICS_TOKEN", "")

# Errors and traces to Sentry when SENTRY_DSN is set (Django, Celery and logging integrations
# switch on by themselves); no personal data is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get(
            "SENTRY_ENVIRONMENT", "production" if PRODUCTION else "development"
        ),
        release=os.environ.get("LTC_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
