"""Two-character register search on SQLite: an fts5vocab table per trigram index (to
list the trigrams that start with a pair of characters) and an index on each text's
last two characters (a pair that ends the text is in no such trigram). See
``crm_tui.db.search._pair_ids``. PostgreSQL keeps walking the name index."""

from crm_tui.db.search import install_pair_search


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    install_pair_search()
