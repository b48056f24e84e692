"""Helpers for tests and the local dev stack (never imported by production code paths)."""
