"""Drug interactions with ketamine: each class's effect, action and source, and the inputs."""

from __future__ import annotations

import pytest

from ketacare.clinical.codes import DRUG_CLASSES
from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.interactions import Interaction, interacting_classes, interactions_for
from ketacare.clinical.settings import ClinicSettings
from ketacare.clinical.sources import cite
from tests.clinical.intakes import codes, decisions, run

E, R = "eligible", "needs_prescriber_review"

#: class id -> (action, source keys for racemic ketamine)
EXPECTED = {
    "benzodiazepine": (
        "note", ("andrashko-2020", "feeney-2023", "andrade-2017-interactions", "ketalar-pi")
    ),
    "sedative_hypnotic": ("prescriber_review", ("ketalar-pi", "ketamine-smpc-interactions")),
    "cns_depressant": ("prescriber_review", ("ketalar-pi", "ketamine-smpc-interactions")),
    "opioid": ("prescriber_review", ("ketalar-pi", "ketamine-smpc-interactions")),
    "psychostimulant": ("prescriber_review", ("stimulant-maoi-bp", "ketamine-smpc-interactions")),
    "maoi": ("prescriber_review", ("stimulant-maoi-bp",)),
    "lamotrigine": ("note", ("anand-2000", "andrade-2017-interactions")),
    "memantine": ("prescriber_review", ("memantine-nmda", "andrade-2017-interactions")),
    "dextromethorphan_bupropion": ("prescriber_review", ("auvelity-pi", "memantine-nmda")),
    "methylxanthine": ("prescriber_review", ("ketalar-pi", "ketamine-smpc-interactions")),
    "thyroid_hormone": ("note", ("ketamine-smpc-interactions",)),
    "thyroid_augmentation": ("note", ("ketamine-smpc-interactions",)),
    "cyp_inducer": ("note", ("andrade-2017-interactions", "ketamine-smpc-interactions")),
    "cyp_inhibitor": (
        "prescriber_review", ("andrade-2017-interactions", "ketamine-smpc-interactions")
    ),
}  # fmt: skip


def test_every_class_the_issue_names_has_an_interaction() -> None:
    """Issue 11, "Rules a course needs": benzodiazepines, lamotrigine, CNS depressants and
    opioids, stimulants and MAOIs, CYP3A4/CYP2B6 inducers and inhibitors, memantine,
    dextromethorphan-bupropion, theophylline/aminophylline, thyroid hormone."""
    assert interacting_classes() == frozenset(EXPECTED)


@pytest.mark.parametrize("class_id", sorted(EXPECTED))
def test_each_interaction_has_its_action_and_source(class_id: str) -> None:
    """Sources per class as registered in data/interactions.toml (see EXPECTED)."""
    action, keys = EXPECTED[class_id]
    (found,) = interactions_for([class_id], drug="ketamine")
    assert (found.code, found.drug_class, found.action) == (
        f"interaction_{class_id}",
        class_id,
        action,
    )
    assert found.source == cite(*keys)
    assert found.message.startswith(f"{DRUG_CLASSES[class_id].label}")


def test_lamotrigine_attenuates_ketamine() -> None:
    """Anand et al., Arch Gen Psychiatry 2000;57:270-276 (anand-2000)."""
    assert interactions_for(["lamotrigine"], drug="esketamine") == (
        Interaction(
            code="interaction_lamotrigine",
            drug_class="lamotrigine",
            effect="attenuates ketamine's perceptual and dissociative effects",
            action="note",
            message="Lamotrigine: reduced ketamine's dissociative and psychotomimetic effects "
            "in volunteers; its effect on the antidepressant response is unknown.",
            source=cite("anand-2000", "andrade-2017-interactions"),
        ),
    )


@pytest.mark.parametrize(
    ("dose", "action", "message"),
    [
        (
            None,
            "note",
            "Benzodiazepine: adds to sedation and respiratory depression, and above 8 mg/day "
            "diazepam equivalent may blunt the antidepressant response; record the daily dose.",
        ),
        (
            8.0,
            "note",
            "Benzodiazepine at 8 mg/day diazepam equivalent (at or below 8): adds to sedation "
            "and respiratory depression.",
        ),
        (
            8.5,
            "prescriber_review",
            "Benzodiazepine at 8.5 mg/day diazepam equivalent (above 8): may blunt the "
            "antidepressant response and adds sedation; consider a lower dose before treatment.",
        ),
    ],
)
def test_benzodiazepine_above_8_mg_diazepam_equivalent_needs_review(
    dose: float | None, action: str, message: str
) -> None:
    """Andrashko et al., Front Psychiatry 2020;11:844: ROC criterion > 8 mg/day diazepam
    equivalent separated non-responders (andrashko-2020); Feeney 2023 (feeney-2023)."""
    (found,) = interactions_for(
        ["benzodiazepine"], drug="ketamine", diazepam_equivalent_mg_per_day=dose
    )
    assert (found.action, found.message) == (action, message)


