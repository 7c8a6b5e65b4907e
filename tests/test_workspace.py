"""The student's own copy of the course (kmeans_lab/workspace.py): work is never lost.

- First use copies ``notebooks/student/`` into the student's folder and records what
  was handed out.
- An update (the course re-released, pulled, or changed by ``make release``) refreshes
  what the student has not changed, keeps what they changed, adds new notebooks,
  restores deleted ones, renames a student's own file that is in the way, leaves
  notebooks removed from the course alone, and says so in one line.
- "Changed" means a cell's type, source or attachments: a notebook only run, saved or
  validated in JupyterLab counts as unchanged.
- ``my-course/`` is invisible to git, ruff and pytest, so ``make test`` stays green
  with a student's work in progress.
- ``make lab`` runs ``kmeans-lab lab``, which serves the folder with ``00_index``
  open and the environment's ``bin`` first on the kernels' PATH (``!kmeans-lab``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from kmeans_lab.cli import main
from kmeans_lab.workspace import (
    MANIFEST,
    WorkspaceError,
    lab_command,
    update_workspace,
    work_fingerprint,
)

REPO = Path(__file__).resolve().parents[1]
STUDENT = REPO / "notebooks" / "student"
SCRIPTS = Path(sysconfig.get_path("scripts"))
#: The hint the summary ends with when a changed notebook has a new version.
KEPT_HINT = (
    "; to get the new version of a notebook you changed, rename or delete yours and run this again"
)


# ------------------------------------------------------------------ helpers


def notebook(*sources: str, markdown: str = "# A notebook") -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(markdown)] + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def write(path: Path, nb: nbformat.NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def edit(path: Path, change) -> None:
    """Change a notebook as JupyterLab does: read it, change it, write it back."""
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)


def run_and_save(nb: nbformat.NotebookNode) -> None:
    """What opening, running, validating and saving does to a notebook: no source typed."""
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code":
            cell.execution_count = number
            cell.outputs = [new_output("stream", name="stdout", text=f"ran {number}\n")]
            cell.metadata["execution"] = {"iopub.status.busy": "2026-11-30T12:00:00Z"}
        cell.id = f"new-id-{number}"
    nb.metadata["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2"}


def type_answer(nb: nbformat.NotebookNode) -> None:
    nb.cells[1].source = "def answer():\n    return 42  # my own code\n"


@pytest.fixture
def course(tmp_path):
    """A small course (three notebooks) and the student's folder beside it."""
    source = tmp_path / "course"
    for name in ("00_index", "01_first", "02_second"):
        write(source / f"{name}.ipynb", notebook(f"print('{name}')", markdown=f"# {name}"))
    return source, tmp_path / "my-course"


def release(source: Path, name: str, text: str = "version 2") -> None:
    """The instructor changes a notebook of the course (what `make release` writes)."""
    edit(source / name, lambda nb: nb.cells.append(new_markdown_cell(text)))


# ------------------------------------------------------------------ first use


def test_first_use_copies_the_course_and_records_it(course, monkeypatch):
    source, folder = course
    monkeypatch.chdir(folder.parent)
    report = update_workspace(folder, source)
    assert report.created and report.new == ["00_index.ipynb", "01_first.ipynb", "02_second.ipynb"]
    for path in source.iterdir():
        assert (folder / path.name).read_bytes() == path.read_bytes()
    manifest = json.loads((folder / MANIFEST).read_text())
    assert sorted(manifest["files"]) == ["00_index.ipynb", "01_first.ipynb", "02_second.ipynb"]
    assert report.summary() == "my-course: created with 3 notebooks from course (00, 01, 02)"
    # nothing changed: nothing to do
    report = update_workspace(folder, source)
    assert report.summary() == "my-course: up to date (3 notebooks)"


