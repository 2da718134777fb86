"""One settings module, driven by the environment.

Development defaults are safe and need nothing installed: SQLite in the project folder, Celery's
filesystem broker in ``var/``, mail printed to the console. Production tightens through the
environment (``DEBUG=false``, ``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``, ``EMAIL_BACKEND``...),
never through a second settings file.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# Test-only settings live in tests/settings.py: nothing here looks for a test runner.

# The key is read as it is, never through django-environ, which treats a value starting with "$" as the
# name of another variable (a random key does start with "$" now and then, and then never resolves).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if DEBUG and not SECRET_KEY:
    # A development key that survives restarts (sessions stay valid) but never leaves the machine.
    _key_file = VAR_DIR / "dev-secret-key"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not _key_file.exists():
        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY: it is required with DEBUG off (see .env.example).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "helpdesk.admin_site.AdminConfig",  # django.contrib.admin with a site that asks for the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, no CDN
    "anymail",
    "django_otp",  # two-factor sign-in (accounts/two_factor.py): TOTP apps and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "sla",
    "notifications",
    "tickets",
    "sso",  # OpenID Connect single sign-on for staff and per organization (mozilla-django-oidc)
    "automation",  # macros and rules, on top of tickets (tickets.signals)
    "privacy",  # export, erase, retention (on top of accounts, tickets, notifications, automation)
    "kb",  # knowledge base, on top of tickets (tickets.signals) and notifications
    "webhooks",  # signed event webhooks, on top of tickets (tickets.signals) and the outbox
    "mailboxes",  # support mailboxes fetched by IMAP into tickets' email intake (and SMTP out)
    "helpdesk",  # deploy checks and the cross-app admin wiring (helpdesk/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (Accept-Language), for visitors
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PersonLocaleMiddleware",  # profile > organization > browser (accounts.locale)
    "accounts.middleware.TwoFactorMiddleware",  # a session that skipped the second step goes back to it
    "accounts.middleware.VerifiedIdentityMiddleware",  # unverified accounts see the "verify" page only
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (see the Security block)
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

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
                "helpdesk.context_processors.site",
                "tickets.context_processors.incidents",
                "mailboxes.context_processors.failing_mailboxes",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the embedded database.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
# An optional read-only copy (a streaming replica) for the heavy reads that tolerate a few seconds of lag:
# the SLA dashboard and the exports (helpdesk/db.py says which). Everything else reads the primary.
if env.str("REPLICA_DATABASE_URL", default=""):
    DATABASES["replica"] = env.db("REPLICA_DATABASE_URL")
    DATABASES["replica"].update(ATOMIC_REQUESTS=False, CONN_HEALTH_CHECKS=True)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["helpdesk.db.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Caches: "default" is per-process memory (nothing relies on it being shared). "throttle" holds the
# sign-in and password-reset failure counters (accounts/throttle.py) in a database table, so every
# web process and server counts the same failures and it works with Redis down; the table is made
# by the migration accounts.0002_throttle_cache_table (or `manage.py createcachetable`).
# "presence" (who has a desk ticket open, tickets/desk/presence.py) must be seen by every web process:
# the same table (keys are prefixed apart), written every 10 s per open ticket page.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "hd_throttle_cache"},
    "presence": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hd_throttle_cache",
        "KEY_PREFIX": "presence",
    },
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
# Sign-in, the token endpoint and reset are throttled on the client's address: REMOTE_ADDR, unless this
# many proxies of ours sit in front and append to X-Forwarded-For (then their hop is the client).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# API keys (Authorization: Token <key>) stop working this many days after they are issued.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
# --- Single sign-on (sso/): providers are configured in the admin; these are the shared knobs.
AUTHENTICATION_BACKENDS += ["sso.backend.SsoBackend"]  # only answers a callback sso.views started
SSO_HTTP_TIMEOUT = env.int("SSO_HTTP_TIMEOUT", default=10)  # seconds, per call to a provider
SSO_DISCOVERY_CACHE_SECONDS = env.int("SSO_DISCOVERY_CACHE_SECONDS", default=3600)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Each with a complete catalogue in locale/ (compiled .mo committed; `manage.py compile_catalogues`).
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through a scoped download view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# --- Object storage: several web nodes and workers share attachments and raw mail ---------------
# With S3_BUCKET set, every file (attachments, stored inbound mail) lives in an S3-compatible bucket
# (AWS, MinIO, Ceph, Garage...) through django-storages instead of MEDIA_ROOT on one machine's disk.
# Files are still served only through the scoped download views, never by a public bucket URL.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,  # empty: AWS itself
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,  # empty: instance role
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,  # two uploads of "invoice.pdf" never replace each other
            "querystring_auth": True,
        },
    }

# --- Email -------------------------------------------------------------------------------------
# The provider is chosen here only: e.g. EMAIL_BACKEND=anymail.backends.postmark.EmailBackend with
# ANYMAIL_POSTMARK_SERVER_TOKEN, or anymail.backends.mailgun.EmailBackend with ANYMAIL_MAILGUN_API_KEY.
# In development every message is kept as one .eml file in var/mail/ (helpdesk/mail.py).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="helpdesk.mail.MailboxBackend" if DEBUG else "django.core.mail.backends.console.EmailBackend",
)
# --- Mailboxes (mailboxes/) ---
# EMAIL_BACKEND=mailboxes.mail.MailboxSMTPBackend sends through a support mailbox's own SMTP server (the one
# whose address is the From, else the first with an SMTP host, set in the admin); with none, through this.
HELPDESK_MAILBOX_FALLBACK_BACKEND = env.str(
    "HELPDESK_MAILBOX_FALLBACK_BACKEND",
    default="helpdesk.mail.MailboxBackend" if DEBUG else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
# A hung SMTP server must not hold a row in "sending" past outbox_flush's stuck sweep (10 minutes).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Support <support@helpdesk.test>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Replies route back through plus-addressing: support+<signed token>@helpdesk.test
HELPDESK_REPLY_ADDRESS = env.str("HELPDESK_REPLY_ADDRESS", default="support@helpdesk.test")
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
        "POSTMARK_SERVER_TOKEN": env.str("ANYMAIL_POSTMARK_SERVER_TOKEN", default=""),
        "MAILGUN_API_KEY": env.str("ANYMAIL_MAILGUN_API_KEY", default=""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        "SENDGRID_API_KEY": env.str("ANYMAIL_SENDGRID_API_KEY", default=""),
    }.items()
    if value
}

# --- Celery --------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
_FS_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_FS_BROKER_DIR / "queue"),
        "data_folder_out": str(_FS_BROKER_DIR / "queue"),
        "control_folder": str(_FS_BROKER_DIR / "control"),
        "processed_folder": str(_FS_BROKER_DIR / "processed"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for _sub in ("queue", "control", "processed"):
        (_FS_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks late, a task still running after the broker connection drops is redelivered; cancel it so
# the redelivered copy is the only run (Celery PR #6654).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- REST framework ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"writes": env.str("API_WRITE_THROTTLE", default="120/min")},
    # DRF's own throttles read X-Forwarded-For only behind this many trusted proxies (0: REMOTE_ADDR).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, SLA deadlines and the technician queue.",
    "VERSION": "1.0.0",
    # 3.1: a nullable reference is `oneOf: [{$ref}, {type: null}]`, which generators and strict
    # validators honour; 3.0's `nullable` beside `allOf` is ignored by them (issue 27).
    "OAS_VERSION": "3.1.0",
    # Path parameters in path order (ticket_id before id), as positional arguments of generated clients.
    "SORT_OPERATION_PARAMETERS": False,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketChannelEnum": "tickets.models.Channel",
        "IntakeChannelEnum": "tickets.api.serializers.INTAKE_CHANNELS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tickets.api.schema.document_error_responses",
        "tickets.api.schema.name_the_server",
    ],
    # OpenAPI 3.1 webhooks: the signed events an endpoint receives (webhooks/schema.py).
    "WEBHOOKS": [
        "webhooks.schema.ticket_created",
        "webhooks.schema.ticket_updated",
        "webhooks.schema.ticket_customer_replied",
        "webhooks.schema.ticket_staff_replied",
        "webhooks.schema.ticket_note_added",
        "webhooks.schema.ticket_status_changed",
        "webhooks.schema.ticket_assigned",
        "webhooks.schema.ticket_sla_warning",
        "webhooks.schema.ticket_sla_breach",
        "webhooks.schema.ticket_paged",
        "webhooks.schema.incident_opened",
        "webhooks.schema.incident_updated",
        "webhooks.schema.incident_resolved",
        "webhooks.schema.webhook_ping",
    ],
}

# --- Helpdesk ------------------------------------------------------------------------------------
HELPDESK_NAME = env.str("HELPDESK_NAME", default="Helpdesk")
HELPDESK_TICKET_PREFIX = env.str("HELPDESK_TICKET_PREFIX", default="HD")
HELPDESK_SUPPORT_PHONE = env.str("HELPDESK_SUPPORT_PHONE", default="+44 20 7946 0000")
HELPDESK_MAX_ATTACHMENT_BYTES = env.int("HELPDESK_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
HELPDESK_MAX_ATTACHMENTS = env.int("HELPDESK_MAX_ATTACHMENTS", default=10)
# New tickets by mail per hour, per sender address and per sender domain; past them a mail is held for
# staff (visible on the desk), never dropped. 0 turns a limit off.
HELPDESK_MAIL_NEW_TICKETS_PER_SENDER = env.int("HELPDESK_MAIL_NEW_TICKETS_PER_SENDER", default=20)
HELPDESK_MAIL_NEW_TICKETS_PER_DOMAIN = env.int("HELPDESK_MAIL_NEW_TICKETS_PER_DOMAIN", default=200)
# The authserv-id your receiving mail server writes in Authentication-Results (e.g. "mx.example.com").
# When set, mail from a known address that this server found failing DMARC is held for staff.
HELPDESK_MAIL_AUTHSERV_ID = env.str("HELPDESK_MAIL_AUTHSERV_ID", default="")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Retention (privacy.services.retention): closed tickets older than this many months lose their files and
# their customers' names, addresses and words; SLA figures stay. 0 (the default) keeps everything.
HELPDESK_RETENTION_MONTHS = env.int("HELPDESK_RETENTION_MONTHS", default=0)

# --- Event webhooks (webhooks/) --------------------------------------------------------------------
# Loopback, private, link-local and other non-public targets are refused (SSRF); only a test suite or
# a deliberately internal deployment turns this on.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
# Failed tries in a row (across deliveries) before an endpoint is disabled and the admins are told.
WEBHOOKS_DISABLE_AFTER = env.int("WEBHOOKS_DISABLE_AFTER", default=15)
# After a rotation the old secret signs beside the new one this long.
WEBHOOKS_SECRET_OVERLAP_SECONDS = env.int("WEBHOOKS_SECRET_OVERLAP_SECONDS", default=24 * 3600)

# --- Security (tightened automatically when DEBUG is off) ---------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads it to send the token header
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Two-factor sign-in (accounts/two_factor.py; issue 21) ----------------------------------------
# On: staff and superusers must use an authenticator app (they set it up at their next sign-in), on the
# portal, the desk, the admin and the token endpoint. Anyone may turn it on for themselves either way.
HELPDESK_REQUIRE_2FA_FOR_STAFF = env.bool("HELPDESK_REQUIRE_2FA_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default=HELPDESK_NAME)  # the name authenticator apps show

# --- Content-Security-Policy (django-csp; issue 21) -----------------------------------------------
# Scripts come from our own static files only; an inline script must carry the per-request nonce
# (``{{ request.csp_nonce }}``), and no page uses inline event handlers (static/js/page.js reads data-
# attributes instead). Styles allow inline ``style=""`` (priority colours): CSS cannot run script, and
# a nonce in style-src would make browsers ignore 'unsafe-inline' for those attributes.
# CSP_REPORT_URI (optional) sends violation reports to your collector.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", default="") else {}),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
