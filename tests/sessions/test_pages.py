"""The chair's pages: who may open the chair page and use each of its forms (anonymous, a
patient, front desk without SESSION_READ, the nurse), what the page says at each step of a
session, and that every refused form writes nothing (400 beside the field, 409 at the top)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from decimal import Decimal
from html import unescape
from typing import Any

import pytest

from ketacare.controlled import services as ledger
from ketacare.controlled.models import Lot
from ketacare.scheduling import booking
from ketacare.sessions.models import (
    Addendum,
    Discharge,
    Dose,
    Observation,
    PredoseCheck,
    SessionNote,
    TreatmentSession,
    VitalSign,
)
from tests.conftest import logged_in
from tests.scheduling.conftest import MONDAY, add_escort, ny, signed_plan

from .world import CALM, SPRAVATO_PREDOSE, START, Chair, infusion, open_chair, stock


def text(response: Any, element_id: str | None = None) -> str:
    """What a person reads on the page (or in one element of it), spaces collapsed."""
    html = response.content.decode()
    if element_id is not None:
        match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
        assert match is not None, f"no #{element_id}"
        html = match.group(2)
    html = re.sub(r"<(script|svg)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def client(chair: Chair, role: str) -> Any:
    from django.test import Client

    users = {
        "patient": chair.cast.dan_login.user,
        "front_desk": chair.cast.front_desk.user,
        "nurse": chair.cast.nurse.user,
        "prescriber": chair.cast.prescriber.user,
        "owner": chair.cast.owner.user,
    }
    return Client() if role == "anonymous" else logged_in(users[role])


def counts() -> tuple[int, ...]:
    return (
        TreatmentSession.objects.count(),
        PredoseCheck.objects.count(),
        Dose.objects.count(),
        VitalSign.objects.count(),
        Observation.objects.count(),
        Discharge.objects.count(),
    )


@pytest.fixture
def chair(day, clock) -> Chair:  # type: ignore[no-untyped-def]
    return open_chair(day, clock)


# --- who may open the chair page and post its forms -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("patient", 403), ("front_desk", 403), ("nurse", 200), ("owner", 200)],
)
def test_the_chair_page_is_for_those_who_read_sessions(
    chair: Chair, role: str, status: int
) -> None:
    response = client(chair, role).get(f"/sessions/{chair.session.pk}/")
    assert response.status_code == status
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("patient", 403), ("front_desk", 403), ("owner", 403), ("nurse", 302)],
)
def test_only_those_who_chart_save_vital_signs(chair: Chair, role: str, status: int) -> None:
    before = counts()
    response = client(chair, role).post(
        f"/sessions/{chair.session.pk}/vitals/",
        {"vitals-systolic_mmhg": "124", "vitals-diastolic_mmhg": "80"},
    )
    assert response.status_code == status
    if role == "nurse":
        assert response["Location"] == f"/sessions/{chair.session.pk}/#vitals"
        assert counts() != before
        vital = VitalSign.objects.get()
        assert (vital.systolic_mmhg, vital.diastolic_mmhg, vital.heart_rate_bpm) == (124, 80, None)
    else:
        assert counts() == before


@pytest.mark.django_db
def test_another_clinics_prescriber_does_not_find_the_session(chair: Chair) -> None:
    outsider = logged_in(chair.cast.outsider.user)
    before = counts()
    assert outsider.get(f"/sessions/{chair.session.pk}/").status_code == 404
    assert (
        outsider.post(
            f"/sessions/{chair.session.pk}/vitals/", {"vitals-heart_rate_bpm": "70"}
        ).status_code
        == 404
    )
    assert counts() == before


# --- the page before dosing ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_header_and_the_checklist_prefilled_from_the_chart(chair: Chair) -> None:
    response = client(chair, "nurse").get(f"/sessions/{chair.session.pk}/")
    assert response.status_code == 200
    assert text(response, "chair-facts") == (
        "Chair Chair 1 Protocol Depression: IV ketamine induction Phase Pre-dose "
        "Since the first dose Not dosed yet Observation ends After dosing"
    )
    html = response.content.decode()
    assert 'name="predose-escort_name" value="Dana Dawson"' in html
    assert 'name="predose-escort_phone" value="+1 617 555 0199"' in html
    # Dan is male at birth: pregnancy does not apply.
    assert re.search(r'<option value="not_applicable" selected>Not applicable</option>', html)
    # An IV ketamine session has no REMS items; the nurse makes no prescriber's decision.
    assert "predose-rems_patient_enrolled" not in html
    assert 'id="decision"' not in html
    assert text(response, "predose-decision") == "Checklist not charted yet"
    assert 'inputmode="numeric"' in html and 'name="vitals-systolic_mmhg"' in html


@pytest.mark.django_db
def test_the_prescriber_has_the_decision_form_and_the_nurse_may_not_post_it(chair: Chair) -> None:
    page = client(chair, "prescriber").get(f"/sessions/{chair.session.pk}/")
    assert 'id="decision-form"' in page.content.decode()
    before = counts()
    refused = client(chair, "nurse").post(
        f"/sessions/{chair.session.pk}/decision/",
        {"decision-kind": "predose_release", "decision-reason": "reviewed"},
    )
    assert refused.status_code == 403
    assert counts() == before


@pytest.mark.django_db
def test_the_checklist_saved_shows_the_decision_and_opens_dosing(chair: Chair) -> None:
    chair.vitals(-3)
    nurse = client(chair, "nurse")
    response = nurse.post(
        f"/sessions/{chair.session.pk}/predose/",
        {
            "predose-identity_confirmed": "on",
            "predose-consent_confirmed": "on",
            "predose-hours_since_solids": "6",
            "predose-hours_since_clear_fluids": "3",
            "predose-escort_present": "on",
            "predose-escort_name": "Dana Dawson",
            "predose-escort_phone": "+1 617 555 0199",
            "predose-pregnancy": "not_applicable",
            "predose-screen_source": "now",
            "predose-phq9_item9": "0",
        },
    )
    assert response.status_code == 302
    check = PredoseCheck.objects.get()
    assert (check.decision, check.same_day_screen) == (
        "proceed",
        {"source": "now", "phq9_item9": 0},
    )
    page = nurse.get(f"/sessions/{chair.session.pk}/")
    assert text(page, "predose-decision") == "Proceed"
    assert 'id="dosing-blocked"' not in page.content.decode()


@pytest.mark.django_db
def test_a_refused_checklist_shows_every_error_beside_its_field(chair: Chair) -> None:
    before = counts()
    response = client(chair, "nurse").post(
        f"/sessions/{chair.session.pk}/predose/",
        {
            "predose-escort_present": "on",
            "predose-escort_name": "D",
            "predose-escort_phone": "12",
            "predose-pregnancy": "not_applicable",
            "predose-weight_kg": "12",
            "predose-screen_source": "now",
        },
    )
    assert response.status_code == 400
    assert text(response, "predose-errors-title") == "3 things to fix before this can be saved"
    html = response.content.decode()
    for field, message in (
        ("escort_name", "Who takes the patient home: their name, 2-200 characters"),
        ("escort_phone", "A phone number for the escort, 7-40 characters"),
        ("weight_kg", "Today&#x27;s weight must be 25-350 kg"),
    ):
        assert re.search(rf'id="id_predose-{field}-errors"><li>{re.escape(message)}</li>', html), (
            field
        )
    assert counts() == before


@pytest.mark.django_db
def test_a_dose_before_the_checklist_is_refused_at_the_top_and_nothing_is_drawn(
    chair: Chair,
) -> None:
    lot = Lot.objects.get(pk=chair.stock.ketamine.pk)
    before = counts()
    response = client(chair, "nurse").post(
        f"/sessions/{chair.session.pk}/dose/",
        {
            "dose-kind": "infusion",
            "dose-lot_id": str(lot.pk),
            "dose-dose_mg": "41.25",
            "dose-rate_mg_per_h": "61.88",
        },
    )
    assert response.status_code == 409
    assert text(response, "conflict") == "Not saved: Chart the pre-dose checklist first"
    assert counts() == before
    assert Lot.objects.get(pk=lot.pk).balance == lot.balance


@pytest.mark.django_db
def test_the_lot_select_lists_usable_lots_of_the_drug_first_expiring_first(chair: Chair) -> None:
    owner = chair.cast.actor(chair.cast.owner)
    vial = chair.stock.ketamine.product
    from datetime import date

    ledger.receipt_record(
        owner,
        product_id=vial.pk,
        site_id=chair.session.site_id,
        lot_number="KV-2301",
        expires_on=date(2026, 9, 30),
        quantity=Decimal("500"),
        received_at=ny(MONDAY, 7),
        supplier="Henry Schein",
        invoice_number="INV-KV-2301",
    )
    html = client(chair, "nurse").get(f"/sessions/{chair.session.pk}/").content.decode()
    select = re.search(r'<select name="dose-lot_id"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    options = [unescape(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]
    vial_name = "Ketamine HCl injection 50 mg/mL, 10 mL vial"
    assert options == [
        "Choose the lot",
        f"KV-2301 · expires 30 Sep 2026 · 500 mg left · {vial_name}",
        f"KV-2411 · expires 30 Jun 2027 · 5000 mg left · {vial_name}",
    ]
    # The kind of dose an IV session charts, its usual one first.
    kinds = re.search(r'<select name="dose-kind"[^>]*>(.*?)</select>', html, re.S)
    assert kinds is not None
    assert re.findall(r"<option[^>]*>(.*?)</option>", kinds.group(1)) == ["Infusion", "Injection"]


# --- dosing, charting and the timeline ------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_infusion_vitals_out_of_range_and_a_late_entry(chair: Chair) -> None:
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    chair.at(20)
    nurse = client(chair, "nurse")
    page = nurse.get(f"/sessions/{chair.session.pk}/")
    assert text(page, "minutes") == "20 min"
    assert "Infusion running · 62 mg/h since 09:00" in text(page, "infusion")
    before = counts()
    refused = nurse.post(
        f"/sessions/{chair.session.pk}/vitals/",
        {
            "vitals-systolic_mmhg": "400",
            "vitals-diastolic_mmhg": "80",
            "vitals-spo2_percent": "101",
        },
    )
    assert refused.status_code == 400
    assert text(refused, "vitals-errors-title") == "2 things to fix before this can be saved"
    assert counts() == before
    # Measured at 09:10, sent at 09:20: charted at 09:10 and marked late.
    saved = nurse.post(
        f"/sessions/{chair.session.pk}/vitals/",
        {"vitals-heart_rate_bpm": "88", "vitals-measured_at": "09:10"},
    )
    assert saved.status_code == 302
    late = VitalSign.objects.get(heart_rate_bpm=88)
    assert (late.measured_at, late.late) == (START + timedelta(minutes=10), True)
    rows = re.findall(
        r"<tr( class=\"late\")?><td data-label=\"Measured\">(.*?)</tr>",
        nurse.get(f"/sessions/{chair.session.pk}/").content.decode(),
        re.S,
    )
    shown = [(bool(cls), " ".join(unescape(re.sub(r"<[^>]+>", " ", r)).split())) for cls, r in rows]
    assert shown == [
        (False, "08:57 Pre-dose checklist Proceed Nina Nurse"),
        (False, "08:57 Vital signs BP 122/78, HR 72, SpO₂ 98%, RR 14 Nina Nurse"),
        (
            False,
            "09:00 Infusion 41.3 mg, Ketamine HCl injection 50 mg/mL, 10 mL vial, lot KV-2411 "
            "at 62 mg/h Nina Nurse",
        ),
        (True, "09:10 late Vital signs HR 88 Nina Nurse"),
    ]


@pytest.mark.django_db
def test_moaas_offers_the_instruments_anchors_and_cadss_its_total(chair: Chair) -> None:
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    nurse = client(chair, "nurse")
    html = nurse.get(f"/sessions/{chair.session.pk}/").content.decode()
    labels = re.findall(
        r'<input type="radio" name="moaas-score" value="(\d)"[^>]*>\s*([^<]+)<', html
    )
    assert [(v, t.strip()) for v, t in labels] == [
        ("5", "5: Responds readily to name spoken in normal tone"),
        ("4", "4: Lethargic response to name spoken in normal tone"),
        ("3", "3: Responds only after name is called loudly and/or repeatedly"),
        ("2", "2: Responds only after mild prodding or shaking"),
        ("1", "1: Responds only after painful trapezius squeeze"),
        ("0", "0: No response after painful trapezius squeeze"),
    ]
    assert (
        nurse.post(f"/sessions/{chair.session.pk}/moaas/", {"moaas-score": "4"}).status_code == 302
    )
    assert (
        nurse.post(f"/sessions/{chair.session.pk}/cadss/", {"cadss-score": "93"}).status_code == 400
    )
    assert (
        nurse.post(f"/sessions/{chair.session.pk}/cadss/", {"cadss-score": "7"}).status_code == 302
    )
    assert sorted(Observation.objects.values_list("instrument", "score")) == [
        ("cadss", 7),
        ("moaas", 4),
    ]


@pytest.mark.django_db
def test_an_alert_is_acknowledged_from_its_button(chair: Chair) -> None:
    chair.vitals(-3)
    chair.predose()
    infusion(chair, 0)
    chair.vitals(10, systolic_mmhg=182, diastolic_mmhg=96)
    nurse = client(chair, "nurse")
    page = nurse.get(f"/sessions/{chair.session.pk}/")
    form = re.search(
        r'<input type="hidden" name="ack-code" value="([^"]+)"><input type="hidden" '
        r'name="ack-t_min" value="([^"]+)">',
        page.content.decode(),
    )
    assert form is not None and "Acknowledge" in text(page, "open-alerts")
    response = nurse.post(
        f"/sessions/{chair.session.pk}/acknowledge/",
        {"ack-code": form.group(1), "ack-t_min": form.group(2)},
    )
    assert response.status_code == 302
    after = nurse.get(f"/sessions/{chair.session.pk}/")
    assert 'name="ack-code"' not in after.content.decode()


# --- discharge and the note -------------------------------------------------------------------


def _observed(chair: Chair) -> None:
    chair.vitals(-3)
    chair.predose()
    dose, _ = infusion(chair, 0)
    for minute in (10, 20, 30, 40):
        chair.vitals(minute)
    from ketacare.sessions import charting, dosing

    dosing.dose_end(chair.nurse, chair.session.pk, dose.pk)
    for minute in (50, 65, 80, 95, 100):
        chair.vitals(minute)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="moaas", score_value=5)
    charting.observation_record(chair.nurse, chair.session.pk, instrument="cadss", score_value=0)


@pytest.mark.django_db
def test_discharge_refused_names_each_unmet_criterion_then_the_note_is_signed(chair: Chair) -> None:
    _observed(chair)
    nurse = client(chair, "nurse")
    url = f"/sessions/{chair.session.pk}"
    before = counts()
    refused = nurse.post(f"{url}/discharge/", {"discharge-left_with_name": "Dana Dawson"})
    assert refused.status_code == 409
    assert text(refused, "discharge-refused") == (
        "Not discharged yet: 3 criteria not met. "
        "Dissociation resolved : Dissociation not yet confirmed resolved. "
        "Ambulating: walks safely : Safe walking not yet confirmed. "
        "Clinician assessed ready to leave : A clinician has not yet assessed stability and "
        "readiness to leave. Nothing was saved."
    )
    assert counts() == before
    done = nurse.post(
        f"{url}/discharge/",
        {
            "discharge-left_with_name": "Dana Dawson",
            "discharge-left_with_relation": "sister",
            "discharge-dissociation_resolved": "on",
            "discharge-ambulating": "on",
            "discharge-clinician_assessed_ready": "on",
        },
    )
    assert (done.status_code, done["Location"]) == (302, f"{url}/#note")
    page = nurse.get(f"{url}/")
    html = page.content.decode()
    assert 'id="vitals-form"' not in html and 'id="discharge-form"' not in html
    assert text(page, "phase-label") == "Discharged"
    note = SessionNote.objects.get(session=chair.session)
    stale = nurse.post(f"{url}/note/", {"note-body": "Edited.", "note-version": "99"})
    assert stale.status_code == 409
    assert "your edit was based on version 99" in text(stale, "conflict")
    saved = nurse.post(
        f"{url}/note/",
        {"note-body": note.body + "\nTolerated well.", "note-version": str(note.version)},
    )
    assert saved.status_code == 302
    note.refresh_from_db()
    assert note.body.endswith("Tolerated well.") and note.version == 2
    assert nurse.post(f"{url}/note/sign/", {"sign-version": "2"}).status_code == 302
    signed = nurse.get(f"{url}/")
    assert 'id="note-form"' not in signed.content.decode()
    assert text(signed, "signed-by").startswith("Signed by Nina Nurse")
    assert (
        nurse.post(f"{url}/note/addenda/", {"addendum-body": "Called next day: well."}).status_code
        == 302
    )
    assert list(Addendum.objects.values_list("body", flat=True)) == ["Called next day: well."]


# --- starting a session from the appointment page -----------------------------------------------


def _checked_in(day, clock, protocol: str = "depression-iv-induction", with_plan: bool = True):  # type: ignore[no-untyped-def]
    cast = day.cast
    plan = signed_plan(cast, protocol)
    if not with_plan:
        # A second signed plan: the booking cannot tell which one it delivers.
        from ketacare.treatment import services as treatment

        prescriber = cast.actor(cast.prescriber)
        other = treatment.plan_create(
            prescriber, cast.dan.pk, protocol_id="depression-iv-induction"
        )
        treatment.plan_sign(prescriber, other.pk)
    add_escort(cast)
    stock(cast, day)
    appointment = booking.appointment_book(
        cast.actor(cast.front_desk),
        cast.dan.pk,
        service_id=day.service("Ketamine IV infusion").pk,
        start_at=START,
        plan_id=plan.pk if with_plan else None,
    )
    clock.move_to((START - timedelta(minutes=10)).astimezone(UTC))
    booking.appointment_check_in(cast.actor(cast.front_desk), appointment.pk)
    return appointment, plan


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("patient", 403), ("front_desk", 403), ("nurse", 302)],
)
def test_start_session_from_the_checked_in_appointment(day, clock, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    appointment, plan = _checked_in(day, clock)
    users = {
        "patient": day.cast.dan_login.user,
        "front_desk": day.cast.front_desk.user,
        "nurse": day.cast.nurse.user,
    }
    from django.test import Client

    who = Client() if role == "anonymous" else logged_in(users[role])
    page = who.get(f"/schedule/appointments/{appointment.pk}/")
    shows = role == "nurse"
    if role != "anonymous":
        assert ('id="start-session"' in page.content.decode()) is shows
    response = who.post(f"/sessions/start/{appointment.pk}/")
    assert response.status_code == status
    if role == "nurse":
        session = TreatmentSession.objects.get()
        assert response["Location"] == f"/sessions/{session.pk}/"
        assert (session.plan_id, session.chair_id) == (plan.pk, appointment.resource_id)
        again = who.get(f"/schedule/appointments/{appointment.pk}/")
        assert 'id="start-session"' not in again.content.decode()
        assert text(again, "chair-session") == "At the chair Open the session (Pre-dose)"
    else:
        assert TreatmentSession.objects.count() == 0


@pytest.mark.django_db
def test_an_appointment_without_a_plan_offers_the_patients_signed_plans(day, clock) -> None:  # type: ignore[no-untyped-def]
    appointment, plan = _checked_in(day, clock, with_plan=False)
    nurse = logged_in(day.cast.nurse.user)
    html = nurse.get(f"/schedule/appointments/{appointment.pk}/").content.decode()
    assert (
        f'<option value="{plan.pk}">Depression: IV ketamine induction (version 1, signed)</option>'
        in html
    )
    refused = nurse.post(f"/sessions/start/{appointment.pk}/", {"plan": ""}, follow=True)
    assert "The session was not started: this appointment has no plan" in text(refused)
    assert TreatmentSession.objects.count() == 0
    started = nurse.post(f"/sessions/start/{appointment.pk}/", {"plan": str(plan.pk)})
    assert started.status_code == 302
    assert TreatmentSession.objects.get().plan_id == plan.pk


# --- Spravato ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_spravato_chair_asks_the_rems_items_and_gives_devices_five_minutes_apart(
    day, clock
) -> None:  # type: ignore[no-untyped-def]
    chair = open_chair(day, clock, "esketamine-trd-induction")
    nurse = client(chair, "nurse")
    url = f"/sessions/{chair.session.pk}"
    html = nurse.get(f"{url}/").content.decode()
    assert "predose-rems_patient_enrolled" in html
    chair.vitals(-3)
    chair.predose(**SPRAVATO_PREDOSE)
    chair.at(0)
    page = nurse.get(f"{url}/")
    assert text(page, "give-device") == "Give device 1"
    lot = str(chair.stock.spravato.pk)
    assert (
        nurse.post(f"{url}/dose/", {"dose-kind": "device", "dose-lot_id": lot}).status_code == 302
    )
    chair.at(2)
    page = nurse.get(f"{url}/")
    assert text(page, "device-wait") == (
        "Device 2 may be given at 09:05:00: 5 minutes after the last one."
    )
    too_soon = nurse.post(f"{url}/dose/", {"dose-kind": "device", "dose-lot_id": lot})
    assert too_soon.status_code == 400
    assert Dose.objects.count() == 1
    chair.at(5)
    assert (
        nurse.post(f"{url}/dose/", {"dose-kind": "device", "dose-lot_id": lot}).status_code == 302
    )
    assert list(Dose.objects.values_list("device_number", "dose_mg")) == [
        (1, Decimal("28.00")),
        (2, Decimal("28.00")),
    ]
    page = nurse.get(f"{url}/")
    assert text(page, "devices-done") == "Every planned device is given."
    assert 'name="discharge-ready_without_rule_min"' in page.content.decode()
    _ = CALM
