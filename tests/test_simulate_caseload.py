"""Synthetic communications and cases: codebook-valid and calibrated to Chasing Shadows."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from casework.data.calibration import Target
from casework.data.calibration.caseload import (AtLeast, delay_slope, holder_years,
                                                mandate_holder, number, rejection_share,
                                                targets)
from casework.data.codebook import tables
from casework.data.load import check_references, check_rules, load
from casework.data.simulate.caseload import simulate_caseload
from casework.data.write import write_tables

SEEDS = (1, 2, 3)


@lru_cache(maxsize=None)
def simulated(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_caseload(np.random.default_rng(seed))


def frames(seed: int = 1) -> dict[str, pd.DataFrame]:
    communications, cases = simulated(seed)
    return {"communications": communications, "cases": cases}


# --- codebook ---------------------------------------------------------------------------

def test_columns_and_types_follow_the_codebook():
    communications, cases = simulated(1)
    assert list(communications.columns) == tables()["communications"].columns
    assert list(cases.columns) == tables()["cases"].columns
    assert communications["date"].dtype == "datetime64[ns]"
    assert communications["hrd_alone"].dtype == bool and cases["viol_detention"].dtype == bool
    assert str(communications["delay_days"].dtype) == "Int64"
    assert communications["delay_days"].isna().any()          # unknown delays stay empty
    assert cases["reply_delay_days"].isna().sum() == cases["reply_status"].ne("substantive").sum()


def test_written_tables_load_without_a_single_issue(tmp_path):
    write_tables(frames(1), tmp_path, synthetic=True)
    data = load(tmp_path, only=["communications", "cases"])   # schema, keys, cross-column rules
    assert len(data["cases"]) == 12086
    assert len(data["communications"]) == 4511


def test_frames_pass_rules_and_references_directly(tmp_path):
    assert check_rules(frames(2), tmp_path) == []
    assert check_references(frames(2), tmp_path) == []


def test_ids_are_pseudonymous_and_follow_their_patterns():
    communications, cases = simulated(1)
    assert communications["communication_id"].str.fullmatch(r"C\d{5}").all()
    assert cases["case_id"].str.fullmatch(r"K\d{6}").all()
    assert cases["individual_id"].str.fullmatch(r"P\d{6}").all()
    assert communications["country"].str.fullmatch(r"[A-Z]{3}").all()


# --- determinism -------------------------------------------------------------------------

def test_same_seed_same_tables_other_seed_other_tables():
    a = simulated(1)
    b = simulate_caseload(np.random.default_rng(1))
    c = simulated(2)
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    assert not a[0]["date"].equals(c[0]["date"])
    assert not a[1]["individual_id"].equals(c[1]["individual_id"])


# --- calibration -------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_every_target_holds(seed):
    found = targets(frames(seed))
    assert 50 <= len(found) <= 70
    failing = [(t.name, t.published, round(t.generated, 3)) for t in found if not t.ok]
    assert failing == []


def test_targets_are_one_per_name_and_cite_the_study():
    found = targets(frames(1))
    assert len({t.name for t in found}) == len(found)
    assert all(t.domain == "caseload" and t.source.startswith("CS2018") for t in found)


def test_delay_grows_by_eight_to_twelve_days_per_mandate():
    communications = frames(1)["communications"]
    ua = communications[communications["type"].eq("urgent_appeal")
                        & communications["delay_days"].notna()]
    x = sm.add_constant(ua["mandates"].astype(float))
    fit = sm.OLS(ua["delay_days"].astype(float), x).fit()
    assert 8 <= fit.params["mandates"] <= 12
    assert delay_slope(communications) == pytest.approx(fit.params["mandates"], rel=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_substantive_replies_rise_from_holder_to_holder(seed):
    f = frames(seed)
    date = f["cases"]["communication_id"].map(
        f["communications"].set_index("communication_id")["date"])
    share = (f["cases"]["reply_status"].eq("substantive")
             .groupby(mandate_holder(date)).mean())
    assert share["Jilani"] == pytest.approx(0.37, abs=0.01)
    assert share["Sekaggya"] == pytest.approx(0.42, abs=0.01)
    assert share["Forst"] == pytest.approx(0.47, abs=0.01)


def test_cases_per_year_under_sekaggya_and_forst():
    f = frames(1)
    date = f["cases"]["communication_id"].map(
        f["communications"].set_index("communication_id")["date"])
    holder = mandate_holder(date)
    assert holder.eq("Sekaggya").sum() / holder_years("Sekaggya") == pytest.approx(862, abs=5)
    assert holder.eq("Forst").sum() / holder_years("Forst") == pytest.approx(545, abs=5)


# --- structure the codebook cannot check -------------------------------------------------

def test_subsets_conviction_in_trial_killing_in_torture():
    cases = frames(1)["cases"]
    assert not (cases["viol_conviction"] & ~cases["viol_trial"]).any()
    assert not (cases["viol_killing"] & ~cases["viol_torture"]).any()
    assert cases.loc[cases["viol_trial"], "viol_conviction"].mean() >= 0.5


def test_named_individuals_count_the_cases_of_each_communication():
    communications, cases = simulated(1)
    counts = cases["communication_id"].value_counts()
    named = communications.set_index("communication_id")["named_individuals"]
    assert named.reindex(counts.index).eq(counts).all()
    assert named.drop(counts.index).eq(0).all()
    press = communications["type"].eq("press_release")
    assert communications.loc[press, "named_individuals"].eq(0).all()


def test_a_reply_is_shared_by_all_cases_of_a_communication():
    cases = frames(1)["cases"]
    per_letter = cases.groupby("communication_id")
    assert per_letter["reply_status"].nunique().eq(1).all()
    assert per_letter["reply_delay_days"].nunique().le(1).all()
    content = cases["reply_content"]
    assert content.notna().eq(cases["reply_status"].eq("substantive")).all()


def test_repeated_defenders_return_in_later_letters_of_one_country():
    communications, cases = simulated(1)
    date = cases["communication_id"].map(communications.set_index("communication_id")["date"])
    repeated = cases[cases["individual_id"].duplicated(keep=False)].assign(date=date)
    per_person = repeated.groupby("individual_id")
    assert per_person["country"].nunique().eq(1).all()
    assert per_person["gender"].nunique().eq(1).all()
    assert per_person["communication_id"].nunique().eq(per_person.size()).all()
    assert per_person["date"].apply(lambda d: d.is_monotonic_increasing).all()
    assert per_person.size().max() <= 15


def test_joint_letters_grow_and_no_letter_went_alone_in_2012_or_2013():
    communications = frames(1)["communications"]
    year = communications["date"].dt.year
    assert communications["hrd_alone"].eq(communications["mandates"].eq(1)).all()
    assert not communications.loc[year.isin([2012, 2013]), "hrd_alone"].any()
    early = communications.loc[year.between(2000, 2003), "mandates"].mean()
    late = communications.loc[year.between(2013, 2016), "mandates"].mean()
    assert late - early > 1


def test_countries_are_skewed_and_include_those_the_study_names():
    cases = frames(1)["cases"]
    per_country = cases["country"].value_counts()
    assert {"IND", "ARG", "SAU", "USA", "OMN", "MRT", "AGO"} <= set(per_country.index)
    assert per_country.iloc[0] >= 500 and per_country.iloc[4] >= 200
    assert (per_country < 50).sum() >= 40                     # the long tail


# --- target helpers on hand-worked fixtures ------------------------------------------------

def test_number_reads_published_phrases():
    assert number("> 0.50") == 0.5
    assert number("about 1/4") == 0.25
    assert number("about 30") == 30
    assert number(104) == 104
    with pytest.raises(ValueError):
        number("at least half of trial cases")


def test_at_least_accepts_only_values_from_the_bound_up():
    def at_least(generated):
        return AtLeast("caseload", "x (> 0.5)", 0.5, generated, 0.1, "test")
    assert at_least(0.55).ok and at_least(0.5).ok and at_least(0.6).ok
    assert not at_least(0.49).ok and not at_least(0.61).ok
    assert isinstance(at_least(0.55), Target)


def test_delay_slope_on_a_hand_made_line():
    letters = pd.DataFrame({"type": ["urgent_appeal"] * 4 + ["allegation_letter"],
                            "mandates": [1, 2, 3, 4, 1],
                            "delay_days": pd.array([7, 17, 27, 37, 500], dtype="Int64")})
    assert delay_slope(letters) == pytest.approx(10.0)


def test_rejection_share_ignores_unknown_content_and_other_statuses():
    cases = pd.DataFrame({
        "reply_status": ["substantive"] * 5 + ["none"],
        "reply_content": ["rejection", "rejection", "steps_taken", "unknown", "rejection", None]})
    assert rejection_share(cases) == pytest.approx(3 / 4)


def test_holder_periods_split_at_the_published_hand_overs():
    dates = pd.Series(pd.to_datetime(["2008-04-30", "2008-05-01", "2014-05-31", "2014-06-01"]))
    assert list(mandate_holder(dates)) == ["Jilani", "Sekaggya", "Sekaggya", "Forst"]
    assert holder_years("Forst") == pytest.approx(914 / 365.25)


def test_the_readme_table_prints_years_without_separators_and_no_float_noise():
    # data/README.md is generated by this table: a sampling SD that is rounding in the
    # mean of identical draws reads 0 (not 1.14e-16), a year reads 2008 (not 2,008).
    import pandas as pd
    from casework.data.calibration import markdown_table
    table = pd.DataFrame({"domain": ["caseload"] * 4,
                          "target": ["peak year of communications", "cases per year under Forst", "detention share",
                                     "administrative measures share"],
                          "published": [2008.0, 545.0, 0.5, 0.08], "generated": [2008.0, 545.078, 0.568, 0.082],
                          "expected": [2008.0, 545.078, 0.568, 0.082], "sd": [0.0, 1.17e-13, 0.0123, 3.88e-4],
                          "ok": [True] * 4, "source": ["Fig. 4"] * 4, "seeds": [20] * 4})
    rows = markdown_table(table).splitlines()[2:6]
    assert rows[0] == "| caseload | peak year of communications | 2008 | 2008 | 2008 | 0 | yes | Fig. 4 |"
    assert rows[1] == "| caseload | cases per year under Forst | 545 | 545.078 | 545.078 | 0 | yes | Fig. 4 |"
    assert rows[2] == "| caseload | detention share | 0.500 | 0.568 | 0.568 | 0.0123 | yes | Fig. 4 |"
    # a small SD stays positional: no "3.9e-04" in a reader's table
    assert rows[3] == "| caseload | administrative measures share | 0.080 | 0.082 | 0.082 | 0.00039 | yes | Fig. 4 |"
