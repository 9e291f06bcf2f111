"""Centrex settings, read from the environment.

With no environment at all this is the embedded default used by ``make run``: SQLite under
``var/``, the in-memory channel layer, eager Celery, local-memory cache and local file
storage. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to PostgreSQL and Redis (tests
and production). ``CENTREX_MODE=production`` turns on the production checks: the process
refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CENTREX_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()

MODE = env.str("CENTREX_MODE", default="development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured("CENTREX_MODE must be 'development' or 'production'.")
PRODUCTION = MODE == "production"
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode.")


def _development_secret_key() -> str:
    """A random key kept under var/ so sessions survive restarts of the embedded default."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production mode.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production mode.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The platform's own SIP domain: tenants get <slug>.<PLATFORM_SIP_DOMAIN> unless they choose one.
PLATFORM_SIP_DOMAIN = env.str("PLATFORM_SIP_DOMAIN", default="sip.centrex.test")
PLATFORM_NAME = env.str("PLATFORM_NAME", default="Centrex")
# Where users reach the portal; used for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "phonenumber_field",
    "tenants",
    "centrex.api",
    "centrex.webhooks",
    "telephony.directory",
    "telephony.freeswitch",
    "telephony.calls",
    "telephony.media",
    "telephony.forwarding",
    "telephony.groups",
    "telephony.contacts",
    "telephony.featurecodes",
    "telephony.voicemail",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenants.middleware.OperatorMfaMiddleware",
]

