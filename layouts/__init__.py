"""Layouts: pure functions that build components; they never touch the database."""
