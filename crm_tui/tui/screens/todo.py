"""PLACEHOLDER: the To-do screen (being written)."""

from __future__ import annotations

from crm_tui.tui.screens.base import CrmScreen


class TodoScreen(CrmScreen):
    """To-do."""

    SECTION = "To-do"
