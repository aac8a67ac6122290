"""OCI-R, CGI-S, CGI-I and ICSI: exact totals, subscales, bands, flags and missing items."""

from __future__ import annotations

import pytest

from ketacare.clinical.errors import ClinicalInputError
from ketacare.clinical.instruments import get_instrument, score


def test_ocir_total_and_six_subscales() -> None:
    """18 items 0-4; hoarding 1/7/13, checking 2/8/14, ordering 3/9/15, neutralizing 4/10/16,
    washing 5/11/17, obsessing 6/12/18 (source foa-2002)."""
    answers = {str(i): 0 for i in range(1, 19)} | {"1": 4, "7": 3, "5": 2, "18": 1}
    result = score("ocir", answers)
    assert result.total == 10
    assert result.subscales == {
        "hoarding": 7,
        "checking": 0,
        "ordering": 0,
        "neutralizing": 0,
        "washing": 2,
        "obsessing": 1,
    }


@pytest.mark.parametrize(("total", "flags"), [(20, ()), (21, ("probable_ocd",))])
def test_ocir_cutoff_is_21(total: int, flags: tuple[str, ...]) -> None:
    """Total >= 21 suggests OCD (source foa-2002)."""
    answers = [4] * (total // 4) + [total % 4] + [0] * (17 - total // 4)
    result = score("ocir", answers)
    assert (result.total, result.flags) == (total, flags)


def test_ocir_missing_item_is_refused() -> None:
    """All 18 items required (written policy of ocir.toml, foa-2002)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("ocir", [0] * 17)
    policy = get_instrument("ocir").missing.policy
    assert caught.value.message == f"OCI-R item 18 unanswered; {policy}"


@pytest.mark.parametrize(
    ("rating", "severity", "label"),
    [
        (1, "not_ill", "Normal, not at all ill"),
        (4, "moderately_ill", "Moderately ill"),
        (7, "extremely_ill", "Among the most extremely ill"),
    ],
)
def test_cgi_s_each_rating_is_its_band(rating: int, severity: str, label: str) -> None:
    """CGI-S 1 normal ... 7 among the most extremely ill (source guy-1976-cgi)."""
    result = score("cgi_s", [rating])
    assert (result.total, result.severity, result.severity_label) == (rating, severity, label)


def test_cgi_zero_not_assessed_is_refused() -> None:
    """0 = not assessed is not a rating (guy-1976-cgi)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("cgi_s", [0])
    assert caught.value.message == (
        "0 is not an allowed answer for CGI-S item 1 (CGI-S); allowed: 1-7"
    )
    with pytest.raises(ClinicalInputError) as missing:
        score("cgi_i", [None])
    policy = get_instrument("cgi_i").missing.policy
    assert missing.value.message == f"CGI-I item 1 unanswered; {policy}"


@pytest.mark.parametrize(
    ("rating", "severity", "flags"),
    [
        (1, "very_much_improved", ("cgi_response",)),
        (2, "much_improved", ("cgi_response",)),
        (3, "minimally_improved", ()),
        (4, "no_change", ()),
        (7, "very_much_worse", ()),
    ],
)
def test_cgi_i_response_is_much_or_very_much_improved(
    rating: int, severity: str, flags: tuple[str, ...]
) -> None:
    """CGI-I 1 or 2 is response (source busner-2007); bands from guy-1976-cgi."""
    result = score("cgi_i", [rating])
    assert (result.severity, result.flags) == (severity, flags)


def test_icsi_total_and_pain_item_has_no_one() -> None:
    """ICSI: 3 items 0-5 and a pain item 0, 2-5; total 0-20 (source oleary-1997-icsi)."""
    assert score("icsi", [5, 5, 5, 5]).total == 20
    assert score("icsi", [1, 2, 3, 0]).total == 6
    with pytest.raises(ClinicalInputError) as caught:
        score("icsi", [0, 0, 0, 1])
    assert caught.value.message == (
        "1 is not an allowed answer for ICSI item 4 (Bladder pain or burning); "
        "allowed: 0, 2, 3, 4, 5"
    )


@pytest.mark.parametrize(("pain", "flags"), [(0, ()), (2, ("bladder_pain",))])
def test_icsi_any_bladder_pain_is_flagged(pain: int, flags: tuple[str, ...]) -> None:
    """Any bladder pain or burning is flagged during repeated ketamine use (ketacare
    convention ketamine-uropathy-screen, unconfirmed; cystitis is a labelled risk)."""
    assert score("icsi", [0, 0, 0, pain]).flags == flags


def test_icsi_missing_item_is_refused() -> None:
    """All four items required (written policy of icsi.toml)."""
    with pytest.raises(ClinicalInputError) as caught:
        score("icsi", [1, 1, 1])
    policy = get_instrument("icsi").missing.policy
    assert caught.value.message == f"ICSI item 4 unanswered; {policy}"
