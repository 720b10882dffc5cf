"""PLACEHOLDER: the Registers screen (being written)."""

from __future__ import annotations

from crm_tui.tui.screens.base import CrmScreen


class RegisterScreen(CrmScreen):
    """Registers."""

    SECTION = "Registers"
