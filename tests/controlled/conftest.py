from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

import pytest
import time_machine

from tests.conftest import Cast

from .stock import MONDAY, Stock, build_stock, ny


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(ny(MONDAY, 10).astimezone(UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def stock(cast: Cast, clock: time_machine.Coordinates) -> Stock:
    return build_stock(cast)
