"""Small and degenerate data (one row, one group, no events, all censored, a constant
column) give a clear message before any kernel, or a complete build: never a notebook
traceback (issue 22: `urgent_actions` cut to one row passed validation, then 05 failed
with ZeroDivisionError and 07 with "Values must be numeric").

Two properties, each with a fixed budget (derandomized, so CI draws the same cases):
- many draws against the pre-kernel check and the library calls the survival and power
  notebooks make on these tables (no kernel; a second or so per draw);
- a handful of real `casework run 05_freethe20_survival` on drawn data in a scratch
  copy of the project (the cheapest affected notebook; a kernel each).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casework.data import DataValidationError, load
from casework.data.load import check_rules
from casework.data.write import write_tables
from casework.pipeline import requirements

REPO = Path(__file__).resolve().parents[1]
SURVIVAL = ("freethe20", "urgent_actions")
NOTEBOOKS = ("05_freethe20_survival", "06_robustness", "07_power")
CONSTANT = {"freethe20": ["featured", "country", "released_before_launch"],
            "urgent_actions": ["featured", "eligible", "concern_poc", "concern_torture", "concern_medical",
                               "region", "country", "year_entry", "n_urgent_actions", "certainty"]}


@pytest.fixture(scope="module")
def committed() -> dict[str, pd.DataFrame]:
    return load(REPO / "data", only=list(SURVIVAL)).tables


# --- drawing degenerate variants ---------------------------------------------------

def _censor(df: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """No release for `rows`: censored at their last known detention (or the arrest)."""
    df = df.copy()
    last = df.loc[rows, "last_known_detained"].fillna(df.loc[rows, "arrest_date"])
    df.loc[rows, "last_known_detained"] = last
    df.loc[rows, "release_date"] = pd.NaT
    if "released_before_launch" in df:
        df.loc[rows, "released_before_launch"] = False
    return df


def apply(frames: dict[str, pd.DataFrame], edit: tuple) -> dict[str, pd.DataFrame]:
    kind, table, arg = edit
    frames = dict(frames)
    df = frames[table]
    if kind == "cut":  # keep `arg` rows, spread over the table
        df = df.iloc[sorted({round(i * (len(df) - 1) / max(arg - 1, 1)) for i in range(arg)})]
    elif kind == "one_group":
        df = df.assign(featured=bool(arg))
    elif kind == "no_events":
        df = _censor(df, pd.Series(True, index=df.index))
    elif kind == "group_censored":
        df = _censor(df, df.featured == bool(arg))
    elif kind == "constant":
        df = df.assign(**{arg: df[arg].iloc[0]})
    frames[table] = df.reset_index(drop=True)
    return frames


edits = st.one_of(
    st.tuples(st.just("cut"), st.sampled_from(SURVIVAL), st.integers(1, 40)),
    st.tuples(st.just("one_group"), st.sampled_from(SURVIVAL), st.booleans()),
    st.tuples(st.just("no_events"), st.sampled_from(SURVIVAL), st.none()),
    st.tuples(st.just("group_censored"), st.sampled_from(SURVIVAL), st.booleans()),
    st.sampled_from(SURVIVAL).flatmap(
        lambda t: st.tuples(st.just("constant"), st.just(t), st.sampled_from(CONSTANT[t]))),
)


# --- what the notebooks call on these tables -------------------------------------

def analyses(notebook: str, frames: dict[str, pd.DataFrame]) -> None:
    """The library calls of the notebook on the survival tables, as it makes them (default
    parameters): raises what the notebook would raise."""
    from casework.analysis import power, recovery, survival
    from casework.data.frames.survival import long_list_frame, urgent_action_frame
    ft, ua = frames["freethe20"], frames["urgent_actions"]
    if notebook == "07_power":
        power.freethe20_design(ua, "published", "proportional")
        return
    for exclude in (True, False):
        main = long_list_frame(ft, "launch", 36, exclude)
        medians = survival.km_summary(survival.km_fits(main))
        survival.format_p(survival.logrank(main).p_value)
        by_group = medians.set_index("group")
        by_group.loc[by_group.index[1], "released"]
    survival.standardized_differences(ua)
    eligible = urgent_action_frame(ua, 36, "any")
    models = survival.fit_cox_models(eligible)
    estimates = survival.tidy_estimates(models)
    survival.model_statistics(models)
    survival.term_estimates(estimates, "freethe20")
    survival.fit_delayed_entry(eligible, recovery.delayed_entry(ua))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=3))
@example([("cut", "urgent_actions", 1)])  # the review's case
@example([("no_events", "urgent_actions", None)])
@example([("constant", "urgent_actions", "concern_medical")])
def test_degenerate_survival_data_are_refused_before_a_kernel_or_analysed(committed, drawn):
    frames = dict(committed)
    for edit in drawn:
        frames = apply(frames, edit)
    refused = check_rules(frames, Path("drawn"))  # validation's rules across columns
    if refused:
        assert all("\n" not in str(i) for i in refused)
        return
    for notebook in NOTEBOOKS:
        messages = requirements.check(notebook, frames, "drawn")
        for message in messages:  # clear: one line naming notebook, table and need
            assert "\n" not in message
            assert message.startswith(f"error: {notebook} cannot run on drawn: table ")
            assert any(f"table {t} needs " in message for t in SURVIVAL)
        if not messages and notebook != "06_robustness":  # 06: the multiverse, covered by 05's calls
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                analyses(notebook, frames)  # the needs were enough: no exception


def test_the_reviews_case_is_refused_and_the_full_tables_pass(committed):
    cut = apply(committed, ("cut", "urgent_actions", 1))
    assert all(requirements.check(nb, cut, "d") for nb in NOTEBOOKS)
    assert not any(requirements.check(nb, dict(committed), "d") for nb in NOTEBOOKS)


# --- a handful of real runs ------------------------------------------------------

@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A copy of the project's tracked files (notebooks, schema, site config, data)."""
    root = tmp_path_factory.mktemp("project")
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    for rel in tracked:
        if rel.startswith(("notebooks/", "data/", "params/")) or "/" not in rel:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, root / rel)
    return root


