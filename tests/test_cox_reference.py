"""Cox fits and proportional-hazards tests against R's survival package (stored output).

Fixtures (tests/fixtures/): cox_reference.R fits coxph(ties = "efron") and runs
cox.zph (the exact test, transforms km, rank, identity); rossi_r.csv is its output on
lifelines' Rossi data (many tied weeks), cox_ties_r.csv on cox_ties_urgent_actions.csv
(dates with women released the same number of days after arrest; ties_frame.R builds
the frame in R from the dates). With Rscript on PATH the R scripts run again and the
fresh output must equal the stored one.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from casework.analysis import cox_zph, survival
from casework.data.frames.survival import urgent_action_frame

FIXTURES = Path(__file__).parent / "fixtures"
TOL = 1e-6
TIES_COVARIATES = ("freethe20", "prisoner_of_conscience", "death_penalty_concerns")


def reference(name: str) -> pd.DataFrame:
    r = pd.read_csv(FIXTURES / name, keep_default_na=False)
    return r.assign(value=r.value.astype(float))


def values(r: pd.DataFrame, quantity: str, transform: str = "") -> pd.Series:
    rows = r[(r.quantity == quantity) & (r.time_transform == transform)]
    return rows.set_index("term").value


def ties_frame() -> pd.DataFrame:
    ua = pd.read_csv(FIXTURES / "cox_ties_urgent_actions.csv",
                     parse_dates=["arrest_date", "release_date", "last_known_detained"])
    for col in [c for c in ua if c.startswith("concern_")]:
        ua[col] = ua[col].astype("boolean")
    # A horizon beyond every date: the R frame has none.
    return urgent_action_frame(ua, horizon_months=240, certainty="certain")


def test_rossi_cox_fit_equals_r():
    r = reference("rossi_r.csv")
    fit = CoxPHFitter().fit(load_rossi(), "week", "arrest")
    terms = list(fit.params_.index)
    assert np.abs(fit.params_ - values(r, "coef")[terms]).max() < TOL
    assert np.abs(fit.standard_errors_ - values(r, "se")[terms]).max() < TOL
    assert fit.log_likelihood_ == pytest.approx(values(r, "loglik").iloc[0], abs=TOL)
    data = load_rossi()
    risk = data[terms].to_numpy(float) @ fit.params_.to_numpy()
    c = survival.concordance(data.week, data.arrest, risk)
    assert c == pytest.approx(values(r, "concordance").iloc[0], abs=TOL)


@pytest.mark.parametrize("transform", cox_zph.TRANSFORMS)
def test_rossi_exact_ph_test_equals_r_cox_zph(transform):
    r = reference("rossi_r.csv")
    data = load_rossi()
    fit = CoxPHFitter().fit(data, "week", "arrest")
    got = cox_zph.zph_fitted(fit, data, transform).set_index("term")
    assert list(got.index) == [*fit.params_.index, cox_zph.GLOBAL]
    assert np.abs(got.chi2 - values(r, "zph_chi2", transform)[got.index]).max() < TOL
    assert np.abs(got.p - values(r, "zph_p", transform)[got.index]).max() < TOL
    assert got.df.tolist() == [1] * 7 + [7]


def test_exact_test_is_not_lifelines_approximation():
    # The reason this module exists: lifelines' test differs from R's by up to ~10 in χ².
    from lifelines.statistics import proportional_hazard_test
    data = load_rossi()
    fit = CoxPHFitter().fit(data, "week", "arrest")
    approx = proportional_hazard_test(fit, data, time_transform="rank").summary.test_statistic
    exact = cox_zph.zph_fitted(fit, data, "rank").set_index("term").chi2
    assert np.abs(approx.to_numpy() - exact[fit.params_.index].to_numpy()).max() > 1


def test_tied_release_times_cox_equals_r():
    frame = ties_frame()
    released = frame.duration[frame.released == 1]
    assert released.duplicated().sum() >= 10          # the fixture is full of ties
    r = reference("cox_ties_r.csv")
    models = survival.fit_cox_models(frame, models={1: TIES_COVARIATES})
    est = survival.tidy_estimates(models).set_index("term")
    assert np.abs(est.coef - values(r, "coef")[est.index]).max() < TOL
    assert np.abs(est.se - values(r, "se")[est.index]).max() < TOL
    stats = survival.model_statistics(models)
    assert stats.partial_loglik.iloc[0] == pytest.approx(values(r, "loglik").iloc[0], abs=TOL)
    assert stats.concordance.iloc[0] == pytest.approx(values(r, "concordance").iloc[0], abs=TOL)
    for transform in cox_zph.TRANSFORMS:
        ph = survival.ph_tests(models, transform).set_index("term")
        assert np.abs(ph.chi2 - values(r, "zph_chi2", transform)[ph.index]).max() < TOL
        assert np.abs(ph.p - values(r, "zph_p", transform)[ph.index]).max() < TOL


def test_ties_broken_in_the_last_bits_change_the_fit():
    # What the frame guards against: a tie broken by 4e-15 months moves the Efron fit.
    frame = ties_frame()
    models = survival.fit_cox_models(frame, models={1: TIES_COVARIATES})
    t = frame.duration[frame.released == 1]
    first = t[t.duplicated(keep=False)].index[0]
    broken = frame.copy()
    broken.loc[first, "duration"] = np.nextafter(broken.loc[first, "duration"], 0)
    other = survival.fit_cox_models(broken, models={1: TIES_COVARIATES})
    gap = np.abs(survival.tidy_estimates(models).coef - survival.tidy_estimates(other).coef).max()
    assert gap > TOL


def test_concordance_hand_count():
    # times 1 2 2 3 (released, released, censored, released); risk 3 2 2 1
    # i=1 (risk 3): later risks 2, 2, 1 -> 3 agree; i=2 (risk 2): later 2 (censored tie), 1 -> 1 tie, 1 agree
    assert survival.concordance([1, 2, 2, 3], [1, 1, 0, 1], [3, 2, 2, 1]) == pytest.approx(4.5 / 5)
    assert np.isnan(survival.concordance([1, 2], [0, 0], [1, 2]))


def test_bad_transform_and_names_are_named():
    with pytest.raises(ValueError, match="transform 'log': expected one of km, rank, identity"):
        cox_zph.zph_test([1, 2], [1, 1], [[0.0], [1.0]], [0.0], "log")
    with pytest.raises(ValueError, match="names: 2 given for 1 covariates"):
        cox_zph.zph_test([1, 2], [1, 1], [[0.0], [1.0]], [0.0], "km", ["a", "b"])


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not on PATH")
def test_stored_r_output_is_what_r_computes(tmp_path):
    def rscript(*args):
        subprocess.run(["Rscript", *map(str, args)], check=True, capture_output=True, timeout=300)

    load_rossi().to_csv(tmp_path / "rossi.csv", index=False)
    rscript(FIXTURES / "cox_reference.R", tmp_path / "rossi.csv", "week", "arrest", tmp_path / "rossi_r.csv")
    rscript(FIXTURES / "ties_frame.R", FIXTURES / "cox_ties_urgent_actions.csv", tmp_path / "frame.csv")
    rscript(FIXTURES / "cox_reference.R", tmp_path / "frame.csv", "duration", "released",
            tmp_path / "ties_r.csv")
    for stored, fresh in (("rossi_r.csv", "rossi_r.csv"), ("cox_ties_r.csv", "ties_r.csv")):
        old = reference(stored)
        new = pd.read_csv(tmp_path / fresh, keep_default_na=False)
        assert new[["quantity", "time_transform", "term"]].equals(old[["quantity", "time_transform", "term"]])
        assert np.allclose(new.value.astype(float), old.value, rtol=1e-9, atol=1e-12)


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not on PATH")
def test_study_cox_models_on_the_default_data_equal_r(tmp_path):
    # Every Cox number notebook 05 shows (Table 1 models, log-likelihoods, PH tests) on
    # the data in data/, against R run now on the same frames.
    from casework.data import load
    ua = load(Path(__file__).parents[1] / "data", only=["urgent_actions"])["urgent_actions"]
    models = survival.fit_cox_models(urgent_action_frame(ua))
    est = survival.tidy_estimates(models).set_index(["model", "term"])
    stats = survival.model_statistics(models).set_index("model")
    ph = survival.ph_tests(models).set_index(["model", "term"])
    for number, m in models.items():
        m.data.to_csv(tmp_path / f"m{number}.csv", index=False)
        subprocess.run(["Rscript", str(FIXTURES / "cox_reference.R"), str(tmp_path / f"m{number}.csv"),
                        "duration", "released", str(tmp_path / f"r{number}.csv")],
                       check=True, capture_output=True, timeout=300)
        r = pd.read_csv(tmp_path / f"r{number}.csv", keep_default_na=False)
        r = r.assign(value=r.value.astype(float))
        terms = list(m.covariates)
        assert np.abs(est.loc[number].coef[terms] - values(r, "coef")[terms]).max() < TOL
        assert np.abs(est.loc[number].se[terms] - values(r, "se")[terms]).max() < TOL
        assert stats.partial_loglik[number] == pytest.approx(values(r, "loglik").iloc[0], abs=TOL)
        assert stats.concordance[number] == pytest.approx(values(r, "concordance").iloc[0], abs=TOL)
        zph = values(r, "zph_p", "km")
        assert np.abs(ph.loc[number].p - zph[ph.loc[number].index]).max() < TOL
