"""casework.analysis.joint: delay and signing mandates of urgent appeals."""
from __future__ import annotations

import numpy as np
import pytest
from caseload_frames import communications
from scipy import stats

from casework.analysis import joint


def appeals():
    # delays 12 ± 2, 22 ± 2, 32 ± 2 days at 1, 2, 3 mandates: slope 10, intercept 2
    rows = [{"type": "urgent_appeal", "mandates": m, "delay_days": d, "date": f"{y}-06-01"}
            for m, d, y in [(1, 10, 2010), (1, 14, 2010), (2, 20, 2011), (2, 24, 2011),
                            (3, 30, 2012), (3, 34, 2012)]]
    rows += [{"type": "allegation_letter", "mandates": 9, "delay_days": 900, "date": "2012-01-01"},
             {"type": "urgent_appeal", "mandates": 9, "delay_days": None, "date": "2012-01-01"}]
    return communications(*rows)


def test_joint_by_year_uses_urgent_appeals_with_known_delay():
    out = joint.joint_by_year(appeals())
    assert out.index.tolist() == [2010, 2011, 2012]
    assert out["mean_delay_days"].tolist() == [12, 22, 32]
    assert out["mean_mandates"].tolist() == [1, 2, 3]
    assert out["communications"].tolist() == [2, 2, 2]


def test_delay_slope_and_hc3_interval_by_hand():
    s = joint.delay_per_mandate(appeals(), 0.90)
    assert s.slope == pytest.approx(10) and s.intercept == pytest.approx(2) and s.n == 6
    # HC3 sandwich: (X'X)^-1 X' diag(e²/(1-h)²) X (X'X)^-1, normal quantile
    x = np.array([[1, 1], [1, 1], [1, 2], [1, 2], [1, 3], [1, 3]], float)
    e = np.array([-2, 2, -2, 2, -2, 2], float)
    bread = np.linalg.inv(x.T @ x)
    h = np.einsum("ij,jk,ik->i", x, bread, x)
    cov = bread @ (x.T * (e ** 2 / (1 - h) ** 2)) @ x @ bread
    half = stats.norm.ppf(0.95) * np.sqrt(cov[1, 1])
    assert s.ci_low == pytest.approx(10 - half) and s.ci_high == pytest.approx(10 + half)


def test_fitted_line_passes_through_group_means():
    line = joint.delay_per_mandate(appeals(), 0.95).line([1, 2, 3])
    assert line["delay_days"].tolist() == pytest.approx([12, 22, 32])
    assert (line["ci_low"] < line["delay_days"]).all() and (line["delay_days"] < line["ci_high"]).all()


def test_too_few_appeals_is_an_error_naming_the_column():
    with pytest.raises(ValueError, match="delay_days"):
        joint.delay_per_mandate(appeals().iloc[:2], 0.95)


def test_mean_delay_last_years():
    assert joint.mean_delay_last_years(appeals(), 2012, years=2) == pytest.approx(27)
    assert np.isnan(joint.mean_delay_last_years(appeals(), 2020, years=2))
