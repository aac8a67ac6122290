"""A clinic's clinical settings, versioned: every change is a new ``ClinicSettingsVersion``
(number, overrides, reason, who, when) that is never edited, validated by the clinical core
(``ClinicSettings.from_overrides`` names the bad field and its allowed range) and audited.
Screenings and plans record the version they ran under (``clinic_rules``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ketacare.audit import services as audit
from ketacare.clinical.settings import (
    ClinicSettings,
    SettingInfo,
    SettingsError,
    describe_settings,
)
from ketacare.lib.errors import FieldErrors, StaleVersion

from .actor import Actor
from .clinic_rules import current_settings_version, version_settings
from .models import Clinic, ClinicSettingsVersion
from .permissions import Perm, require_perm

UNKNOWN_SETTING = "unknown setting; see docs/clinical.md for the list"


@dataclass(frozen=True)
class SettingsView:
    """The clinic's current version with every setting's value and metadata."""

    version: ClinicSettingsVersion
    settings: list[SettingInfo]

    @property
    def overridden(self) -> frozenset[str]:
        return frozenset(self.version.overrides)


def settings_read(actor: Actor) -> SettingsView:
    """The current settings of the actor's clinic (owners)."""
    require_perm(actor.membership, Perm.SETTINGS_MANAGE)
    assert actor.membership is not None
    version = current_settings_version(actor.membership.clinic_id)
    return SettingsView(version, describe_settings(version_settings(version)))


def settings_history(actor: Actor) -> list[ClinicSettingsVersion]:
    """Every version of the actor's clinic's settings, newest first."""
    require_perm(actor.membership, Perm.SETTINGS_MANAGE)
    assert actor.membership is not None
    return list(
        ClinicSettingsVersion.objects.filter(clinic_id=actor.membership.clinic_id).order_by(
            "-number"
        )
    )


def _as_stored(settings: ClinicSettings, names: Any) -> dict[str, Any]:
    dumped = settings.model_dump(mode="json")
    return {name: dumped[name] for name in sorted(names)}


@audit.records_refusals("settings.change")
def settings_change(
    actor: Actor,
    *,
    expected_version: int,
    changes: Mapping[str, object],
    reason: str,
) -> ClinicSettingsVersion:
    """Version ``expected_version`` + 1 of the clinic's settings: ``changes`` maps a setting
    to its new value, or to ``None`` to go back to the clinical core's default.

    Refused, with nothing written: without a reason or a change (``FieldErrors``), for an
    unknown setting or a value the core refuses (``FieldErrors`` naming the setting and its
    allowed range), and when the current version is not ``expected_version``
    (``StaleVersion``: someone else changed the settings first).
    """
    require_perm(actor.membership, Perm.SETTINGS_MANAGE)
    assert actor.membership is not None
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "say why the settings change (the reason is kept with the version)"
    if not changes:
        errors["changes"] = "name at least one setting to change"
    for name in sorted(changes):
        if name not in ClinicSettings.model_fields:
            errors[name] = UNKNOWN_SETTING
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        # One change of a clinic's settings at a time: the version number is read under it.
        Clinic.objects.select_for_update().filter(pk=actor.membership.clinic_id).first()
        current = current_settings_version(actor.membership.clinic_id)
        if current.number != expected_version:
            raise StaleVersion(expected=expected_version, current=current.number)
        before = version_settings(current)
        overrides = dict(current.overrides)
        for name, value in changes.items():
            if value is None:
                overrides.pop(name, None)
            else:
                overrides[name] = value
        try:
            after = ClinicSettings.from_overrides(overrides)
        except SettingsError as exc:
            raise FieldErrors({exc.field: exc.message}) from None
        stored = _as_stored(after, overrides)
        if stored == _as_stored(before, current.overrides):
            raise FieldErrors({"changes": "these values are already in force: nothing changes"})
        old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
        changed = {
            name: [old[name], new[name]]
            for name in sorted(set(stored) | set(current.overrides))
            if old[name] != new[name] or (name in stored) != (name in current.overrides)
        }
        version = ClinicSettingsVersion.objects.create(
            clinic_id=actor.membership.clinic_id,
            number=current.number + 1,
            overrides=stored,
            reason=reason,
            created_by=actor.user,
            created_by_label=actor.label,
        )
        audit.record(
            actor,
            "settings.change",
            target=version,
            changes=changed,
            reason=reason,
            data={
                "version": [current.number, version.number],
                "defaults": sorted(name for name in current.overrides if name not in stored),
            },
        )
    return version
