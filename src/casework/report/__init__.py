"""Reporting: plotting theme, tables, and the site renderer."""