def test_the_real_course_is_handed_out_whole(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = update_workspace("my-course", STUDENT)
    names = sorted(p.name for p in STUDENT.glob("*.ipynb"))
    assert report.new == names and "00_index.ipynb" in names
    assert sorted(p.name for p in Path("my-course").glob("*.ipynb")) == names


# ------------------------------------------------------------------ updates


def test_update_refreshes_untouched_keeps_changed_adds_new(tmp_path, monkeypatch):
    """The issue's scenario on the real course: 03 and 05 change, 04 was edited, 08 is new."""
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "notebooks" / "student"
    shutil.copytree(STUDENT, source)
    update_workspace("my-course", source)
    mine = Path("my-course")
    edit(mine / "04_compute_centroids.ipynb", type_answer)
    edit(mine / "02_init_centroids.ipynb", run_and_save)  # run, never typed in
    my_04 = (mine / "04_compute_centroids.ipynb").read_bytes()
    my_02 = (mine / "02_init_centroids.ipynb").read_bytes()

    for name in ("03_find_closest_centroids.ipynb", "04_compute_centroids.ipynb"):
        release(source, name)
    release(source, "05_compress_image.ipynb")
    write(source / "08_more.ipynb", notebook("print(8)"))
    report = update_workspace("my-course", source)

    assert report.summary() == (
        "my-course: 2 notebooks refreshed (03, 05), 1 kept with your changes (04), 1 new (08)"
        + KEPT_HINT
    )
    assert (mine / "04_compute_centroids.ipynb").read_bytes() == my_04  # the student's, untouched
    assert (mine / "02_init_centroids.ipynb").read_bytes() == my_02  # outputs kept: no new version
    for name in ("03_find_closest_centroids.ipynb", "05_compress_image.ipynb", "08_more.ipynb"):
        assert (mine / name).read_bytes() == (source / name).read_bytes()

    # the kept notebook is reported once per new version, then counted as the student's
    report = update_workspace("my-course", source)
    assert report.summary() == "my-course: up to date (9 notebooks, your changes in 04)"
    release(source, "04_compute_centroids.ipynb", "version 3")
    assert update_workspace("my-course", source).summary() == (
        "my-course: 1 notebook kept with your changes (04)" + KEPT_HINT
    )
    assert (mine / "04_compute_centroids.ipynb").read_bytes() == my_04


def test_a_student_edit_survives_every_rerelease(course):
    """`make release` may rewrite every student notebook; the student's edit stays."""
    source, folder = course
    update_workspace(folder, source)
    edit(folder / "01_first.ipynb", type_answer)
    mine = (folder / "01_first.ipynb").read_bytes()
    for version in range(2, 5):
        for path in sorted(source.glob("*.ipynb")):
            release(source, path.name, f"version {version}")
        report = update_workspace(folder, source)
        assert report.kept == ["01_first.ipynb"]
        assert report.refreshed == ["00_index.ipynb", "02_second.ipynb"]
        assert (folder / "01_first.ipynb").read_bytes() == mine


def test_a_notebook_only_run_and_saved_counts_as_unchanged(course):
    source, folder = course
    update_workspace(folder, source)
    edit(folder / "01_first.ipynb", run_and_save)
    ran = (folder / "01_first.ipynb").read_bytes()
    # no new version: the file, outputs and all, is left as it is
    assert update_workspace(folder, source).summary().endswith("up to date (3 notebooks)")
    assert (folder / "01_first.ipynb").read_bytes() == ran
    # a new version: refreshed (nothing typed is lost; the outputs come back by running it)
    release(source, "01_first.ipynb")
    assert update_workspace(folder, source).refreshed == ["01_first.ipynb"]
    assert (folder / "01_first.ipynb").read_bytes() == (source / "01_first.ipynb").read_bytes()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(type_answer, id="code typed"),
        pytest.param(lambda nb: setattr(nb.cells[0], "source", "# My notes"), id="markdown typed"),
        pytest.param(lambda nb: nb.cells.append(new_code_cell("x = 1")), id="cell added"),
        pytest.param(lambda nb: nb.cells.pop(1), id="cell deleted"),
        pytest.param(lambda nb: nb.cells.reverse(), id="cells moved"),
        pytest.param(lambda nb: setattr(nb.cells[1], "cell_type", "raw"), id="cell type changed"),
        pytest.param(
            lambda nb: nb.cells[0].update(attachments={"a.png": {"image/png": "iVBORw0KGgo="}}),
            id="image pasted",
        ),
    ],
)
def test_any_change_to_the_cells_is_the_students_work(course, change):
    source, folder = course
    update_workspace(folder, source)
    edit(folder / "01_first.ipynb", change)
    mine = (folder / "01_first.ipynb").read_bytes()
    release(source, "01_first.ipynb")
    assert update_workspace(folder, source).kept == ["01_first.ipynb"]
    assert (folder / "01_first.ipynb").read_bytes() == mine


