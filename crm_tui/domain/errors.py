"""Domain errors, named for the business problem; each carries a readable message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class CrmError(Exception):
    """Base of every error a user can cause; str() is one readable line."""

    def __str__(self) -> str:
        """One line, with control characters from user input made visible."""
        from crm_tui.domain.text import printable

        text = super().__str__()
        return printable(text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " "))


class NotFound(CrmError):
    """The thing asked for does not exist (or the user may not see it); ``field`` names
    the input that named it, when known (an order's customer, deleted meanwhile)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(CrmError):
    """The acting user lacks the permission for this action."""


class InactiveUser(PermissionDenied):
    """The acting user was deactivated (or removed): nothing more for them to do."""


class ValidationError(CrmError):
    """Input was rejected; ``field`` names the offending field when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FieldProblems(ValidationError):
    """Several fields were refused at once: ``problems`` by field, in the form's order
    (one a save made a form of four slips take four saves)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()), next(iter(problems), None))
        self.problems = problems


class ConflictError(CrmError):
    """An edit was based on an old version; ``fields`` changed since."""

    def __init__(self, serial: int, base_version: int, current_version: int,
                 fields: Sequence[str], now: Mapping[str, str] | None = None) -> None:
        self.serial = serial
        self.base_version = base_version
        self.current_version = current_version
        self.fields = list(fields)
        self.now = dict(now or {})  # field -> its value now, as shown (for the changed ones)
        names = ", ".join(f"{f} (now {_quoted(self.now[f])})" if f in self.now else f
                          for f in self.fields) or "unknown fields"
        super().__init__(
            f"Contact order {serial} was changed by someone else since version "
            f"{base_version} (now {current_version}); changed: {names}"
        )


class AlreadyExists(CrmError):
    """Saving would replace something of the same name; ``name`` is that name."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name


class ChangedMeanwhile(ValidationError):
    """A register entry changed since the editor read it; ``now`` has the fields that
    differ, with their values now."""

    def __init__(self, what: str, now: Mapping[str, str]) -> None:
        self.now = dict(now)
        changed = ", ".join(f"{name} (now {_quoted(value)})" for name, value in now.items())
        super().__init__(f"{what} was changed by someone else meanwhile: {changed}")


def _quoted(value: str, limit: int = 40) -> str:
    """A value for a one-line message: quoted, cut at ``limit`` characters."""
    one_line = " ".join(value.split())
    if not one_line:
        return "empty"
    return repr(one_line if len(one_line) <= limit else one_line[:limit - 1] + "…")


@dataclass(frozen=True)
class Candidate:
    """An existing register entry that looks like a name being created."""

    kind: str
    id: int
    name: str
    number: str | None = None


class NearDuplicate(CrmError):
    """A new customer/facility name looks like an existing one."""

    def __init__(self, kind: str, name: str, candidates: Sequence[Candidate], *,
                 renaming: bool = False, similar: bool = False) -> None:
        self.kind = kind
        self.name = name
        self.candidates = list(candidates)
        self.similar = similar  # like them but not the same name: not one to use-existing
        self.renaming = renaming
        choice = ("keep the name it has, or save the new one anyway" if renaming else
                  "choose to use the existing one or to create a new one")
        super().__init__(f"{self.looks_like()}; {choice}")

    def looks_like(self) -> str:
        """"Customer 'X' looks like existing 'Y (1001)'": the finding, without a choice."""
        first = self.candidates[0]
        label = f"{first.name} ({first.number})" if first.number else first.name
        return f"{self.kind.capitalize()} '{self.name}' looks like existing '{label}'"
