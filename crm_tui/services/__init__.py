"""Use cases: plain functions taking the acting user; permission checks live here."""