def test_work_fingerprint_ignores_outputs_ids_and_metadata_only():
    nb = notebook("x = 1")
    before = nbformat.writes(nb).encode()
    run_and_save(nb)
    assert work_fingerprint(nbformat.writes(nb).encode(), "a.ipynb") == work_fingerprint(
        before, "a.ipynb"
    )
    # the source as one string or a list of lines is the same source
    as_lines = json.loads(before)
    as_lines["cells"][1]["source"] = ["x = 1"]
    assert work_fingerprint(json.dumps(as_lines).encode(), "a.ipynb") == work_fingerprint(
        before, "a.ipynb"
    )
    # not a notebook: every byte counts
    assert work_fingerprint(b"abc", "a.png") != work_fingerprint(b"abd", "a.png")
    assert work_fingerprint(b"{not json", "a.ipynb").startswith("bytes:")


def test_a_deleted_notebook_is_handed_out_again(course):
    source, folder = course
    update_workspace(folder, source)
    edit(folder / "02_second.ipynb", type_answer)
    (folder / "02_second.ipynb").unlink()  # "start over"
    report = update_workspace(folder, source)
    assert report.summary().endswith("1 notebook restored (02)")
    assert (folder / "02_second.ipynb").read_bytes() == (source / "02_second.ipynb").read_bytes()


def test_a_notebook_removed_from_the_course_is_left_alone(course):
    source, folder = course
    update_workspace(folder, source)
    (source / "02_second.ipynb").unlink()
    report = update_workspace(folder, source)
    assert report.summary().endswith("1 notebook no longer in the course, left in your folder (02)")
    assert (folder / "02_second.ipynb").exists()
    assert update_workspace(folder, source).summary().endswith("up to date (2 notebooks)")


def test_a_students_own_file_in_the_way_of_a_new_one_is_renamed(course):
    source, folder = course
    update_workspace(folder, source)
    write(folder / "03_extra.ipynb", notebook("my_own = True"))
    mine = (folder / "03_extra.ipynb").read_bytes()
    write(source / "03_extra.ipynb", notebook("print('the course')"))
    now = time.mktime((2026, 11, 30, 12, 52, 0, 0, 0, -1))
    report = update_workspace(folder, source, now=now)
    assert report.renamed == [("03_extra.ipynb", "03_extra_20261130-125200.ipynb")]
    assert report.summary().endswith(
        "your own 03_extra.ipynb renamed 03_extra_20261130-125200.ipynb to make room for the course's"
    )
    assert (folder / "03_extra_20261130-125200.ipynb").read_bytes() == mine
    assert (folder / "03_extra.ipynb").read_bytes() == (source / "03_extra.ipynb").read_bytes()


def test_a_lost_record_loses_no_work(course):
    """Without the hidden record, identical notebooks are adopted, the others moved aside."""
    source, folder = course
    update_workspace(folder, source)
    edit(folder / "00_index.ipynb", run_and_save)
    edit(folder / "01_first.ipynb", type_answer)
    mine = (folder / "01_first.ipynb").read_bytes()
    (folder / MANIFEST).write_text("{broken")
    report = update_workspace(folder, source, now=0)
    assert report.unchanged == ["00_index.ipynb", "02_second.ipynb"]
    ((old, moved),) = report.renamed
    assert old == "01_first.ipynb" and (folder / moved).read_bytes() == mine


def test_a_notebook_that_is_not_valid_json_is_kept(course):
    source, folder = course
    update_workspace(folder, source)
    (folder / "01_first.ipynb").write_text('{"cells": [ half a notebook')
    release(source, "01_first.ipynb")
    assert update_workspace(folder, source).kept == ["01_first.ipynb"]
    assert (folder / "01_first.ipynb").read_text() == '{"cells": [ half a notebook'


def test_an_interrupted_update_is_finished_without_a_false_kept(course):
    """The new version was written, the record was not: the next run only records it."""
    source, folder = course
    update_workspace(folder, source)
    record = (folder / MANIFEST).read_bytes()
    release(source, "01_first.ipynb")
    update_workspace(folder, source)
    (folder / MANIFEST).write_bytes(record)  # as if stopped before the record was written
    report = update_workspace(folder, source)
    assert report.summary().endswith("up to date (3 notebooks)")
    release(source, "01_first.ipynb", "version 3")
    assert update_workspace(folder, source).refreshed == ["01_first.ipynb"]


