"""Single-character register search on SQLite: an index on each text's last character,
which with the trigram vocabulary and the last-two-characters index of 0008 finds the
rows of a rare character without walking the register. See
``crm_tui.db.search._short_ids``. PostgreSQL keeps walking the name index."""

from crm_tui.db.search import install_character_search


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    install_character_search()
