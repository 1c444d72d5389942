"""The multiverse: grid builder, skip reasons, influence measure, end-to-end runs, figure."""
from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from lifelines import CoxPHFitter  # noqa: E402

from casework.analysis import multiverse as mv  # noqa: E402
from casework.analysis import logit as reg  # noqa: E402
from casework.analysis.firth import firth_logit  # noqa: E402
from casework.analysis.survival import FIT_OPTIONS  # noqa: E402
from casework.analysis.multiverse_plot import point_colours, specification_curve  # noqa: E402
from casework.data.frames.improvement import model_columns, regression_frame  # noqa: E402
from casework.data.frames.survival import DAYS_PER_MONTH, launch_date  # noqa: E402

LAUNCH = launch_date()


# --- small synthetic tables with the columns the frames read ---------------------------------

def logit_tables(n: int = 420, seed: int = 3, disciplinary_open_all_improved: bool = False):
    """sample/cases whose outcome follows a logit with clear effects of the headline terms."""
    rng = np.random.default_rng(seed)
    countries = [f"C{i:02d}" for i in range(24)]
    polity_of = dict(zip(countries, rng.choice([-8, -6, -3, -1, 2, 4, 7, 9], len(countries))))
    country = rng.choice(countries, n)
    polity = np.array([polity_of[c] for c in country])
    sample = pd.DataFrame({
        "case_id": [f"K{i:06d}" for i in range(n)], "assessed": rng.random(n) < 0.9,
        "information": rng.choice(["good", "limited"], n, p=[0.75, 0.25]), "polity": polity,
        "fragility": rng.integers(0, 25, n), "upcoming_upr": rng.random(n) < 0.3,
        "aid_gdp": rng.gamma(1.0, 2.0, n), "aid_gni": rng.gamma(1.0, 2.0, n),
        "reply_received": rng.random(n) < 0.45, "mentions": 1 + rng.poisson(0.8, n),
        "mentions_next_report": rng.random(n) < 0.2, "business_involved": rng.random(n) < 0.15,
        "viol_detention": rng.random(n) < 0.5, "viol_torture": rng.random(n) < 0.2,
        "viol_conviction": rng.random(n) < 0.15, "viol_disciplinary": rng.random(n) < 0.08,
        "viol_admin_harassment": rng.random(n) < 0.1, "issue_minority": rng.random(n) < 0.3,
        "female_trans": rng.random(n) < 0.25,
    })
    eta = (-0.6 - 0.6 * sample.mentions - 1.2 * sample.business_involved + 1.0 * sample.viol_detention
           + 0.9 * sample.upcoming_upr + 0.1 * sample.aid_gdp)
    better = rng.random(n) < 1 / (1 + np.exp(-eta))
    if disciplinary_open_all_improved:
        better |= (sample.viol_disciplinary & (polity > 0)).to_numpy()
    development = np.where(better, rng.choice(["much_better", "somewhat_better"], n),
                           rng.choice(["same", "mixed", "somewhat_worse"], n))
    sample["development"] = pd.Series(development).where(sample["assessed"])
    return sample, pd.DataFrame({"case_id": sample["case_id"], "country": country})


def months_after_launch(m) -> pd.Series:
    return LAUNCH + pd.to_timedelta(np.asarray(m, float) * DAYS_PER_MONTH, unit="D")


