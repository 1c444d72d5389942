"""Cox fits and proportional-hazards tests against R's survival package (stored output).

Fixtures (tests/fixtures/): cox_reference.R fits coxph(ties = "efron") and runs
cox.zph (the exact test, transforms km, rank, identity); rossi_r.csv is its output on
lifelines' Rossi data (many tied weeks), cox_ties_r.csv on cox_ties_urgent_actions.csv
(dates with women released the same number of days after arrest; ties_frame.R builds
the frame in R from the dates); cox_ties_split_r.csv and cox_ties_strata_r.csv are the
same frame with Free the 20 split at the median release time (survSplit, Surv(start,
stop, event)) and stratified on the two concern flags, the forms of notebook 05's
models without proportional hazards. With Rscript on PATH the R scripts run again and the
fresh output must equal the stored one.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from casework.analysis import cox_zph, survival
from casework.data.frames.survival import urgent_action_frame

FIXTURES = Path(__file__).parent / "fixtures"
TOL = 1e-6
TIES_COVARIATES = ("freethe20", "prisoner_of_conscience", "death_penalty_concerns")


def reference(name: str) -> pd.DataFrame:
    return reference_at(FIXTURES / name)


def reference_at(path: Path) -> pd.DataFrame:
    r = pd.read_csv(path, keep_default_na=False)
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


def assert_fit_equals_r(fitter, r: pd.DataFrame) -> None:
    """Coefficients, standard errors, Wald p and partial log-likelihood of a lifelines fit equal R's."""
    terms = list(fitter.params_.index)
    assert sorted(terms) == sorted(values(r, "coef").index)
    assert np.abs(fitter.params_ - values(r, "coef")[terms]).max() < TOL
    assert np.abs(fitter.standard_errors_ - values(r, "se")[terms]).max() < TOL
    assert np.abs(fitter.summary.p - values(r, "p")[terms]).max() < TOL
    assert fitter.log_likelihood_ == pytest.approx(values(r, "loglik").iloc[0], abs=TOL)


def assert_rows_equal_r(rows: pd.DataFrame, fits, r_by_approach: dict, confidence: float = 0.95) -> None:
    """The displayed ph_alternatives rows (hazard ratio, interval, p) equal R's, term by term."""
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    for row, (approach, _, term) in zip(rows.itertuples(), fits):
        r = r_by_approach[approach]
        coef, se, p = (values(r, q)[term] for q in ("coef", "se", "p"))
        assert row.approach == approach
        assert np.abs(np.array([row.hr, row.hr_low, row.hr_high, row.p])
                      - [np.exp(coef), np.exp(coef - z * se), np.exp(coef + z * se), p]).max() < TOL


def test_split_and_stratified_fits_equal_r():
    # Notebook 05's alternatives to proportional hazards, on the tied frame: Free the 20
    # split at the median release time (episodes built in Python, in R by survSplit) and
    # the model stratified on the covariates that fail the PH test (here, forced by
    # alpha = 1: both concern flags).
    frame = ties_frame()
    models = survival.fit_cox_models(frame, models={1: TIES_COVARIATES})
    tests = survival.ph_tests(models)
    fits = survival.ph_alternative_fits(models, tests, alpha=1.0, model=1)
    approaches = [a for a, _, _ in fits]
    assert [a.split(":")[-1] for a in approaches[1:3]] == [" early follow-up", " late follow-up"]
    assert approaches[3] == "stratified on Death penalty concerns, Prisoner of conscience"
    split, strata = reference("cox_ties_split_r.csv"), reference("cox_ties_strata_r.csv")
    assert_fit_equals_r(fits[1][1], split)
    assert_fit_equals_r(fits[3][1], strata)
    assert_rows_equal_r(survival.ph_alternatives(models, tests, alpha=1.0, model=1), fits,
                        {approaches[0]: reference("cox_ties_r.csv"), approaches[1]: split,
                         approaches[2]: split, approaches[3]: strata})


def test_split_episodes_keep_every_release_once():
    # (start, stop] episodes: a woman released after the cut has an early episode ending
    # at the cut without release and a late one ending at her release.
    data = pd.DataFrame({"duration": [1.0, 2.0, 3.0], "released": [1, 0, 1], "freethe20": [1, 1, 0]})
    ep = survival.split_follow_up(data, cut=2.0)
    assert ep[["id", "start", "stop", "event", "freethe20_early", "freethe20_late"]].values.tolist() == [
        [0, 0, 1, 1, 1, 0], [1, 0, 2, 0, 1, 0], [2, 0, 2, 0, 0, 0], [2, 2, 3, 1, 0, 0]]
    assert ep.event.sum() == data.released.sum()


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
    for option, fresh in (("split=freethe20", "split_r.csv"),
                          ("strata=prisoner_of_conscience,death_penalty_concerns", "strata_r.csv")):
        rscript(FIXTURES / "cox_reference.R", tmp_path / "frame.csv", "duration", "released",
                tmp_path / fresh, option)
    for stored, fresh in (("rossi_r.csv", "rossi_r.csv"), ("cox_ties_r.csv", "ties_r.csv"),
                          ("cox_ties_split_r.csv", "split_r.csv"), ("cox_ties_strata_r.csv", "strata_r.csv")):
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
    # The page's model 4 without proportional hazards: Free the 20 split early/late, and
    # stratified (alpha just above the smallest p of another covariate, so that at least
    # one stratum is chosen whatever the page's own level picks).
    tests = survival.covariate_ph_tests(ph.reset_index())
    others = tests[(tests.model == 4) & (tests.term != "freethe20")].p
    alpha = float(np.nextafter(others.min(), 1))
    fits = survival.ph_alternative_fits(models, ph.reset_index(), alpha, model=4)
    assert len(fits) == 4
    r_fit = {}
    for approach, fitter, _ in fits:
        if approach.startswith("stratified"):
            columns = [fitter.strata] if isinstance(fitter.strata, str) else list(fitter.strata)
            data, option = survival.stratified_data(models[4], columns), "strata=" + ",".join(columns)
        else:
            data, option = models[4].data, "split=freethe20"
        data.to_csv(tmp_path / "alt.csv", index=False)
        subprocess.run(["Rscript", str(FIXTURES / "cox_reference.R"), str(tmp_path / "alt.csv"),
                        "duration", "released", str(tmp_path / "alt_r.csv"),
                        *([option] if approach != fits[0][0] else [])],
                       check=True, capture_output=True, timeout=300)
        r_fit[approach] = reference_at(tmp_path / "alt_r.csv")
        if approach != fits[0][0]:
            assert_fit_equals_r(fitter, r_fit[approach])
    assert_rows_equal_r(survival.ph_alternatives(models, ph.reset_index(), alpha, model=4), fits, r_fit)
    # Model 4 with delayed entry at the launch for the featured women (left truncation).
    from casework.analysis.recovery import delayed_entry
    entry = survival.fit_delayed_entry(urgent_action_frame(ua), delayed_entry(ua))
    assert (entry.data.entry > 0).sum() > 5
    entry.data.to_csv(tmp_path / "entry.csv", index=False)
    subprocess.run(["Rscript", str(FIXTURES / "cox_reference.R"), str(tmp_path / "entry.csv"),
                    "duration", "released", str(tmp_path / "entry_r.csv"), "start=entry"],
                   check=True, capture_output=True, timeout=300)
    assert_fit_equals_r(entry.fitter, reference_at(tmp_path / "entry_r.csv"))
