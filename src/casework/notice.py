"""The data notice every page and output carries, worded once.

A module of its own, outside casework.data: the renderer's provenance stamp needs the
words without importing the data stack (pandas, pandera) on a render with nothing to do.
"""
from __future__ import annotations

SYNTHETIC = ("Synthetic data: generated from published aggregates and coefficients, "
             "not the confidential case database. Numbers illustrate the method only.")
REAL = "Real case data supplied by the researcher."


def data_notice(synthetic: bool) -> str:
    """The notice for synthetic or real data (casework.data.Dataset.notice)."""
    return SYNTHETIC if synthetic else REAL
