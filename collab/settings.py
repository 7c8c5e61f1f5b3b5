"""Tandem's one settings module, read from the environment (12-factor).

Secure by default: ``DEBUG`` is off unless asked for, and then ``SECRET_KEY`` is required.
Unset ``DATABASE_URL`` and ``REDIS_URL`` give the embedded default used by ``make run``:
a SQLite file and a filesystem broker under ``.run/``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = Path(os.environ.get("TANDEM_RUN_DIR", BASE_DIR / ".run"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set the SECRET_KEY environment variable "
            "(or DEBUG=1 for a local run)."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # The forms' own templates (the renderer below overrides them from templates/forms/).
    "django.forms",
    # Template components (<c-card>, <c-page-header> ...) from templates/cotton/; configured by
    # hand below rather than by the app's automatic set-up.
    "django_cotton.apps.SimpleAppConfig",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "collab",
    "roles",
    "backlog",
    "roadmap",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "collab.common.limits.RequestBodyLimitMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "collab.middleware.PersonPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collab.urls"
# Every form renders with the design system's markup (templates/forms/), {{ form }} included.
FORM_RENDERER = "collab.common.forms.TandemFormRenderer"
WSGI_APPLICATION = "collab.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # django-cotton compiles <c-...> component tags before Django parses a template.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django_cotton.cotton_loader.Loader",
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["django_cotton.templatetags.cotton"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "roles.context_processors.navigation",
                "collab.rhythm.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
RUN_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{RUN_DIR / 'tandem.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: the web server and the worker write to one file. WAL lets readers
    # go on while one writes; IMMEDIATE transactions take the write lock when they begin (a
    # deferred one upgrading later fails at once with "database is locked" instead of
    # waiting); the busy timeout makes a writer wait its turn for up to 20 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast instead of hanging a request when PostgreSQL is unreachable.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DB_CONNECT_TIMEOUT", "3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# backlog.BacklogFacet's unique constraint treats NULLs as equal, which only PostgreSQL (the
# production database, where triggers keep those counts) enforces; SQLite does not use them.
SILENCED_SYSTEM_CHECKS = ["models.W047"]

# --- People ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "collab.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "collab:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_MAX_AGE = timedelta(days=int(os.environ.get("INVITATION_MAX_AGE_DAYS", "7")))

# The number of reverse proxies in front of Tandem that append the client's address to
# X-Forwarded-For (1 behind the documented TLS-terminating proxy). With 0 the header is never
# read: a client could write any address into it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Brute-force control (collab/common/signin.py), counted in the database by django-axes: per
# email and client address, a lock-out for AXES_COOLOFF_TIME; per email from any address, the
# account closes to addresses that never signed in to it while the failures of the last
# SIGNIN_ACCOUNT_WINDOW reach SIGNIN_ACCOUNT_FAILURE_LIMIT.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "collab.common.signin.client_address"
AXES_HANDLER = "collab.common.signin.SignInHandler"
# One row per failure: the per-account count reads it (axes keeps the newest 1,000 per email).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
SIGNIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("SIGNIN_ACCOUNT_FAILURE_LIMIT", "20"))
SIGNIN_ACCOUNT_WINDOW = timedelta(hours=1)
SIGNIN_KNOWN_ADDRESS_AGE = timedelta(days=90)
# The login form posts the email as "username" (axes would otherwise look for "email", find
# nothing, and never match a failure to the person it targets).
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates without the American month-first ambiguity (collab/formats/en/formats.py).
FORMAT_MODULE_PATH = ["collab.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = RUN_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Uploaded files: attachments of tickets and comments --------------------------------------
# Stored through Django's storage API ("default" above): files under MEDIA_ROOT in the embedded
# default, an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set. No URL ever serves them
# directly (there is no MEDIA_URL route, and the bucket stays private): the attachment views
# check the reader's engagement and stream them (backlog/views/attachments.py).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or RUN_DIR / "media")
_S3_BUCKET = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if _S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _S3_BUCKET,
            # Any S3-compatible service (MinIO, Scaleway, OVH, Garage...): its address and region.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            # Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (read by boto3) or the
            # machine's role; never written here.
            "location": os.environ.get("AWS_LOCATION", "tandem"),
            # Private objects, never overwritten: every name is a fresh uuid anyway.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
# The largest attachment, in bytes (10 MiB), and the kinds accepted, by their sniffed type.
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# (Unset or empty: every kind Tandem can recognise; backlog/uploads.py.)
ATTACHMENT_TYPES = env_list("ATTACHMENT_TYPES") or [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
]
# Files of one upload (a comment with its screenshots) sent at once.
ATTACHMENTS_PER_UPLOAD = int(os.environ.get("ATTACHMENTS_PER_UPLOAD", "10"))

# --- Redis: cache, throttling, broker -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tandem",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database so that pages keep working when Redis is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery ---------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "visibility_timeout": 3600,
    }
else:
    # The embedded broker: kombu's filesystem transport, no server needed.
    BROKER_DIR = RUN_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    (RUN_DIR / "results").mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{RUN_DIR / 'results'}"
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker whose broker drops keeps retrying (forever, every few seconds) instead of exiting.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the connection drops cannot be acknowledged any more: Celery cancels it
# (SIGTERM to its pool process) and the broker redelivers it. The sweeps stop cleanly on that
# signal (collab.common.sweeps.stop_on_sigterm): what was sent is marked, the rest released.
# With Celery 5.7.0 / kombu 5.7.0 (the latest releases) and the default (False), a worker that
# lost Redis while running a sweep was seen to exit ("Unrecoverable error: AttributeError
# 'NoneType' ... 'hostname'"); tests/rhythm/test_chaos.py flushes and restarts Redis mid-sweep
# and checks that the worker stays up.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A request that enqueues work tries the broker twice at most (REDIS_TIMEOUT_SECONDS each), then
# leaves the work to the periodic sweep: it never waits on a frozen Redis for long.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Every periodic sweep stops claiming after this many seconds (at most half the soft limit) and
# leaves the rest to its next run; see collab.common.sweeps.
SWEEP_BUDGET_SECONDS = float(os.environ.get("SWEEP_BUDGET_SECONDS", "50"))
# Ledger rows (reminders, notices, digests, webhook deliveries) are claimed this many at a time;
# a claim older than the timeout belongs to a worker that died and is taken over.
LEDGER_CHUNK_SIZE = int(os.environ.get("LEDGER_CHUNK_SIZE", "50"))
LEDGER_CLAIM_TIMEOUT_SECONDS = float(os.environ.get("LEDGER_CLAIM_TIMEOUT_SECONDS", "300"))
# Accepted emails are marked sent this many at a time: the most a killed worker sends twice.
LEDGER_MARK_EVERY = int(os.environ.get("LEDGER_MARK_EVERY", "10"))
# An engagement-wide recomputation of the stored ranking (scoring model or weights, the client's
# hourly cost, an objective's weight) runs in the request up to this many tickets; above, the
# change commits at once and a Celery task recomputes the ranking in chunks of
# RANKING_JOB_CHUNK_SIZE tickets, showing its progress (backlog.services.ranking_jobs). A running
# job whose progress is older than RANKING_JOB_STALE_SECONDS belongs to a worker that died: the
# sweep resumes it. See docs/architecture.md, "The stored ranking".
RESCORE_IN_REQUEST_MAX_TICKETS = int(os.environ.get("RESCORE_IN_REQUEST_MAX_TICKETS", "5000"))
RANKING_JOB_CHUNK_SIZE = int(os.environ.get("RANKING_JOB_CHUNK_SIZE", "5000"))
RANKING_JOB_STALE_SECONDS = float(os.environ.get("RANKING_JOB_STALE_SECONDS", "120"))
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "invitations-sweep": {
        "task": "roles.tasks.invitations_sweep_task",
        "schedule": timedelta(minutes=5),
    },
    "idempotency-purge": {
        "task": "collab.tasks.idempotency_purge_task",
        "schedule": timedelta(hours=1),
    },
    "meetings-schedule": {
        "task": "roles.tasks.meetings_schedule_task",
        "schedule": timedelta(hours=1),
    },
    "reminders-sweep": {
        "task": "collab.rhythm.tasks.reminders_sweep_task",
        "schedule": timedelta(seconds=int(os.environ.get("REMINDERS_SWEEP_SECONDS", "60"))),
    },
    "webhook-deliveries-send": {
        "task": "collab.webhooks.tasks.webhook_deliveries_send_task",
        "schedule": timedelta(minutes=1),
    },
    "digests-sweep": {
        "task": "collab.rhythm.tasks.digests_sweep_task",
        "schedule": timedelta(minutes=15),
    },
    "budget-alerts-sweep": {
        "task": "backlog.timesheets.tasks.budget_alerts_sweep_task",
        "schedule": timedelta(seconds=int(os.environ.get("BUDGET_ALERTS_SWEEP_SECONDS", "900"))),
    },
    "agenda-prepare": {
        "task": "collab.rhythm.tasks.agenda_prepare_task",
        "schedule": timedelta(hours=1),
    },
    "reviews-prepare": {
        "task": "roadmap.reviews.tasks.reviews_prepare_task",
        "schedule": timedelta(hours=1),
    },
    "value-realisations-sweep": {
        "task": "roadmap.reviews.tasks.value_realisations_sweep_task",
        "schedule": timedelta(hours=1),
    },
    "ranking-jobs-sweep": {
        "task": "backlog.tasks.ranking_jobs_sweep_task",
        "schedule": timedelta(minutes=1),
    },
    "overdue-reviews-remind": {
        "task": "roadmap.reviews.tasks.overdue_reviews_remind_task",
        "schedule": timedelta(hours=1),
    },
}

# --- Webhooks -------------------------------------------------------------------------------
# Off in production: webhooks go to https:// addresses whose host resolves to public addresses
# only. On (the default when DEBUG is) for a developer's machine: http:// and private, loopback
# or link-local targets are accepted too.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", DEBUG)

# --- Email ----------------------------------------------------------------------------------
# Django 6.1 configures mail through MAILERS; the variables keep their classic names.
EMAIL_BACKEND_PATH = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_email_timeout = int(os.environ.get("EMAIL_TIMEOUT", "10"))
_smtp_options = {
    "host": os.environ.get("EMAIL_HOST", "localhost"),
    "port": int(os.environ.get("EMAIL_PORT", "25")),
    "username": os.environ.get("EMAIL_HOST_USER", ""),
    "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "use_ssl": env_bool("EMAIL_USE_SSL", False),
    # Fail fast instead of hanging a worker when the mail server does not answer.
    "timeout": _email_timeout,
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": _smtp_options
        if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend")
        # The file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend)
        # writes each email under EMAIL_FILE_PATH.
        else {"file_path": os.environ.get("EMAIL_FILE_PATH", str(RUN_DIR / "emails"))}
        if EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "roles.api.authentication.EngagementTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["collab.api.filtering.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "collab.common.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "collab.common.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["collab.common.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "principal": os.environ.get("API_THROTTLE_RATE", "1200/hour"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON only, with the body size and nesting depth bounded (collab/common/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["collab.common.parsers.BoundedJSONParser"],
    "DEFAULT_METADATA_CLASS": "collab.common.parsers.DescribeOnlyMetadata",
}
# The largest request body the API reads (413 beyond), and how deeply its JSON may nest (400).
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
API_MAX_JSON_DEPTH = 32
# A multipart upload (an attachment) may be as large as the largest attachment, plus its form.
API_MAX_UPLOAD_BYTES = ATTACHMENT_MAX_BYTES + API_MAX_BODY_BYTES
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Engagements, roles, backlog and roadmap of an agency-client partnership.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every error with its problem document, strict request bodies, links from a creation to
    # what it created (collab/common/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "collab.common.schema.postprocess_contract",
    ],
    # Choice sets that several apps name alike get one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "EngagementStatusEnum": "collab.models.Engagement.Status",
        "TicketStatusEnum": "backlog.models.Status",
        "LowMediumHighEnum": "backlog.models.Confidence",
        "RoleEnum": "roles.models.Role",
        "TicketKindEnum": "backlog.models.Kind",
        "MeetingKindEnum": "collab.rhythm.models.Meeting.Kind",
        "MeetingStatusEnum": "collab.rhythm.models.Meeting.Status",
        "ActionItemStatusEnum": "collab.rhythm.models.ActionItem.Status",
        "OutcomeKindEnum": "collab.rhythm.models.Outcome.Kind",
        "ObjectiveStatusEnum": "roadmap.models.ObjectiveStatus",
        "RoadmapItemStatusEnum": "roadmap.models.RoadmapItemStatus",
        "ScoringModelEnum": "backlog.models.ScoringModel",
        "AgencyRoleEnum": "backlog.api.serializers_settings.AGENCY_ROLE_CHOICES",
        "ReviewStateEnum": "roadmap.reviews.models.ReviewState",
        "WebhookDeliveryStateEnum": "collab.webhooks.models.WebhookDeliveryState",
        "BudgetKindEnum": "backlog.timesheets.models.Budget.Kind",
        "BudgetUnitEnum": "backlog.timesheets.models.Budget.Unit",
        "BudgetRolloverEnum": "backlog.timesheets.models.Budget.Rollover",
    },
}

# --- Security -------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; lock-outs are WARNING and stay visible.
        "axes": {"level": "WARNING"},
    },
}
