"""Derived analysis frames, built from validated tables (never inside notebooks)."""
