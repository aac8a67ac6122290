"""The chart's section buttons and add pages use the right article: "Add insurance" (a mass
noun), "Add an allergy", "Add a condition"; and each cell is labelled for a stacked table."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Cast


def test_each_section_offers_its_add_button_with_the_right_article(
    cast: Cast, as_role: Any
) -> None:
    html = as_role("prescriber").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert re.findall(r'/add/">(Add [^<]+)</a>', html) == [
        "Add a contact",
        "Add insurance",
        "Add a consent",
        "Add a measurement",
        "Add a condition",
        "Add an allergy",
        "Add a medication trial",
    ]
    assert "Add a insurance" not in html and "Add a allergy" not in html


def test_the_add_pages_are_titled_with_the_right_article(cast: Cast, as_role: Any) -> None:
    client = as_role("prescriber")
    titles = {
        key: re.search(
            r"<h1>([^<]+)</h1>", client.get(f"/patients/{cast.dan.pk}/{key}/add/").content.decode()
        ).group(1)  # type: ignore[union-attr]
        for key in ("coverage", "allergies", "trials")
    }
    assert titles == {
        "coverage": "Add insurance",
        "allergies": "Add an allergy",
        "trials": "Add a medication trial",
    }


def test_a_section_row_labels_every_cell_for_a_phone(cast: Cast, as_role: Any) -> None:
    html = as_role("prescriber").get(f"/patients/{cast.dan.pk}/").content.decode()
    section = html[html.index('id="conditions"') :]
    section = section[: section.index("</section>")]
    assert re.findall(r'<td data-label="([^"]+)">', section) == [
        "ICD-10-CM code",
        "SNOMED CT code",
        "Display",
        "Onset date",
        "Status",
        "Actions",
    ]


def test_a_trials_drug_class_reads_as_its_label_not_its_code(cast: Cast, as_role: Any) -> None:
    from ketacare.patients import services

    services.part_create(
        cast.actor(cast.prescriber),
        cast.dan.pk,
        "trials",
        data={"drug": "Quetiapine", "drug_class": "atypical_antipsychotic"},
    )
    html = as_role("prescriber").get(f"/patients/{cast.dan.pk}/").content.decode()
    assert "Atypical antipsychotic (incl. antidepressant augmentation)" in html
    assert "atypical_antipsychotic" not in re.sub(r"<[^>]+>", " ", html)
