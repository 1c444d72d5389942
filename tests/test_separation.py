"""Detecting separation in a logit and naming the predictor that causes it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casework.analysis.logit import fit_logit
from casework.analysis.separation import DesignError, SeparationError, check_design, detect_separation


def _design(**cols) -> pd.DataFrame:
    X = pd.DataFrame(cols, dtype=float)
    X["constant"] = 1.0
    return X


def test_complete_separation_by_a_continuous_predictor():
    x = np.array([-3, -2, -1, -0.5, 0.5, 1, 2, 3], dtype=float)
    w = np.array([1, 0, 0, 1, 1, 0, 1, 0], dtype=float)
    rep = detect_separation(_design(x=x, w=w), (x > 0).astype(float))
    assert rep.separated
    # under complete separation every coefficient can move along a separating direction,
    # but only x separates on its own
    assert set(rep.variables) == {"x", "w", "constant"}
    assert rep.causes == ["x"]
    assert "caused by x" in rep.message()


def test_quasi_complete_separation_by_a_rare_dummy_is_named_with_its_cases():
    rng = np.random.default_rng(7)
    n = 200
    w = rng.normal(size=n)
    rare = np.zeros(n)
    rare[:6] = 1
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * w - 0.5)))).astype(float)
    y[:6] = 1.0                                   # every case with the rare violation improved
    rep = detect_separation(_design(w=w, rare=rare), y)
    assert rep.separated
    assert rep.variables == ["rare"]
    assert rep.causes == ["rare"]
    row = rep.details.set_index("variable").loc["rare"]
    assert row["direction"] == "+inf"
    assert row["detail"] == "all 6 cases with rare = 1 improved"
    assert "rare" in rep.message()


def test_all_failures_in_a_group_point_to_minus_infinity():
    rng = np.random.default_rng(3)
    n = 120
    g = (np.arange(n) < 10).astype(float)
    y = (rng.random(n) < 0.4).astype(float)
    y[g == 1] = 0.0
    rep = detect_separation(_design(g=g), y)
    assert rep.variables == ["g"]
    assert rep.details.set_index("variable").loc["g", "direction"] == "-inf"
    assert "did not improve" in rep.message()


def test_overlapping_data_are_not_flagged():
    rng = np.random.default_rng(11)
    n = 300
    X = _design(a=rng.normal(size=n), b=rng.integers(0, 2, n))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X["a"] - 0.3)))).astype(float)
    rep = detect_separation(X, y)
    assert not rep.separated
    assert rep.variables == []
    assert rep.causes == []
    assert not rep.details["implicated"].any()


def test_constant_or_collinear_columns_are_refused_by_name():
    with pytest.raises(DesignError, match="business = 0"):
        check_design(_design(a=[1, 2, 3, 4], business=[0, 0, 0, 0]))
    with pytest.raises(DesignError, match="rank"):
        check_design(_design(a=[1, 2, 3, 4], b=[2, 4, 6, 8]))


def test_fit_logit_raises_a_named_error_instead_of_a_convergence_warning():
    rng = np.random.default_rng(5)
    n = 150
    frame = pd.DataFrame({"a": rng.normal(size=n), "rare": (np.arange(n) < 5).astype(float),
                          "country": "X"})
    frame["improved"] = (rng.random(n) < 0.3).astype(float)
    frame.loc[frame["rare"] == 1, "improved"] = 0.0
    with pytest.raises(SeparationError, match="rare"):
        fit_logit(frame, ["a", "rare"], name="closed")
    flagged = fit_logit(frame, ["a", "rare"], on_separation="flag")   # no warning escapes
    assert flagged.separation.causes == ["rare"]
    assert flagged.params["rare"] < -5                                  # drifting to -inf


def test_is_separated_agrees_with_the_full_check():
    """The one-program check the power simulations use gives detect_separation's verdict."""
    from casework.analysis.separation import detect_separation, is_separated
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    X = pd.DataFrame({"x": x, "constant": 1.0})
    mixed = (rng.random(60) < 1 / (1 + np.exp(-x))).astype(float)
    split = (x > 0).astype(float)                     # x sorts the outcome completely
    for y in (mixed, split):
        assert is_separated(X.to_numpy(), y) == detect_separation(X, y).separated
    assert is_separated(X.to_numpy(), split) and not is_separated(X.to_numpy(), mixed)
