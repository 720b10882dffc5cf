"""Fixtures of the service tests (db_url, admin, make_user come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from crm_tui.domain.records import Actor
from tests.services.helpers import World, build_world


@pytest.fixture
def world(admin: Actor) -> World:
    """The permission-test world (see helpers.World)."""
    return build_world(admin)
