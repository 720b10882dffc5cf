"""PLACEHOLDER: the Admin settings screen (being written)."""

from __future__ import annotations

from crm_tui.tui.screens.base import CrmScreen


class AdminScreen(CrmScreen):
    """Admin settings."""

    SECTION = "Admin settings"
