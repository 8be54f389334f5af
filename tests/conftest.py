"""Markers for the whole suite: a test that starts a real process (a server, `memload run`, Locust, a
child Python) is an ``integration`` test. Tests that use one of the fixtures below are marked here;
tests that start a process themselves carry ``@pytest.mark.integration`` (or a module ``pytestmark``).
``make check`` runs the rest: ``-m 'not slow and not integration'``."""

from __future__ import annotations

import pytest

# fixtures (tests/reference/conftest.py, tests/run/conftest.py, tests/truth/conftest.py) that start processes
PROCESS_FIXTURES = frozenset({"shared_target", "start_target", "reference_target", "work"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