def survival_tables(n_ua: int = 160, n_list: int = 36, seed: int = 5, featured_released: bool = True):
    """urgent_actions and freethe20 tables: featured women released about twice as fast."""
    rng = np.random.default_rng(seed)
    featured = np.arange(n_ua) < 20
    arrest = -rng.uniform(3, 60, n_ua)                             # months after the launch
    wait = rng.exponential(np.where(featured, 18.0, 40.0))
    release = arrest + wait
    if not featured_released:
        release[featured] = 100.0                                  # never within follow-up
    released = release < 44
    regions = np.array(["Asia", "Middle East", "Eurasia", "Africa", "Americas", "Other"])
    ua = pd.DataFrame({
        "woman_id": [f"U{i:04d}" for i in range(n_ua)], "n_urgent_actions": rng.integers(1, 5, n_ua),
        **{c: pd.array(rng.random(n_ua) < 0.4, dtype="boolean") for c in
           ("concern_poc", "concern_torture", "concern_death_penalty", "concern_legal", "concern_medical")},
        "country": "CHN", "region": rng.choice(regions, n_ua), "year_entry": rng.integers(2000, 2016, n_ua),
        "eligible": True, "arrest_date": months_after_launch(arrest),
        "release_date": months_after_launch(release).where(released),
        "last_known_detained": months_after_launch(np.full(n_ua, 44.0)).where(~released),
        "certainty": rng.choice(["certain", "probable", "uncertain"], n_ua, p=[0.7, 0.2, 0.1]),
        "featured": featured,
    })
    ua.loc[3, "concern_legal"] = pd.NA                             # models 2-4 drop her
    lf = np.arange(n_list) < n_list // 2
    l_arrest = -rng.uniform(3, 40, n_list)
    l_release = np.where(lf, rng.uniform(1, 30, n_list), rng.uniform(5, 80, n_list))
    before = np.zeros(n_list, bool)
    before[-2:] = True                                             # two released before the launch
    l_release[before] = -1.0
    l_released = l_release < 44
    ft20 = pd.DataFrame({
        "prisoner_id": [f"F{i:03d}" for i in range(n_list)], "featured": lf, "country": "CHN",
        "occupation": "lawyer", "arrest_date": months_after_launch(l_arrest),
        "release_date": months_after_launch(l_release).where(l_released),
        "last_known_detained": months_after_launch(np.full(n_list, 44.0)).where(~l_released),
        "released_before_launch": before,
    })
    return ua, ft20


@pytest.fixture(scope="module")
def data():
    sample, cases = logit_tables()
    ua, ft20 = survival_tables()
    return {"sample": sample, "cases": cases, "urgent_actions": ua, "freethe20": ft20}


# A grid small enough for tests: every analysis, two levels where it matters.
TEST_LEVELS = {"include_mixed": (False,), "regime_cutoff": (0,), "aid_measure": ("gdp", "gni"),
               "control_next_report": (False,), "exclude_limited": (False, True),
               "se_type": ("classical", "hc1"), "estimator": ("logit", "firth"),
               "horizon_months": (24, 36), "certainty": ("any",), "covariates": (1, 4),
               "time_origin": ("launch", "arrest"), "exclude_pre_launch": (True,)}


@pytest.fixture(scope="module")
def universe(data):
    return mv.run(data, levels=TEST_LEVELS)


# --- the grid -------------------------------------------------------------------------------

def test_full_grid_holds_every_combination_once():
    grid = mv.build_grid(grid="full")
    assert grid["spec_id"].is_unique
    for a in mv.ANALYSES:
        mine = grid[grid["analysis"] == a.key]
        names = [c.name for c in a.choices]
        expected = set(itertools.product(*(c.levels for c in a.choices)))
        got = set(map(tuple, mine[names].to_numpy().tolist()))
        assert len(mine) == len(expected) and got == expected
    # 2·2·2·2·3·2 = 96 and 96·3 cut-offs; 3 horizons · 3 certainty levels · 4 covariate sets; 2·2·3
    assert grid.groupby("analysis").size().to_dict() == {"logit_all": 96, "logit_regime": 288,
                                                         "cox_ua": 36, "cox_list": 12}


def test_small_grid_and_level_overrides():
    small = mv.build_grid(grid="small")
    assert set(small.loc[small["analysis"] == "logit_regime", "se_type"]) == {"classical", "cluster"}
    assert set(small["estimator"].dropna()) == {"logit"}
    custom = mv.build_grid(grid="full", levels={"regime_cutoff": (-5,), "estimator": ("logit",)})
    assert len(custom[custom["analysis"] == "logit_regime"]) == 2 * 1 * 2 * 2 * 2 * 3 * 1
    with pytest.raises(KeyError, match="unknown choice"):
        mv.build_grid(levels={"no_such_choice": (1,)})
    with pytest.raises(ValueError, match="grid 'huge'"):
        mv.build_grid(grid="huge")


