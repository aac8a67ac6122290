"""The clinical thresholds a clinic runs with: the clinical core's defaults (each with its
source) overridden by the clinic's current settings version (``ClinicSettingsVersion``: one row
per change, never edited; ``settings_versions.settings_change`` writes the next one)."""

from __future__ import annotations

from ketacare.clinical.settings import ClinicSettings

from .models import Clinic, ClinicSettingsVersion


def current_settings_version(clinic: Clinic | int) -> ClinicSettingsVersion:
    """The clinic's newest settings version (every clinic has version 1 from its creation)."""
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    version = ClinicSettingsVersion.objects.filter(clinic_id=clinic_id).order_by("-number").first()
    if version is None:
        raise ClinicSettingsVersion.DoesNotExist(
            f"clinic {clinic_id} has no settings version: clinics are made by "
            "accounts.services.clinic_create, which writes version 1"
        )
    return version


def version_settings(version: ClinicSettingsVersion) -> ClinicSettings:
    """The settings a version stands for (its overrides on the defaults)."""
    return ClinicSettings.from_overrides(version.overrides or {})


def clinic_settings(clinic: Clinic) -> ClinicSettings:
    """The settings of the clinic's current version."""
    return version_settings(current_settings_version(clinic))
