"""Search predicates over the folded ``search_text`` columns (same SQL on SQLite and PG)."""

from __future__ import annotations

from peewee import SQL, Field, NodeList


def like_pattern(folded: str) -> str:
    """'%text%' with the user's own % and _ escaped."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(field: Field, folded: str) -> NodeList:
    """field LIKE '%folded%' ESCAPE '\\' (the field holds folded text)."""
    return NodeList((field, SQL("LIKE"), like_pattern(folded), SQL("ESCAPE '\\'")))