def test_firth_with_robust_or_clustered_errors_is_ruled_out_with_a_reason():
    grid = mv.build_grid(grid="full")
    logit = grid[grid["analysis"].str.startswith("logit")]
    bad = (logit["estimator"] == "firth") & (logit["se_type"] != "classical")
    assert logit.loc[bad, "invalid"].str.contains("Firth errors are model-based").all()
    assert logit.loc[~bad, "invalid"].isna().all()
    assert grid.loc[grid["analysis"].str.startswith("cox"), "invalid"].isna().all()
    assert bad.sum() == (96 + 288) // 3                  # two of the six se × estimator pairs


def test_paper_specification_follows_the_published_levels():
    paper = {"include_mixed": False, "regime_cutoff": 0, "aid_measure": "gdp", "control_next_report": False,
             "exclude_limited": False, "se_type": "classical", "estimator": "logit"}
    assert mv.paper_specification(paper, "logit_regime")
    assert not mv.paper_specification({**paper, "se_type": "hc1"}, "logit_regime")
    # certainty is not stated by the study: any level counts as the paper's
    ua = {"horizon_months": 36, "certainty": "certain", "covariates": 3}
    assert mv.paper_specification(ua, "cox_ua") and not mv.paper_specification({**ua, "horizon_months": 24}, "cox_ua")


def test_published_values_and_signs_come_from_published_yml():
    h = mv.HEADLINE_BY_KEY
    assert mv.published_values(h["upr_open"]) == (1.22,)
    assert mv.published_sign(h["business_all"]) == -1 and mv.published_sign(h["detention_closed"]) == 1
    assert len(mv.published_values(h["freethe20"])) == 4 and mv.published_sign(h["freethe20"]) == 1
    assert mv.published_values(h["short_list"]) == () and mv.published_sign(h["short_list"]) is None


# --- the influence measure ------------------------------------------------------------------

def additive_curve():
    """estimate = 0.5·a + 2·b + 0·c, b in {0, 1, 3}: known mean absolute shifts."""
    rows = [{"a": a, "b": b, "c": c, "estimate": 0.5 * a + 2 * b}
            for a, b, c in itertools.product((0, 1), (0, 1, 3), ("x", "y"))]
    return pd.DataFrame(rows)


def test_influence_of_an_additive_model():
    out = mv.choice_influence(additive_curve(), ["a", "b", "c"]).set_index("choice")
    # b: pairs of levels differ by 1, 3 and 2 → mean 2, times 2
    assert out.loc["b", "mean_abs_shift"] == pytest.approx(4.0)
    assert out.loc["a", "mean_abs_shift"] == pytest.approx(0.5)
    assert out.loc["c", "mean_abs_shift"] == pytest.approx(0.0)
    # contexts × level pairs: b has 2·2 contexts × 3 pairs; a and c have 3·2 contexts × 1 pair
    assert out["n_pairs"].to_dict() == {"b": 12, "a": 6, "c": 6}
    assert list(out.index) == ["b", "a", "c"]                     # largest first


def test_influence_with_an_interaction_and_a_missing_specification():
    curve = additive_curve().assign(estimate=lambda d: d["a"] * d["b"])
    shift = mv.choice_influence(curve, ["a", "b", "c"]).set_index("choice")["mean_abs_shift"]
    assert shift["a"] == pytest.approx((0 + 1 + 3) / 3)        # a's effect is b
    assert shift["b"] == pytest.approx((0 + 1 * 2) / 2)        # at a=0 nothing, at a=1 mean pair gap 2
    # drop one specification: its pairs vanish, the others keep their values
    gone = curve[~((curve.a == 1) & (curve.b == 3) & (curve.c == "x"))]
    out = mv.choice_influence(gone, ["a", "b", "c"]).set_index("choice")
    assert out.loc["a", "n_pairs"] == 5 and out.loc["a", "mean_abs_shift"] == pytest.approx((0 + 1 + 0 + 1 + 3) / 5)


def test_influence_rejects_duplicate_specifications_and_scores_single_levels_nan():
    curve = additive_curve()
    with pytest.raises(ValueError, match="share every choice"):
        mv.choice_influence(pd.concat([curve, curve.iloc[:1]]), ["a", "b", "c"])
    one_level = curve[curve.c == "x"]
    out = mv.choice_influence(one_level, ["a", "b", "c"]).set_index("choice")
    assert np.isnan(out.loc["c", "mean_abs_shift"]) and out.loc["c", "n_pairs"] == 0


