"""The form filled from a session charted through the chair's services."""

from __future__ import annotations

from dataclasses import replace

from ketacare.sessions import services
from ketacare.sessions.chart import load_chart
from ketacare.sessions.models import RemsForm, TreatmentSession
from ketacare.sessions.rems import (
    rems_content,
    rems_inputs,
    vitals_acceptable_before_administration,
)

from .world import World, discharge_now, give_device, ny, predose, vitals

COMPLETE = {
    "patient_first_name": "Dan",
    "patient_last_name": "Dawson",
    "patient_birth_date": "04/02/1980",
    "patient_sex": "Male",
    "first_treatment": "Yes",
    "patient_enrolled": "Yes",
    "concomitant_benzodiazepines": "Yes",
    "concomitant_sedative_hypnotics": "No",
    "concomitant_psychostimulants": "No",
    "concomitant_maois": "No",
    "concomitant_opioids": "No",
    "concomitant_other_cns_depressants": "No",
    "hcp_name": "Nina Nurse",
    "hcp_phone": "+1 617 555 0100",
    "hcp_email": "nina@example.com",
    "setting_name": "Harbor Ketamine Clinic",
    "setting_address": "1 Harbor Way, Boston, MA 02110, US",
    "treatment_date": "03/03/2026",
    "dose": "56 mg",
    "device_count": "2",
    "lot_numbers": "SP-7781, SP-7790",
    "first_device_time": "10:00",
    "monitoring_end_time": "12:10",
    "total_monitoring_min": "130 min",
    "ready_without_rule_min": "75 min",
    "vitals_acceptable_before_administration": "Yes",
    "vitals_acceptable_before_completion": "Yes",
    "bp_before_administration": "126/78 mmHg at 09:55",
    "bp_40_min": "138/86 mmHg at 10:40",
    "bp_before_completion": "130/82 mmHg at 12:05",
    "sedation": "Yes",
    "sedation_resolved_min": "60 min after the first device (11:00)",
    "dissociation": "Yes",
    "dissociation_resolved_min": "75 min after the first device (11:15)",
    "respiratory_depression": "No",
    "pulse_oximetry_checks": "4 checks",
    "pulse_oximetry_times": "09:55, 10:40, 11:30, 12:05",
    "serious_adverse_event": "No",
    "serious_adverse_event_description": "Not applicable",
}


def texts(world: World) -> dict[str, str]:
    form = rems_content(world.session)
    return {f.key: f.text for s in form.sections for f in s.fields}


def test_session_start_opens_the_form_due_7_local_days_later(opened: World) -> None:
    form = RemsForm.objects.get(session=opened.session)
    assert (form.due_on.isoformat(), form.clinic_id, form.submitted_at) == (
        "2026-03-10",
        opened.cast.clinic.pk,
        None,
    )


def test_a_discharged_session_fills_every_field(complete: World) -> None:
    assert rems_content(complete.session).missing == ()
    assert texts(complete) == COMPLETE


def test_before_discharge_the_end_of_monitoring_is_missing(charted: World) -> None:
    assert [k for k, _ in rems_content(charted.session).missing] == [
        "monitoring_end_time",
        "total_monitoring_min",
        "ready_without_rule_min",
        "vitals_acceptable_before_completion",
        "bp_before_completion",
    ]


def test_a_freshly_opened_session_misses_the_chart(opened: World) -> None:
    assert [k for k, _ in rems_content(opened.session).missing] == [
        "patient_enrolled",
        "concomitant_benzodiazepines",
        "concomitant_sedative_hypnotics",
        "concomitant_psychostimulants",
        "concomitant_maois",
        "concomitant_opioids",
        "concomitant_other_cns_depressants",
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


def test_discharge_without_the_evaluation_answer_leaves_it_missing(charted: World) -> None:
    discharge_now(charted, ready_without_rule_min=None)
    assert rems_content(charted.session).missing == (
        (
            "ready_without_rule_min",
            "REMS evaluation: minutes after the first device until the patient would have "
            "been ready to leave without the 2-hour requirement",
        ),
    )


def test_a_site_without_a_phone_leaves_the_providers_phone_missing(complete: World) -> None:
    complete.site.phone = ""
    complete.site.save()
    complete.session.refresh_from_db()
    assert rems_content(complete.session).missing == (("hcp_phone", "Phone"),)


def test_raised_bp_with_no_release_before_the_first_device_answers_no(opened: World) -> None:
    """The chair's services hold the dose until a prescriber releases it; a chart whose first
    device came before the release (a late entry) answers No."""
    vitals(opened, 9, 55, systolic_mmhg=150, diastolic_mmhg=95, heart_rate_bpm=72, spo2_percent=98)
    opened.at(9, 57)
    predose(opened)
    chart = load_chart(opened.session)
    codes = [f["code"] for f in chart.latest_predose.findings]  # type: ignore[union-attr]
    assert codes == ["predose_bp_review", "interaction_benzodiazepine"]
    assert vitals_acceptable_before_administration(chart) is None  # no dose yet
    dosed = replace(chart, session=replace_session(opened.session, first_dose_at=ny(10, 0)))
    assert vitals_acceptable_before_administration(dosed) is False


def replace_session(session: TreatmentSession, **changes: object) -> TreatmentSession:
    copy = TreatmentSession.objects.get(pk=session.pk)
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy


def test_a_prescribers_release_before_dosing_answers_yes(opened: World) -> None:
    vitals(opened, 9, 55, systolic_mmhg=150, diastolic_mmhg=95, heart_rate_bpm=72, spo2_percent=98)
    opened.at(9, 57)
    predose(opened)
    opened.at(9, 58)
    services.decision_record(
        opened.cast.actor(opened.cast.prescriber),
        opened.session.pk,
        kind="predose_release",
        reason="BP reviewed, known hypertension, proceed",
    )
    opened.at(10, 0)
    give_device(opened, ny(10, 0))
    assert rems_inputs(opened.session).vitals_acceptable_before_administration is True


def test_the_monitoring_provider_is_the_appointments_performer(complete: World) -> None:
    inputs = rems_inputs(complete.session)
    assert (inputs.hcp_name, inputs.hcp_email) == ("Nina Nurse", "nina@example.com")


def test_a_session_after_an_earlier_dosed_one_is_not_the_first_treatment(complete: World) -> None:
    from datetime import timedelta

    from ketacare.scheduling.models import Appointment

    week = timedelta(days=7)
    earlier = Appointment.objects.get(pk=complete.session.appointment_id)
    earlier.pk = None
    earlier.start_at -= week
    earlier.procedure_end_at -= week
    earlier.end_at -= week
    earlier.save()
    before = TreatmentSession.objects.get(pk=complete.session.pk)
    before.pk = None
    before.appointment = earlier
    before.started_at -= week
    before.first_dose_at = before.started_at
    before.save()
    inputs = rems_inputs(complete.session)
    assert (inputs.first_treatment, inputs.patient_enrolled) == (False, True)
    form = rems_content(complete.session)
    assert (form.field("first_treatment").text, form.field("patient_enrolled").text) == (
        "No",
        "Not applicable",
    )
    assert form.missing == ()


def test_without_a_performer_the_provider_is_who_discharged(complete: World) -> None:
    from ketacare.sessions.models import Discharge

    Discharge.objects.filter(session=complete.session).update(
        discharged_by=complete.cast.prescriber.user
    )
    session = TreatmentSession.objects.get(pk=complete.session.pk)
    session.appointment.performer = None  # type: ignore[assignment]
    inputs = rems_inputs(session)
    assert (inputs.hcp_name, inputs.hcp_email) == ("Dr Bob Prescriber", "bob@example.com")