ROOT_URLCONF = "centrex.urls"
ASGI_APPLICATION = "centrex.asgi.application"
AUTH_USER_MODEL = "tenants.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
if PRODUCTION and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in production mode (the embedded SQLite is for development).")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'centrex.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Redis: cache, channel layer, Celery broker ---------------------------------------
def _redis_url_for_worker(url: str) -> str:
    """Give each pytest-xdist worker its own Redis database so tests can flush freely."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    database = 1 + int(worker[2:]) % 15
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


REDIS_URL = _redis_url_for_worker(env.str("REDIS_URL", default=""))
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production mode (cache, channel layer and Celery broker).")
KEY_PREFIX = env.str("CENTREX_KEY_PREFIX", default="centrex")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "centrex.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": KEY_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{KEY_PREFIX}:asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "expire-tryouts": {"task": "tenants.tasks.expire_tryouts", "schedule": 600.0},
}

# --- Authentication (django-allauth) --------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
PASSWORD_RESET_TIMEOUT = 7 * 86400  # also the validity of invitation links
ACCOUNT_ADAPTER = "tenants.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_TIMEOUT", default=300)
ACCOUNT_RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="5/5m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PLATFORM_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = PLATFORM_NAME

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and storage ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if not PRODUCTION else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{PLATFORM_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# --- Media uploads (telephony.media) ------------------------------------------------
MEDIA_MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MEDIA_MAX_FILES_PER_KIND = 10

# --- Licences -------------------------------------------------------------------------
TRYOUT_DAYS = 14
TRYOUT_USER_LICENCES = 3

# --- Logging: one JSON object per line ------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "uvicorn.access": {"level": env.str("ACCESS_LOG_LEVEL", default="WARNING")},
    },
}

# --- REST API (centrex.api) ----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "centrex.api.authentication.ApiKeyAuthentication",  # first: its WWW-Authenticate makes 401s
        "rest_framework.authentication.SessionAuthentication",  # the browser; enforces CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["centrex.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "centrex.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "centrex.api.throttling.ApiKeyRateThrottle",
        "centrex.api.throttling.UserRateThrottle",
        "centrex.api.throttling.AnonRateThrottle",
    ],
    "EXCEPTION_HANDLER": "centrex.api.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per period, per API key / logged-in user / client address (s, m, h or d).
API_THROTTLE_RATES = {
    "key": env.str("API_THROTTLE_KEY", default="600/m"),
    "user": env.str("API_THROTTLE_USER", default="600/m"),
    "anon": env.str("API_THROTTLE_ANON", default="60/m"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{PLATFORM_NAME} API",
    "DESCRIPTION": "Provisioning, call control and call records of the hosted PBX. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields of the same name with different choices (status, kind, ...) need one name each.
    "ENUM_NAME_OVERRIDES": {
        "TenantScopeEnum": "centrex.api.scopes.TENANT_SCOPE_CHOICES",
        "OperatorScopeEnum": "centrex.api.scopes.OPERATOR_SCOPE_CHOICES",
        "TenantStatusEnum": "tenants.choices.TenantStatus",
        "RoleEnum": "tenants.choices.Role",
        "LanguageEnum": "tenants.choices.Language",
        "FeatureEnum": "tenants.choices.Feature",
        "MediaKindEnum": "telephony.media.choices.MediaKind",
        "NumberKindEnum": "telephony.contacts.choices.NumberKind",
    },
}

# --- Webhooks (centrex.webhooks) -----------------------------------------------------
# A delivery is tried WEBHOOK_MAX_ATTEMPTS times, waiting BASE * 2**(attempt - 1) seconds (at most MAX)
# between tries; after WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row failed, the endpoint is disabled.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=10)
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# Fernet keys that encrypt the endpoint secrets at rest; the first encrypts, all decrypt (key rotation).
# Unset, one key is derived from SECRET_KEY, so changing SECRET_KEY then makes the stored secrets unreadable.
WEBHOOK_SECRET_KEYS = env.list("WEBHOOK_SECRET_KEYS", default=[])
# Finished deliveries are kept this many days for the delivery log, then deleted by a beat task.
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["webhooks-prune-deliveries"] = {"task": "centrex.webhooks.tasks.prune_deliveries", "schedule": 3600.0}
# Names the delivery status enum in the OpenAPI schema (other resources have a "status" too).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["WebhookDeliveryStatusEnum"] = "centrex.webhooks.choices.DeliveryStatus"

# --- FreeSWITCH nodes (telephony.freeswitch) -----------------------------------------
# xml_curl / CDR endpoints (helper F): how long a node caches a directory user (ms; changes flush it at once),
# how long the control plane caches answers (s), the node configuration shipped in deploy/, and the reverse
# proxies whose X-Forwarded-For is believed when checking a node's source address.
FREESWITCH_NODE_DIRECTORY_CACHE_MS = env.int("FREESWITCH_NODE_DIRECTORY_CACHE_MS", default=900_000)
FREESWITCH_DIRECTORY_CACHE_SECONDS = env.int("FREESWITCH_DIRECTORY_CACHE_SECONDS", default=3600)
FREESWITCH_NEGATIVE_CACHE_SECONDS = env.int("FREESWITCH_NEGATIVE_CACHE_SECONDS", default=60)
FREESWITCH_CONFIGURATION_CACHE_SECONDS = env.int("FREESWITCH_CONFIGURATION_CACHE_SECONDS", default=3600)
FREESWITCH_NODE_CACHE_SECONDS = env.int("FREESWITCH_NODE_CACHE_SECONDS", default=60)
FREESWITCH_CONF_DIR = Path(env.str("FREESWITCH_CONF_DIR", default=str(BASE_DIR / "deploy" / "freeswitch" / "conf")))
FREESWITCH_TRUSTED_PROXIES = env.list("FREESWITCH_TRUSTED_PROXIES", default=[])
# ESL, switch gateway, commands, SIP brute-force protection (helper E).
# Commands to a node retry COMMAND_MAX_RETRIES times, waiting BASE * 2**n seconds (at most MAX, plus jitter).
FREESWITCH_ESL_TIMEOUT = env.float("FREESWITCH_ESL_TIMEOUT", default=10.0)
FREESWITCH_COMMAND_MAX_RETRIES = env.int("FREESWITCH_COMMAND_MAX_RETRIES", default=8)
FREESWITCH_COMMAND_RETRY_BASE_SECONDS = env.int("FREESWITCH_COMMAND_RETRY_BASE_SECONDS", default=2)
FREESWITCH_COMMAND_RETRY_MAX_SECONDS = env.int("FREESWITCH_COMMAND_RETRY_MAX_SECONDS", default=300)
# The gateway reconnects after BASE * 2**n seconds (at most MAX, with jitter) when the node goes away.
FREESWITCH_RECONNECT_BASE_SECONDS = env.float("FREESWITCH_RECONNECT_BASE_SECONDS", default=1.0)
FREESWITCH_RECONNECT_MAX_SECONDS = env.float("FREESWITCH_RECONNECT_MAX_SECONDS", default=60.0)
# Live calls are forgotten after this long without a hangup event (a lost event must not block the line count).
FREESWITCH_LIVE_CALL_TTL_SECONDS = env.int("FREESWITCH_LIVE_CALL_TTL_SECONDS", default=6 * 3600)
# An address with BRUTEFORCE_THRESHOLD failed registrations within BRUTEFORCE_WINDOW_SECONDS is blocked.
FREESWITCH_BRUTEFORCE_THRESHOLD = env.int("FREESWITCH_BRUTEFORCE_THRESHOLD", default=20)
FREESWITCH_BRUTEFORCE_WINDOW_SECONDS = env.int("FREESWITCH_BRUTEFORCE_WINDOW_SECONDS", default=600)
# Click-to-call: how long the user's own device rings before the attempt is given up.
FREESWITCH_CLICK_TO_CALL_RING_SECONDS = env.int("FREESWITCH_CLICK_TO_CALL_RING_SECONDS", default=30)
# Base URL the nodes fetch announcements from (mod_http_cache); SITE_URL when empty.
FREESWITCH_MEDIA_URL = env.str("FREESWITCH_MEDIA_URL", default="")
# Directory (helper D): the country whose national format is assumed for phone numbers added without a tenant.
PLATFORM_COUNTRY = env.str("PLATFORM_COUNTRY", default="DE")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["SwitchNodeStatusEnum"] = "telephony.freeswitch.choices.NodeStatus"
