"""The screening page and the chart's screening panel read in labels, never codes."""

from __future__ import annotations

import re

from ketacare.screening.services import intake_submit
from tests.candidacy import PHQ9_NO_SI, fields, give_trials, scales
from tests.conftest import Cast, logged_in
from tests.treatment.pages import bare_codes, visible_text

#: PHQ-9 total 20 ("Severe"), item 9 answered "several days" (suicidal ideation).
PHQ9_SI = [3, 3, 3, 2, 2, 2, 2, 2, 1, 1]


def _screen(cast: Cast) -> None:
    give_trials(cast)
    intake_submit(
        cast.actor(cast.nurse),
        cast.dan.pk,
        fields=fields(home_sitter_available=False, concomitant_drug_classes=["benzodiazepine"]),
        scales=scales(phq9=PHQ9_SI),
    )


def test_the_screening_page_shows_labels_for_every_code(cast: Cast) -> None:
    _screen(cast)
    response = logged_in(cast.nurse.user).get(f"/patients/{cast.dan.pk}/screening/")
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "No home sitter available for home sessions." in text
    assert "Concomitant medication: Benzodiazepine." in text
    assert "sertraline (SSRI, 8.0 weeks, 10.0 %)" in text
    assert "Sublingual ketamine at home" in text
    assert "Needs prescriber review" in text
    # The baseline scales: instrument names, bands and flags in words.
    assert "PHQ-9 20 Severe Suicidal ideation" in text
    assert "GAD-7" in text
    assert "[no_home_sitter]" not in text
    assert bare_codes(response.content) == []


def test_the_chart_panel_shows_labels_and_no_dangling_line(cast: Cast) -> None:
    _screen(cast)
    response = logged_in(cast.prescriber.user).get(f"/patients/{cast.dan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    panel = html[html.index('id="care"') :]
    panel = panel[: panel.index("</section>")]
    text = visible_text(panel)
    assert "PHQ-9 20 (Severe)" in text
    assert "C-SSRS screener 0 (None)" in text
    assert bare_codes(panel) == []
    # Every label is followed by its value: nothing ends in a bare colon.
    assert not re.search(r":\s*($|[·|,.])", text)


def test_an_intake_without_suicidality_shows_only_its_own_flags(cast: Cast) -> None:
    give_trials(cast)
    intake_submit(
        cast.actor(cast.nurse), cast.dan.pk, fields=fields(), scales=scales(phq9=PHQ9_NO_SI)
    )
    text = visible_text(
        logged_in(cast.nurse.user).get(f"/patients/{cast.dan.pk}/screening/").content
    )
    assert "PHQ-9 13 Moderate Probable major depression GAD-7" in text
    assert "Suicidal ideation" not in text
