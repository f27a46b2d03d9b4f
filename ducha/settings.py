"""Ducha settings: one module, driven by environment variables (see .env.example)."""

import secrets
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ducha.lib.env import (
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_points,
    env_str,
    private_dir,
)
from ducha.lib.storage import storages_setting
from ducha.ratings.marks import DEFAULT_POINTS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DUCHA_VAR_DIR", str(BASE_DIR / "var")))
# Owner only (0700): it holds the database, the evidence and the secret key. The project's
# own var/ comes from the checkout as 0755 and is tightened; a chosen folder is created so.
private_dir(VAR_DIR, tighten=VAR_DIR == BASE_DIR / "var")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    # Clone-and-run: keep a generated key beside the SQLite file so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Rotating the key (docs/operations.*.md): the new one in SECRET_KEY, the old ones here,
# comma-separated, until the sessions and signed values they made have expired.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ducha.org",
    "ducha.ledger",
    "ducha.ratings",
    "ducha.boards",
    "ducha.assessment",
    "ducha.reports",
    "ducha.desk",
    "ducha.accounts",
    "ducha.audit",
    "ducha.demo",
    "ducha.backups",
    "ducha.notify",
    "ducha.supervision",
    "ducha.stats",
    "ducha.forecast",
    "ducha.bulletins",
    "ducha.attributions",
    "ducha.committee",
    "ducha.assignments",
    "ducha.pilots",
    "ducha.opendoor",
    "ducha.warmap",
    "ducha.api",
    "ducha.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ducha.lib.language.ChineseFirstMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sign-in and messages (the 413 page needs both), before anything reads a body.
    "ducha.lib.requestsize.RequestSizeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ducha.accounts.middleware.SessionTimeoutMiddleware",
    "ducha.accounts.middleware.SecondFactorMiddleware",
]

ROOT_URLCONF = "ducha.urls"
WSGI_APPLICATION = "ducha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ducha" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ducha.lib.context.site",
                "ducha.ratings.display.context",
                "ducha.notify.context.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", "sqlite:///var/ducha.sqlite3"), BASE_DIR)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "ducha" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "ducha" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve app static files straight from their apps: no collectstatic step for the demo.
WHITENOISE_USE_FINDERS = True
# Files every app server must see alike: media/ (the uploaded files, MEDIA_ROOT) and
# import-staging/ (a ledger import between its check and its confirmation, which may reach
# another app server). Several app servers mount one folder (NFS) at the same path and name
# it here; one server keeps it in DUCHA_VAR_DIR.
DUCHA_SHARED_DIR = private_dir(Path(env_str("DUCHA_SHARED_DIR") or VAR_DIR))
MEDIA_ROOT = private_dir(DUCHA_SHARED_DIR / "media", tighten=True)
# Or the uploaded files in an S3-compatible store (ducha/lib/storage.py; boto3 from
# requirements-s3.txt): a private bucket, downloads still streamed through Ducha.
STORAGES = storages_setting(
    bucket=env_str("DUCHA_S3_BUCKET"),
    endpoint_url=env_str("DUCHA_S3_ENDPOINT_URL"),
    access_key=env_str("DUCHA_S3_ACCESS_KEY"),
    secret_key=env_str("DUCHA_S3_SECRET_KEY"),
    region=env_str("DUCHA_S3_REGION"),
)

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Signing in, sessions and HTTP security (ducha/accounts, django-csp).
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/me/"
# Signed out after this long without a request, and after this long in all.
DUCHA_SESSION_IDLE_MINUTES = env_int("DUCHA_SESSION_IDLE_MINUTES", 30)
DUCHA_SESSION_MAX_HOURS = env_int("DUCHA_SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = DUCHA_SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: only the site's own scripts,
# styles and images, so templates carry no inline <script>, no style="" and no on*=
# handlers (htmx comes from django-htmx as a file). A response that sets its own policy,
# such as an evidence download, keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
    }
}
# Sign-in throttle (ducha/accounts/lockout.py). After this many failed sign-ins (password
# or second factor) for one username, each next attempt waits DUCHA_LOCKOUT_DELAY_SECONDS,
# doubled with every further failure, up to DUCHA_LOCKOUT_MAX_DELAY_MINUTES: slowed, never
# locked, so a stranger cannot keep the owner out.
DUCHA_LOCKOUT_USER_FAILURES = env_int("DUCHA_LOCKOUT_USER_FAILURES", 5)
DUCHA_LOCKOUT_DELAY_SECONDS = env_int("DUCHA_LOCKOUT_DELAY_SECONDS", 30)
DUCHA_LOCKOUT_MAX_DELAY_MINUTES = env_int("DUCHA_LOCKOUT_MAX_DELAY_MINUTES", 15)
# This many failures from one client address within DUCHA_LOCKOUT_MINUTES stop sign-ins
# from it for DUCHA_LOCKOUT_MINUTES.
DUCHA_LOCKOUT_ADDRESS_FAILURES = env_int("DUCHA_LOCKOUT_ADDRESS_FAILURES", 20)
DUCHA_LOCKOUT_MINUTES = env_int("DUCHA_LOCKOUT_MINUTES", 15)
# Two-factor sign-in (TOTP, django-otp) for the office, the auditor and the admin. Only the
# demo may switch it off, and production refuses to start without it (below).
DUCHA_MFA_REQUIRED = env_bool("DUCHA_MFA_REQUIRED", True)
# Binding an authenticator takes a one-time code from the system administrator
# (`ducha enrolment-code USER`), good for this many hours.
DUCHA_MFA_ENROL_HOURS = env_int("DUCHA_MFA_ENROL_HOURS", 72)
# Our throttle above counts wrong codes with wrong passwords; django-otp's own per-device
# delay would be a second, different rule for the same thing.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# How many reverse proxies stand in front: the client address is the X-Forwarded-For entry
# that many places from the right (ducha/lib/addresses.py). 0: REMOTE_ADDR.
DUCHA_TRUSTED_PROXIES = env_int("DUCHA_TRUSTED_PROXIES", 0)
if env_bool("DUCHA_TRUST_X_FORWARDED_FOR", False):
    # It trusted the leftmost entry, which the client writes: say so rather than ignore it.
    raise ImproperlyConfigured(
        "DUCHA_TRUST_X_FORWARDED_FOR is no longer read: set DUCHA_TRUSTED_PROXIES to the "
        "number of reverse proxies in front of Ducha (1 for one nginx) and remove it"
    )
