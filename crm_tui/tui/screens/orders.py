"""PLACEHOLDER: the Contact orders screen (being written)."""

from __future__ import annotations

from crm_tui.tui.screens.base import CrmScreen


class OrderListScreen(CrmScreen):
    """Contact orders."""

    SECTION = "Contact orders"
