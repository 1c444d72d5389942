"""Fuzz tests over the arguments of `casework run`, `build`, `render` and `compare`
(hypothesis, derandomized, fixed budgets; issue 22).

Each draw is a command line made of the commands' own options with values from their
vocabulary plus odd ones (negative, huge, empty, words, long or special paths, malformed
`-p` pairs and scheduler addresses). It runs the real parser and pre-flight checks
(parameters, selection, data folder, destination, scheduler address) of a scratch
project; the work behind a command that accepts its arguments (executing notebooks,
rendering, building a comparison) is replaced by a sentinel, so a draw costs milliseconds.
Every draw must end in one of:

- the sentinel (the arguments were accepted), or exit 0 (`--dry-run`);
- exit 2 with exactly one line `error: ...` on stderr naming the option or the value
  at fault (warnings about unused `-p` values may come before it);

never a traceback, and nothing in the scratch folder changed except what the command
owns (`.casework/`, where the lock and the library index live, and, for a render that
was accepted, the folder its site goes into).
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework import cli
from casework.pipeline import compare as compare_module
from casework.pipeline import fingerprint, parameters
from casework.pipeline import run as run_module
from casework.website import render as render_module
from casework.website.destination import MARKER

from conftest import write_tiny
from test_parameters import SCHEMA, write_notebook

BUDGET = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Reached(Exception):
    """The command accepted its arguments and would start its work now."""


def _reached(*args, **kwargs):
    raise Reached


# Real argv cannot hold NUL or lone surrogates (execve, UTF-8 locale).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=20)
NUMBERS = st.one_of(st.integers(-2**70, 2**70).map(str),
                    st.sampled_from(["", "-1", "0", "1", "2", "64", "1e3", "1.5", "nan", "inf",
                                     "9" * 5000, "0x10", " 3", "three", "--", "-p"]))
# Paths relative to the scratch project (the working directory), plus odd absolute ones.
PATHS = st.one_of(TEXT, st.sampled_from([
    "", ".", "/", "/dev/null", "/proc/1/mem", "/etc/passwd", "/nonexistent/deep/x", "x" * 5000,
    "../" * 40 + "etc", "~", "data", "data/raw", "data/raw/cases.csv", "notebooks",
    "params/good.yml", "params/broken.yml", "params/list.yml", "params/huge.yml",
    "mine", "mine/thesis.txt", "notes.txt", "link", "new/site", "built", "_site"]))
NOTEBOOKS = st.one_of(TEXT, st.sampled_from(["01_alpha", "02_beta", "01", "02", "alpha", "03",
                                             "99_none", "01_alpha.py", "../01_alpha", "x" * 5000]))
KEYS = st.one_of(TEXT, st.sampled_from(["n", "confidence", "label", "mode", "strict", "data_dir",
                                        "01_alpha.n", "02_beta.label", "02_beta.n", "03_x.n",
                                        "01_alpha", ".n", "n.", "01_alpha.n.x"]))
VALUES = st.one_of(NUMBERS, TEXT, st.sampled_from(["0.9", "0.95", "true", "no", "null", "~", "[1, 2]",
                                                   "{a: 1}", "fast", "slow", "data", "/", "'x", "&a"]))
OVERRIDES = st.one_of(st.tuples(KEYS, VALUES).map("=".join), TEXT)
ADDRESSES = st.one_of(TEXT, st.sampled_from([
    "", "notanaddress", "tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:0", "tcp://127.0.0.1:99999",
    "tcp://127.0.0.1:8786", "inproc://x", "http://127.0.0.1:8786", "tcp://[::1", "x" * 5000]))
RENDERERS = st.one_of(TEXT, st.sampled_from(["quarto", "builtin", "auto"]))


def _option(name: str, values) -> st.SearchStrategy:
    return st.tuples(st.just(name), values).map(list)


RUN_OPTIONS = [
    NOTEBOOKS.map(lambda n: [n]), _option("--params", PATHS), _option("-p", OVERRIDES),
    _option("--data", PATHS), st.just(["--force"]), _option("--jobs", NUMBERS),
    _option("--scheduler", ADDRESSES), st.just(["--dry-run"]), _option("--cache-entries", NUMBERS)]
SITE_OPTIONS = [_option("--renderer", RENDERERS), _option("--out", PATHS), st.just(["--force"])]


def _command(name: str, options: list, size: int) -> st.SearchStrategy:
    return st.lists(st.one_of(*options), max_size=size).map(lambda opts: [name, *sum(opts, [])])


ARGUMENTS = st.one_of(
    _command("run", RUN_OPTIONS, 5),
    _command("build", RUN_OPTIONS + SITE_OPTIONS, 5),
    _command("render", SITE_OPTIONS, 3),
    st.tuples(PATHS, PATHS, st.lists(_option("--out", PATHS), max_size=1)).map(
        lambda t: ["compare", t[0], t[1], *sum(t[2], [])]),
)

OPTION_NAMES = ("--params", "-p", "--data", "--jobs", "--scheduler", "--cache-entries", "--renderer",
                "--out", "renderer", "parameter", "notebook", "data folder", "argument", "NOTEBOOK", "A", "B")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A scratch compendium (two notebooks, tiny data, a built site folder, a parameter file
    of each kind) beside files of the user's that no command may touch."""
    root = tmp_path_factory.mktemp("fuzz_cli")
    with pytest.MonkeyPatch.context() as mp:
        (root / "_quarto.yml").write_text("project:\n  type: website\n  output-dir: _site\n"
                                          "  render: [index.qmd]\n")
        (root / "index.qmd").write_text("---\ntitle: Home\n---\n")
        (root / "schema.yml").write_text(SCHEMA)
        (root / "notebooks").mkdir()
        (root / "fake_casework").mkdir()
        (root / "fake_casework" / "analysis.py").write_text("VERSION = 1\n")
        mp.setattr(parameters, "SCHEMA_PATH", root / "schema.yml")
        mp.setattr(fingerprint, "PACKAGE_DIR", root / "fake_casework")
        parameters.schema.cache_clear()
        write_notebook(root, "01_alpha", "x = n * 2")
        write_notebook(root, "02_beta", "y = label.upper()")
        write_tiny(root / "data")
        (root / "params").mkdir()
        (root / "params" / "good.yml").write_text("confidence: 0.9\n01_alpha:\n  n: 4\n")
        (root / "params" / "broken.yml").write_text("n: [1,\n")
        (root / "params" / "list.yml").write_text("- 1\n- 2\n")
        (root / "params" / "huge.yml").write_text("n: " + "9" * 5000 + "\n")
        (root / "mine").mkdir()
        (root / "mine" / "thesis.txt").write_text("my thesis")
        (root / "notes.txt").write_text("my notes")
        (root / "link").symlink_to(root / "mine")
        (root / "built").mkdir()  # a site casework wrote: a destination it may replace
        (root / "built" / MARKER).write_text("written by casework\n")
        mp.setenv("CASEWORK_ROOT", str(root))
        mp.chdir(root)
        yield root
    parameters.schema.cache_clear()


