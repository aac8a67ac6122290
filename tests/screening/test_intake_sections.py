"""The intake in sections: each saved as a draft and resumed, then recorded at the review with
the same result as a one-page submission."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from ketacare.audit.models import AuditEvent
from ketacare.lib.errors import NotPermitted
from ketacare.screening import drafts
from ketacare.screening.forms import IntakeForm
from ketacare.screening.intake_views import _errors_by_section
from ketacare.screening.models import Intake, IntakeDraft, ScreeningResult
from tests.api.test_candidacy_api import intake_form
from tests.candidacy import give_trials
from tests.conftest import Cast
from tests.screening.sections import save_every_section, section_data

KEYS = list(drafts.SECTION_KEYS)


def section_url(cast: Cast, key: str) -> str:
    return f"/patients/{cast.dan.pk}/intake/{key}/"


def review_url(cast: Cast) -> str:
    return f"/patients/{cast.dan.pk}/intake/review/"


def walk(client: Client, cast: Cast, data: dict[str, str], keys: list[str] = KEYS) -> list[str]:
    """Save each section in turn; where each save sent the browser."""
    locations = []
    for key in keys:
        response = client.post(section_url(cast, key), section_data(key, data))
        assert response.status_code == 302, (
            key,
            response.context and response.context["form"].errors,
        )
        locations.append(response["Location"])
    return locations


def states(response: Any) -> list[tuple[str, str]]:
    """The progress list as shown: each step's title and its state's label."""
    nav = re.search(r'<nav aria-label="Intake progress".*?</nav>', response.content.decode(), re.S)
    assert nav is not None
    return [
        (title, state)
        for title, state in re.findall(
            r'<li class="step-\w+"><a [^>]*>([^<]*)</a>\s*'
            r'<span class="badge [\w-]+">([^<]*)</span>',
            nav.group(0),
        )
    ]


def test_walking_the_sections_records_the_same_screening_as_the_one_page_form(
    cast: Cast, as_role: Any
) -> None:
    give_trials(cast)
    nurse = as_role("nurse")
    one_page = nurse.post(f"/patients/{cast.dan.pk}/intake/new/", intake_form())
    assert one_page.status_code == 302
    first = Intake.objects.get(patient=cast.dan, number=1)

    locations = walk(nurse, cast, intake_form())
    assert locations == [section_url(cast, key) for key in KEYS[1:]] + [review_url(cast)]
    review = nurse.get(review_url(cast))
    assert review.status_code == 200
    assert [s.state for s in review.context["progress"].steps] == ["saved"] * 8
    text = review.content.decode()
    assert "<dt>Heart rate (beats/min)</dt><dd>72</dd>" in text
    assert "<dt>A sitter is available for at-home doses</dt><dd>Yes</dd>" in text
    submitted = nurse.post(review_url(cast), {"kc_once": "5a0f2b1c-0000-4000-8000-000000000001"})

    assert submitted.status_code == 302
    assert submitted["Location"] == f"/patients/{cast.dan.pk}/screening/"
    second = Intake.objects.get(patient=cast.dan, number=2)
    assert second.document == first.document
    assert (
        ScreeningResult.objects.get(intake=second).result
        == ScreeningResult.objects.get(intake=first).result
    )
    assert [r.total for r in second.responses.order_by("instrument_id")] == [0, 7, 13]
    assert IntakeDraft.objects.filter(patient=cast.dan).exists() is False
    closed = AuditEvent.objects.get(action="intake_draft.close")
    assert (closed.patient_id, closed.data["intake"]) == (cast.dan.pk, 2)


def test_a_double_submitted_review_records_one_intake(cast: Cast, as_role: Any) -> None:
    nurse = as_role("nurse")
    walk(nurse, cast, intake_form())
    token = {"kc_once": "5a0f2b1c-0000-4000-8000-000000000002"}

    first = nurse.post(review_url(cast), token)
    again = nurse.post(review_url(cast), token)

    assert (first.status_code, again.status_code) == (302, 302)
    assert again["Location"] == first["Location"] == f"/patients/{cast.dan.pk}/screening/"
    assert again["Idempotent-Replayed"] == "true"
    assert Intake.objects.filter(patient=cast.dan).count() == 1
    assert AuditEvent.objects.filter(action="intake.record").count() == 1


def test_leaving_and_coming_back_resumes_at_the_first_section_not_saved(
    cast: Cast, as_role: Any
) -> None:
    nurse = as_role("nurse")
    walk(nurse, cast, intake_form(weight_kg="79.5"), KEYS[:3])

    resume = nurse.get(f"/patients/{cast.dan.pk}/intake/new/")
    assert resume.status_code == 302
    assert resume["Location"] == section_url(cast, "phq9")
    chart = nurse.get(f"/patients/{cast.dan.pk}/").content.decode()
    assert (
        f'<a class="button secondary" href="/patients/{cast.dan.pk}/intake/new/">'
        "Resume intake (3 of 8 saved)</a>" in chart
    )
    screening = nurse.get(f"/patients/{cast.dan.pk}/screening/").content.decode()
    assert "Resume intake (3 of 8 saved)" in screening
    # A saved section shows what was saved.
    vitals = nurse.get(section_url(cast, "vitals"))
    assert vitals.context["form"]["weight_kg"].value() == "79.5"
    assert 'value="79.5"' in vitals.content.decode()


def test_the_progress_list_shows_each_steps_state(cast: Cast, as_role: Any) -> None:
    nurse = as_role("nurse")
    walk(nurse, cast, intake_form(), ["medications", "history"])
    nurse.post(section_url(cast, "vitals"), section_data("vitals", intake_form(spo2="30")))

    page = nurse.get(section_url(cast, "phq9"))

    assert states(page) == [
        ("Diagnoses and medications", "Saved"),
        ("Medical history", "Saved"),
        ("Body and vital signs", "Has errors"),
        ("PHQ-9", "Not started"),
        ("GAD-7", "Not started"),
        ("C-SSRS screener", "Not started"),
        ("Other scales (if the indication needs them)", "Not started"),
        ("Safety and home", "Not started"),
    ]
    text = page.content.decode()
    assert "Step 4 of 9 · 2 of 8 sections saved" in text
    assert f'<a href="{section_url(cast, "phq9")}" aria-current="step">PHQ-9</a>' in text
    # The section with errors shows them again when opened.
    vitals = nurse.get(section_url(cast, "vitals"))
    assert vitals.context["form"].errors == {"spo2": ["This field is required."]}


def test_three_bad_vitals_are_named_at_once_and_the_good_ones_kept(
    cast: Cast, as_role: Any
) -> None:
    nurse = as_role("nurse")
    data = section_data("vitals", intake_form(systolic="400", heart_rate="5", spo2="120"))

    response = nurse.post(section_url(cast, "vitals"), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "systolic": ["400 is outside the allowed range 40-300 mmHg"],
        "heart_rate": ["5 is outside the allowed range 20-250 beats/min"],
        "spo2": ["120 is outside the allowed range 50-100 %"],
    }
    text = response.content.decode()
    for label, message in (
        ("Systolic BP (mmHg)", "400 is outside the allowed range 40-300 mmHg"),
        ("Heart rate (beats/min)", "5 is outside the allowed range 20-250 beats/min"),
        ("SpO₂ (%)", "120 is outside the allowed range 50-100 %"),
    ):
        assert f">{label}</a>: {message}</li>" in text
    # What was typed stays in the form; only the accepted values are in the draft.
    assert 'value="400"' in text
    draft = IntakeDraft.objects.get(patient=cast.dan)
    assert draft.sections["vitals"]["data"] == {
        "weight_kg": "82.5",
        "height_cm": "180",
        "diastolic": "82",
    }
    assert sorted(draft.sections["vitals"]["errors"]) == ["heart_rate", "spo2", "systolic"]


def test_a_scale_section_names_what_the_scale_lacks(cast: Cast, as_role: Any) -> None:
    nurse = as_role("nurse")
    data = section_data("phq9")
    del data["scale__phq9__4"]

    response = nurse.post(section_url(cast, "phq9"), data)

    assert response.status_code == 400
    message = (
        "PHQ-9 item 4 unanswered; Items 1-9 are all required: a PHQ-9 with any of them "
        "unanswered is not scored (no proration, never counted as 0). Item 10 (difficulty) is "
        "optional and never scored."
    )
    assert response.context["form"].errors == {
        "__all__": [f"Patient Health Questionnaire-9: {message}"]
    }
    assert f'<div class="banner banner-bad" role="alert">{message}</div>' in (
        response.content.decode()
    )
    saved = IntakeDraft.objects.get(patient=cast.dan).sections["phq9"]
    assert saved["errors"] == {"__all__": [f"Patient Health Questionnaire-9: {message}"]}
    # The nine answers given are kept; the state is "has errors".
    assert sorted(saved["data"]) == sorted(data)
    assert drafts.state_of(IntakeDraft.objects.get(patient=cast.dan), "phq9") == "errors"


def test_every_save_of_a_section_is_audited_as_a_write(cast: Cast, as_role: Any) -> None:
    nurse = as_role("nurse")
    walk(nurse, cast, intake_form(), ["vitals"])
    nurse.post(section_url(cast, "vitals"), section_data("vitals", intake_form(spo2="30")))

    events = list(AuditEvent.objects.filter(action="intake_draft.save").order_by("id"))

    assert [(e.patient_id, e.actor_id, e.data) for e in events] == [
        (cast.dan.pk, cast.nurse.user.pk, {"section": "vitals", "state": "saved", "version": 1}),
        (cast.dan.pk, cast.nurse.user.pk, {"section": "vitals", "state": "errors", "version": 2}),
    ]
    draft = IntakeDraft.objects.get(patient=cast.dan)
    assert events[1].target_id == str(draft.pk)
    assert events[1].changes["vitals"][0]["data"]["spo2"] == "98"
    assert "spo2" not in events[1].changes["vitals"][1]["data"]


def test_the_review_refuses_to_record_until_every_section_is_saved(
    cast: Cast, as_role: Any
) -> None:
    nurse = as_role("nurse")
    walk(nurse, cast, intake_form(), KEYS[:-1])

    response = nurse.post(review_url(cast), {})

    assert response.status_code == 400
    assert Intake.objects.count() == 0
    assert "Save every section before recording the intake" in response.content.decode()
    assert "Safety and home</a> (not started)" in response.content.decode()


def test_a_refused_review_keeps_the_draft(cast: Cast, as_role: Any) -> None:
    """The clinical core refuses what no section can check alone (no diagnosis on the chart
    here is fine; a draft saved as a patient grew older is not); the draft stays."""
    draft = save_every_section(cast.actor(cast.nurse), cast.dan)
    sections = dict(draft.sections)
    sections["vitals"] = {"data": {**sections["vitals"]["data"], "spo2": "30"}, "errors": {}}
    IntakeDraft.objects.filter(pk=draft.pk).update(sections=sections)

    response = as_role("nurse").post(review_url(cast), {})

    assert response.status_code == 400
    assert response.context["errors_by_section"] == [
        {
            "key": "vitals",
            "label": "SpO₂ (%)",
            "messages": ["30 is outside the allowed range 50-100 %"],
        }
    ]
    assert Intake.objects.count() == 0
    assert IntakeDraft.objects.get(patient=cast.dan).version == draft.version


def test_an_unknown_section_is_not_found(cast: Cast, as_role: Any) -> None:
    assert as_role("nurse").get(section_url(cast, "measurements")).status_code == 404


def test_the_medications_section_shows_the_charts_trials_with_class_labels(
    cast: Cast, as_role: Any
) -> None:
    give_trials(cast)

    page = as_role("nurse").get(section_url(cast, "medications"))

    text = page.content.decode()
    assert re.findall(r'<td data-label="Class">([^<]*)<small class="code">(\w+)</small>', text) == [
        ("SSRI ", "ssri"),
        ("SNRI ", "snri"),
    ]
    assert "Active diagnoses: F33.2" in text


def test_the_other_scales_stay_folded_until_one_is_answered(cast: Cast, as_role: Any) -> None:
    nurse = as_role("nurse")
    folded = nurse.get(section_url(cast, "other_scales")).content.decode()
    assert re.findall(r'id="scale-(\w+)">\s*<details( open)?>', folded) == [
        ("pcl5", ""),
        ("qids_sr16", ""),
        ("pain_nrs", ""),
        ("madrs", ""),
        ("ybocs", ""),
        ("audit_c", ""),
        ("dast10", ""),
        ("peg", ""),
        ("hit6", ""),
        ("ocir", ""),
        ("cgi_s", ""),
        ("icsi", ""),
        ("ymrs", ""),
    ]

    saved = nurse.post(section_url(cast, "other_scales"), {"scale__pain_nrs__1": "6"})
    assert saved["Location"] == section_url(cast, "safety")

    shown = nurse.get(section_url(cast, "other_scales"))
    opened = re.findall(r'id="scale-(\w+)">\s*<details open>', shown.content.decode())
    assert opened == ["pain_nrs"]
    assert shown.context["form"]["scale__pain_nrs__1"].value() == "6"


def test_an_error_in_what_the_chart_supplies_is_named_and_put_under_medications(
    cast: Cast,
) -> None:
    form = IntakeForm(section_data("vitals")).restrict("vitals")
    assert form.is_valid()
    unknown = "unknown ICD-10 code 'F99.99'; use a code from the clinic's list (docs/clinical.md)"

    form.add_service_errors({"diagnoses": unknown, "vitals.spo2": "30 is outside"})

    assert _errors_by_section(form) == [
        {
            "key": "medications",
            "label": "",
            "messages": [f"Diagnoses (from the chart): {unknown}"],
        },
        {"key": "vitals", "label": "SpO₂ (%)", "messages": ["30 is outside"]},
    ]


def test_a_refused_submission_of_a_draft_is_audited_once(cast: Cast) -> None:
    """The front desk may not record an intake: refused, on record once, the draft kept."""
    draft = save_every_section(cast.actor(cast.nurse), cast.dan)
    with pytest.raises(NotPermitted):
        drafts.draft_submit(cast.actor(cast.front_desk), cast.dan.pk, fields={}, scales={})
    refused = AuditEvent.objects.filter(action="write.refused", patient_id=cast.dan.pk)
    assert [e.data["attempted"] for e in refused] == ["intake.record"]
    assert IntakeDraft.objects.get(patient=cast.dan).version == draft.version


def test_an_attestation_of_intent_without_a_reason_is_named_with_its_label(
    cast: Cast, as_role: Any
) -> None:
    """The MDSI route accepts a clinician's attestation of intent (spravato-pi-indications)
    only with its reason; the page shows the field's label, not its code."""
    nurse = as_role("nurse")
    data = {**section_data("safety"), "suicidal_intent_attested": "on"}

    response = nurse.post(section_url(cast, "safety"), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "suicidal_intent_reason": ["is required when intent is attested; give the reason"]
    }
    text = response.content.decode()
    assert ">Reason for the attestation</a>: is required when intent is attested" in text
    assert "A clinician attests active suicidal ideation with intent" in text
    assert ">suicidal_intent_reason<" not in text


def test_the_medications_section_takes_the_diazepam_equivalent_dose_in_range(
    cast: Cast, as_role: Any
) -> None:
    """0-200 mg/day diazepam equivalent (ashton-equivalence); the label is shown."""
    nurse = as_role("nurse")
    page = nurse.get(section_url(cast, "medications")).content.decode()
    assert "Benzodiazepine dose, diazepam equivalent (mg/day)" in page

    data = {**section_data("medications"), "diazepam_equivalent_mg_per_day": "250"}
    response = nurse.post(section_url(cast, "medications"), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "diazepam_equivalent_mg_per_day": ["250 is outside the allowed range 0-200 mg/day"]
    }
