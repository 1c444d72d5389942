"""Figures, one module per notebook (`caseload` for 01, ...), on shared helpers (`common`).

A figure function takes analysis frames and published values and returns the matplotlib
Figure already stamped by `casework.report.theme.finish`. Modules load on first use, so
`figures.caseload` does not import what other notebooks' figures need.
"""
from __future__ import annotations

import importlib


def __getattr__(name: str):
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"casework.report.figures has no figure module {name!r}") from None