OWNED = (".casework",)  # what the commands may write under the scratch folder


def tree(root: Path) -> dict[str, tuple]:
    """Every entry under root but the owned ones: kind, size and modification time."""
    found = {}
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        dirs[:] = [d for d in dirs if not (rel == Path(".") and d in OWNED)]
        for name in dirs + files:
            path = Path(folder) / name
            st_ = path.lstat()
            found[(rel / name).as_posix()] = (st_.st_mode, st_.st_size if name in files else 0,
                                             st_.st_mtime_ns)
    return found


@BUDGET
@given(argv=ARGUMENTS)
def test_run_build_render_compare_arguments_never_trace_back(argv, scratch, capsys, monkeypatch):
    monkeypatch.setattr(run_module, "_build", _reached)          # no kernel starts
    monkeypatch.setattr(render_module, "_render", _reached)      # no site is rendered
    monkeypatch.setattr(compare_module, "_snapshots", _reached)  # no parameter set is built
    monkeypatch.setattr(compare_module, "write_page", _reached)

    def refused(address, timeout=None, **kwargs):  # no network: every port refuses
        raise ConnectionRefusedError
    monkeypatch.setattr(socket, "create_connection", refused)
    monkeypatch.delenv("CASEWORK_SCHEDULER", raising=False)
    before = tree(scratch)
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse: one line, exit 2
        code = exc.code
    except Reached:
        code = None
    err = capsys.readouterr().err
    assert "Traceback" not in err, (argv, err)
    after = tree(scratch)
    if code is None and argv[0] == "render" or argv[0] == "build" and code is None:
        # an accepted render may have made the folder its site goes into
        made = set(after) - set(before)
        out = Path(argv[argv.index("--out") + 1]).absolute() if "--out" in argv else scratch / "_site"
        assert all((scratch / m).resolve() in {out.resolve(), *out.resolve().parents} for m in made), (argv, made)
        after = {k: v for k, v in after.items() if k in before}
    assert after == before, (argv, code, err)  # nothing of the user's written, moved or deleted
    if code is None:
        return
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = err.splitlines()
        assert lines and lines[-1].startswith("error: "), (argv, err)
        assert sum(line.startswith("error: ") for line in lines) == 1, (argv, err)
        assert all(line.startswith(("error: ", "warning: ")) for line in lines), (argv, err)
        assert any(name in lines[-1] for name in OPTION_NAMES), (argv, err)  # names what is at fault
