"""Users get a JSON text of UI preferences (theme...)."""

from peewee import TextField

IN_MODELS = True  # a new database gets this from the models (see crm_tui.db.migrate)


def up(migrator, db):  # noqa: ANN001, ANN201 - signature fixed by playhouse.migrations
    migrator.migrate(migrator.add_column("user", "preferences", TextField(default="{}")))


def down(migrator, db):  # noqa: ANN001, ANN201
    migrator.migrate(migrator.drop_column("user", "preferences"))