def run_05(root: Path, frames: dict[str, pd.DataFrame], name: str) -> subprocess.CompletedProcess:
    folder = root / name
    shutil.copytree(REPO / "data", folder)
    write_tables({t: frames[t] for t in SURVIVAL}, folder, synthetic=True,
                 provenance=json.loads((REPO / "data" / "datapackage.json").read_text())["provenance"])
    env = {**os.environ, "CASEWORK_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "casework.cli", "run", "05_freethe20_survival",
                           "--data", str(folder), "--jobs", "1"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)


def test_one_row_of_urgent_actions_stops_05_before_its_kernel(committed, scratch):
    done = run_05(scratch, apply(committed, ("cut", "urgent_actions", 1)), "one_row")
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.startswith("error: 05_freethe20_survival cannot run on ")
    assert "table urgent_actions needs eligible women" in done.stderr
    assert "Traceback" not in done.stderr and "started" not in done.stderr
    assert not (scratch / "analyses" / "05_freethe20_survival.ipynb").exists()


@settings(max_examples=2, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.just("cut"), st.sampled_from(SURVIVAL), st.integers(8, 40)) | edits,
                min_size=1, max_size=2))
def test_drawn_data_give_a_message_or_a_complete_build(committed, scratch, drawn):
    frames = dict(committed)
    for edit in drawn:
        frames = apply(frames, edit)
    name = f"drawn{len(list(scratch.glob('drawn*')))}"
    done = run_05(scratch, frames, name)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    if done.returncode == 2:  # refused before any kernel, in one line per problem
        assert done.stderr.startswith("error: "), done.stderr[-2000:]
        assert "FAILED" not in done.stderr
    else:
        assert done.returncode == 0, done.stderr[-3000:]  # a complete build
        record = json.loads((scratch / "results" / "_build.json").read_text())["notebooks"]
        assert record["05_freethe20_survival"]["status"] == "executed"


def test_data_the_check_lets_through_are_valid(committed, tmp_path):
    """The variants are written and read back as a data folder would be (validation
    passes or names the problem; never a traceback)."""
    frames = apply(apply(committed, ("no_events", "freethe20", None)), ("cut", "urgent_actions", 3))
    folder = tmp_path / "d"
    shutil.copytree(REPO / "data", folder)
    write_tables({t: frames[t] for t in SURVIVAL}, folder, synthetic=True)
    try:
        load(folder, only=list(SURVIVAL))
    except DataValidationError as exc:
        assert all("\n" not in str(i) for i in exc.issues)
