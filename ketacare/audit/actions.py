"""The registered audit actions. ``audit.record`` refuses any other name, so a typo cannot
create an action nobody searches for (the wagtail log-action registry)."""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    # Authentication and accounts
    "auth.login": "logged in",
    "auth.login_failed": "failed to log in",
    "auth.login_throttled": "was refused a login (too many failures)",
    "auth.logout": "logged out",
    "auth.session_expired": "was logged out by the session time-out",
    "auth.mfa_enrolled": "enrolled a TOTP second factor",
    "auth.mfa_verified": "passed the second factor",
    "auth.mfa_failed": "failed the second factor",
    "auth.token_created": "was issued an API token",
    "auth.clinic_switched": "switched clinic",
    # Patient records
    "patient.search": "searched patients",
    "patient.read": "opened the chart",
    "patient.create": "registered the patient",
    "patient.update": "edited the patient's details",
    "record.create": "added to the chart",
    "record.update": "edited the chart",
    # Candidacy and treatment
    "questionnaire.record": "recorded a questionnaire",
    "intake.record": "recorded an intake and its screening",
    "screening.read": "read the screening",
    "alert.raise": "raised an alert",
    "alert.acknowledge": "acknowledged an alert",
    "alert.read": "read the alerts",
    "plan.create": "drafted a treatment plan",
    "plan.update": "changed a draft treatment plan",
    "plan.sign": "signed a treatment plan",
    "plan.read": "read a treatment plan",
    # Oversight
    "audit.read": "read the audit log",
    "access.denied": "was refused access",
    "write.refused": "was refused a change (nothing was written)",
}
