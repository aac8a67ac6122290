"""Patient record services: every change is checked, versioned and audited; bad input is
refused naming the field and the rule, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import FieldErrors, NotPermitted, NotVisible, StaleVersion
from ketacare.patients import services
from ketacare.patients.models import BodyMeasurement, Condition, MedicationTrial, Patient
from tests.conftest import Cast

NEW = {
    "given_name": "Ana",
    "family_name": "Silva",
    "date_of_birth": dt.date(1990, 5, 5),
    "sex_at_birth": "female",
}


def _writes() -> int:
    return AuditEvent.objects.filter(
        action__in=["patient.create", "patient.update", "record.create", "record.update"]
    ).count()


def test_create_assigns_the_next_mrn_and_audits_every_field(cast: Cast) -> None:
    saved = services.patient_create(cast.actor(cast.nurse), data=NEW)
    patient = Patient.objects.get(pk=saved.obj.pk)
    assert patient.mrn == "KC000001"
    assert patient.version == 1
    assert patient.name_search == "ana silva"
    event = AuditEvent.objects.filter(action="patient.create", patient_id=patient.pk).get()
    assert event.changes["given_name"] == [None, "Ana"]
    assert event.changes["date_of_birth"] == [None, "1990-05-05"]
    assert event.actor_label == "Nina Nurse <nina@example.com> (nurse)"
    second = services.patient_create(cast.actor(cast.nurse), data={**NEW, "given_name": "Bea"})
    assert second.obj.mrn == "KC000002"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", dt.date(2031, 1, 1), "cannot be in the future (today is 2026-11-22)"),
        ("date_of_birth", dt.date(1890, 1, 1), "gives an age of 136; at most 120 is allowed"),
        ("email", "not-an-email", "must be an email address such as name@example.com"),
        ("phone", "call me", "must be a phone number of 7–24 digits, spaces, +, -, ( or )"),
        (
            "mrn",
            "H 1001!",
            "must be 1–32 letters, digits or hyphens, starting with a letter or digit",
        ),
        ("sex_at_birth", "robot", "Value 'robot' is not a valid choice."),
    ],
)
def test_create_refuses_bad_values_and_writes_nothing(
    cast: Cast, field: str, value: object, message: str
) -> None:
    before = (Patient.objects.count(), _writes())
    with (
        time_machine.travel(dt.datetime(2026, 11, 22, 15, 0, tzinfo=dt.UTC)),
        pytest.raises(FieldErrors) as caught,
    ):
        services.patient_create(cast.actor(cast.nurse), data={**NEW, field: value})
    assert caught.value.errors == {field: message}
    assert (Patient.objects.count(), _writes()) == before


def test_create_refuses_an_mrn_already_in_the_clinic(cast: Cast) -> None:
    before = Patient.objects.count()
    with pytest.raises(FieldErrors) as caught:
        services.patient_create(cast.actor(cast.nurse), data={**NEW, "mrn": "H-1001"})
    assert caught.value.errors == {
        "mrn": "H-1001 already belongs to another patient of this clinic"
    }
    assert Patient.objects.count() == before


def test_the_same_mrn_is_fine_in_another_clinic(cast: Cast) -> None:
    saved = services.patient_create(cast.actor(cast.outsider), data={**NEW, "mrn": "H-1001"})
    assert saved.obj.clinic == cast.other_clinic


def test_create_refuses_unknown_fields(cast: Cast) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.patient_create(cast.actor(cast.nurse), data={**NEW, "clinic_id": 99})
    assert caught.value.errors == {"clinic_id": "is not a field of this record"}


def test_a_minor_is_accepted_and_flagged(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 22, 15, 0, tzinfo=dt.UTC)):
        saved = services.patient_create(
            cast.actor(cast.nurse), data={**NEW, "date_of_birth": dt.date(2010, 1, 1)}
        )
    assert saved.flags == ["The patient is 16: under 18, check consent"]


def test_future_means_future_in_the_clinics_time_zone(cast: Cast) -> None:
    # 02:00 UTC on 23 November is still 22 November in New York.
    with time_machine.travel(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)):
        with pytest.raises(FieldErrors) as caught:
            services.patient_create(
                cast.actor(cast.nurse), data={**NEW, "date_of_birth": dt.date(2026, 11, 23)}
            )
        assert caught.value.errors["date_of_birth"] == (
            "cannot be in the future (today is 2026-11-22)"
        )
        born_today = services.patient_create(
            cast.actor(cast.nurse), data={**NEW, "date_of_birth": dt.date(2026, 11, 22)}
        )
    assert born_today.obj.date_of_birth == dt.date(2026, 11, 22)


def test_update_bumps_the_version_and_audits_old_and_new(cast: Cast) -> None:
    saved = services.patient_update(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        data={"phone": "+1 617 555 0199"},
        expected_version=cast.dan.version,
        reason="patient called with a new number",
    )
    dan = Patient.objects.get(pk=cast.dan.pk)
    assert dan.version == cast.dan.version + 1 == saved.obj.version
    event = AuditEvent.objects.filter(action="patient.update").order_by("-id").first()
    assert event is not None
    assert event.changes == {"phone": ["+1 617 555 0101", "+1 617 555 0199"]}
    assert event.reason == "patient called with a new number"


def test_a_stale_version_is_refused_and_nothing_changes(cast: Cast) -> None:
    services.patient_update(
        cast.actor(cast.nurse),
        cast.dan.pk,
        data={"pronouns": "he/him"},
        expected_version=cast.dan.version,
    )
    writes = _writes()
    with pytest.raises(StaleVersion) as caught:
        services.patient_update(
            cast.actor(cast.front_desk),
            cast.dan.pk,
            data={"pronouns": "they/them"},
            expected_version=cast.dan.version,
        )
    assert str(caught.value) == (
        f"this record is at version {cast.dan.version + 1}, your edit was based on version "
        f"{cast.dan.version}; reload it and apply your change again"
    )
    assert Patient.objects.get(pk=cast.dan.pk).pronouns == "he/him"
    assert _writes() == writes


def test_an_update_that_changes_nothing_keeps_the_version(cast: Cast) -> None:
    writes = _writes()
    services.patient_update(
        cast.actor(cast.nurse),
        cast.dan.pk,
        data={"given_name": "Dan"},
        expected_version=cast.dan.version,
    )
    assert Patient.objects.get(pk=cast.dan.pk).version == cast.dan.version
    assert _writes() == writes


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ("0", "must be between 25 and 350 kg; got 0"),
        ("700", "must be between 25 and 350 kg; got 700"),
    ],
)
def test_impossible_weights_are_refused(cast: Cast, weight: str, message: str) -> None:
    before = BodyMeasurement.objects.count()
    with pytest.raises(FieldErrors) as caught:
        services.part_create(
            cast.actor(cast.nurse),
            cast.dan.pk,
            "measurements",
            data={
                "measured_on": dt.date(2026, 2, 1),
                "weight_kg": Decimal(weight),
            },
        )
    assert caught.value.errors == {"weight_kg": message}
    assert BodyMeasurement.objects.count() == before


def test_an_unusual_weight_is_accepted_and_flagged(cast: Cast) -> None:
    saved = services.part_create(
        cast.actor(cast.nurse),
        cast.dan.pk,
        "measurements",
        data={
            "measured_on": dt.date(2026, 2, 1),
            "weight_kg": Decimal("38.0"),
            "height_cm": Decimal("150"),
        },
    )
    assert saved.flags == [
        "Weight 38.0 kg is outside the usual 40–200 kg range: please double-check",
        "BMI 16.9 kg/m² is unusual (outside 18.5–40.0): check the weight, the height and the "
        "dose basis",
    ]
    assert saved.obj.bmi_kg_per_m2 == 16.9
    assert saved.obj.bmi_is_unusual is True


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "bmi", "flagged"),
    [("120.0", "170", 41.5, True), ("115.0", "170", 39.8, False), ("53.5", "170", 18.5, False)],
)
def test_a_usual_weight_with_an_unusual_bmi_is_flagged_on_save_and_on_the_chart(
    cast: Cast, as_role: Any, weight_kg: str, height_cm: str, bmi: float, flagged: bool
) -> None:
    saved = services.part_create(
        cast.actor(cast.nurse),
        cast.dan.pk,
        "measurements",
        data={
            "measured_on": dt.date(2026, 2, 1),
            "weight_kg": Decimal(weight_kg),
            "height_cm": Decimal(height_cm),
        },
    )
    message = (
        f"BMI {bmi} kg/m² is unusual (outside 18.5–40.0): check the weight, the height and the "
        "dose basis"
    )
    assert saved.flags == ([message] if flagged else [])
    assert saved.obj.bmi_kg_per_m2 == bmi
    chart = as_role("nurse").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert ('id="bmi-unusual"' in chart) is flagged


def test_a_condition_gets_its_display_and_snomed_code_from_the_code_list(cast: Cast) -> None:
    saved = services.part_create(
        cast.actor(cast.prescriber),
        cast.zoe.pk,
        "conditions",
        data={
            "icd10_code": "f43.10",
            "status": "active",
        },
    )
    condition = Condition.objects.get(pk=saved.obj.pk)
    assert condition.icd10_code == "F43.10"
    assert condition.snomed_code == "47505003"
    assert condition.display == "Post-traumatic stress disorder, unspecified"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("F99.99", "F99.99 is not in the clinic's ICD-10-CM code list (see docs/clinical.md)"),
        ("depression", "must be an ICD-10-CM code such as F33.2"),
    ],
)
def test_unknown_icd10_codes_are_refused(cast: Cast, code: str, message: str) -> None:
    before = Condition.objects.count()
    with pytest.raises(FieldErrors) as caught:
        services.part_create(
            cast.actor(cast.prescriber),
            cast.zoe.pk,
            "conditions",
            data={"icd10_code": code, "status": "active"},
        )
    assert caught.value.errors == {"icd10_code": message}
    assert Condition.objects.count() == before


def test_a_medication_trial_is_checked(cast: Cast) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.part_create(
            cast.actor(cast.prescriber),
            cast.dan.pk,
            "trials",
            data={
                "drug": "sertraline",
                "drug_class": "ssri",
                "start_date": dt.date(2025, 5, 1),
                "end_date": dt.date(2025, 3, 1),
                "improvement_percent": 150,
                "weeks_at_adequate_dose": Decimal("8"),
            },
        )
    assert caught.value.errors == {
        "improvement_percent": "must be between -100 and 100 %; got 150",
        "end_date": "must be on or after start date (2025-05-01)",
    }
    assert MedicationTrial.objects.count() == 0


def test_front_desk_cannot_write_clinical_sections(cast: Cast) -> None:
    with pytest.raises(NotPermitted):
        services.part_create(
            cast.actor(cast.front_desk),
            cast.dan.pk,
            "conditions",
            data={"icd10_code": "F33.2", "status": "active"},
        )
    assert Condition.objects.filter(patient=cast.dan).count() == 1


def test_staff_of_another_clinic_cannot_see_the_patient(cast: Cast) -> None:
    with pytest.raises(NotVisible):
        services.patient_update(
            cast.actor(cast.outsider),
            cast.dan.pk,
            data={"phone": "+1 555 000 0000"},
            expected_version=cast.dan.version,
        )
    assert Patient.objects.get(pk=cast.dan.pk).phone == "+1 617 555 0101"
