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
    "auth.mfa_locked": "had the second factor locked (too many wrong codes or passwords)",
    "auth.mfa_throttled": "was refused the second factor (locked: no code was checked)",
    "auth.mfa_recovery_used": "used a recovery code as the second factor",
    "auth.recovery_codes_created": "created a new set of recovery codes",
    "auth.reauth_failed": "failed to re-enter the password and code",
    "auth.mfa_reset": "turned the second factor off (password and code re-entered)",
    "auth.mfa_unlocked": "had the second factor unlocked by an operator",
    "auth.owner_created": "was made an owner of the clinic from the command line",
    "clinic.create": "created a clinic",
    "auth.token_created": "was issued an API token",
    "auth.clinic_switched": "switched clinic",
    # Patient records
    "patient.search": "searched patients",
    "patient.read": "opened the chart",
    "patient.create": "registered the patient",
    "patient.update": "edited the patient's details",
    "patient.deactivate": "made the patient's record inactive",
    "patient.reactivate": "made the patient's record active again",
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
    "read.refused": "was refused a read (not found or not allowed)",
}
