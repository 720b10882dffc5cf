"""Persistence: peewee models, connection set-up, migrations and search."""
