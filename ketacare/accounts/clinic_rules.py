"""The clinical thresholds a clinic runs with: the clinical core's defaults (each with its
source) overridden by what the clinic stored in ``Clinic.clinical_settings``."""

from __future__ import annotations

from ketacare.clinical.settings import ClinicSettings

from .models import Clinic


def clinic_settings(clinic: Clinic) -> ClinicSettings:
    return ClinicSettings.from_overrides(clinic.clinical_settings or {})
