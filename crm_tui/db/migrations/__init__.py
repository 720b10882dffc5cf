"""Versioned schema migrations (playhouse.migrations scripts: NNNN_name.py with up())."""
