"""Declared truths: written into the data package by `casework simulate`, read back by
`casework.data.truths`, NaN on real data and where no model generates an estimate."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from casework.data import load
from casework.data.simulate import provenance
from casework.data.truths import (COX, LOGIT, add_truths, check_truths, declared_truths,
                                  not_generated, truth_of, truth_table)
from casework.data.write import write_tables
from casework.published import published

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The committed freethe20 table written with a simulator's provenance, loaded back."""
    out = tmp_path_factory.mktemp("pkg")
    frames = load(ROOT / "data", only=["freethe20"]).tables
    write_tables(frames, out, synthetic=True, provenance=provenance(7, ["reference_release"]))
    return load(out, only=["freethe20"])


def test_truths_round_trip_through_the_data_package(written):
    assert written.provenance["seed"] == 7
    assert list(written.provenance["conditions"]) == ["reference_release"]
    back = truth_table(written.provenance)
    assert back.equals(truth_table({"truths": declared_truths()}))


def test_truths_are_the_published_generating_values(written):
    coefs = published()["regressions"]["coefficients"]
    cox = published()["freethe20"]["cox_models"]
    for model in ("closed", "open"):
        for term, values in coefs.items():
            assert truth_of(written.provenance, LOGIT, model, term) == values[model][0]
    assert truth_of(written.provenance, COX, 4, "freethe20") == cox["freethe20"][3][0]
    assert truth_of(written.provenance, COX, "4", "region_africa") == cox["region_africa"][3][0]


def test_estimates_no_model_generates_have_no_truth_and_say_why(written):
    assert math.isnan(truth_of(written.provenance, LOGIT, "all", "mentions"))
    assert "pooled logit" in not_generated(written.provenance, LOGIT, "all")
    assert math.isnan(truth_of(written.provenance, COX, 1, "freethe20"))
    assert "omits" in not_generated(written.provenance, COX, 2)
    assert not_generated(written.provenance, COX, 4) == ""


def test_real_data_have_no_truths():
    assert truth_table({}).empty
    assert math.isnan(truth_of({"generator": "field work"}, LOGIT, "open", "mentions"))


def test_scorecard_rows_get_a_truth_column(written):
    rows = pd.DataFrame({"estimate": ["a", "b", "c"]})
    out = add_truths(rows, written.provenance, LOGIT, ["open", "all", "open"],
                     ["upcoming_upr", "upcoming_upr", "no_such_term"])
    assert out.truth.iloc[0] == published()["regressions"]["coefficients"]["upcoming_upr"]["open"][0]
    assert out.truth.iloc[1:].isna().all()


@pytest.mark.parametrize("truths, message", [
    ([1, 2], "provenance.truths must be a mapping, got list"),
    ({"x": {"model": "m"}}, "provenance.truths.x needs a 'generates' mapping"),
    ({"x": {"generates": {"1": {"b": "big"}}}}, r"provenance.truths.x.generates.1.b must be a "
                                                 r"finite number, got 'big'"),
    ({"x": {"generates": {"1": {"b": float("nan")}}}}, "must be a finite number, got nan"),
])
def test_bad_truths_are_named(truths, message):
    with pytest.raises(ValueError, match=message):
        check_truths(truths)


def test_committed_data_declare_their_truths():
    pkg = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["provenance"]["conditions"] == {}
    assert truth_table(pkg["provenance"]).equals(truth_table({"truths": declared_truths()}))