# --- fitting: estimates match direct fits, skips carry reasons -----------------------------------

def test_logit_estimates_match_a_direct_fit(data, universe):
    frame = regression_frame(data["sample"], data["cases"], aid="gni", exclude_limited=True)
    direct = reg.fit_logit(reg.model_frame(frame, "open"), model_columns(), se_type="hc1")
    cur = universe.curve("upr_open")
    row = cur[(cur.aid_measure == "gni") & cur.exclude_limited & (cur.se_type == "hc1")
              & (cur.estimator == "logit")].iloc[0]
    assert row["estimate"] == pytest.approx(direct.params["upcoming_upr"], rel=1e-9)
    assert row["se"] == pytest.approx(direct.bse["upcoming_upr"], rel=1e-9)
    assert row["p"] == pytest.approx(direct.pvalues["upcoming_upr"], rel=1e-9)
    assert row["n"] == direct.nobs


def test_firth_headline_profiles_match_firth_logit(data):
    frame = regression_frame(data["sample"], data["cases"])
    sub = reg.model_frame(frame, "closed")
    got = mv._firth_terms(sub, model_columns(), ["viol_detention"], 0.9)["viol_detention"]
    y, X = reg.design(sub, model_columns())
    full = firth_logit(y, X, confidence=0.9)
    assert got[0] == pytest.approx(full.params["viol_detention"], abs=1e-8)
    assert got[2] == pytest.approx(full.ci.loc["viol_detention", "low"], abs=1e-6)
    assert got[3] == pytest.approx(full.ci.loc["viol_detention", "high"], abs=1e-6)
    assert got[4] == pytest.approx(full.pvalues["viol_detention"], abs=1e-8)


def test_cox_estimates_match_lifelines(data, universe):
    from casework.data.frames.survival import long_list_frame, urgent_action_frame
    ua = urgent_action_frame(data["urgent_actions"], 24, "any")
    direct = CoxPHFitter().fit(ua[["freethe20", "duration", "released"]], "duration", "released",
                               fit_options=FIT_OPTIONS)
    cur = universe.curve("freethe20")
    row = cur[(cur.horizon_months == 24) & (cur.covariates == 1)].iloc[0]
    assert row["estimate"] == pytest.approx(direct.params_["freethe20"], rel=1e-6)
    assert row["low"] == pytest.approx(direct.confidence_intervals_.iloc[0, 0], rel=1e-6)
    lists = long_list_frame(data["freethe20"], "arrest", 36, True)
    direct = CoxPHFitter().fit(lists[["featured", "duration", "released"]], "duration", "released",
                               fit_options=FIT_OPTIONS)
    cur = universe.curve("short_list")
    row = cur[(cur.time_origin == "arrest") & (cur.horizon_months == 36)].iloc[0]
    assert row["estimate"] == pytest.approx(direct.params_["featured"], rel=1e-6)


def test_separated_regime_is_skipped_for_ml_but_fitted_by_firth():
    sample, cases = logit_tables(disciplinary_open_all_improved=True)
    levels = {**TEST_LEVELS, "aid_measure": ("gdp",), "exclude_limited": (False,), "se_type": ("classical",)}
    out = mv.run({"sample": sample, "cases": cases}, levels=levels,
                 analyses=(mv.ANALYSIS_BY_KEY["logit_regime"],))
    res = out.results.set_index(["headline", "spec_id"])
    ml, firth = "logit_regime-001", "logit_regime-002"
    assert out.grid.set_index("spec_id").loc[firth, "estimator"] == "firth"
    assert res.loc[("upr_open", ml), "reason"].startswith("separation")
    assert "viol_disciplinary" in res.loc[("upr_open", ml), "detail"]
    assert res.loc[("upr_open", firth), "reason"] is None and np.isfinite(res.loc[("upr_open", firth), "estimate"])
    assert res.loc[("detention_closed", ml), "reason"] is None      # the closed subset is fine


