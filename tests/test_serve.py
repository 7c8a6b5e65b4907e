"""One sandbox per student's notebooks (``kmeans_lab/grading/serve.py``, ``tools/sandbox_streams.py``).

The grader runs a student's notebooks in one sandbox whose Python imports the
notebooks' libraries once and forks a fresh child per notebook. These tests
run real notebooks that way, in a real bubblewrap sandbox, as a hostile
student would write them: a notebook must leave nothing for the next one
(files, environment, modules, processes, IPC), must not reach the server or
the other notebooks' pipes, and a notebook that dies or never ends must not
change what the next one gets. CI sets ``KMEANS_LAB_REQUIRE_SANDBOX=1``, so
these fail there instead of being skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

pytest.importorskip("nbgrader")

from kmeans_lab.grading.execute import read_frames  # noqa: E402
from tools.grading import worker  # noqa: E402
from tools.grading.sandbox_report import read_sandbox_report  # noqa: E402
from tools.sandbox import Limits, Sandbox, SandboxUnavailable  # noqa: E402
from tools.sandbox_streams import StreamsOutcome  # noqa: E402

pytestmark = pytest.mark.slow  # end to end, in the real sandbox

REPO = Path(__file__).resolve().parents[1]


@dataclass
class FakeRun:
    """What the worker needs of a run to start notebook sandboxes."""

    package: Path
    home_files: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("package")
    shutil.copytree(
        REPO / "kmeans_lab", folder / "kmeans_lab", ignore=shutil.ignore_patterns("__pycache__")
    )
    os.chmod(folder, 0o755)
    inputs = tmp_path_factory.mktemp("inputs")
    os.chmod(inputs, 0o755)
    try:
        Sandbox(folder, Limits(wall_seconds=30)).check_available(inputs)
    except SandboxUnavailable as exc:
        if os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") == "1":
            pytest.fail(f"the grading sandbox must run here: {exc}")
        pytest.skip(f"no grading sandbox on this machine: {exc}")
    return FakeRun(folder)


#: The server refuses (and each notebook gets a sandbox of its own) when a child's new /tmp
#: would hide the grader's Python, which the sandbox binds there when it lives under /tmp.
UNDER_TMP = any(
    str(p).startswith(("/tmp/", "/dev/shm/")) for p in (sys.prefix, sys.base_prefix, REPO)
)


@pytest.fixture
def served():
    if UNDER_TMP:
        pytest.skip(
            "this Python lives under /tmp: a notebook's new /tmp would hide it, so the server "
            "refuses and each notebook runs in a sandbox of its own (as the fallback test shows)"
        )


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("KMEANS_LAB_CELL_TIMEOUT", "5")
    monkeypatch.setenv("KMEANS_LAB_NOTEBOOK_TIMEOUT", "20")
    monkeypatch.setattr(worker, "_ONE_SANDBOX_EACH", [])
    return worker.Settings()


def notebook(*sources: str):
    return new_notebook(cells=[new_code_cell(s) for s in sources])


def report(nb, result):
    cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    return read_sandbox_report(
        result.data, cells, timed_out=result.timed_out, overflowed=result.overflowed
    )


def stdout(rep, index: int) -> str:
    return "".join(
        o.get("text", "") for o in rep.outputs.get(index, []) if o.get("name") == "stdout"
    )


#: A notebook that leaves everything it can behind, and attacks the server.
LEAVES = notebook(
    """
import ctypes, os, subprocess, time
import numpy, kmeans_lab
open("left.txt", "w").write("A")
open("/tmp/left.txt", "w").write("A")
if os.path.isdir("/dev/shm"):
    open("/dev/shm/left", "w").write("A")
os.environ["LEFT_BY_A"] = "1"
numpy.left_by_a = kmeans_lab.left_by_a = True
subprocess.Popen(["sleep", "300"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "301"])
    os._exit(0)
libc = ctypes.CDLL(None, use_errno=True)
print("shm", libc.shmget(0x4B4D, 4096, 0o1666) >= 0)
""",
    """
import os, signal
reached = []
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    try:
        command = open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        continue
    status = open(f"/proc/{pid}/status").read()
    levels = [line.split()[1:] for line in status.splitlines() if line.startswith("NSpid")][0]
    if b"kmeans_lab.grading.serve" in command and len(levels) == 1:  # outside its namespace
        for what in ("mem", "environ", "fd/0"):
            try:
                open(f"/proc/{pid}/{what}", "rb").close()
                reached.append(f"{what} of {pid}")
            except OSError:
                pass
for pid in range(1, 300):  # every process it can name: stop or kill it
    if pid != os.getpid():
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
print("reached", reached)
""",
)

#: A notebook that reports what it finds.
LOOKS = notebook(
    """
