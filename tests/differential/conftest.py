"""Writes the golden files recorded during a `make golden` run (PGW_GOLDEN=record) once the session ends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.differential.registry import GROUPS, GROUPS_1_11
from tests.support import golden


@pytest.fixture(scope="session", autouse=True)
def _write_golden_files() -> Iterator[None]:
    yield
    if golden.RECORDING:
        for file in golden.RECORDER.write({**GROUPS, **GROUPS_1_11}):
            print(f"\nrecorded {file}")
