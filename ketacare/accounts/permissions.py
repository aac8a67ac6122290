"""Who may do what: the one place that decides.

Roles map to permissions here. Which patients (and their records) a user sees is
``ketacare.patients.access``, which answers "not visible" before "not allowed". Views and API
endpoints never decide on their own.
"""

from __future__ import annotations

from enum import StrEnum

from ketacare.lib.errors import NotPermitted

from .models import Membership, Role


class Perm(StrEnum):
    PATIENT_LIST = "patient.list"
    PATIENT_READ = "patient.read"
    PATIENT_CREATE = "patient.create"
    PATIENT_EDIT = "patient.edit"
    CLINICAL_READ = "clinical.read"
    CLINICAL_EDIT = "clinical.edit"
    AUDIT_READ = "audit.read"
    INTAKE_RECORD = "intake.record"
    SCREENING_READ = "screening.read"
    PLAN_READ = "plan.read"
    PLAN_WRITE = "plan.write"
    PLAN_SIGN = "plan.sign"
    ALERT_READ = "alert.read"
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    # Alerts about the clinic itself (the audit chain broken), and the background jobs' runs.
    ALERT_CLINIC = "alert.clinic"
    JOBS_READ = "jobs.read"
    # Running the clinic: its staff (invitations, roles, deactivation), its clinical settings
    # and its sites.
    STAFF_MANAGE = "staff.manage"
    SETTINGS_MANAGE = "settings.manage"
    SITE_MANAGE = "site.manage"
    # Scheduling: the day and the appointments (a patient reads their own), booking and its
    # changes (check-in, cancel, no-show), the clinic's services, chairs, rooms and hours,
    # and the consultation-request queue.
    SCHEDULE_READ = "schedule.read"
    SCHEDULE_BOOK = "schedule.book"
    SCHEDULE_MANAGE = "schedule.manage"
    CONSULTATION_REQUESTS = "consultation_requests.manage"
    # Treatment sessions at the chair: reading the chart (the care team), a session's
    # summary (a patient reads their own), charting (pre-dose, doses, vitals, observations,
    # events, discharge, the note), the prescriber's decisions (a hold, a dose outside the
    # plan, a stop cleared, a discharge criterion overridden), and the Spravato REMS forms'
    # queue and submission record.
    SESSION_READ = "session.read"
    SESSION_SUMMARY = "session.summary"
    SESSION_CHART = "session.chart"
    SESSION_PRESCRIBE = "session.prescribe"
    REMS_MANAGE = "rems.manage"
    # The controlled-substance ledger (ketamine is Schedule III): reading it, and recording
    # receipts, waste, transfers and counts.
    CONTROLLED_READ = "controlled.read"
    CONTROLLED_RECORD = "controlled.record"


_STAFF_COMMON = {
    Perm.PATIENT_LIST,
    Perm.PATIENT_READ,
    Perm.PATIENT_CREATE,
    Perm.PATIENT_EDIT,
    Perm.SCHEDULE_READ,
    Perm.SCHEDULE_BOOK,
    Perm.CONSULTATION_REQUESTS,
}
_CLINICAL = {Perm.CLINICAL_READ, Perm.CLINICAL_EDIT}
# What the whole care team sees of candidacy and treatment.
_CARE_TEAM = {
    Perm.SCREENING_READ,
    Perm.PLAN_READ,
    Perm.ALERT_READ,
    Perm.SESSION_READ,
    Perm.SESSION_SUMMARY,
}
# Who works at the chair and handles the drug.
_CHAIR = {
    Perm.SESSION_CHART,
    Perm.REMS_MANAGE,
    Perm.CONTROLLED_READ,
    Perm.CONTROLLED_RECORD,
}
_CLINIC_ADMIN = {
    Perm.STAFF_MANAGE,
    Perm.SETTINGS_MANAGE,
    Perm.SITE_MANAGE,
    Perm.SCHEDULE_MANAGE,
}


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(
        _STAFF_COMMON
        | _CLINICAL
        | _CARE_TEAM
        | _CLINIC_ADMIN
        | {Perm.AUDIT_READ, Perm.ALERT_CLINIC, Perm.JOBS_READ}
        | {Perm.REMS_MANAGE, Perm.CONTROLLED_READ, Perm.CONTROLLED_RECORD}
    ),
    # Only a prescriber chooses a protocol and signs the plan (the software advises).
    Role.PRESCRIBER: frozenset(
        _STAFF_COMMON
        | _CLINICAL
        | _CARE_TEAM
        | _CHAIR
        | {Perm.INTAKE_RECORD, Perm.PLAN_WRITE, Perm.PLAN_SIGN, Perm.ALERT_ACKNOWLEDGE}
        | {Perm.SESSION_PRESCRIBE}
    ),
    Role.NURSE: frozenset(
        _STAFF_COMMON
        | _CLINICAL
        | _CARE_TEAM
        | _CHAIR
        | {Perm.INTAKE_RECORD, Perm.ALERT_ACKNOWLEDGE}
    ),
    # Front desk registers patients, contacts, insurance and consents, not clinical history.
    Role.FRONT_DESK: frozenset(_STAFF_COMMON),
    # A patient reads their own record through the access helper, never a list.
    # Their own appointments too (``patients.access`` shows a patient only their record).
    Role.PATIENT: frozenset(
        {Perm.PATIENT_READ, Perm.CLINICAL_READ, Perm.SCHEDULE_READ, Perm.SESSION_SUMMARY}
    ),
}


def has_perm(membership: Membership | None, perm: Perm) -> bool:
    if membership is None or not membership.is_active:
        return False
    return perm in ROLE_PERMISSIONS.get(membership.role, frozenset())


def require_perm(membership: Membership | None, perm: Perm) -> None:
    """Raise 403 unless the membership holds ``perm``."""
    if not has_perm(membership, perm):
        raise NotPermitted(f"your role does not allow {perm.value}")
