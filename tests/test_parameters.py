"""Parameters of `casework run`: layers, and every bad input refused before anything runs.

The scratch `project` fixture (also used by the pipeline tests) is a tiny
compendium in tmp_path with its own parameter schema, notebooks and data.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from casework.pipeline import fingerprint, parameters
from casework.pipeline.plan import make_plan
from casework.pipeline.run import run

SCHEMA = """\
common:
  data_dir: {type: path, default: data}
  confidence: {type: float, min: 0.5, max: 0.999, default: 0.95}
notebooks:
  01_alpha:
    n: {type: int, min: 1, max: 10, default: 3}
    mode: {type: choice, choices: [fast, slow], default: fast}
  02_beta:
    label: {type: str, default: hello}
    strict: {type: bool, default: false}
"""


def notebook_source(params: dict, *cells: str) -> str:
    """A jupytext percent-format notebook: title, parameters cell, then `cells`."""
    head = '# %% [markdown]\n# # A test notebook\n\n# %% tags=["parameters"]\n'
    head += "".join(f"{k} = {v!r}\n" for k, v in params.items())
    return head + "".join(f"\n# %%\n{cell.strip()}\n" for cell in cells)


def write_notebook(root: Path, name: str, *cells: str) -> Path:
    """notebooks/NAME.py with a parameters cell holding the schema defaults."""
    specs = parameters.schema()[name]
    path = root / "notebooks" / f"{name}.py"
    path.write_text(notebook_source({k: s.default for k, s in specs.items()}, *cells))
    return path


@pytest.fixture
def project(tmp_path, tiny_data, monkeypatch):
    """A scratch compendium: _quarto.yml, schema.yml, data/, a fake `casework` package,
    and the notebooks folder (empty: each test writes the notebooks it needs)."""
    (tmp_path / "_quarto.yml").write_text("project: {type: website}\n")
    (tmp_path / "schema.yml").write_text(SCHEMA)
    (tmp_path / "notebooks").mkdir()
    package = tmp_path / "fake_casework"
    package.mkdir()
    (package / "analysis.py").write_text("VERSION = 1\n")
    monkeypatch.setenv("CASEWORK_ROOT", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(parameters, "SCHEMA_PATH", tmp_path / "schema.yml")
    # The real package is being edited while tests run: hash a fixed fake one instead.
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", package)
    parameters.schema.cache_clear()
    yield tmp_path
    parameters.schema.cache_clear()


@pytest.fixture
def two_notebooks(project):
    write_notebook(project, "01_alpha", "x = n * 2")
    write_notebook(project, "02_beta", "y = label.upper()")
    return project


def plan_params(root: Path, **kw) -> dict:
    args = {"notebooks": [], "params_file": None, "overrides": [], "data_dir": None} | kw
    return {t.name: t.params for t in make_plan(root, **args)}


def untouched(root: Path) -> bool:
    """Nothing was built: no executed notebook, no results, no cache, no lock."""
    return (not list((root / "analyses").glob("*.ipynb")) and not (root / "results").exists()
            and not (root / ".casework").exists() and not (root / "_variables.yml").exists())


def test_defaults_when_no_parameter_file(two_notebooks):
    assert plan_params(two_notebooks) == {
        "01_alpha": {"data_dir": "data", "confidence": 0.95, "n": 3, "mode": "fast"},
        "02_beta": {"data_dir": "data", "confidence": 0.95, "label": "hello", "strict": False}}


def test_layers_defaults_file_overrides_data(two_notebooks, tmp_path_factory):
    (two_notebooks / "params").mkdir()
    (two_notebooks / "params" / "default.yml").write_text(
        "confidence: 0.9\n01_alpha:\n  n: 5\n  mode: slow\n02_beta:\n  label: from file\n")
    other = tmp_path_factory.mktemp("outside")  # a data folder outside the project: absolute
    got = plan_params(two_notebooks, overrides=["n=7", "02_beta.strict=yes", "label=a=b"],
                      data_dir=other)
    assert got["01_alpha"] == {"data_dir": str(other), "confidence": 0.9, "n": 7, "mode": "slow"}
    assert got["02_beta"] == {"data_dir": str(other), "confidence": 0.9, "label": "a=b", "strict": True}


def test_explicit_parameter_file_replaces_default(two_notebooks):
    (two_notebooks / "params").mkdir()
    (two_notebooks / "params" / "default.yml").write_text("confidence: 0.9\n")
    (two_notebooks / "params" / "strict.yml").write_text("strict: true\n")
    got = plan_params(two_notebooks, params_file=Path("params/strict.yml"))
    assert got["02_beta"]["strict"] is True and got["02_beta"]["confidence"] == 0.95


def test_data_folder_inside_project_is_kept_relative(two_notebooks):
    """So the parameters (and the cache key) do not depend on where the project lives."""
    (two_notebooks / "data2").mkdir()
    assert plan_params(two_notebooks, data_dir=Path("data2"))["01_alpha"]["data_dir"] == "data2"


BAD_OVERRIDES = [
    (["nope=1"], "-p: unknown parameter 'nope'; known: confidence, data_dir, label, mode, n, strict"),
    (["n=abc"], "parameter 'n (-p)': value 'abc' is not allowed; expected an integer in [1, 10]"),
    (["n=99"], "parameter 'n (-p)': value '99' is not allowed: above maximum 10"),
    (["confidence=0.2"], "value '0.2' is not allowed: below minimum 0.5; expected a number in [0.5, 0.999]"),
    (["mode=medium"], "parameter 'mode (-p)': value 'medium' is not allowed; expected one of fast, slow"),
    (["strict=maybe"], "parameter 'strict (-p)': value 'maybe' is not allowed; expected true or false"),
    (["n"], "-p 'n': expected key=value (or notebook.key=value)"),
    (["=3"], "-p '=3': expected key=value"),
    (["zeta.n=1"], "-p: 'zeta.n' names unknown notebook 'zeta'; known: 01_alpha, 02_beta"),
    (["02_beta.n=1"], "-p: unknown parameter '02_beta.n'"),
]


@pytest.mark.parametrize("overrides, message", BAD_OVERRIDES)
def test_bad_override_is_refused_before_anything_runs(two_notebooks, capsys, overrides, message):
    assert run([], None, overrides, None, force=False, jobs=2) == 2
    assert message in capsys.readouterr().err
    assert untouched(two_notebooks)


def test_bad_value_in_parameter_file_names_the_file(two_notebooks, capsys):
    (two_notebooks / "params").mkdir()
    (two_notebooks / "params" / "default.yml").write_text("01_alpha:\n  mode: turbo\n")
    assert run([], None, [], None, force=False, jobs=2) == 2
    err = capsys.readouterr().err
    assert "parameter '01_alpha.mode (params/default.yml)': value 'turbo' is not allowed" in err
    assert untouched(two_notebooks)


def test_unknown_key_in_parameter_file(two_notebooks, capsys):
    bad = two_notebooks / "bad.yml"
    bad.write_text("colour: blue\n")
    assert run([], bad, [], None, force=False, jobs=2) == 2
    assert "bad.yml: unknown parameter 'colour'; known:" in capsys.readouterr().err


def test_missing_parameter_file(two_notebooks, capsys):
    assert run([], Path("params/nowhere.yml"), [], None, force=False, jobs=2) == 2
    assert "parameter file params/nowhere.yml does not exist" in capsys.readouterr().err


def test_unknown_notebook_lists_known_ones(two_notebooks, capsys):
    assert run(["09"], None, [], None, force=False, jobs=2) == 2
    assert "unknown notebook '09'; known: 01_alpha, 02_beta" in capsys.readouterr().err
    assert untouched(two_notebooks)


def test_notebook_without_schema_section(two_notebooks, capsys):
    (two_notebooks / "notebooks" / "03_gamma.py").write_text(notebook_source({}, "pass"))
    assert run(["03"], None, [], None, force=False, jobs=2) == 2
    assert ("notebook(s) 03_gamma have no section in the parameter schema schema.yml; "
            "known: 01_alpha, 02_beta") in capsys.readouterr().err


def test_jobs_must_be_positive(two_notebooks, capsys):
    assert run([], None, [], None, force=False, jobs=0) == 2
    assert "--jobs 0: expected a whole number of 1 or more" in capsys.readouterr().err


def test_no_notebooks(project, capsys):
    assert run([], None, [], None, force=False, jobs=1) == 2
    assert "no notebooks to run" in capsys.readouterr().err


def test_invalid_data_is_refused_before_any_kernel(two_notebooks, capsys):
    cases = two_notebooks / "data" / "raw" / "cases.csv"
    lines = cases.read_text().splitlines()
    lines[1] = lines[1].replace(",2005,", ",1999,", 1)  # year below the codebook's minimum
    cases.write_text("\n".join(lines) + "\n")
    assert run([], None, [], None, force=False, jobs=2) == 2
    err = capsys.readouterr().err
    assert "cases.csv, line 2, column 'year': below minimum 2000" in err and "1999" not in err
    assert not list((two_notebooks / "analyses").glob("*.ipynb"))
    assert not (two_notebooks / "results").exists()


def test_missing_data_folder(two_notebooks, capsys):
    assert run([], None, [], Path("absent"), force=False, jobs=2) == 2
    err = capsys.readouterr().err
    assert "absent/datapackage.json" in err and "missing" in err


def test_command_line_reaches_the_same_checks(two_notebooks, capsys):
    from casework.cli import main
    assert main(["run", "01", "-p", "mode=medium", "--jobs", "1"]) == 2
    assert "parameter 'mode (-p)': value 'medium' is not allowed" in capsys.readouterr().err
    assert untouched(two_notebooks)


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "params").glob("*.yml")),
                         ids=lambda p: p.name)
def test_every_shipped_parameter_set_validates(path):
    """A parameter set in params/ that the schema refuses would fail a reviewer at once."""
    from casework.pipeline.parameters import read_param_file, resolve, schema
    schema.cache_clear()
    values = read_param_file(path)
    resolved = resolve(list(schema()), [(path.name, values)])
    for key, value in values.items():
        nb, _, name = key.rpartition(".")
        targets = [nb] if nb else [n for n in resolved if name in resolved[n]]
        assert targets and all(resolved[t][name] == value for t in targets), key
