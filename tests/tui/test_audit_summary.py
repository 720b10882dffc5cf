"""The audit tab's one-line summary of a change."""

from __future__ import annotations

import datetime as dt

from crm_tui.domain.records import AuditInfo
from crm_tui.tui.screens.admin_audit import summary


def test_a_value_cleared_reads_none_not_pythons_none() -> None:
    """A facility taken off an order read "facility: Depå → None" (QA21 L7)."""
    event = AuditInfo(1, dt.datetime(2026, 11, 29, 10, 0), "eva", "order.edit", "order",
                      "5", '{"facility": "Depå", "hours": "1.00"}',
                      '{"facility": null, "hours": "2.00"}')
    assert summary(event) == "facility: Depå → (none); hours: 1.00 → 2.00"
