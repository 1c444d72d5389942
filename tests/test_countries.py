"""Country names shown to readers."""
import pandas as pd

from casework.report.countries import name, named_index


def test_names_prefer_the_common_form():
    assert name("IRN") == "Iran"
    assert name("PRK") == "North Korea"
    assert name("RUS") == "Russian Federation"
    assert name("COD") == "DR Congo"


def test_unknown_code_is_kept():
    assert name("XKX") == "XKX"  # Kosovo has no ISO 3166-1 code


def test_named_index_keeps_values_and_index_name():
    frame = pd.DataFrame({"cases": [247, 113]}, index=pd.Index(["IND", "ARG"], name="Country"))
    out = named_index(frame)
    assert out.index.tolist() == ["India", "Argentina"] and out.index.name == "Country"
    assert out["cases"].tolist() == [247, 113] and frame.index.tolist() == ["IND", "ARG"]
