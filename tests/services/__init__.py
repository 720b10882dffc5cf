"""Service-layer tests: every test runs on a SQLite file and on a real PostgreSQL server."""
