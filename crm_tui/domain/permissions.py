"""Permission names from the manual, and who may do what."""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    """A user permission related to contact orders."""

    VIEW = "view"
    VIEW_ASSIGNED = "view-assigned"
    EDIT = "edit"
    CREATE = "create"
    DELETE = "delete"
    ASSIGN = "assign"
    ASSIGN_SELF = "assign-self"
    DELETE_FILES = "delete-files"


ALL_PERMS: tuple[str, ...] = tuple(p.value for p in Perm)

PERM_LABELS: dict[str, str] = {
    Perm.VIEW: "View",
    Perm.VIEW_ASSIGNED: "View only assigned",
    Perm.EDIT: "Edit",
    Perm.CREATE: "Create",
    Perm.DELETE: "Delete",
    Perm.ASSIGN: "Assign",
    Perm.ASSIGN_SELF: "Assign itself",
    Perm.DELETE_FILES: "Delete uploaded files",
}


def parse_perms(values: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Validate permission names (comma or space separated allowed)."""
    from crm_tui.domain.errors import ValidationError

    out: set[str] = set()
    for raw in values:
        for name in raw.replace(",", " ").split():
            name = name.strip().lower()
            if name not in ALL_PERMS:
                raise ValidationError(
                    f"Unknown permission '{name}'; known: {', '.join(ALL_PERMS)}", "perms"
                )
            out.add(name)
    if {Perm.VIEW, Perm.VIEW_ASSIGNED} <= out:
        # with both, "view" won: a user meant to see only their orders saw every one
        raise ValidationError(
            "'view' and 'view-assigned' exclude each other: 'view' sees every contact "
            "order, 'view-assigned' only those the user is involved in; give one", "perms")
    return frozenset(out)