def test_a_student_who_undoes_their_changes_gets_new_versions_again(course):
    source, folder = course
    update_workspace(folder, source)
    original = (folder / "01_first.ipynb").read_bytes()
    edit(folder / "01_first.ipynb", type_answer)
    release(source, "01_first.ipynb")
    assert update_workspace(folder, source).kept == ["01_first.ipynb"]
    (folder / "01_first.ipynb").write_bytes(original)
    assert update_workspace(folder, source).refreshed == ["01_first.ipynb"]


def test_other_files_of_the_course_follow_the_same_rule(course):
    source, folder = course
    (source / "data").mkdir()
    (source / "data" / "photo.png").write_bytes(b"version 1")
    (source / ".ipynb_checkpoints").mkdir()
    (source / ".ipynb_checkpoints" / "00_index-checkpoint.ipynb").write_text("{}")
    report = update_workspace(folder, source)
    assert "data/photo.png" in report.new
    assert not (folder / ".ipynb_checkpoints").exists()
    (source / "data" / "photo.png").write_bytes(b"version 2")
    assert update_workspace(folder, source).refreshed == ["data/photo.png"]
    (folder / "data" / "photo.png").write_bytes(b"drawn on")
    (source / "data" / "photo.png").write_bytes(b"version 3")
    assert update_workspace(folder, source).kept == ["data/photo.png"]
    assert (folder / "data" / "photo.png").read_bytes() == b"drawn on"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: (tmp / "my-course", tmp / "missing"), "no course folder"),
        (lambda tmp: (tmp / "course" / "inside", tmp / "course"), "must be separate folders"),
        (lambda tmp: (tmp / "course", tmp / "course"), "must be separate folders"),
    ],
)
def test_wrong_folders_are_refused(course, tmp_path, make, message):
    folder, source = make(tmp_path)
    with pytest.raises(WorkspaceError, match=message):
        update_workspace(folder, source)


# ------------------------------------------------------------------ the command line


