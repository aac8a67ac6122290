"""The clinic's bookable services, its chairs and rooms, opening and working hours, and the
appointments booked on them (stored in UTC, shown in the site's zone).

An active appointment holds its resource for its whole block (``start_at`` to ``end_at``:
procedure, recovery or observation, buffer), its performer for the procedure
(``start_at`` to ``procedure_end_at``) and its patient for the block. On PostgreSQL exclusion
constraints (migration 0002) refuse any overlap of active appointments on a resource, a
performer or a patient, whatever the code above them does; on SQLite every write transaction
takes the database's write lock at BEGIN (``transaction_mode = IMMEDIATE``), so the check
and the insert of two bookings never interleave.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.accounts.models import Clinic, Membership, Site
from ketacare.patients.models import Patient


class ResourceKind(models.TextChoices):
    CHAIR = "chair", "Chair"
    ROOM = "room", "Room"


class Service(models.Model):
    """A bookable service of the clinic, seeded from the core's service types
    (``clinical/data/services.toml``); its minutes and roles are the clinic's."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="services")
    service_type = models.CharField(max_length=40, help_text="The core's service type id")
    name = models.CharField(max_length=120)
    duration_min = models.PositiveIntegerField(help_text="The procedure, in minutes")
    recovery_min = models.PositiveIntegerField(
        default=0, help_text="Recovery or observation after the procedure, in minutes"
    )
    buffer_min = models.PositiveIntegerField(
        default=0, help_text="Turnover of the chair or room after recovery, in minutes"
    )
    resource_kind = models.CharField(max_length=10, choices=ResourceKind.choices)
    performer_roles = models.JSONField(help_text='Roles that perform it, e.g. ["nurse"]')
    prescriber_on_site = models.BooleanField(
        default=False, help_text="A prescriber must be on site for the whole block"
    )
    needs_ride_home = models.BooleanField(
        default=False, help_text="An escort or driver must be on the chart before check-in"
    )
    needs_rems_enrolment = models.BooleanField(
        default=False, help_text="SPRAVATO REMS patient enrolment on file before booking"
    )
    protocol_ids = models.JSONField(default=list, help_text="The protocols it delivers")
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="service_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def block_min(self) -> int:
        return self.duration_min + self.recovery_min + self.buffer_min


class Resource(models.Model):
    """A chair or a room of a site."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=10, choices=ResourceKind.choices)
    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="resource_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class WeeklyHours(models.Model):
    """One span of a weekly pattern: the site's opening hours (no ``membership``) or a staff
    member's working hours at the site. Local wall-clock times of the site's zone."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="weekly_hours")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(help_text="Monday 0 to Sunday 6")
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        indexes = [models.Index(fields=["site", "membership"])]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens:%H:%M}-{self.closes:%H:%M}"


class HoursException(models.Model):
    """A dated change to a weekly pattern: a holiday (the site closed), leave (a staff member
    away), extra hours. ``replace`` with no times closes the day."""

    class Kind(models.TextChoices):
        REPLACE = "replace", "These hours only (none: closed)"
        ADD = "add", "Extra hours"
        REMOVE = "remove", "Away for part of the day"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="hours_exceptions")
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hours_exceptions",
    )
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    opens = models.TimeField(null=True, blank=True)
    closes = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["site", "day"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.day}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    #: Statuses that hold the chair, the performer and the patient.
    ACTIVE = (Status.BOOKED, Status.CHECKED_IN, Status.COMPLETED)

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="appointments")
    performer = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="appointments_performed"
    )
    prescriber_on_site = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments_supervised",
    )
    start_at = models.DateTimeField()
    procedure_end_at = models.DateTimeField()
    end_at = models.DateTimeField(help_text="End of the block (recovery and buffer included)")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    plan = models.ForeignKey(
        "treatment.TreatmentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    course_phase = models.CharField(max_length=60, blank=True)
    course_number = models.PositiveIntegerField(null=True, blank=True)
    walk_in = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Why a prescriber booked past a limit of the protocol"
    )
    cancel_reason = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["site", "start_at"]),
            models.Index(fields=["resource", "start_at"]),
            models.Index(fields=["performer", "start_at"]),
            models.Index(fields=["patient", "start_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(procedure_end_at__gt=models.F("start_at"))
                & models.Q(end_at__gte=models.F("procedure_end_at")),
                name="appointment_times_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk} ({self.status}) at {self.start_at.isoformat()}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class ReminderRule(models.Model):
    """When a clinic's email reminders go out: ``hours_before`` an appointment; each can be
    turned off."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="reminder_rules")
    hours_before = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "hours_before"], name="reminder_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.hours_before} h before"


class ReminderSent(models.Model):
    """One reminder of one appointment, claimed before it is sent: the unique constraint is
    what keeps a restarted or second worker from sending it again."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    hours_before = models.PositiveIntegerField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "hours_before"], name="reminder_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"reminder {self.hours_before} h before appointment {self.appointment_id}"


class CalendarFeed(models.Model):
    """A staff member's private iCalendar feed; only a SHA-256 of its secret token is kept."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of membership {self.membership_id}"


class ConsultationRequest(models.Model):
    """Someone asking for a free consultation (the public site): the front desk's queue."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        BOOKED = "booked", "Booked"
        CLOSED = "closed", "Closed"

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="consultation_requests"
    )
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_times = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    note = models.TextField(blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["clinic", "status", "created_at"])]

    def __str__(self) -> str:
        return f"consultation request {self.pk} ({self.status})"
