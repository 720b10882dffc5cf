"""Row ids that are never given twice.

SQLite gives a new row the highest id of its table plus one, so the id of the newest
row, once deleted, went to the next row made: an order form, a card or a to-do holding
the deleted entry's id then saved to, showed or marked another one (an order saved to
the customer made after the one picked was deleted). PostgreSQL's sequences never give
an id twice. On SQLite the highest id deleted from a table is kept (``retire``), and a
new row of that table takes an id above it (``fresh``), as AUTOINCREMENT would; tables
made before this kept their plain ids (changing them means copying each table).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from peewee import fn

from crm_tui.db.database import is_sqlite
from crm_tui.db.models import Counter


def _name(model: Any) -> str:
    return f"{model._meta.table_name}.retired_id"


def retire(model: Any, ids: Iterable[int]) -> None:
    """Rows of ``model`` with these ids are being deleted: their ids are not given again
    (inside the deleting transaction)."""
    top = max(ids, default=None)
    if top is None or not is_sqlite():
        return
    Counter.insert(name=_name(model), value=top).on_conflict(
        conflict_target=[Counter.name],
        update={Counter.value: fn.MAX(Counter.value, top)}).execute()


def fresh(model: Any) -> dict[str, int]:
    """The id a new row of ``model`` takes, as keyword arguments for it: none where the
    database's own is new (PostgreSQL, or no id of the table's retired), else one above
    the highest id ever retired. Inside the creating transaction (writes are serial)."""
    if not is_sqlite():
        return {}
    retired = Counter.select(Counter.value).where(Counter.name == _name(model)).scalar()
    if retired is None:
        return {}
    highest = model.select(fn.MAX(model.id)).scalar() or 0
    return {"id": retired + 1} if retired >= highest else {}
