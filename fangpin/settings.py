"""Settings, all from environment variables; a wrong value stops start-up with a clear message."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable; anything but the usual spellings is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r}: expected true/false, 1/0, yes/no or on/off")


def env_int(name: str, default: int) -> int:
    """Read an integer variable, failing loudly on anything else."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from exc


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("FANGPIN_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING or env_bool("FANGPIN_DEMO", False) or env_bool("FANGPIN_DEV", False):
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string (or DEBUG=true for development)."
        )

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
ALLOWED_HOSTS = [h for h in ALLOWED_HOSTS if h]
if TESTING:
    ALLOWED_HOSTS += ["testserver"]

DATA_DIR = Path(os.environ.get("FANGPIN_DATA_DIR", str(BASE_DIR / "var"))).resolve()
# The data dir and what the service writes in it are readable by the service user only: the
# `fangpin` command and the WSGI module set umask 077; uploads are saved 0600 in 0700 folders.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryFile(dir=DATA_DIR):  # it must take files too (root passes every
        pass  # permission check, yet not on a read-only mount)
except OSError as exc:
    from core.cli import os_reason

    raise ImproperlyConfigured(
        f"数据目录 FANGPIN_DATA_DIR={DATA_DIR} 无法创建或写入（{os_reason(exc)}）："
        "请改正目录的权限或挂载，或把 FANGPIN_DATA_DIR 设为服务用户可写的目录"
    ) from exc
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "core",
    "regions",
    "accounts",
    "registry",
    "imports",
    "monitoring",
    "assistance",
    "exchange",
    "lowincome",
    "ledgers",
    "benefits",
    "duty",
    "employment",
    "livelihood",
    "projects",
    "stats",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files stay cacheable; every other answer is `no-store`.
    "core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SlidingSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RequestContextMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangpin.urls"

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
                "core.permissions.context",
                "core.labels.context",
            ],
        },
    },
]

WSGI_APPLICATION = "fangpin.wsgi.application"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

