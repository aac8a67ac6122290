"""The scheduling app's background jobs, registered when the app is ready (``apps.py``)."""

from __future__ import annotations

from datetime import timedelta

from ketacare.jobs import schedule

from .reminders import JOB, send_reminders

schedule.register(
    JOB,
    send_reminders,
    description="Appointment reminders by email (each sent at most once)",
    every=timedelta(minutes=5),
)
