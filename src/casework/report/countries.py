"""Country names for readers: the data keep ISO 3166-1 alpha-3 codes; pages show names."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pycountry

# Where the ISO short name reads awkwardly and pycountry has no common name.
SHORT = {"COD": "DR Congo", "PSE": "Palestine", "FSM": "Micronesia"}


@lru_cache(maxsize=None)
def name(code: str) -> str:
    """'IRN' -> 'Iran'; a code ISO does not know is returned as it is."""
    if code in SHORT:
        return SHORT[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def named_index(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame indexed by country code, indexed by country name instead."""
    out = frame.copy()
    out.index = [name(c) for c in frame.index]
    out.index.name = frame.index.name
    return out