_default_db = f"sqlite:///{DATA_DIR / 'fangpin.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", "") or _default_db
if not DATABASE_URL.startswith(("sqlite:", "postgres:", "postgresql:", "pgsql:")):
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r}: only sqlite:///path and postgres://… are supported"
    )
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60)
except Exception as exc:  # dj_database_url raises several types
    raise ImproperlyConfigured(f"DATABASE_URL={DATABASE_URL!r}: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    # WAL lets the worker write while pages read; IMMEDIATE avoids "database is locked" upgrades.
    _db["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    _db["TEST"] = {"NAME": os.environ.get("FANGPIN_TEST_DB", "test_fangpin")}
    if TESTING:
        # Live-server threads must not keep connections open past a test (teardown drops the DB).
        _db["CONN_MAX_AGE"] = 0
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# AxesBackend first: a locked-out login is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MixedCharactersValidator"},
    {"NAME": "accounts.validators.WeakPatternValidator"},
]
# Demo mode (`make run`): the published demo password demo12345 is accepted.
FANGPIN_DEMO = env_bool("FANGPIN_DEMO", False)
# The hotline printed on the 明白卡 and the 公示 (by default the national 12317:
# 全国防止返贫监测和乡村振兴咨询服务电话).
FANGPIN_HOTLINE = os.environ.get("FANGPIN_HOTLINE", "").strip() or "12317"
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions are signed cookies: reading a page writes nothing to the database (an import's long
# write transaction on SQLite no longer blocks every other user). The idle timeout slides: the
# cookie is re-signed at most every FANGPIN_SESSION_REFRESH_SECONDS, so a session ends between
# (minutes − refresh) and minutes after the last request. Logout and disabling a user end
# every cookie through the user's session version (accounts.models.User).
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_AGE = env_int("FANGPIN_SESSION_MINUTES", 30) * 60
SESSION_REFRESH_SECONDS = min(env_int("FANGPIN_SESSION_REFRESH_SECONDS", 300), SESSION_COOKIE_AGE)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

# Login lockout (django-axes): FANGPIN_LOGIN_FAILURES failures within FANGPIN_LOCKOUT_MINUTES
# lock the account and the client address; accounts.lockout says who may still try.
LOGIN_FAILURE_LIMIT = env_int("FANGPIN_LOGIN_FAILURES", 5)
# A number refused as registered in a household the user may not see confirms a guess: at most
# this many in 24 hours per user, then number entry pauses (registry.services.taken_numbers_left).
TAKEN_NUMBER_LIMIT = env_int("FANGPIN_TAKEN_NUMBERS_PER_DAY", 30)
LOGIN_LOCKOUT_MINUTES = env_int("FANGPIN_LOCKOUT_MINUTES", 15)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# A success does not wipe failures: axes would delete every row of the address too, so an
# attacker could clear their count against someone else by logging into their own account.
# Failures expire after the cool-off instead.
AXES_RESET_ON_SUCCESS = False
# Refused attempts during a lockout write nothing to axes' table (an anonymous flood stays
# cheap, and an attacker cannot extend a lockout forever); fangpin's audit log counts them.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # logins are in fangpin's audit log
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0 = the client connects
# directly and REMOTE_ADDR is its address). Lockouts and audit records use this address.
FANGPIN_PROXY_COUNT = env_int("FANGPIN_PROXY_COUNT", 0)

# HTTPS (phones need it for GPS and the camera): FANGPIN_HTTPS=true when a TLS-terminating proxy
# sets X-Forwarded-Proto. See docs/deployment.md.
FANGPIN_HTTPS = env_bool("FANGPIN_HTTPS", False)
if FANGPIN_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("FANGPIN_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FANGPIN_HSTS_SUBDOMAINS", False)
    SECURE_SSL_REDIRECT = env_bool("FANGPIN_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's and monitoring's plain-HTTP probe
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("FANGPIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"FANGPIN_CSRF_TRUSTED_ORIGINS: {_origin!r} should start with https:// (or http://)"
        )
# The address farmers and cadres reach the site at from outside (the QR code of 农户自主申报 and the
# printed notices), e.g. https://fp.example.gov.cn; empty: the address the page was opened at.
FANGPIN_PUBLIC_URL = os.environ.get("FANGPIN_PUBLIC_URL", "").strip().rstrip("/")
if FANGPIN_PUBLIC_URL and not FANGPIN_PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"FANGPIN_PUBLIC_URL: {FANGPIN_PUBLIC_URL!r} should start with https:// (or http://)"
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, no inline script
# or on* handler anywhere. Inline style attributes stay allowed (progress bars, widths).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# Background jobs run in `fangpin worker`; tests run them inline.
JOBS_EAGER = env_bool("FANGPIN_JOBS_EAGER", TESTING)

UPLOAD_MAX_BYTES = env_int("FANGPIN_UPLOAD_MAX_MB", 200) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Bounds checked before an upload is read (core/uploads.py): inflated size and compression ratio
# of a workbook, rows and columns of a sheet, pixels of a picture.
FANGPIN_UPLOAD_MAX_INFLATED_MB = env_int("FANGPIN_UPLOAD_MAX_INFLATED_MB", 1024)
FANGPIN_UPLOAD_MAX_RATIO = env_int("FANGPIN_UPLOAD_MAX_RATIO", 200)
FANGPIN_IMPORT_MAX_ROWS = env_int("FANGPIN_IMPORT_MAX_ROWS", 1_048_576)  # .xlsx: Excel's limit
FANGPIN_IMPORT_MAX_CSV_ROWS = env_int("FANGPIN_IMPORT_MAX_CSV_ROWS", 2_000_000)
FANGPIN_IMPORT_MAX_COLUMNS = env_int("FANGPIN_IMPORT_MAX_COLUMNS", 256)
FANGPIN_IMAGE_MAX_PIXELS = env_int("FANGPIN_IMAGE_MAX_PIXELS", 40_000_000)
# Uploaded files that were rejected (or failed) are deleted after this many days.
FANGPIN_REJECTED_RETENTION_DAYS = env_int("FANGPIN_REJECTED_RETENTION_DAYS", 30)
# Background jobs: heartbeat interval, and the age after which a running job counts as dead.
FANGPIN_JOB_HEARTBEAT_SECONDS = env_int("FANGPIN_JOB_HEARTBEAT_SECONDS", 10)
FANGPIN_JOB_STALE_SECONDS = env_int("FANGPIN_JOB_STALE_SECONDS", 300)

# Exports of more rows than this are written by a background job, with progress, and downloaded
# from its page; the files are kept this many hours.
FANGPIN_EXPORT_INLINE_ROWS = env_int("FANGPIN_EXPORT_INLINE_ROWS", 50_000)
FANGPIN_EXPORT_RETENTION_HOURS = env_int("FANGPIN_EXPORT_RETENTION_HOURS", 24)

# 农户自主申报: submissions allowed per phone and per client address per day.
FANGPIN_DECLARE_PER_DAY = env_int("FANGPIN_DECLARE_PER_DAY", 3)
# Evidence files and photos: the largest accepted upload.
FANGPIN_ATTACHMENT_MAX_MB = env_int("FANGPIN_ATTACHMENT_MAX_MB", 10)
# 整改措施: days before the 整改时限 when a measure still 整改中 is marked orange (red after it).
FANGPIN_RECTIFICATION_WARN_DAYS = env_int("FANGPIN_RECTIFICATION_WARN_DAYS", 7)

# The province whose policy values apply by default (policy is data per province/year).
FANGPIN_PROVINCE = os.environ.get("FANGPIN_PROVINCE", "42")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Every failed login is in the audit log; axes would also log each one as a warning.
    "loggers": {"axes": {"level": "ERROR"}},
}
