"""The SSH server's access events reach the audit trail when the database is busy."""

from __future__ import annotations

import pytest
from peewee import OperationalError

from crm_tui.ssh import state


def test_an_audit_write_the_database_refuses_is_tried_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A logout written while the database was locked was lost ("audit write failed")."""
    monkeypatch.setattr(state, "RETRY_DELAYS_S", (0.0, 0.0, 0.0))
    attempts: list[int] = []

    def busy_twice() -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("database is locked")

    state._with_retries(busy_twice)
    assert len(attempts) == 3

    def always_busy() -> None:
        attempts.append(1)
        raise OperationalError("database is locked")

    attempts.clear()
    with pytest.raises(OperationalError):
        state._with_retries(always_busy)
    assert len(attempts) == 4  # the first try and one after each wait

    def refused() -> None:  # not the database's busy: not tried again
        attempts.append(1)
        raise ValueError("no such user")

    attempts.clear()
    with pytest.raises(ValueError):
        state._with_retries(refused)
    assert len(attempts) == 1