def test_the_benzodiazepine_threshold_is_a_clinic_setting() -> None:
    """benzodiazepine_blunting_diazepam_mg_per_day (andrashko-2020) may be set by a clinic."""
    settings = ClinicSettings.from_overrides({"benzodiazepine_blunting_diazepam_mg_per_day": 20})
    (found,) = interactions_for(
        ["benzodiazepine"], drug="ketamine", diazepam_equivalent_mg_per_day=15, settings=settings
    )
    assert found.action == "note"
    assert found.message.startswith("Benzodiazepine at 15 mg/day diazepam equivalent (at or")


def test_esketamine_cites_its_own_label() -> None:
    """Spravato PI section 7 for CNS depressants (spravato-pi)."""
    (found,) = interactions_for(["opioid"], drug="esketamine")
    assert found.source == cite("spravato-pi")


def test_classes_without_an_interaction_and_repeats_give_one_entry_each() -> None:
    """An SSRI has no listed interaction (andrade-2017-interactions: most antidepressants are
    safe with ketamine); a class given twice is named once."""
    found = interactions_for(["ssri", "opioid", "opioid", "lamotrigine"], drug="ketamine")
    assert [i.code for i in found] == ["interaction_opioid", "interaction_lamotrigine"]


def test_an_unknown_class_names_the_field_and_the_allowed_values() -> None:
    """Bad input names the field and what is allowed (project rule)."""
    with pytest.raises(ClinicalInputError) as caught:
        interactions_for(["grapefruit"], drug="ketamine")
    assert caught.value.field == "drug_class_ids"
    assert caught.value.message == (
        f"unknown drug class 'grapefruit'; allowed: {', '.join(sorted(DRUG_CLASSES))}"
    )


@pytest.mark.parametrize("dose", [-0.1, 200.1])
def test_a_dose_outside_0_to_200_mg_is_refused(dose: float) -> None:
    """The intake range 0-200 mg/day diazepam equivalent (ashton-equivalence)."""
    with pytest.raises(ClinicalInputError) as caught:
        interactions_for(["benzodiazepine"], drug="ketamine", diazepam_equivalent_mg_per_day=dose)
    assert (caught.value.field, caught.value.message) == (
        "diazepam_equivalent_mg_per_day",
        f"{dose:g} is outside the allowed range 0-200 mg/day",
    )


def test_an_unknown_drug_is_refused() -> None:
    with pytest.raises(ClinicalInputError) as caught:
        interactions_for(["opioid"], drug="propofol")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.message) == (
        "drug",
        "'propofol' is not allowed; allowed: ketamine, esketamine",
    )


# --- In the screening -----------------------------------------------------------------------


def test_screening_names_each_interaction_beside_the_rems_class() -> None:
    """The REMS-form classes still need review (spravato-rems); the interaction adds what it
    means (andrashko-2020)."""
    result = run(
        concomitant_drug_classes=["ssri", "benzodiazepine"], diazepam_equivalent_mg_per_day=20
    )
    assert decisions(result)["ketamine_iv"] == R
    assert codes(result, "ketamine_iv") == [
        "concomitant_benzodiazepine",
        "interaction_benzodiazepine",
        "indication_treatment_resistant_depression",
    ]
    reason = result.option("esketamine_nasal").reasons[1]
    assert (reason.code, reason.source) == (
        "interaction_benzodiazepine",
        cite("andrashko-2020", "feeney-2023", "spravato-pi"),
    )


def test_a_note_interaction_is_listed_without_changing_the_decision() -> None:
    """Lamotrigine is a note (anand-2000): the option stays eligible and the note is shown."""
    result = run(concomitant_drug_classes=["ssri", "lamotrigine"])
    assert decisions(result)["ketamine_iv"] == E
    assert "interaction_lamotrigine" in codes(result, "ketamine_iv")


@pytest.mark.parametrize("class_id", ["methylxanthine", "memantine", "cyp_inhibitor"])
def test_a_review_interaction_needs_the_prescriber(class_id: str) -> None:
    """Theophylline lowers the seizure threshold (ketalar-pi); memantine adds NMDA antagonism
    (memantine-nmda); CYP inhibitors raise exposure (andrade-2017-interactions)."""
    result = run(concomitant_drug_classes=["ssri", class_id])
    assert set(decisions(result).values()) == {R}
    assert f"interaction_{class_id}" in codes(result, "esketamine_nasal")
