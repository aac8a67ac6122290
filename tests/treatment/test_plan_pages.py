"""The plan pages: labels not codes, the course in plain words, the version history and the
revised draft, the stored dose after a refused adjustment, signing through a confirmation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ketacare.audit.models import AuditEvent
from ketacare.clinical import load_protocols
from ketacare.clinical.sources import cite
from ketacare.patients import services as patients
from ketacare.screening.services import intake_submit
from ketacare.treatment import services
from ketacare.treatment.display import course_rows, curve_notes, interval_text
from ketacare.treatment.models import TreatmentPlan
from tests.candidacy import fields, give_trials, scales
from tests.conftest import Cast, logged_in
from tests.treatment.pages import bare_codes, visible_text


@pytest.fixture
def screened(cast: Cast) -> Cast:
    give_trials(cast)
    intake_submit(cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales())
    return cast


def _draft(cast: Cast, protocol_id: str = "depression-iv-induction") -> TreatmentPlan:
    return services.plan_create(cast.actor(cast.prescriber), cast.dan.pk, protocol_id=protocol_id)


# --- wording ----------------------------------------------------------------------------------


def test_a_range_with_equal_ends_reads_as_one_interval() -> None:
    assert interval_text(7, 7) == "every 7 days"
    assert interval_text(1, 1) == "every 1 day"
    assert interval_text(7, 14) == "every 7–14 days"
    assert interval_text(2.5, 3) == "every 2.5–3 days"
    assert interval_text(None, None) == ""


def test_the_course_rows_name_the_following_protocol_and_never_an_internal_note() -> None:
    rows = course_rows(
        [
            {"protocol": "a", "protocol_title": "A", "phase": "induction", "sessions": 6,
             "interval_days_min": 2, "interval_days_max": 4, "note": "Six."},
            {"protocol": "b", "protocol_title": "B maintenance", "phase": "maintenance",
             "sessions": 1, "interval_days_min": 7, "interval_days_max": 7, "note": "Weekly.",
             "internal_note": "wording unconfirmed"},
        ]
    )  # fmt: skip
    assert [(r.then, r.phase, r.sessions, r.interval, r.note) for r in rows] == [
        ("", "Induction", "6 sessions", "every 2–4 days", "Six."),
        ("Then B maintenance", "Maintenance", "1 session", "every 7 days", "Weekly."),
    ]


def test_unconfirmed_model_values_become_one_sentence_for_the_clinician() -> None:
    warnings, unconfirmed = curve_notes(
        [
            "weight 190 kg is outside the 40-150 kg of the population kamp2020 was built on",
            "kamp2020 ka_im is UNCONFIRMED: No published IM absorption rate was retrieved.",
            "kamp2020 f_im is UNCONFIRMED: Primary source not retrieved.",
        ]
    )
    assert warnings == [
        "Weight 190 kg is outside the 40-150 kg of the population kamp2020 was built on."
    ]
    assert unconfirmed == (
        "The model uses 2 values not yet confirmed against the published source: treat the "
        "predicted curve as approximate."
    )
    assert curve_notes([]) == ([], "")


EDITORIAL = ("unconfirmed", "in the reference", "not retrieved", "wording", "reference/")


def test_no_protocol_text_shown_to_users_carries_an_editorial_note() -> None:
    for protocol in load_protocols().values():
        shown = [protocol.title, protocol.summary, *(phase.note for phase in protocol.schedule)]
        for text in shown:
            assert not [m for m in EDITORIAL if m in text.lower()], (protocol.id, text)


# --- the plan page ----------------------------------------------------------------------------


def test_the_plan_page_shows_labels_the_course_in_words_and_no_internal_note(
    screened: Cast,
) -> None:
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber),
        cast.dan.pk,
        protocol_id="esketamine-trd-maintenance",
        override_reason="continuing maintenance started elsewhere",
    )
    response = logged_in(cast.prescriber.user).get(f"/plans/{plan.pk}/")
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "Every 7 days" in text
    assert "7–7" not in text
    assert "Every 7–14 days" in text
    assert "unconfirmed" not in text.lower()
    assert "Spravato: TRD maintenance (adults under 65)" in text
    assert "Draft" in text
    assert bare_codes(response.content) == []
    # The curve is one figure with one caption.
    html = response.content.decode()
    assert html.count('<figure class="chart-frame">') == 1
    assert text.count("Predicted plasma concentration over time") == 1


def test_a_refused_adjustment_shows_the_stored_dose_and_names_the_field_and_range(
    screened: Cast,
) -> None:
    cast = screened
    plan = _draft(cast)
    client = logged_in(cast.prescriber.user)
    response = client.post(f"/plans/{plan.pk}/adjust/", {"version": plan.version, "dose_mg": "500"})
    assert response.status_code == 400
    form = response.context["adjust"]
    assert form["dose_mg"].value() == Decimal("41.30")
    assert list(form.errors) == ["dose_mg"]
    error = form.errors["dose_mg"][0]
    assert "dose_mg" not in error
    assert "41.3" not in error and "500" in error
    assert error.endswith("(refused; the stored value is kept)")
    html = response.content.decode()
    assert 'name="dose_mg" value="41.30"' in html
    assert 'value="500"' not in html
    assert TreatmentPlan.objects.get(pk=plan.pk).dose_mg == Decimal("41.30")


def test_signing_asks_for_confirmation_and_a_post_without_it_does_not_sign(
    screened: Cast,
) -> None:
    cast = screened
    plan = _draft(cast)
    client = logged_in(cast.prescriber.user)
    page = client.get(f"/plans/{plan.pk}/")
    assert f'href="/plans/{plan.pk}/sign/"' in page.content.decode()
    confirm = client.get(f"/plans/{plan.pk}/sign/")
    assert confirm.status_code == 200
    assert (
        visible_text(confirm.content).count(
            "Sign plan version 1 for Dan Dawson (H-1001): Depression: IV ketamine induction — "
            "Ketamine (racemic), Intravenous (IV): 41.3 mg over 40 min?"
        )
        == 1
    )
    signs = AuditEvent.objects.filter(action="plan.sign")

    refused = client.post(f"/plans/{plan.pk}/sign/", {"version": plan.version})
    assert refused.status_code == 400
    assert "sign from the confirmation page" in refused.content.decode()
    assert TreatmentPlan.objects.get(pk=plan.pk).status == "draft"
    assert not signs.exists()

    stale = client.post(f"/plans/{plan.pk}/sign/", {"version": plan.version + 1, "confirm": "yes"})
    assert stale.status_code == 409
    assert TreatmentPlan.objects.get(pk=plan.pk).status == "draft"

    signed = client.post(f"/plans/{plan.pk}/sign/", {"version": plan.version, "confirm": "yes"})
    assert signed.status_code == 302
    assert TreatmentPlan.objects.get(pk=plan.pk).status == "signed"
    assert signs.count() == 1


def test_the_revised_draft_is_linked_from_the_chart_and_the_version_it_revises(
    screened: Cast,
) -> None:
    cast = screened
    prescriber = cast.actor(cast.prescriber)
    first = _draft(cast)
    services.plan_sign(prescriber, first.pk)
    draft = services.plan_revise(prescriber, first.pk, reason="lower dose for side effects")
    services.plan_update(prescriber, draft.pk, expected_version=draft.version, dose_mg=35)
    client = logged_in(cast.prescriber.user)

    signed_page = visible_text(client.get(f"/plans/{first.pk}/").content)
    assert "A revised draft (version 2) exists — open it." in signed_page
    assert f'href="/plans/{draft.pk}/"' in client.get(f"/plans/{first.pk}/").content.decode()
    chart = client.get(f"/patients/{cast.dan.pk}/").content.decode()
    assert "A revised draft (version 2) exists" in chart
    assert f'href="/plans/{draft.pk}/">open it' in chart

    rows = client.get(f"/plans/{draft.pk}/").context["versions"]
    assert [(r.number, r.status, r.current) for r in rows] == [
        (1, "Signed", False),
        (2, "Draft", True),
    ]
    assert rows[0].signed.startswith("Dr Bob Prescriber <bob@example.com> (prescriber), ")
    assert rows[0].created.startswith("Dr Bob Prescriber, ")
    assert rows[1].reason == "lower dose for side effects"
    assert rows[1].changes == ["Dose: 41.3 mg → 35 mg"]
    history = visible_text(client.get(f"/plans/{draft.pk}/").content)
    assert "Version history" in history
    assert "Dose: 41.3 mg → 35 mg" in history


def test_the_plan_page_marks_a_screening_the_chart_has_changed_since(screened: Cast) -> None:
    cast = screened
    plan = _draft(cast)
    client = logged_in(cast.prescriber.user)
    assert "Out of date" not in visible_text(client.get(f"/plans/{plan.pk}/").content)
    patients.part_create(
        cast.actor(cast.nurse),
        cast.dan.pk,
        "measurements",
        data={"measured_on": date(2026, 1, 6), "weight_kg": Decimal("79.0")},
    )
    for url in (
        f"/plans/{plan.pk}/",
        f"/patients/{cast.dan.pk}/screening/",
        f"/patients/{cast.dan.pk}/",
    ):
        html = client.get(url).content.decode()
        text = visible_text(html)
        assert "Out of date: weight changed on " in text, url
        assert "Screen again." in text
        assert f'href="/patients/{cast.dan.pk}/intake/new/"' in html


# --- the dose in words ------------------------------------------------------------------------


def test_the_plan_page_shows_the_rate_cap_and_the_weight_basis_in_words(screened: Cast) -> None:
    """CRPS 0.35 mg/kg/h over 4 h, not above 25 mg/h (Schwartzman et al., Pain 2009;147:107-115):
    at 82.5 kg the regimen gives 115.5 mg, capped to 100 mg; the page says so and why."""
    cast = screened
    plan = services.plan_create(
        cast.actor(cast.prescriber),
        cast.dan.pk,
        protocol_id="crps-iv-10-day",
        override_reason="CRPS diagnosed by the pain clinic",
    )
    assert plan.dose_mg == Decimal("100.00")
    response = logged_in(cast.prescriber.user).get(f"/plans/{plan.pk}/")
    text = visible_text(response.content)
    cap = f"ate capped at 25 mg/h ({cite('schwartzman-2009')}): 100 mg over 240 min"
    assert f"Cap R{cap}" in text  # the cap row
    assert f"r{cap}" in text  # and the warning banner
    measured = plan.dose["weight_measured_on"]
    assert (
        f"Weight basis Actual body weight 82.5 kg (the protocol's basis); chart weight "
        f"82.5 kg of {measured}" in text
    )
    assert "over 240 min · 25.0 mg/h" in text
