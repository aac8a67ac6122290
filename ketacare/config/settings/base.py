"""Settings for local use and the demo clinic; every value can be set from the environment.

``production`` hardens these; ``test`` speeds them up. Nothing lives only in production, so
what runs in tests is what runs in a clinic.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from ketacare.lib.env import env_bool, env_int, env_list, env_secret, env_str

PACKAGE_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(env_str("KETACARE_VAR_DIR", str(PROJECT_DIR / "var")))

# A fixed development key keeps sessions across restarts of the demo; production refuses it.
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "insecure-ketacare-development-key-not-for-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
KETACARE_ENVIRONMENT = env_str("KETACARE_ENVIRONMENT", "development")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    # htmx for partial updates: request.htmx; htmx itself from the package's static files.
    "django_htmx",
    "ketacare.web",
    "ketacare.accounts",
    "ketacare.audit",
    "ketacare.idempotency",
    "ketacare.patients",
    "ketacare.outcomes",
    "ketacare.alerts",
    "ketacare.screening",
    "ketacare.treatment",
    "ketacare.scheduling",
    "ketacare.controlled",
    "ketacare.sessions",
    "ketacare.oversight",
    # Background work (ketacare/jobs): Django's tasks API and its database backend.
    "django_tasks",
    "django_tasks_db",
    "ketacare.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ketacare.web.middleware.RequestIdMiddleware",
    "ketacare.api.middleware.ApiProblemMiddleware",
    "ketacare.web.middleware.SecurityHeadersMiddleware",
    "ketacare.web.middleware.RefusalPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ketacare.accounts.middleware.SessionTimeoutMiddleware",
    "ketacare.accounts.middleware.ClinicMiddleware",
    "ketacare.accounts.middleware.MfaMiddleware",
    "ketacare.oversight.middleware.RefusedReadMiddleware",
    "ketacare.idempotency.middleware.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ketacare.config.urls"
WSGI_APPLICATION = "ketacare.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketacare.accounts.context_processors.membership",
                "ketacare.web.context_processors.header",
            ],
        },
    },
]


#: SQLite, the embedded default (and a ``sqlite://`` DATABASE_URL): WAL lets readers run beside
#: the writer; FULL keeps acknowledged writes on power loss; IMMEDIATE takes the write lock at
#: BEGIN so the audit hash chain and version checks never interleave.
SQLITE_OPTIONS: dict[str, object] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 5,
}


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "ketacare.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    config["CONN_HEALTH_CHECKS"] = True
    options = config.setdefault("OPTIONS", {})
    assert isinstance(options, dict)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        for key, value in SQLITE_OPTIONS.items():
            options.setdefault(key, value)
    else:
        # Fail fast rather than hang a worker when the database is unreachable.
        options.setdefault("connect_timeout", 5)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ketacare.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 5.0 6.2.1: at least 8 characters (12 here); no composition rules (6.2.5).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # ASVS 5.0 6.2.4: refuse common passwords.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: NIST SP 800-63B AAL2 reauthentication, 30 minutes idle and 12 hours absolute
# (reference/reliability.md, HIPAA 164.312(a)(2)(iii)).
KETACARE_SESSION_IDLE_SECONDS = env_int("KETACARE_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
KETACARE_SESSION_ABSOLUTE_SECONDS = env_int(
    "KETACARE_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=60
)
SESSION_COOKIE_AGE = KETACARE_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Staff must enrol TOTP at first login in production; the demo turns it off.
KETACARE_REQUIRE_MFA = env_bool("KETACARE_REQUIRE_MFA", False)
KETACARE_MFA_ISSUER = env_str("KETACARE_MFA_ISSUER", "ketacare")

# Login throttling (NIST SP 800-63B 5.2.2: at most 100 consecutive failures per account;
# these limits are far below it and temporary, so an attacker cannot lock a user out for long).
KETACARE_LOGIN_FAILURES_PER_EMAIL = env_int("KETACARE_LOGIN_FAILURES_PER_EMAIL", 10, minimum=1)
KETACARE_LOGIN_FAILURES_PER_IP = env_int("KETACARE_LOGIN_FAILURES_PER_IP", 50, minimum=1)
KETACARE_LOGIN_WINDOW_SECONDS = env_int("KETACARE_LOGIN_WINDOW_SECONDS", 15 * 60, minimum=60)

# Second-factor throttling: wrong codes at /accounts/mfa/verify/ and wrong passwords or codes
# re-entered on the Security page (accounts/throttle.py). Only someone who knows the password
# gets that far, and a 6-digit TOTP guess (accepted +-30 s) succeeds 3 times in a million.
# Every 5 wrong in a row lock the account for 1 minute, doubling with each further lock up to
# 1 hour: a user who mistypes waits a minute, an attacker gets about 5 guesses an hour. After
# KETACARE_MFA_MAX_FAILURES in a row (NIST SP 800-63B 5.2.2: at most 100; with these defaults
# reached after about 14 hours) the lock holds until an operator runs `ketacare manage
# mfa_unlock EMAIL`. A client address locks the same way after 20 in a row (several staff often
# share a clinic's address), never for good. A right code clears both counts.
KETACARE_MFA_FAILURES_PER_USER = env_int("KETACARE_MFA_FAILURES_PER_USER", 5, minimum=1)
KETACARE_MFA_FAILURES_PER_IP = env_int("KETACARE_MFA_FAILURES_PER_IP", 20, minimum=1)
KETACARE_MFA_LOCK_SECONDS = env_int("KETACARE_MFA_LOCK_SECONDS", 60, minimum=1)
KETACARE_MFA_LOCK_MAX_SECONDS = env_int("KETACARE_MFA_LOCK_MAX_SECONDS", 60 * 60, minimum=1)
# Checked at start-up (accounts/apps.py): more than 100 is refused.
KETACARE_MFA_MAX_FAILURES = env_int("KETACARE_MFA_MAX_FAILURES", 100, minimum=1)

# The audit hash chain is keyed so that rows inserted out of band cannot be given a valid
# hash without the key. Changing the key needs a re-anchoring, so it is its own setting.
KETACARE_AUDIT_KEY = env_secret("KETACARE_AUDIT_KEY", SECRET_KEY)

# How long a write's stored answer is replayed for a retry with the same Idempotency-Key (or
# form token): 24 hours, as draft-ietf-httpapi-idempotency-key-header and Stripe suggest, so a
# tablet that lost its connection overnight still gets the first answer.
KETACARE_IDEMPOTENCY_TTL_SECONDS = env_int(
    "KETACARE_IDEMPOTENCY_TTL_SECONDS", 24 * 60 * 60, minimum=60
)

# Background work (ketacare/jobs, docs/operations.md). Tasks go through Django's tasks API
# (the django-tasks backport) to its database backend: the queue is a table of the clinic's own
# database, so a task enqueued on commit is stored with the data that asked for it, and
# `ketacare worker` runs it. A failed attempt is tried again after KETACARE_JOB_RETRY_SECONDS,
# twice as long before each further attempt, at most KETACARE_JOB_MAX_ATTEMPTS times in all.
# Nightly jobs run once a day, from KETACARE_NIGHTLY_AT_UTC (UTC, so no daylight-saving day
# skips or repeats them: 02:00 or 03:00 in Boston, 01:00 or 02:00 in Chicago).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
KETACARE_JOB_MAX_ATTEMPTS = env_int("KETACARE_JOB_MAX_ATTEMPTS", 3, minimum=1)
KETACARE_JOB_RETRY_SECONDS = env_int("KETACARE_JOB_RETRY_SECONDS", 60, minimum=1)
KETACARE_NIGHTLY_AT_UTC = env_str("KETACARE_NIGHTLY_AT_UTC", "07:00")

# Email: invitations and password-reset links (accounts/mail.py, docs/operations.md). The demo
# prints them on standard error; production sends them over SMTP.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "ketacare.accounts.mail.ConsoleBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "ketacare <no-reply@localhost>")
# Links in emails are built on this address, never on the request's Host header.
KETACARE_BASE_URL = env_str("KETACARE_BASE_URL", "http://127.0.0.1:8000")
# An invitation link works once, for this many days.
KETACARE_INVITATION_DAYS = env_int("KETACARE_INVITATION_DAYS", 7, minimum=1)
# A password-reset link works once, for this long (Django's PasswordResetTokenGenerator).
PASSWORD_RESET_TIMEOUT = env_int("KETACARE_PASSWORD_RESET_SECONDS", 60 * 60, minimum=300)
# Reset links asked for per email and per client address within the window (the same count
# for emails that have no account, so the throttle does not tell which ones do).
KETACARE_PASSWORD_RESETS_PER_EMAIL = env_int("KETACARE_PASSWORD_RESETS_PER_EMAIL", 3, minimum=1)
KETACARE_PASSWORD_RESETS_PER_IP = env_int("KETACARE_PASSWORD_RESETS_PER_IP", 20, minimum=1)
KETACARE_PASSWORD_RESET_WINDOW_SECONDS = env_int(
    "KETACARE_PASSWORD_RESET_WINDOW_SECONDS", 60 * 60, minimum=60
)

# Number of proxies in front of the app whose X-Forwarded-For may be trusted for the
# client IP written to the audit log (0: use REMOTE_ADDR).
KETACARE_TRUSTED_PROXY_COUNT = env_int("KETACARE_TRUSTED_PROXY_COUNT", 0, minimum=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Set where `collectstatic` writes (production); the demo serves from the app directories.
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT") or None
# Served by WhiteNoise straight from the app directories, so the demo needs no collectstatic.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "one_line_refusals": {"()": "ketacare.lib.log_filters.OneLineRefusals"},
        "hide_feed_tokens": {"()": "ketacare.lib.log_filters.HideFeedTokens"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Django's own handler of the development server's request lines, kept as it is.
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    # A 403 or 404 is logged as one line with its path, without a traceback. A calendar feed's
    # token is hidden wherever a path is logged: Django's request warnings, the development
    # server, and the access log of `ketacare serve` (gunicorn keeps a logger's filters).
    "loggers": {
        "django.request": {"filters": ["one_line_refusals", "hide_feed_tokens"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["hide_feed_tokens"],
        },
        "gunicorn.access": {"filters": ["hide_feed_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("KETACARE_LOG_LEVEL", "WARNING")},
}