# Behind a proxy terminating TLS: X-Forwarded-Proto: https marks a request that came over it.
if env_bool("DUCHA_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Production: HTTPS only (HSTS), Secure cookies, and a secret key set on purpose.
DUCHA_PRODUCTION = env_bool("DUCHA_PRODUCTION", False)
if DUCHA_PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DUCHA_PRODUCTION=1: DEBUG must be off in production")
    if not env_str("SECRET_KEY"):
        raise ImproperlyConfigured(
            "DUCHA_PRODUCTION=1: set SECRET_KEY in the environment (50+ random characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))")'
        )
    if not DUCHA_MFA_REQUIRED:
        raise ImproperlyConfigured(
            "DUCHA_PRODUCTION=1: DUCHA_MFA_REQUIRED must be on in production (the office, "
            "the auditor and the admin sign in with a second factor)"
        )
    SECURE_SSL_REDIRECT = True
    # Load balancers and Prometheus probe the app servers over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only a marker: nothing is preloaded until the domain owner submits it to the list.
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Monitoring (ducha/ops): /metrics answers only a client address in these networks (after
# DUCHA_TRUSTED_PROXIES, so nginx's own loopback address opens nothing) or a request with
# `Authorization: Bearer DUCHA_METRICS_TOKEN`; anyone else gets a 404. /healthz is open.
DUCHA_METRICS_ALLOW = env_list("DUCHA_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
DUCHA_METRICS_TOKEN = env_str("DUCHA_METRICS_TOKEN", "")

# Ducha's own settings.
DUCHA_CITY = env_str("DUCHA_CITY", "德州市")
# The slug of this server's own jurisdiction (made by the first migration that knows them).
DUCHA_HOME_JURISDICTION = env_str("DUCHA_HOME_JURISDICTION", "city")
# The name authenticator apps show beside a person's codes.
OTP_TOTP_ISSUER = f"{DUCHA_CITY}改革督查"
# Who issues the boards and notices: the foot of every poster and circular.
DUCHA_OFFICE_NAME = env_str("DUCHA_OFFICE_NAME") or f"{DUCHA_CITY}委全面深化改革委员会办公室"
# 督办通知: the document number's prefix (德改督〔2022〕3号) and the days a unit is given to
# answer a notice by default (the office sets each notice's own deadline before issuing it).
DUCHA_NOTICE_PREFIX = env_str("DUCHA_NOTICE_PREFIX", "德改督")
DUCHA_NOTICE_RESPONSE_DAYS = env_int("DUCHA_NOTICE_RESPONSE_DAYS", 10)
# 通报: the document number's prefix (德改办〔2022〕1号), filled in when the office issues it.
DUCHA_BULLETIN_PREFIX = env_str("DUCHA_BULLETIN_PREFIX", "德改办")
# Pin "today" (YYYY-MM-DD) for a demo or a rehearsal; empty means the real date.
DUCHA_TODAY = env_str("DUCHA_TODAY", "")
# Units report month M by this day of M+1; later reports are marked late.
DUCHA_REPORT_DEADLINE_DAY = env_int("DUCHA_REPORT_DEADLINE_DAY", 5)
# Evidence files (佐证材料): size cap per file and count cap per report.
DUCHA_EVIDENCE_MAX_MB = env_int("DUCHA_EVIDENCE_MAX_MB", 10)
DUCHA_EVIDENCE_MAX_FILES = env_int("DUCHA_EVIDENCE_MAX_FILES", 10)
DUCHA_IMPORT_MAX_MB = env_int("DUCHA_IMPORT_MAX_MB", 20)
# Request bodies (ducha/lib/requestsize.py): a signed-in person's report page may carry
# DUCHA_EVIDENCE_MAX_FILES × DUCHA_EVIDENCE_MAX_MB, the office's ledger page
# DUCHA_IMPORT_MAX_MB, each with 1 MB to spare; every other request (anonymous ones
# included) DUCHA_REQUEST_MAX_KB. A larger body is refused (413) before it is read.
DUCHA_REQUEST_MAX_KB = env_int("DUCHA_REQUEST_MAX_KB", 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = DUCHA_REQUEST_MAX_KB * 1024  # a form's fields, files aside
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a larger upload is spooled to a temporary file
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# Beyond this Django refuses the request (400) and the form is lost; up to it the report
# page names each file it could not take and keeps what was typed. The bytes are bounded
# by the size limit above, so the count can be generous: a phone's "select all" in a folder.
DATA_UPLOAD_MAX_NUMBER_FILES = 100
DUCHA_IMPORT_MAX_ERRORS = env_int("DUCHA_IMPORT_MAX_ERRORS", 100)
# Points per rating for unit scores (SPEC §2 defaults).
DUCHA_POINTS = env_points("DUCHA_POINTS", DEFAULT_POINTS)
# A unit is ranked on the scores pages only with at least this many rated task-months (each
# jurisdiction's office may set its own); fewer: shown with its score, not ranked.
DUCHA_SCORES_MIN_RATED = env_int("DUCHA_SCORES_MIN_RATED", 6)
# 交办事项 (ducha/assignments): an item is "near" its deadline this many days before it (and
# overdue after it); the office and the unit see the grade on /me/, the desk and the list.
DUCHA_ASSIGNMENT_NEAR_DAYS = env_int("DUCHA_ASSIGNMENT_NEAR_DAYS", 3)
# Their number's prefix (德改交〔2022〕3号), given per jurisdiction and year when assigned.
DUCHA_ASSIGNMENT_PREFIX = env_str("DUCHA_ASSIGNMENT_PREFIX", "德改交")
# 改革试点 (ducha/pilots): the lead unit and the office are reminded this many days before a
# pilot's evaluation deadline (and once it has passed).
DUCHA_PILOT_REMIND_DAYS = env_int("DUCHA_PILOT_REMIND_DAYS", 30)
# 开门搞改革 (ducha/opendoor): at most LIMIT suggestions from one client address within
# WINDOW minutes; a form sent sooner than MIN_SECONDS after it was served is refused (a
# CAPTCHA-free cost to robots); a text field longer than MAX_CHARS is refused; attachments
# are off unless ATTACHMENTS; the office answers within REPLY_DAYS; a suggester's name,
# contact and address are erased RETENTION_DAYS after the suggestion is settled.
DUCHA_OPEN_DOOR_LIMIT = env_int("DUCHA_OPEN_DOOR_LIMIT", 20)
DUCHA_OPEN_DOOR_WINDOW_MINUTES = env_int("DUCHA_OPEN_DOOR_WINDOW_MINUTES", 60)
DUCHA_OPEN_DOOR_MIN_SECONDS = env_int("DUCHA_OPEN_DOOR_MIN_SECONDS", 5)
DUCHA_OPEN_DOOR_MAX_CHARS = env_int("DUCHA_OPEN_DOOR_MAX_CHARS", 5000)
DUCHA_OPEN_DOOR_ATTACHMENTS = env_bool("DUCHA_OPEN_DOOR_ATTACHMENTS", False)
DUCHA_OPEN_DOOR_REPLY_DAYS = env_int("DUCHA_OPEN_DOOR_REPLY_DAYS", 15)
DUCHA_OPEN_DOOR_RETENTION_DAYS = env_int("DUCHA_OPEN_DOOR_RETENTION_DAYS", 365)
# A suggestion refused by the CSRF check is shown again with what was typed and a new token
# (the visitor sends it once more); any other refusal gets templates/403_csrf.html.
CSRF_FAILURE_VIEW = "ducha.opendoor.views.csrf_failure"
# Month M is published automatically on this day of M+1, unless the office holds it.
DUCHA_PUBLISH_DAY = env_int("DUCHA_PUBLISH_DAY", 10)
# How many past months `ducha tick` still publishes if a scheduled run was missed.
DUCHA_PUBLISH_LOOKBACK = env_int("DUCHA_PUBLISH_LOOKBACK", 3)
# Stale reports (ducha/reports/stale.py): a narrative or problems text this alike to last
# month's (0–1), a node's percent the same this many months running while it is due within
# DUE_MONTHS months (or overdue), are flagged to the office.
DUCHA_STALE_SIMILARITY = float(env_str("DUCHA_STALE_SIMILARITY", "") or 0.9)
DUCHA_STALE_MONTHS = env_int("DUCHA_STALE_MONTHS", 3)
DUCHA_STALE_DUE_MONTHS = env_int("DUCHA_STALE_DUE_MONTHS", 2)
# Slippage forecast (ducha/forecast): a node due next month whose 进度 stood below this
# percentage at the end of this month is flagged as likely to slip.
DUCHA_FORECAST_LOW_PERCENT = env_int("DUCHA_FORECAST_LOW_PERCENT", 40)

# Background work (notifications): Django's task framework through the django-tasks
# backport, queued in the database (SQLite or PostgreSQL, no other server) and run by
# `ducha worker`. Queued work survives a restart of either.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Outgoing e-mail (reminders, notices): the intranet's SMTP relay. No host, no e-mail: the
# in-app inbox and the group robots still work.
DUCHA_SMTP_HOST = env_str("DUCHA_SMTP_HOST", "")
DUCHA_SMTP_PORT = env_int("DUCHA_SMTP_PORT", 25)
DUCHA_SMTP_USER = env_str("DUCHA_SMTP_USER", "")
DUCHA_SMTP_PASSWORD = env_str("DUCHA_SMTP_PASSWORD", "")
DUCHA_SMTP_TLS = env_bool("DUCHA_SMTP_TLS", False)
DUCHA_MAIL_FROM = env_str("DUCHA_MAIL_FROM", "ducha@localhost")
EMAIL_HOST = DUCHA_SMTP_HOST or "localhost"
EMAIL_PORT = DUCHA_SMTP_PORT
EMAIL_HOST_USER = DUCHA_SMTP_USER
EMAIL_HOST_PASSWORD = DUCHA_SMTP_PASSWORD
EMAIL_USE_TLS = DUCHA_SMTP_TLS
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = DUCHA_MAIL_FROM

# Notifications (ducha/notify/queue.py): each attempt to reach a mail server or a robot waits
# at most this many seconds; this many attempts run at once; a failed one is tried again
# after 30 s, 2 min, 8 min, … up to this many attempts in all.
DUCHA_NOTIFY_TIMEOUT = env_int("DUCHA_NOTIFY_TIMEOUT", 10)
DUCHA_NOTIFY_THREADS = env_int("DUCHA_NOTIFY_THREADS", 8)
DUCHA_NOTIFY_ATTEMPTS = env_int("DUCHA_NOTIFY_ATTEMPTS", 5)
DUCHA_NOTIFY_BACKOFF_SECONDS = env_int("DUCHA_NOTIFY_BACKOFF_SECONDS", 30)
# The only hosts a group robot's webhook may point at: the vendors' own, and the private
# deployments (政务微信, 浙政钉…) the system administrator adds here. An office cannot aim
# the worker at another machine of the intranet.
DUCHA_ROBOT_HOSTS = env_list(
    "DUCHA_ROBOT_HOSTS",
    ["qyapi.weixin.qq.com", "oapi.dingtalk.com", "open.feishu.cn", "open.larksuite.com"],
)
# The only hosts an office may register a webhook on (ducha/api/webhooks.py: the systems told
# of each publication, e.g. the assessment system). Empty: none until the system
# administrator names them, for the same reason as the robots' hosts above.
DUCHA_WEBHOOK_HOSTS = env_list("DUCHA_WEBHOOK_HOSTS", [])
# The site's address as people reach it (https://ducha.example.gov.cn): e-mails and robot
# posts link to the page a message is about. Empty: they carry no link.
DUCHA_SITE_URL = env_str("DUCHA_SITE_URL", "")
# A demo or a rehearsal without a mail server: e-mails are written as files into this folder
# instead (Django's file backend), one file each. Ignored when DUCHA_SMTP_HOST is set.
DUCHA_MAIL_DIR = env_str("DUCHA_MAIL_DIR", "")
if DUCHA_MAIL_DIR and not DUCHA_SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DUCHA_MAIL_DIR
