from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# NIST SP 800-63B 5.2.2: at most 100 consecutive failed attempts on one account.
NIST_MAX_CONSECUTIVE_FAILURES = 100


class AccountsConfig(AppConfig):
    name = "ketacare.accounts"
    label = "accounts"

    def ready(self) -> None:
        check_mfa_settings()
        from . import panels  # noqa: F401 - registers the owner's header links


def check_mfa_settings() -> None:
    """Refuse to start with a second-factor throttle looser than NIST allows."""
    limit = settings.KETACARE_MFA_MAX_FAILURES
    if limit > NIST_MAX_CONSECUTIVE_FAILURES:
        raise ImproperlyConfigured(
            f"KETACARE_MFA_MAX_FAILURES must be at most {NIST_MAX_CONSECUTIVE_FAILURES} "
            f"(NIST SP 800-63B 5.2.2), got {limit}"
        )
    if settings.KETACARE_MFA_LOCK_MAX_SECONDS < settings.KETACARE_MFA_LOCK_SECONDS:
        raise ImproperlyConfigured(
            "KETACARE_MFA_LOCK_MAX_SECONDS must be at least KETACARE_MFA_LOCK_SECONDS, got "
            f"{settings.KETACARE_MFA_LOCK_MAX_SECONDS} < {settings.KETACARE_MFA_LOCK_SECONDS}"
        )
