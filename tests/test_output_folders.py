"""`--out` never destroys work: a folder or file casework did not write is refused, a
destination that cannot be written is one line, and a render killed at any instant of
the swap leaves a complete site (the old or the new) at the path.

Kills run `casework render` in a child process (as in test_publish) with the swap's
system calls wrapped so that the child SIGKILLs itself exactly before or after them.
"""
from __future__ import annotations

import errno
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_parameters import project, write_notebook  # noqa: F401 (fixture)
from test_pipeline import build
from test_publish import CHILD, home, no_leftovers, site_project  # noqa: F401 (fixture)

from casework.cli import main
from casework.website import destination, publish
from casework.website.render import render

ALLOWED = ("expected a new path, an empty folder or a folder casework wrote "
           "(it holds .casework-site)")


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err.strip()


def test_render_refuses_a_folder_of_someone_elses_work(site_project, tmp_path, capsys):
    """The reported scenario: mkdir x; echo thesis > x/thesis.txt; casework render --out x."""
    x = tmp_path / "x"
    x.mkdir()
    (x / "thesis.txt").write_text("my thesis\n")
    assert main(["render", "--out", str(x), "--renderer", "builtin"]) == 2
    assert one_line_error(capsys) == (f"error: --out {x}: is a folder casework did not write "
                                      f"(no .casework-site in it); {ALLOWED}; nothing was changed")
    assert sorted(p.name for p in x.iterdir()) == ["thesis.txt"]
    assert (x / "thesis.txt").read_text() == "my thesis\n"
    assert list(tmp_path.glob("x.*")) == []  # no staging folder either


@pytest.mark.parametrize("command", ["render", "build"])
def test_a_regular_file_is_never_replaced(site_project, tmp_path, capsys, command):
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n")
    assert main([command, "--out", str(target), "--renderer", "builtin"]) == 2
    assert one_line_error(capsys) == (f"error: --out {target}: is a file, which would be replaced; "
                                      f"{ALLOWED}")
    assert target.read_text() == "keep me\n"


def test_build_refuses_before_any_notebook_runs(site_project, tmp_path, capsys):
    x = tmp_path / "x"
    x.mkdir()
    (x / "thesis.txt").write_text("my thesis\n")
    record = (site_project / "results" / "_build.json").read_bytes()
    assert main(["build", "-p", "label=changed", "--out", str(x), "--renderer", "builtin"]) == 2
    assert "is a folder casework did not write" in one_line_error(capsys)
    assert (site_project / "results" / "_build.json").read_bytes() == record  # nothing ran


def test_a_link_and_a_path_under_a_file_are_refused(site_project, tmp_path, capsys):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert main(["render", "--out", str(tmp_path / "link"), "--renderer", "builtin"]) == 2
    assert one_line_error(capsys) == f"error: --out {tmp_path / 'link'}: is a symbolic link; {ALLOWED}"
    (tmp_path / "file").write_text("x")
    assert main(["render", "--out", str(tmp_path / "file" / "site"), "--renderer", "builtin"]) == 2
    assert one_line_error(capsys) == (f"error: --out {tmp_path / 'file' / 'site'}: {tmp_path / 'file'} "
                                      f"is not a folder; {ALLOWED}")


def test_new_empty_and_own_folders_are_written_and_marked(site_project, tmp_path, capsys):
    assert (site_project / "_site" / destination.MARKER).is_file()  # the default site too
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (tmp_path / "new" / "site", empty):
        assert main(["render", "--out", str(out), "--renderer", "builtin"]) == 0
        assert (out / destination.MARKER).is_file() and "The label is hello." in (out / "index.html").read_text()
    assert main(["render", "--force", "--out", str(empty), "--renderer", "builtin"]) == 0  # its own site
    assert publish.leftovers(empty) == []
    # A site rendered before the marker existed carries only the site key: still its own.
    (empty / destination.MARKER).unlink()
    assert (empty / ".casework-site-key").is_file()
    assert main(["render", "--force", "--out", str(empty), "--renderer", "builtin"]) == 0
    assert (empty / destination.MARKER).is_file()


def test_the_default_site_folder_is_protected_too(site_project, capsys):
    site = site_project / "_site"
    publish.remove_tree(site)
    site.mkdir()
    (site / "mine.html").write_text("hand-written")
    assert main(["render", "--renderer", "builtin"]) == 2
    assert one_line_error(capsys).startswith(f"error: output-dir of _quarto.yml {site}: is a folder "
                                             "casework did not write")
    assert (site / "mine.html").read_text() == "hand-written"


