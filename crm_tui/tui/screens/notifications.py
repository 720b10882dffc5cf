"""PLACEHOLDER: the Notifications screen (being written)."""

from __future__ import annotations

from crm_tui.tui.screens.base import CrmScreen


class NotificationsScreen(CrmScreen):
    """Notifications."""

    SECTION = "Notifications"
