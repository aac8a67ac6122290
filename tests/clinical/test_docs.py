"""docs/clinical.md stays in step with the code: every setting, source, protocol, instrument."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketacare.clinical.instruments import INSTRUMENT_IDS
from ketacare.clinical.protocols import load_protocols, load_services
from ketacare.clinical.settings import SettingInfo, describe_settings
from ketacare.clinical.sources import all_sources

DOC = (Path(__file__).resolve().parents[2] / "docs" / "clinical.md").read_text(encoding="utf-8")


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


@pytest.mark.parametrize("info", describe_settings(), ids=lambda info: info.name)
def test_every_setting_is_documented_with_its_default(info: SettingInfo) -> None:
    assert f"| `{info.name}` | {_shown(info.default)} |" in DOC


@pytest.mark.parametrize("key", list(all_sources()))
def test_every_source_is_listed(key: str) -> None:
    assert f"| `{key}` | {all_sources()[key].citation} |" in DOC


@pytest.mark.parametrize(
    "identifier", [*sorted(load_protocols()), *INSTRUMENT_IDS, *load_services()]
)
def test_every_protocol_instrument_and_service_is_named(identifier: str) -> None:
    assert f"`{identifier}`" in DOC
