"""Every code the clinical core can show a person has an explicit label.

Each test iterates the core's own source of the codes (the instrument registry, the bands of
each instrument, the decision and option literals, the screening rules' reason codes, the
drug-class file, the protocol files, the discharge criteria), so a new code without a label
fails here rather than showing up bare on a page.
"""

from __future__ import annotations

import ast
import inspect
from typing import get_args

from ketacare.clinical import DRUG_CLASSES, load_instruments, load_protocols
from ketacare.clinical.interactions import interacting_classes
from ketacare.clinical.labels import VOCABULARIES, has_label, label, raw_codes
from ketacare.clinical.prior_auth import Status
from ketacare.clinical.safety.models import PredoseDecision
from ketacare.clinical.screening import indications, rules, substance_screen
from ketacare.clinical.screening.indications import REVIEW_GROUPS
from ketacare.clinical.screening.results import OPTIONS, Decision
from ketacare.clinical.settings import RISK_ORDER
from ketacare.clinical.vocabulary import CARE_ITEM_KINDS, DISCHARGE_CRITERIA


def _unlabelled(vocabulary: str, codes: object) -> list[str]:
    return [code for code in codes if not has_label(vocabulary, code)]  # type: ignore[attr-defined]


def test_every_instrument_is_labelled_by_its_abbreviation() -> None:
    instruments = load_instruments()
    assert _unlabelled("instrument", instruments) == []
    assert label("instrument", "phq9") == "PHQ-9"
    assert label("instrument", "qids_sr16") == "QIDS-SR16"
    assert all(label("instrument", i) == d.abbreviation for i, d in instruments.items())


def test_every_severity_band_of_every_instrument_is_labelled_as_its_file_says() -> None:
    bands = [(b.severity, b.label) for d in load_instruments().values() for b in d.bands]
    assert bands, "the registry has bands"
    assert _unlabelled("severity", [code for code, _ in bands]) == []
    assert [label("severity", code) for code, _ in bands] == [text for _, text in bands]
    assert label("severity", "moderately_severe") == "Moderately severe"
    # The C-SSRS screener stores its risk level as its severity.
    assert _unlabelled("severity", RISK_ORDER) == []
    assert _unlabelled("risk", RISK_ORDER) == []


def test_every_flag_an_instrument_can_raise_is_labelled() -> None:
    flags = {f.code for d in load_instruments().values() for f in d.flags}
    from ketacare.clinical.instruments import cssrs, scoring

    extra = _appended_strings(cssrs) | _appended_strings(scoring)
    assert {"suicidal_behaviour", "behaviour_recency_unknown", "provisional_ptsd"} <= extra
    assert _unlabelled("flag", flags | extra) == []


def _appended_strings(module: object) -> set[str]:
    """String constants passed to ``flags.append(...)`` in a module."""
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_every_decision_option_status_and_criterion_is_labelled() -> None:
    assert _unlabelled("decision", get_args(Decision)) == []
    assert _unlabelled("option", OPTIONS) == []
    assert _unlabelled("criterion_status", get_args(Status)) == []
    assert _unlabelled("discharge_criterion", DISCHARGE_CRITERIA) == []
    assert _unlabelled("predose_decision", get_args(PredoseDecision)) == []
    assert _unlabelled("care_item", CARE_ITEM_KINDS) == []
    assert label("decision", "needs_prescriber_review") == "Needs prescriber review"
    assert label("criterion_status", "not_met") == "Not met"
    for protocol in load_protocols().values():
        assert _unlabelled("discharge_criterion", protocol.discharge.criteria) == []
        assert _unlabelled("drug", [protocol.drug]) == []
        assert _unlabelled("route", [protocol.route]) == []


def test_every_concentration_band_of_the_pk_engine_is_labelled() -> None:
    from ketacare.pk.catalog import bands

    assert _unlabelled("band", [b.name for b in bands()]) == []


def test_every_drug_class_is_labelled_from_the_drug_class_file() -> None:
    assert _unlabelled("drug_class", DRUG_CLASSES) == []
    assert label("drug_class", "ndri") == "Bupropion (NDRI)"
    assert label("drug_class", "ssri") == DRUG_CLASSES["ssri"].label


def test_every_protocol_is_labelled_by_its_title() -> None:
    protocols = load_protocols()
    assert _unlabelled("protocol", protocols) == []
    assert label("protocol", "depression-iv-induction") == "Depression: IV ketamine induction"


def _reason_codes(module: object) -> set[str]:
    """Every reason code a screening module can emit, read from its source.

    A code is the third argument of ``Finding(...)`` or ``_each(...)``: a string, an f-string
    over a core table (indication groups, drug classes), or a variable bound from a tuple of
    ``(code, ...)`` literals in the same function.
    """
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    expansions = {
        "indication_": list(REVIEW_GROUPS),
        "concomitant_": [cid for cid, c in DRUG_CLASSES.items() if c.pmf_concomitant],
        "interaction_": sorted(interacting_classes()),
    }
    codes: set[str] = set()
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        tuples = {
            t.elts[0].value
            for t in ast.walk(function)
            if isinstance(t, ast.Tuple)
            and t.elts
            and isinstance(t.elts[0], ast.Constant)
            and isinstance(t.elts[0].value, str)
        }
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            name = getattr(call.func, "id", None)
            if name not in ("Finding", "_each") or len(call.args) < 3:
                continue
            arg = call.args[2]
            if isinstance(arg, ast.Constant):
                codes.add(str(arg.value))
            elif isinstance(arg, ast.JoinedStr):
                prefix = arg.values[0].value  # type: ignore[attr-defined]
                codes |= {f"{prefix}{suffix}" for suffix in expansions[prefix]}
            else:
                assert isinstance(arg, ast.Name), ast.dump(arg)
                codes |= tuples
    return codes


def test_every_reason_code_of_the_screening_rules_is_labelled() -> None:
    codes = _reason_codes(rules) | _reason_codes(indications) | _reason_codes(substance_screen)
    assert {
        "no_home_sitter",
        "aneurysmal_vascular_disease",
        "psychotic_features",
        "concomitant_maoi",
        "indication_ptsd",
        "esketamine_trd",
    } <= codes
    assert _unlabelled("reason", codes) == []
    assert label("reason", "no_home_sitter") == "No home sitter available for home sessions"
    assert label("reason", "indication_ptsd") == "PTSD"
    assert label("reason", "concomitant_maoi") == (
        "Concomitant medication: Monoamine oxidase inhibitor (MAOI)"
    )


def test_an_unknown_code_is_humanised_and_labels_are_never_codes() -> None:
    assert label("decision", "some_new_code") == "Some new code"
    assert label("no_such_vocabulary", "x_y") == "X y"
    for name, mapping in VOCABULARIES.items():
        for code, text in mapping.items():
            assert "_" not in text, (name, code, text)


def test_raw_codes_lists_the_codes_a_page_must_not_show_and_leaves_out_words() -> None:
    codes = raw_codes()
    assert {"phq9", "moderately_severe", "no_home_sitter", "ndri", "not_met"} <= codes
    assert {"depression-iv-induction", "needs_prescriber_review"} <= codes
    # Ordinary words and short codes that occur inside words stay out.
    assert not {"eligible", "other", "mild", "draft", "iv", "met", "pregnant", "none"} & codes
