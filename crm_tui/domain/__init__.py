"""Domain layer: dataclasses, enums, permission names and errors (no peewee, no textual)."""