def test_a_full_disk_is_one_line_and_the_old_site_stays(site_project, monkeypatch, capsys):
    from casework.website.builtin import builder

    def full(self, folder):
        (folder / "index.html").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "index.html"))

    monkeypatch.setattr(builder.SiteBuilder, "build", full)
    assert main(["render", "--force", "--renderer", "builtin"]) == 2
    site = site_project / "_site"
    assert one_line_error(capsys) == (
        f"error: output-dir of _quarto.yml {site}: cannot write the new site (No space left on "
        f"device); the previous site is unchanged; {ALLOWED} on a writable disk with free space")
    assert "The label is hello." in home(site_project) and no_leftovers(site_project)


def test_leftovers_are_only_what_a_render_made(site_project):
    """A user's folder that merely looks like a leftover is never removed."""
    keep = [site_project / "_site.backup.2024.old", site_project / "_site.mine.old"]
    keep[0].mkdir()
    keep[1].mkdir()
    (keep[1] / "thesis.txt").write_text("mine")
    render(site_project, renderer="builtin", force=True)
    assert all(p.is_dir() for p in keep) and (keep[1] / "thesis.txt").read_text() == "mine"


# The child renders with the swap's system call wrapped: KILL names the moment.
KILL_AT_SWAP = CHILD.replace("from casework.cli import main", """
import os, signal
from casework.website import render as render_module
moment = os.environ["KILL"]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

real_exchange, real_rename = render_module.exchange, os.rename
def exchange(a, b):
    if moment == "before-exchange":
        die()
    if moment == "no-exchange":
        return False  # as on a system without renameat2: two renames
    done = real_exchange(a, b)
    if moment == "after-exchange":
        die()
    return done
renames = []
def rename(a, b, *args, **kwargs):
    real_rename(a, b, *args, **kwargs)
    renames.append(b)
    if moment == "no-exchange" and len(renames) == 1 and str(b).endswith(".old/_site"):
        die()  # between the two renames
render_module.exchange = exchange
os.rename = rename
from casework.cli import main""")


@pytest.mark.parametrize("moment,label", [("before-exchange", "hello"), ("after-exchange", "changed")])
def test_a_render_killed_at_the_swap_leaves_the_old_or_the_new_site(site_project, moment, label):
    assert build(overrides=["label=changed"]) == 0
    done = subprocess.run([sys.executable, "-c", KILL_AT_SWAP, str(site_project), "render",
                           "--renderer", "builtin"], cwd=site_project, env={**_env(), "KILL": moment},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert f"The label is {label}." in home(site_project)  # a complete site, never none
    assert (site_project / "_site" / destination.MARKER).is_file()
    render(site_project, renderer="builtin")  # the next start tidies what the kill left
    assert "The label is changed." in home(site_project) and no_leftovers(site_project)


def test_where_names_cannot_be_exchanged_the_next_start_puts_the_site_back(site_project):
    assert build(overrides=["label=changed"]) == 0
    done = subprocess.run([sys.executable, "-c", KILL_AT_SWAP, str(site_project), "render",
                           "--renderer", "builtin"], cwd=site_project, env={**_env(), "KILL": "no-exchange"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert not (site_project / "_site").exists()  # the one window two renames cannot avoid
    assert main(["render", "--renderer", "builtin"]) == 0
    assert "The label is changed." in home(site_project) and no_leftovers(site_project)


def _env() -> dict:
    import os
    return dict(os.environ)


def test_package_never_replaces_a_file_that_is_not_an_earlier_package(tmp_path):
    import zipfile

    from casework.replication.archive import check_out
    check_out(tmp_path / "new.zip")  # a new path
    earlier = tmp_path / "earlier.zip"
    with zipfile.ZipFile(earlier, "w") as z:
        z.writestr("REPLICATION.md", "# x")
        z.writestr("ro-crate-metadata.json", "{}")
    check_out(earlier)
    other = tmp_path / "thesis.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("thesis.tex", "x")
    (tmp_path / "notes.txt").write_text("mine")
    for path in (other, tmp_path / "notes.txt"):
        with pytest.raises(destination.OutputError) as err:
            check_out(path)
        assert str(err.value) == (f"--out {path}: is a file casework package did not write; expected a "
                                  "new path or an earlier replication-package zip; nothing was changed")
    with pytest.raises(destination.OutputError, match=r"is not a regular file \(a folder, link or device\)"):
        check_out(tmp_path)


def test_an_unwritable_destination_is_one_line(site_project, capsys):
    out = Path("/proc/casework-test/site")  # no one may create folders in /proc, root included
    assert main(["render", "--out", str(out), "--renderer", "builtin"]) == 2
    assert one_line_error(capsys).startswith(f"error: --out {out}: ")
    assert "The label is hello." in home(site_project)
