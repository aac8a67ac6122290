"""The REMS Patient Monitoring Form builder: every field from plain inputs, and what is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ketacare.sessions.rems_fields import (
    DeviceGiven,
    EventSeen,
    RemsInputs,
    Score,
    VitalsPoint,
    bp_at_40_min,
    bp_before_administration,
    bp_before_completion,
    build_rems_form,
    dissociation_resolved_at,
    sedation_resolved_at,
)

NY = "America/New_York"
#: 2026-03-10 10:00 EDT (UTC-4).
T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def complete() -> RemsInputs:
    return RemsInputs(
        tz_name=NY,
        patient_first_name="Dan",
        patient_last_name="Reyes",
        patient_birth_date=date(1984, 5, 2),
        patient_sex="Male",
        first_treatment=True,
        patient_enrolled=True,
        concomitant_drug_classes=("ssri", "benzodiazepine", "opioid"),
        hcp_name="Nora Nurse, RN",
        hcp_phone="+1 212 555 0100",
        hcp_email="nora@clinic.example",
        setting_name="Midtown",
        setting_address="1 Main St, New York, NY 10001",
        treatment_date=date(2026, 3, 10),
        devices=(
            DeviceGiven(at(0), Decimal("28.00"), "LOT-A"),
            DeviceGiven(at(5), Decimal("28.00"), "LOT-A"),
            DeviceGiven(at(10), Decimal("28.00"), "LOT-B"),
        ),
        monitoring_end_at=at(135.5),
        ready_without_rule_min=90,
        vitals_acceptable_before_administration=True,
        vitals_acceptable_before_completion=True,
        vitals=(
            VitalsPoint(at(-20), 128, 80, 98, 14),
            VitalsPoint(at(-5), 126, 78, 98, 14),
            VitalsPoint(at(33), 150, 92, 97, 14),
            VitalsPoint(at(44), 148, 90, 96, 15),
            VitalsPoint(at(90), None, None, 97, 14),
            VitalsPoint(at(125), 130, 82, 98, 14),
            VitalsPoint(at(140), 128, 80, 98, 14),
        ),
        moaas=(Score(at(-5), 5), Score(at(20), 4), Score(at(45), 3), Score(at(60), 5)),
        cadss=(Score(at(30), 6), Score(at(60), 2), Score(at(75), 0)),
        events=(),
    )


def test_complete_fixture_has_every_field_and_nothing_missing():
    form = build_rems_form(complete())
    assert form.missing == ()
    assert form.flags == ()
    values = {f.key: (f.value, f.text) for s in form.sections for f in s.fields}
    assert [s.key for s in form.sections] == [
        "patient",
        "concomitant",
        "monitoring_hcp",
        "setting",
        "session",
        "vitals",
        "events",
    ]
    assert values == {
        "patient_first_name": ("Dan", "Dan"),
        "patient_last_name": ("Reyes", "Reyes"),
        "patient_birth_date": ("1984-05-02", "05/02/1984"),
        "patient_sex": ("Male", "Male"),
        "first_treatment": (True, "Yes"),
        "patient_enrolled": (True, "Yes"),
        "concomitant_benzodiazepines": (True, "Yes"),
        "concomitant_sedative_hypnotics": (False, "No"),
        "concomitant_psychostimulants": (False, "No"),
        "concomitant_maois": (False, "No"),
        "concomitant_opioids": (True, "Yes"),
        "concomitant_other_cns_depressants": (False, "No"),
        "hcp_name": ("Nora Nurse, RN", "Nora Nurse, RN"),
        "hcp_phone": ("+1 212 555 0100", "+1 212 555 0100"),
        "hcp_email": ("nora@clinic.example", "nora@clinic.example"),
        "setting_name": ("Midtown", "Midtown"),
        "setting_address": ("1 Main St, New York, NY 10001", "1 Main St, New York, NY 10001"),
        "treatment_date": ("2026-03-10", "03/10/2026"),
        "dose": ("84", "84 mg"),
        "device_count": (3, "3"),
        "lot_numbers": (["LOT-A", "LOT-B"], "LOT-A, LOT-B"),
        "first_device_time": ("2026-03-10T10:00:00-04:00", "10:00"),
        "monitoring_end_time": ("2026-03-10T12:15:30-04:00", "12:15"),
        "total_monitoring_min": (135, "135 min"),
        "ready_without_rule_min": (90, "90 min"),
        "vitals_acceptable_before_administration": (True, "Yes"),
        "vitals_acceptable_before_completion": (True, "Yes"),
        "bp_before_administration": ("126/78", "126/78 mmHg at 09:55"),
        "bp_40_min": ("148/90", "148/90 mmHg at 10:44"),
        "bp_before_completion": ("130/82", "130/82 mmHg at 12:05"),
        "sedation": (True, "Yes"),
        "sedation_resolved_min": (60, "60 min after the first device (11:00)"),
        "dissociation": (True, "Yes"),
        "dissociation_resolved_min": (75, "75 min after the first device (11:15)"),
        "respiratory_depression": (False, "No"),
        "pulse_oximetry_checks": (7, "7 checks"),
        "pulse_oximetry_times": (
            ["09:40", "09:55", "10:33", "10:44", "11:30", "12:05", "12:20"],
            "09:40, 09:55, 10:33, 10:44, 11:30, 12:05, 12:20",
        ),
        "serious_adverse_event": (False, "No"),
        "serious_adverse_event_description": (None, "Not applicable"),
    }


def test_every_field_names_its_source():
    form = build_rems_form(complete())
    assert all(f.source.startswith("REMS PMF") for s in form.sections for f in s.fields)


def test_as_dict_carries_sections_fields_and_missing():
    data = build_rems_form(RemsInputs(tz_name=NY, patient_first_name="Dan")).as_dict()
    first = data["sections"][0]["fields"][0]  # type: ignore[index]
    assert first == {
        "key": "patient_first_name",
        "label": "First name",
        "value": "Dan",
        "text": "Dan",
        "required": True,
        "missing": False,
        "flag": "",
        "source": "REMS PMF, Patient section (reference/clinical.md 1.2)",
    }
    assert data["missing"][0] == {"key": "patient_last_name", "label": "Last name"}  # type: ignore[index]


def test_empty_inputs_list_exactly_the_fields_the_form_needs():
    form = build_rems_form(RemsInputs(tz_name=NY))
    assert [key for key, _ in form.missing] == [
        "patient_first_name",
        "patient_last_name",
        "patient_birth_date",
        "patient_sex",
        "first_treatment",
        "concomitant_benzodiazepines",
        "concomitant_sedative_hypnotics",
        "concomitant_psychostimulants",
        "concomitant_maois",
        "concomitant_opioids",
        "concomitant_other_cns_depressants",
        "hcp_name",
        "hcp_phone",
        "hcp_email",
        "setting_name",
        "setting_address",
        "treatment_date",
        "dose",
        "device_count",
        "lot_numbers",
        "first_device_time",
        "monitoring_end_time",
        "total_monitoring_min",
        "ready_without_rule_min",
        "vitals_acceptable_before_administration",
        "vitals_acceptable_before_completion",
        "bp_before_administration",
        "bp_40_min",
        "bp_before_completion",
        "sedation",
        "dissociation",
        "respiratory_depression",
        "pulse_oximetry_checks",
        "pulse_oximetry_times",
    ]
    assert dict(form.missing)["ready_without_rule_min"].startswith("REMS evaluation")


def test_incomplete_chart_lists_what_is_still_empty():
    inputs = replace(
        complete(),
        hcp_email="",
        patient_enrolled=None,
        monitoring_end_at=None,
        ready_without_rule_min=None,
        devices=(
            DeviceGiven(at(0), Decimal("28"), "LOT-A"),
            DeviceGiven(at(5), Decimal("28"), ""),
        ),
        moaas=(Score(at(20), 4),),
        cadss=(Score(at(30), 6),),
        vitals=(VitalsPoint(at(-5), 126, 78, 98, 14),),
        events=(EventSeen(at(50), "syncope", serious=True, description=""),),
    )
    form = build_rems_form(inputs)
    assert form.missing == (
        ("patient_enrolled", "If first treatment: is the patient enrolled in the SPRAVATO REMS?"),
        ("hcp_email", "Email"),
        ("lot_numbers", "Lot number(s)"),
        ("monitoring_end_time", "End of monitoring"),
        (
            "total_monitoring_min",
            "Total minutes from first device to end of monitoring (at least 120)",
        ),
        (
            "ready_without_rule_min",
            "REMS evaluation: minutes after the first device until the patient would have been "
            "ready to leave without the 2-hour requirement",
        ),
        ("bp_40_min", "Blood pressure about 40 minutes after administration"),
        ("bp_before_completion", "Blood pressure before session completion"),
        ("sedation_resolved_min", "If sedation: minutes after the first device until it resolved"),
        (
            "dissociation_resolved_min",
            "If dissociation: minutes after the first device until it resolved",
        ),
        ("respiratory_depression", "Respiratory depression"),
        ("serious_adverse_event_description", "If a serious adverse event: describe it"),
    )
    assert form.field("dose").text == "56 mg"
    assert form.field("serious_adverse_event").value is True


def test_enrolment_is_not_asked_after_the_first_treatment():
    form = build_rems_form(replace(complete(), first_treatment=False, patient_enrolled=None))
    enrolled = form.field("patient_enrolled")
    assert (enrolled.value, enrolled.text, enrolled.required) == (None, "Not applicable", False)
    assert form.missing == ()


def test_monitoring_under_two_hours_is_flagged():
    form = build_rems_form(replace(complete(), monitoring_end_at=at(119.9)))
    total = form.field("total_monitoring_min")
    assert total.value == 119
    assert form.flags == (
        (
            "total_monitoring_min",
            "Monitored 119 min: the REMS requires at least 120 min from the first device.",
        ),
    )


def test_exactly_120_minutes_is_not_flagged():
    assert build_rems_form(replace(complete(), monitoring_end_at=at(120))).flags == ()


@pytest.mark.parametrize(
    ("doses", "value", "text"),
    [
        (("28", "28"), "56", "56 mg"),
        (("28", "28", "28"), "84", "84 mg"),
        (("28",), "other", "Other: 28 mg"),
        (("28", "28", "28", "28"), "other", "Other: 112 mg"),
        (("28.5",), "other", "Other: 28.5 mg"),
    ],
)
def test_dose_box(doses, value, text):
    devices = tuple(DeviceGiven(at(5 * n), Decimal(mg), "LOT-A") for n, mg in enumerate(doses))
    dose = build_rems_form(replace(complete(), devices=devices)).field("dose")
    assert (dose.value, dose.text) == (value, text)


def test_concomitant_classes_outside_the_form_answer_no():
    form = build_rems_form(replace(complete(), concomitant_drug_classes=("ssri", "lithium")))
    section = form.sections[1]
    assert [f.value for f in section.fields] == [False] * 6


def test_each_concomitant_category_maps_its_class():
    for class_id, key in [
        ("benzodiazepine", "concomitant_benzodiazepines"),
        ("sedative_hypnotic", "concomitant_sedative_hypnotics"),
        ("psychostimulant", "concomitant_psychostimulants"),
        ("maoi", "concomitant_maois"),
        ("opioid", "concomitant_opioids"),
        ("cns_depressant", "concomitant_other_cns_depressants"),
    ]:
        form = build_rems_form(replace(complete(), concomitant_drug_classes=(class_id,)))
        yes = [f.key for f in form.sections[1].fields if f.value]
        assert yes == [key]


def test_unknown_drug_class_is_refused():
    with pytest.raises(ValueError, match="'xanax'"):
        build_rems_form(replace(complete(), concomitant_drug_classes=("xanax",)))


def test_bp_at_40_min_takes_the_reading_nearest_the_mark_within_10_min():
    vitals = (VitalsPoint(at(29), 140, 90), VitalsPoint(at(52), 150, 95))
    assert bp_at_40_min(vitals, T0) is None
    vitals = (VitalsPoint(at(30), 140, 90), VitalsPoint(at(50), 150, 95))
    assert bp_at_40_min(vitals, T0) == VitalsPoint(at(30), 140, 90)  # tie: the earlier
    vitals = (VitalsPoint(at(36), 140, 90), VitalsPoint(at(41), 150, 95), VitalsPoint(at(40)))
    assert bp_at_40_min(vitals, T0) == VitalsPoint(at(41), 150, 95)  # no BP at 40
    assert bp_at_40_min(vitals, None) is None


def test_bp_before_administration_and_completion():
    vitals = (
        VitalsPoint(at(-10), 120, 80),
        VitalsPoint(at(0), 122, 81),
        VitalsPoint(at(100), 130, 85),
        VitalsPoint(at(130), 128, 84),
    )
    assert bp_before_administration(vitals, T0) == VitalsPoint(at(0), 122, 81)
    assert bp_before_completion(vitals, T0, at(125)) == VitalsPoint(at(100), 130, 85)
    assert bp_before_completion(vitals, T0, None) is None
    assert bp_before_completion(vitals[:2], T0, at(125)) is None


def test_sedation_resolves_at_the_first_moaas_5_after_the_last_below_5():
    scores = (
        Score(at(10), 4),
        Score(at(30), 5),
        Score(at(40), 3),
        Score(at(55), 5),
        Score(at(70), 5),
    )
    assert sedation_resolved_at(scores, T0) == at(55)
    assert sedation_resolved_at(scores[:3], T0) is None
    assert sedation_resolved_at((Score(at(10), 5),), T0) is None


def test_no_sedation_when_every_rating_after_dosing_is_5():
    form = build_rems_form(replace(complete(), moaas=(Score(at(-5), 3), Score(at(20), 5))))
    assert form.field("sedation").value is False
    resolved = form.field("sedation_resolved_min")
    assert (resolved.value, resolved.text, resolved.missing) == (None, "Not applicable", False)


def test_dissociation_side_effect_counts_and_resolves_at_its_resolution():
    events = (EventSeen(at(20), "dissociation", resolved_at=at(95)),)
    form = build_rems_form(replace(complete(), cadss=(), events=events))
    assert form.field("dissociation").value is True
    assert form.field("dissociation_resolved_min").value == 95
    assert dissociation_resolved_at((Score(at(30), 4), Score(at(80), 0)), events, T0) == at(95)
    unresolved = (EventSeen(at(20), "dissociation"),)
    assert dissociation_resolved_at((), unresolved, T0) is None


def test_dissociation_no_when_cadss_stays_0():
    form = build_rems_form(replace(complete(), cadss=(Score(at(30), 0),)))
    assert form.field("dissociation").value is False
    assert form.missing == ()


def test_respiratory_depression_from_low_spo2_or_low_rate():
    low_spo2 = replace(
        complete(), vitals=(*complete().vitals, VitalsPoint(at(50), spo2_percent=91))
    )
    field = build_rems_form(low_spo2).field("respiratory_depression")
    assert (field.value, field.text) == (True, "Yes: 10:50 SpO2 91%")
    low_rr = replace(
        complete(), vitals=(*complete().vitals, VitalsPoint(at(50), respiratory_rate_per_min=11))
    )
    assert build_rems_form(low_rr).field("respiratory_depression").text == "Yes: 10:50 RR 11/min"
    # At the threshold is not below it; a pre-dose low reading does not count.
    edge = replace(
        complete(),
        vitals=(
            *complete().vitals,
            VitalsPoint(at(50), spo2_percent=92, respiratory_rate_per_min=12),
            VitalsPoint(at(-30), spo2_percent=85),
        ),
    )
    assert build_rems_form(edge).field("respiratory_depression").value is False
    stricter = replace(edge, spo2_threshold_percent=93)
    assert build_rems_form(stricter).field("respiratory_depression").value is True


def test_serious_adverse_events_are_described_in_order():
    events = (
        EventSeen(at(30), "hypertension", serious=True, description="BP 190/110, treated"),
        EventSeen(at(40), "nausea", serious=False, description="mild nausea"),
        EventSeen(at(50), "syncope", serious=True, description=" Fainted briefly "),
    )
    form = build_rems_form(replace(complete(), events=events))
    assert form.field("serious_adverse_event").value is True
    assert form.field("serious_adverse_event_description").value == (
        "10:30 BP 190/110, treated; 10:50 Fainted briefly"
    )
    assert form.missing == ()


def test_sedation_side_effect_counts_and_must_resolve():
    events = (EventSeen(at(30), "sedation", resolved_at=at(80)),)
    form = build_rems_form(replace(complete(), moaas=(Score(at(20), 5),), events=events))
    assert form.field("sedation").value is True
    assert form.field("sedation_resolved_min").value == 80
    ongoing = (EventSeen(at(30), "sedation"),)
    form = build_rems_form(replace(complete(), events=ongoing))
    assert [k for k, _ in form.missing] == ["sedation_resolved_min"]


def test_respiratory_depression_charted_as_an_event():
    events = (EventSeen(at(50), "respiratory_depression", resolved_at=at(60)),)
    field = build_rems_form(replace(complete(), events=events)).field("respiratory_depression")
    assert (field.value, field.text) == (True, "Yes: 10:50 charted as respiratory depression")