def test_kmeans_lab_workspace_prints_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(STUDENT, tmp_path / "notebooks" / "student")
    assert main(["workspace"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("my-course: created with ") and out.count("\n") == 1
    assert main(["workspace"]) == 0
    assert capsys.readouterr().out.startswith("my-course: up to date (")


def test_kmeans_lab_workspace_outside_the_repository_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["workspace"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kmeans-lab: error: no course folder")
    assert "--from" in err
    assert not (tmp_path / "my-course").exists()


def test_kmeans_lab_lab_updates_then_starts_jupyterlab(course, monkeypatch, capsys):
    source, folder = course
    started = {}

    def execve(path, argv, env):
        started.update(path=path, argv=argv, env=env)

    monkeypatch.setattr(os, "execve", execve)
    assert main(["lab", str(folder), "--from", str(source), "--", "--no-browser", "--port=9"]) == 0
    assert "created with 3 notebooks" in capsys.readouterr().out
    argv, env = started["argv"], started["env"]
    assert started["path"] == sys.executable
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--LabApp.default_url=/lab/tree/00_index.ipynb" in argv
    assert f"--ServerApp.root_dir={folder.resolve()}" in argv
    assert argv[-2:] == ["--no-browser", "--port=9"]
    assert ("--allow-root" in argv) == (os.geteuid() == 0)
    assert env["PATH"].split(os.pathsep)[0] == str(SCRIPTS)


def test_lab_command_puts_this_environments_commands_first_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    argv, env = lab_command(tmp_path)
    assert env["PATH"] == os.pathsep.join([str(SCRIPTS), "/usr/bin", "/bin"])
    assert shutil.which("kmeans-lab", path=env["PATH"]) == str(SCRIPTS / "kmeans-lab")
    # no 00_index (another folder): JupyterLab opens as usual, on the folder
    assert not any(arg.startswith("--LabApp.default_url") for arg in argv)
    # already first: not added twice
    monkeypatch.setenv("PATH", env["PATH"])
    assert lab_command(tmp_path)[1]["PATH"] == env["PATH"]


def test_make_lab_runs_kmeans_lab_lab():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(  # (the installation step taken as done: print the recipe only)
        ["make", "--dry-run", "--no-print-directory", "--old-file=.venv/.installed", "lab"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ".venv/bin/kmeans-lab lab"


# ------------------------------------------------------------------ the real JupyterLab


def _get(url: str):
    """Status, Location header and body of a GET that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers.get("Location"), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location"), b""


def _environ_path(pid: int) -> str:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return next(e[5:].decode() for e in entries if e.startswith(b"PATH="))


def _kernels(pid: int) -> list[int]:
    """The kernels (ipykernel processes) started by the server ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"ipykernel" in command:
                found.append(int(entry.name))
    return found


@pytest.mark.slow  # end to end: a JupyterLab server and a kernel; make test-quick skips it
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_kmeans_lab_lab_serves_the_folder_with_the_course_command_on_path(course, tmp_path):
    """`kmeans-lab lab` started with a PATH that lacks the venv: the kernel finds kmeans-lab."""
    from browser_helpers import free_port, stop_server

    source, folder = course
    port = free_port()
    runtime = tmp_path / "jupyter"
    env = dict(
        os.environ,
        PATH="/usr/bin:/bin",
        JUPYTER_CONFIG_DIR=str(runtime / "config"),
        JUPYTER_RUNTIME_DIR=str(runtime / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(runtime / "workspaces"),
    )
    log = tmp_path / "lab.log"
    command = [str(SCRIPTS / "kmeans-lab"), "lab", folder.name, "--from", source.name, "--"]
    command += [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
    ]
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder.parent
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if _get(base + "/api/status")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        text = log.read_text()
        assert text.startswith("my-course: created with 3 notebooks")
        assert f"{base}/lab/tree/00_index.ipynb" in text  # the URL it prints opens 00_index
        assert _get(base + "/")[1].split("?")[0] == "/lab/tree/00_index.ipynb"
        # the file browser's root is the student's folder
        listing = json.loads(_get(base + "/api/contents")[2])
        assert sorted(item["name"] for item in listing["content"]) == [
            "00_index.ipynb",
            "01_first.ipynb",
            "02_second.ipynb",
        ]
        # a notebook's kernel has this environment's bin first on PATH: !kmeans-lab works
        request = urllib.request.Request(base + "/api/kernels", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
        kernels = []
        while not kernels and time.monotonic() < deadline:
            kernels = _kernels(server.pid)
            time.sleep(0.2)
        assert kernels, "no kernel process"
        for pid in [server.pid, *kernels]:
            path = _environ_path(pid)
            assert path.split(os.pathsep)[0] == str(SCRIPTS)
            assert shutil.which("kmeans-lab", path=path) == str(SCRIPTS / "kmeans-lab")
    finally:
        stop_server(server, base)


# ------------------------------------------------------------------ invisible to the checks


def test_my_course_is_ignored_by_git_in_this_repository():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "my-course/04_compute_centroids.ipynb"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, "my-course/ must be in .gitignore"


@pytest.mark.slow  # end to end: git, ruff and pytest run; make test-quick skips it
def test_work_in_progress_is_invisible_to_git_ruff_and_pytest(tmp_path):
    """A checkout with the project's settings and a student's messy my-course/: `make test`'s
    tools (git's file lists, ruff check and format, pytest's collection) never see it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for name in (".gitignore", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    mine = tmp_path / "my-course"
    nb = notebook("import os,sys\nx=  1 ;print( x )\nundefined_name")
    run_and_save(nb)
    write(mine / "04_compute_centroids.ipynb", nb)
    (mine / "test_scratch.py").write_text("import os,sys\ndef test_mine( ):\n  assert undefined\n")
    (mine / MANIFEST).write_text("{}")

    def run(*command):
        return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    assert run("git", "init", "-q").returncode == 0
    assert run("git", "status", "--porcelain", "--untracked-files=all").stdout.split() == [
        "??",
        ".gitignore",
        "??",
        "pyproject.toml",
        "??",
        "tests/test_ok.py",
    ]
    listed = run("git", "ls-files", "-co", "--exclude-standard").stdout  # test_grading's list
    assert "my-course" not in listed

    ruff = str(SCRIPTS / "ruff")
    for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        result = run(*command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "my-course" not in result.stdout + result.stderr
    # (the same files are reported when named without the project's settings)
    assert run(ruff, "check", "--isolated", "--no-cache", "my-course").returncode == 1

    pytest_cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    for extra in ([], ["."], ["--nbval", "."]):
        result = run(*pytest_cmd, *extra)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "tests/test_ok.py::test_ok" in result.stdout
        assert "my-course" not in result.stdout