import ctypes, json, os
import numpy, kmeans_lab
libc = ctypes.CDLL(None, use_errno=True)
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
sleepers = []
for pid in os.listdir("/proc"):
    try:
        if pid.isdigit() and b"sleep" in open(f"/proc/{pid}/cmdline", "rb").read():
            sleepers.append(pid)
    except OSError:
        pass
pipes = []
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
            pipes.append(fd)
    except OSError:  # the listing's own descriptor, closed
        pass
print(json.dumps({
    "home": os.path.exists("left.txt"),
    "tmp": os.path.exists("/tmp/left.txt"),
    "shm": os.path.exists("/dev/shm/left"),
    "env": "LEFT_BY_A" in os.environ,
    "modules": hasattr(numpy, "left_by_a") or hasattr(kmeans_lab, "left_by_a"),
    "sysv": libc.shmget(0x4B4D, 0, 0) >= 0,
    "sleepers": sleepers,
    "caps": int(status["CapEff"], 16), "bounding": int(status["CapBnd"], 16),
    "nnp": status["NoNewPrivs"].strip(),
    "uid": os.getuid(), "pipes": len(pipes), "cwd": os.getcwd(),
}))
""",
)


def test_a_notebook_leaves_nothing_for_the_next_and_cannot_reach_the_server(run, settings, served):
    nbs = {"a": LEAVES, "b": LOOKS, "c": LOOKS}
    results = worker.run_notebooks_of_student(nbs, run, settings, 0)
    a = report(LEAVES, results["a"])
    assert a.done, a
    assert "shm True" in stdout(a, 0)  # it did leave a SysV segment behind ...
    assert stdout(a, 1).strip() == "reached []"  # ... but reached nothing of the server
    for name in ("b", "c"):
        seen = report(LOOKS, results[name])
        assert seen.done, seen
        found = json.loads(stdout(seen, 0))
        assert found == dict(
            found,
            home=False,
            tmp=False,
            shm=False,
            env=False,
            modules=False,
            sysv=False,
            sleepers=[],
            caps=0,
            bounding=0,
            nnp="1",
            cwd="/home/student",
        ), found
        assert found["uid"] != 0
        assert found["pipes"] <= 2  # stderr and its own result pipe: no other notebook's
    # one sandbox ran all three: the attack on the server (SIGSTOP, SIGKILL) changed nothing
    assert all(r.timed_out is False for r in results.values())


def test_a_notebook_that_dies_or_never_ends_does_not_change_the_next(run, settings, served):
    dies = notebook('print("before")', "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    loops = notebook(
        'print("looping")',
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass",
    )
    fine = notebook('print("fine")', "x = 6 * 7\nprint(x)")
    nbs = {"1_dies": dies, "2_loops": loops, "3_fine": fine, "4_fine": fine}
    results = worker.run_notebooks_of_student(nbs, run, settings, 0)
    died = report(dies, results["1_dies"])
    assert not died.done and died.died_in == 2 and not died.timed_out
    assert stdout(died, 0) == "before\n"
    looped = report(loops, results["2_loops"])
    assert looped.timed_out and looped.died_in == 2 and stdout(looped, 0) == "looping\n"
    assert results["2_loops"].seconds >= 20
    for name in ("3_fine", "4_fine"):
        ok = report(fine, results[name])
        assert ok.done and not ok.timed_out and stdout(ok, 1) == "42\n", name


def test_without_namespaces_for_a_child_each_notebook_gets_a_sandbox_of_its_own(
    run, settings, monkeypatch
):
    calls = []

    def unavailable(sandbox, folder, argv, count, *, env):
        calls.append(count)
        return StreamsOutcome([None] * count, unavailable="no user namespaces")

    monkeypatch.setattr(worker, "run_notebooks", unavailable)
    fine = notebook("print(6 * 7)")
    results = worker.run_notebooks_of_student({"a": fine, "b": fine}, run, settings, 0)
    assert calls == [2] and worker._ONE_SANDBOX_EACH == ["no user namespaces"]
    for result in results.values():
        assert report(fine, result).done and stdout(report(fine, result), 0) == "42\n"
    # and later students go there directly
    worker.run_notebooks_of_student({"c": fine}, run, settings, 0)
    assert calls == [2]


def test_a_course_notebook_gives_the_same_outputs_as_in_a_sandbox_of_its_own(run, settings, served):
    nb = nbformat.read(REPO / "notebooks" / "01_load_and_reshape.ipynb", as_version=4)
    together = worker.run_notebooks_of_student({"01": nb, "01 again": nb}, run, settings, 0)
    alone = worker._run_in_sandbox(nb, run, settings, 0)
    frames = [read_frames(together["01"].data), read_frames(together["01 again"].data)]
    expected = read_frames(alone.data)
    assert len(expected) > 5 and expected[-1][0] == {"format": 1, "done": True}
    for found in frames:
        assert [d for d, _ in found] == [d for d, _ in expected]
        assert [sorted(a) for _, a in found] == [sorted(a) for _, a in expected]
