"""Production settings: HTTPS only, hardened cookies, MFA required, secrets from the environment.

Must pass ``manage.py check --deploy --fail-level WARNING`` (tested).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from ketacare.lib.env import env_bool, env_int, env_secret, env_str

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, VAR_DIR

KETACARE_ENVIRONMENT = "production"
DEBUG = False
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of 50+ characters")
KETACARE_AUDIT_KEY = env_secret("KETACARE_AUDIT_KEY", SECRET_KEY)
if ALLOWED_HOSTS == ["127.0.0.1", "localhost", "testserver"]:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the clinic's host names")

KETACARE_REQUIRE_MFA = env_bool("KETACARE_REQUIRE_MFA", True)

# Invitations and reset links go out over SMTP (DJANGO_EMAIL_HOST, _PORT, _HOST_USER,
# _HOST_PASSWORD or _HOST_PASSWORD_FILE, _USE_TLS), on the clinic's own address.
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
KETACARE_BASE_URL = env_str("KETACARE_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", f"ketacare <no-reply@{ALLOWED_HOSTS[0]}>")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# ASVS 5.0 3.4.1: HSTS for at least a year, subdomains included.
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000, minimum=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# ASVS 5.0 3.3.1/3.3.3: Secure, HttpOnly, __Host- prefixed cookies.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static"))