def test_too_small_regime_and_group_without_release_are_skipped(data):
    out = mv.run(data, levels=TEST_LEVELS, analyses=(mv.ANALYSIS_BY_KEY["logit_regime"],), min_cases=10_000)
    fitted = out.results
    assert (fitted["reason"] == "regime subset too small").all()
    assert fitted["detail"].str.contains("fewer than 10000").all()
    ua, _ = survival_tables(featured_released=False)
    cox = mv.run({"urgent_actions": ua}, levels=TEST_LEVELS, analyses=(mv.ANALYSIS_BY_KEY["cox_ua"],))
    assert (cox.results["reason"] == "a group without release").all()
    assert cox.results["detail"].str.contains("freethe20 = 1").all()
    assert len(cox.skipped()) == len(cox.grid) and cox.curve("freethe20").empty


def test_missing_table_is_named():
    with pytest.raises(KeyError, match="urgent_actions"):
        mv.run({"freethe20": pd.DataFrame()}, analyses=(mv.ANALYSIS_BY_KEY["cox_ua"],))
    with pytest.raises(ValueError, match="jobs=0"):
        mv.run({}, jobs=0)


# --- end to end ---------------------------------------------------------------------------------

def test_small_multiverse_end_to_end(universe):
    grid = universe.grid
    assert len(grid) == 16 + 16 + 4 + 4
    assert grid["invalid"].notna().sum() == 4 + 4                # firth × hc1, both logit analyses
    skipped = universe.skipped()
    assert set(skipped["stage"]) == {"grid"} and len(skipped) == 4 * 2 + 4 * 3
    summary = universe.summary().set_index("headline")
    assert summary["n_specifications"].to_dict() == {
        "business_all": 12, "mentions_all": 12, "upr_open": 12, "aid_open": 12,
        "detention_closed": 12, "freethe20": 4, "short_list": 4}
    # the simulated effects are strong: every specification has the published sign
    for key in ("mentions_all", "detention_closed", "freethe20"):
        assert summary.loc[key, "share_published_sign"] == 1.0
    assert summary.loc["mentions_all", "share_significant"] == 1.0
    assert np.isnan(summary.loc["short_list", "share_published_sign"])
    # standard errors never move a point estimate
    inf = universe.influence().set_index(["headline", "choice"])["mean_abs_shift"]
    assert inf[("business_all", "se_type")] == pytest.approx(0.0, abs=1e-12)
    assert inf[("freethe20", "horizon_months")] > 0
    cur = universe.curve("business_all")
    assert cur["estimate"].is_monotonic_increasing and list(cur["rank"]) == list(range(1, 13))
    assert cur["paper"].sum() == 1


def test_runs_are_deterministic_in_process_and_in_parallel(data, universe):
    again = mv.run(data, levels=TEST_LEVELS)
    pd.testing.assert_frame_equal(again.results, universe.results)
    levels = {**TEST_LEVELS, "estimator": ("logit",), "exclude_limited": (False,)}
    analyses = (mv.ANALYSIS_BY_KEY["logit_all"], mv.ANALYSIS_BY_KEY["cox_list"])
    one = mv.run(data, levels=levels, analyses=analyses, jobs=1)
    two = mv.run(data, levels=levels, analyses=analyses, jobs=2)
    pd.testing.assert_frame_equal(one.results, two.results)
    pd.testing.assert_frame_equal(one.grid, two.grid)


# --- the figure ------------------------------------------------------------------------------

def test_point_colours():
    curve = pd.DataFrame({"estimate": [-1.0, 0.5, 2.0], "p": [0.01, 0.01, 0.2]})
    got = point_colours(curve, 0.05, sign=1)
    assert list(got) == [mpl_colour("vermillion"), mpl_colour("blue"), mpl_colour("grey")]
    assert list(point_colours(curve, 0.05, sign=None))[:2] == [mpl_colour("blue")] * 2


def mpl_colour(name: str) -> str:
    from casework.analysis import multiverse_plot as mp
    return {"blue": mp.SAME_SIGN, "vermillion": mp.OTHER_SIGN, "grey": mp.NOT_SIGNIFICANT}[name]


