"""Settings for the IL-22BP/LNP eCRF, read from the environment (see README, "Environment").

ECRF_ENV selects the shape: "development" (the default: debug on, embedded PostgreSQL and a
filesystem broker when nothing else is configured) or "production" (debug off, a real
SECRET_KEY, HTTPS-only cookies and HSTS; `manage.py check --deploy` passes).
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config import embedded_postgres
from config.env import env_bool, env_choice, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ECRF_VAR_DIR", str(BASE_DIR / "var")))

ECRF_ENV = env_choice("ECRF_ENV", "development", ("development", "production"))
PRODUCTION = ECRF_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
else:
    SECRET_KEY = env_str("SECRET_KEY", "development-only-insecure-key-never-use-in-production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The product's own apps. config/urls.py includes the `urls` module of each one that has it,
# in this order, so a new CRF app is one line here (docs/adding-a-crf.md), and a line in
# `.importlinter` for its floor.
ECRF_APPS = [
    "trial",
    "screening",
    "dosing",
    "adverse_events",
    "history",
    "medications",
    "labs",
    "ecg",
    "samples",
    "tumours",
    "dispositions",
    "vitals",
    "followup",
    "review",
    "exports",
    "dashboards",
    "subjects",
    "demo",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    *ECRF_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads: a user who just wrote reads the primary, not the replica.
    "trial.replica.ReplicaPinningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL character in any parameter is a 400 naming the field, not a database error.
    "trial.input_guard.RejectNulCharacterMiddleware",
    "trial.resilience.DatabaseUnavailableMiddleware",
    # One read of the study per request, and a 503 naming the fix when none is loaded.
    "trial.study.CurrentStudyMiddleware",
    "trial.security.SessionTimeoutMiddleware",
    "trial.otp.TotpRequiredMiddleware",
    "trial.security.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication: attaches the acting user and URL to every audit event.
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes requires: refuses sign-in while a lockout is in force.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "followup.context_processors.navigation",
                "trial.context_processors.study_frame",
                "demo.context_processors.demo_banner",
                "trial.security.session_context",
            ],
        },
    },
]

# Database: DATABASE_URL when set; otherwise the embedded PostgreSQL under var/pgdata.
# Two roles (docs/security.md, "Database roles"): DATABASE_URL is the application's role, which
# owns nothing; DATABASE_OWNER_URL is the owner that `manage.py migrate` connects as (the same
# database; it defaults to DATABASE_URL, a single role, as on a developer's own server).
_database_url = env_str("DATABASE_URL")
_owner_url = env_str("DATABASE_OWNER_URL")
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    _owner = dj_database_url.parse(_owner_url or _database_url)
    if _owner["NAME"] != DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL must name the same database as DATABASE_URL "
            f"({_owner['NAME']!r} is not {DATABASES['default']['NAME']!r})"
        )
    DATABASE_OWNER = {key: _owner.get(key) or "" for key in _CREDENTIALS}
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.embedded_backend",
            "NAME": embedded_postgres.DATABASE_NAME,
            "USER": embedded_postgres.APPLICATION_ROLE,
            "HOST": "",
        }
    }
    DATABASE_OWNER = {"USER": embedded_postgres.OWNER_ROLE, "PASSWORD": "", "HOST": "", "PORT": ""}
    if _owner_url:
        raise ImproperlyConfigured("DATABASE_OWNER_URL is set but DATABASE_URL is not")
# An optional read replica (trial/replica.py): the dashboards read from it, except for a user
# who wrote in the last REPLICA_PIN_SECONDS (they read the primary, to see their own write).
# Connected as the application's role, like DATABASE_URL; never migrated (it is a copy).
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url:
    if not _database_url:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is set but DATABASE_URL is not")
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=60)
    # The tests have no replica: they read the primary under the replica's name.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["trial.replica.ReplicaRouter"]
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
# The application's role, which trial/privileges.py grants to after each migrate.
DATABASE_APPLICATION = {key: DATABASES["default"].get(key) or "" for key in _CREDENTIALS}
DATABASE_APPLICATION_ROLE = DATABASE_APPLICATION["USER"]
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connection pool (docs/operations.md, "Database connections"): psycopg's pool inside each
# process, which Django 5.2 manages, rather than PgBouncer: no extra service, and the session
# state this application relies on (REPEATABLE READ snapshots, server-side cursors, advisory
# locks, pghistory's context) stays on one server connection for as long as it is used.
# On by default in production; DATABASE_POOL_MAX_SIZE=0 turns it off (persistent connections
# of CONN_MAX_AGE seconds instead). A pool needs CONN_MAX_AGE 0: Django returns the
# connection to the pool at the end of each request instead of closing it.
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 4 if PRODUCTION else 0)
DATABASE_POOL_MIN_SIZE = env_int("DATABASE_POOL_MIN_SIZE", 1)
if DATABASE_POOL_MAX_SIZE < 0 or not 0 <= DATABASE_POOL_MIN_SIZE <= max(DATABASE_POOL_MAX_SIZE, 1):
    raise ImproperlyConfigured(
        "DATABASE_POOL_MIN_SIZE must be between 0 and DATABASE_POOL_MAX_SIZE."
    )
if DATABASE_POOL_MAX_SIZE:
    for _alias in DATABASES:
        DATABASES[_alias]["CONN_MAX_AGE"] = 0
        DATABASES[_alias].setdefault("OPTIONS", {})["pool"] = {
            "min_size": DATABASE_POOL_MIN_SIZE,
            "max_size": DATABASE_POOL_MAX_SIZE,
            # Seconds a request waits for a free connection before it fails (a 503 page).
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
            "max_idle": 300,
            "max_lifetime": 3600,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "trial.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "trial.passwords.PasswordHistoryValidator",
        "OPTIONS": {"count": 5},
    },
]
AUTHENTICATION_BACKENDS = [
    # Counts failures and refuses locked-out sign-ins before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (django-axes): a username is locked after ECRF_USERNAME_FAILURE_LIMIT failures from
# any addresses, and an address after ECRF_ADDRESS_FAILURE_LIMIT failures over any usernames
# (password spraying). Axes compares one limit with the larger of the two counts; the callable
# picks the limit that applies (trial.security.failure_limit).
ECRF_USERNAME_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
ECRF_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 10)
if not 1 <= ECRF_USERNAME_FAILURE_LIMIT <= ECRF_ADDRESS_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "AXES_FAILURE_LIMIT must be at least 1 and at most AXES_ADDRESS_FAILURE_LIMIT."
    )
AXES_FAILURE_LIMIT = "trial.security.failure_limit"
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Axes' own reset on success would delete every failure of the signing-in address too, so one
# valid account would wipe a sprayer's count: trial.security resets the username's only.
AXES_RESET_ON_SUCCESS = False
# Every failure kept (username, address, page, time) for inspection, beyond the lockout count.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "IL-22BP/LNP eCRF"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True  # stored in UTC; shown in TIME_ZONE
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
if not PRODUCTION:
    # WhiteNoise serves from the finders in development; it only needs the folder to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Generated files (exports) through Django's storage API (exports/storage.py): this machine's
# var/exports in development; in production the database by default, so that every web node
# and worker sees every file with no shared disk; S3-compatible object storage when chosen.
EXPORT_STORAGE = env_choice(
    "EXPORT_STORAGE", "database" if PRODUCTION else "filesystem", ("filesystem", "database", "s3")
)
EXPORT_CHUNK_BYTES = env_int("EXPORT_CHUNK_BYTES", 1 << 20)
# Up to this many subjects the page produces an export in the request; above, a worker does.
EXPORT_STREAM_MAX_SUBJECTS = env_int("EXPORT_STREAM_MAX_SUBJECTS", 200)
if EXPORT_STORAGE == "filesystem":
    _export_storage = {"BACKEND": "exports.storage.ExportFileSystemStorage"}
elif EXPORT_STORAGE == "database":
    _export_storage = {"BACKEND": "exports.storage.DatabaseStorage"}
else:
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            "EXPORT_STORAGE=s3 needs django-storages: pip install 'django-storages[s3]'"
        )
    # Credentials come from boto3's own variables (AWS_ACCESS_KEY_ID, ...) or the node's role.
    _export_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_required("EXPORT_S3_BUCKET"),
            "endpoint_url": env_str("EXPORT_S3_ENDPOINT_URL") or None,
            "region_name": env_str("EXPORT_S3_REGION") or None,
            "location": env_str("EXPORT_S3_PREFIX", "exports"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
# Finished export files are deleted this many days after they were produced (the run stays,
# marked expired); a run still "running" this long after it started is from a worker that died.
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 30)
EXPORT_RUNNING_TIMEOUT_MINUTES = env_int("EXPORT_RUNNING_TIMEOUT_MINUTES", 90)
if EXPORT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("EXPORT_RETENTION_DAYS must be at least 1.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    "exports": _export_storage,
}

# Read-only REST API (exports app): token or session authentication, scoped like the web.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "exports.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
# API tokens (django-rest-knox): hashed, expiring; see exports/tokens.py.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be at least 1.")
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS), "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "IL-22BP/LNP eCRF API",
    "DESCRIPTION": "Read-only access to subjects, visits, CRFs, adverse events and queries.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and ReDoc from the sidecar package's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the missing-data codes (UNK, NA, ND, NASK) that several CRF fields share.
    "ENUM_NAME_OVERRIDES": {"MissingDataCodeEnum": "trial.dates.MISSING_CODE_CHOICES"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Audit trail: every event row is protected against UPDATE and DELETE by a trigger.
PGHISTORY_APPEND_ONLY = True
PGHISTORY_ADMIN_MODEL = "pghistory.Events"

# Celery. REDIS_URL gives broker and results; without any, a filesystem broker under var/.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND", REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}"
)
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Tests give their worker a queue of its own (tests/conftest.py, live_worker).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_TIMEZONE = "UTC"

# Reminders: a send claimed longer ago than this is from a worker that died; it is re-sent.
REMINDER_STALE_CLAIM_SECONDS = env_int("REMINDER_STALE_CLAIM_SECONDS", 900)
REMINDER_QUERY_OPEN_DAYS = env_int("REMINDER_QUERY_OPEN_DAYS", 7)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ecrf@localhost")

# Absolute session lifetime, and sign-out after inactivity (trial.security).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
ECRF_IDLE_TIMEOUT_MINUTES = env_int("ECRF_IDLE_TIMEOUT_MINUTES", 15)
# The page warns this long before the idle sign-out, with a "stay signed in" button.
ECRF_IDLE_WARNING_SECONDS = env_int("ECRF_IDLE_WARNING_SECONDS", 120)
# A form posted on an ended session is kept this long for its user to get back.
ECRF_FORM_DRAFT_HOURS = env_int("ECRF_FORM_DRAFT_HOURS", 24)

# Dosing CRF plausibility (dosing.dose_checks): a dose above this percentage of its level's
# dose, or an injected volume above this many mL, is refused as a typing error.
DOSE_MAX_PERCENT_OF_LEVEL = env_int("DOSE_MAX_PERCENT_OF_LEVEL", 200)
DOSE_MAX_VOLUME_ML = env_int("DOSE_MAX_VOLUME_ML", 20)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: everything from this origin; no inline scripts. Inline styles stay
# allowed for the style attributes Bootstrap components and htmx's indicators set.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
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
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "ecrf.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# The study configuration file loaded by `manage.py load_study` (and by the start command).
STUDY_CONFIG_FILE = Path(
    env_str("STUDY_CONFIG_FILE", str(BASE_DIR / "studies" / "il22bp_lnp.toml"))
)
