"""The multiverse's Cox specifications (notebook 06) against R's coxph (Efron ties).

Stored: tests/fixtures/multiverse_cox_frames.csv holds the frames of three
specifications (cox_ua-002 and cox_ua-036 of the Urgent Action analysis, cox_list-005
of the short- against long-list analysis) as `multiverse.cox_specification_frame`
built them from the default data; multiverse_cox_r.csv is what
multiverse_cox_reference.R (R 4.2.2, survival 3.5.3) fitted to them. With Rscript on
PATH, R runs again on the stored frames and on every Cox specification of the full
grid on data/, and each must equal the multiverse's estimate to 1e-6.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casework.analysis import multiverse as mv

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[1]
TOL = 1e-6
HAS_R = shutil.which("Rscript") is not None


def stored_frames() -> dict[str, pd.DataFrame]:
    frames = pd.read_csv(FIXTURES / "multiverse_cox_frames.csv")
    out = {}
    for spec_id, g in frames.groupby("spec_id", sort=False):
        g = g.drop(columns="spec_id").dropna(axis=1, how="all")
        covariates = [c for c in g.columns if c not in ("duration", "released")]
        out[spec_id] = g[[*covariates, "duration", "released"]].astype(
            {c: int for c in covariates}).reset_index(drop=True)
    return out


def r_values(path: Path) -> pd.DataFrame:
    r = pd.read_csv(path, keep_default_na=False)
    return r.assign(value=r.value.astype(float))


def fitted(frame: pd.DataFrame, term: str) -> dict:
    headline = next(h for h in mv.HEADLINES if h.term == term)
    return mv._fit_cox(frame, term, headline, 0.95)


def r_coef(r: pd.DataFrame, spec_id: str, term: str, quantity: str) -> float:
    hit = r[(r.spec_id == spec_id) & (r.term == term) & (r.quantity == quantity)]
    assert len(hit) == 1, (spec_id, term, quantity)
    return float(hit.value.iloc[0])


def test_stored_specifications_equal_r():
    r = r_values(FIXTURES / "multiverse_cox_r.csv")
    frames = stored_frames()
    assert sorted(frames) == sorted(set(r.spec_id))
    for spec_id, frame in frames.items():
        term = "featured" if spec_id.startswith("cox_list") else "freethe20"
        got = fitted(frame, term)
        assert got["reason"] is None
        assert abs(got["estimate"] - r_coef(r, spec_id, term, "coef")) < TOL
        assert abs(got["se"] - r_coef(r, spec_id, term, "se")) < TOL


def test_specification_frames_are_the_stored_ones():
    # The stored frames are what the multiverse fits on data/ (when data/ still holds the
    # data they were made from: otherwise only the R comparisons below apply).
    from casework.data import load
    data = load(ROOT / "data", only=["urgent_actions", "freethe20"])
    grid = mv.build_grid((mv.ANALYSIS_BY_KEY["cox_ua"], mv.ANALYSIS_BY_KEY["cox_list"])).set_index("spec_id")
    for spec_id, stored in stored_frames().items():
        spec = grid.loc[spec_id]
        frame = mv.cox_specification_frame(data, spec.analysis,
                                           {c: spec[c] for c in mv.choice_names(spec.analysis)})
        if len(frame) != len(stored):
            pytest.skip("data/ was regenerated since the fixture was written")
        assert list(frame.columns) == list(stored.columns)
        np.testing.assert_allclose(frame.to_numpy(float), stored.to_numpy(float), rtol=0, atol=1e-12)


def test_not_a_cox_analysis_is_named():
    with pytest.raises(KeyError, match="analysis 'logit_all': not a Cox analysis"):
        mv.cox_specification_frame({}, "logit_all", {})


@pytest.mark.skipif(not HAS_R, reason="Rscript not on PATH")
def test_stored_r_output_is_what_r_computes(tmp_path):
    subprocess.run(["Rscript", str(FIXTURES / "multiverse_cox_reference.R"),
                    str(FIXTURES / "multiverse_cox_frames.csv"), str(tmp_path / "r.csv")],
                   check=True, capture_output=True, timeout=300)
    old, new = r_values(FIXTURES / "multiverse_cox_r.csv"), r_values(tmp_path / "r.csv")
    assert new[["spec_id", "term", "quantity"]].equals(old[["spec_id", "term", "quantity"]])
    assert np.allclose(new.value, old.value, rtol=1e-9, atol=1e-12)


@pytest.mark.skipif(not HAS_R, reason="Rscript not on PATH")
def test_every_cox_specification_of_the_grid_equals_r(tmp_path):
    from casework.data import load
    data = load(ROOT / "data", only=["urgent_actions", "freethe20"])
    analyses = (mv.ANALYSIS_BY_KEY["cox_ua"], mv.ANALYSIS_BY_KEY["cox_list"])
    universe = mv.run(data, grid="full", analyses=analyses)
    frames = []
    for spec in universe.grid.to_dict("records"):
        frame = mv.cox_specification_frame(data, spec["analysis"],
                                           {c: spec[c] for c in mv.choice_names(spec["analysis"])})
        frames.append(frame.assign(spec_id=spec["spec_id"]))
    stacked = pd.concat(frames, ignore_index=True)
    stacked[["spec_id", *[c for c in stacked if c != "spec_id"]]].to_csv(tmp_path / "frames.csv", index=False)
    subprocess.run(["Rscript", str(FIXTURES / "multiverse_cox_reference.R"), str(tmp_path / "frames.csv"),
                    str(tmp_path / "r.csv")], check=True, capture_output=True, timeout=600)
    r = r_values(tmp_path / "r.csv")
    results = universe.results.set_index("spec_id")
    estimated = 0
    for spec_id, row in results.iterrows():
        term = mv.HEADLINE_BY_KEY[row.headline].term
        if row.reason is None:
            assert abs(row.estimate - r_coef(r, spec_id, term, "coef")) < TOL, spec_id
            assert abs(row.se - r_coef(r, spec_id, term, "se")) < TOL, spec_id
            estimated += 1
        else:
            # Skipped (a group or a covariate level without release, decided from the data
            # so that no machine's last bits decide it): R's coefficient of that group or
            # level runs off to infinity, so R has an infinite coefficient there too.
            assert row.reason == "a group without release", spec_id
            ses = r[(r.spec_id == spec_id) & (r.quantity == "se")].value
            assert (ses > 100).any(), spec_id
    assert estimated >= len(results) // 2, (estimated, len(results))  # most specifications are compared