def test_specification_curve_figure_has_one_matrix_row_per_level_used(universe):
    h = mv.HEADLINE_BY_KEY["upr_open"]
    cur = universe.curve(h.key)
    choices = list(mv.ANALYSIS_BY_KEY[h.analysis].choices)
    fig = specification_curve(cur, choices, scale=h.scale, alpha=0.05, level="95%",
                              sign=1, published=mv.published_values(h), title=h.label)
    matrix = fig.axes[1]
    labels = [t.get_text() for t in matrix.get_yticklabels()]
    # levels in TEST_LEVELS: 1+1+2+1+2+2+2 rows
    assert len(labels) == 11 and "Aid dependency: ODA / GNI" in labels
    assert "published (1.22)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)


def test_a_headline_without_estimates_still_gets_a_figure_and_a_summary():
    ua, _ = survival_tables(featured_released=False)
    cox = mv.run({"urgent_actions": ua}, levels=TEST_LEVELS, analyses=(mv.ANALYSIS_BY_KEY["cox_ua"],))
    summary = cox.summary().set_index("headline")
    assert summary.loc["freethe20", "n_specifications"] == 0 and summary.loc["freethe20", "n_skipped"] == 4
    assert cox.influence().empty
    fig = specification_curve(cox.curve("freethe20"), list(mv.ANALYSIS_BY_KEY["cox_ua"].choices),
                              scale="log hazard ratio", alpha=0.05, level="95%", sign=1)
    assert "could be fitted" in fig.axes[0].texts[0].get_text()
    plt.close(fig)
    assert list(summary.reset_index().columns) == mv.SUMMARY_COLUMNS
    with pytest.raises(KeyError, match="not part of this run"):
        cox.curve("upr_open")


def test_another_confidence_level_reuses_the_fits_that_do_not_depend_on_it(data, tmp_path, monkeypatch):
    """Inside a build ($CASEWORK_MEMO) the maximum-likelihood and Cox fits are mapped without
    the level and read back at another one (a reviewer's -p confidence=0.9); their intervals
    are computed as the fits compute them, and Firth's profile intervals are fitted anew."""
    from scipy import stats
    from casework import engine
    levels = {**TEST_LEVELS, "aid_measure": ("gdp",), "exclude_limited": (False,)}
    analyses = (mv.ANALYSIS_BY_KEY["logit_all"], mv.ANALYSIS_BY_KEY["cox_ua"])
    fresh = mv.run(data, levels=levels, analyses=analyses, confidence=0.9).results
    memo = tmp_path / "memo"
    monkeypatch.setenv(engine.MEMO_ENV, str(memo))
    mv.run(data, levels=levels, analyses=analyses, confidence=0.95)
    assert len(list(memo.glob("*.pickle"))) == 2          # the level-free fits, the Firth fits
    again = mv.run(data, levels=levels, analyses=analyses, confidence=0.9).results
    assert len(list(memo.glob("*.pickle"))) == 3          # only Firth's were fitted again
    pd.testing.assert_frame_equal(again, fresh)            # the same numbers, to the last bit
    frame = regression_frame(data["sample"], data["cases"])
    direct = reg.fit_logit(reg.model_frame(frame, "all"), model_columns(), se_type="hc1")
    ci = direct.conf_int(alpha=0.1)
    row = again[(again.headline == "business_all") & again.spec_id.isin(
        mv.build_grid(analyses, "full", levels).query("se_type == 'hc1' and estimator == 'logit'").spec_id)]
    est, se = row.estimate.iloc[0], row.se.iloc[0]
    q = stats.norm.ppf(1 - 0.1 / 2)                        # statsmodels' conf_int, alpha 0.1
    assert (row.low.iloc[0], row.high.iloc[0]) == (est - q * se, est + q * se)
    assert row.low.iloc[0] == pytest.approx(ci.loc["business_involved", 0], rel=1e-9)
    cox = again[again.analysis == "cox_ua"].dropna(subset=["estimate"]).iloc[0]
    z = stats.norm.ppf(0.95)
    assert (cox.low, cox.high) == (cox.estimate - z * cox.se, cox.estimate + z * cox.se)
    firth = again[again.spec_id.isin(mv.build_grid(analyses, "full", levels).query("estimator == 'firth'").spec_id)]
    assert len(firth) and not np.allclose(firth.low, mv.run(data, levels=levels, analyses=analyses,
                                                            confidence=0.95).results.loc[firth.index, "low"])
