"""The grading sandbox (``tools/sandbox.py``): what student code can and cannot reach.

Each test runs a small Python program in a real bubblewrap sandbox, as the
grader runs a notebook, and reads what it reports on the result pipe. CI
installs bubblewrap and sets ``KMEANS_LAB_REQUIRE_SANDBOX=1``, so these tests
fail there instead of being skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end to end: make test-quick skips this module

REPO = Path(__file__).resolve().parents[1]

from tools.sandbox import Limits, Sandbox, SandboxUnavailable  # noqa: E402
from tools.sandbox_ids import uid_range  # noqa: E402


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """A copy of the package, as a grading run makes one."""
    folder = tmp_path_factory.mktemp("package")
    shutil.copytree(
        REPO / "kmeans_lab", folder / "kmeans_lab", ignore=shutil.ignore_patterns("__pycache__")
    )
    os.chmod(folder, 0o755)  # as the grader's run folder (tmp_path folders are private)
    return folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "given.txt").write_text("input for the sandbox")
    os.chmod(folder, 0o755)
    os.chmod(folder / "given.txt", 0o644)
    return folder


@pytest.fixture(scope="module")
def sandbox(package, inputs):
    box = Sandbox(package, Limits(wall_seconds=30))
    try:
        box.check_available(inputs)
    except SandboxUnavailable as exc:
        if os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") == "1":
            pytest.fail(f"the grading sandbox must run here: {exc}")
        pytest.skip(f"no grading sandbox on this machine: {exc}")
    return box


def run(box: Sandbox, inputs: Path, code: str, **kwargs):
    """Run ``code`` in the sandbox; it reports with ``report(value)`` (JSON)."""
    program = textwrap.dedent("""
        import json, os, sys
        _fd = int(sys.argv[sys.argv.index("--result-fd") + 1])
        def report(value):
            os.write(_fd, json.dumps(value).encode())
    """) + textwrap.dedent(code)
    result = box.run(inputs, ["-c", program], **kwargs)
    try:
        return json.loads(result.data), result
    except ValueError:
        return None, result


def test_student_code_runs_as_an_unprivileged_user_without_capabilities(sandbox, inputs):
    found, _ = run(
        sandbox,
        inputs,
        """
        status = open("/proc/self/status").read()
        caps = [line.split()[1] for line in status.splitlines() if line.startswith("CapEff")]
        nnp = [line.split()[1] for line in status.splitlines() if line.startswith("NoNewPrivs")]
        report({"uid": os.getuid(), "euid": os.geteuid(), "caps": caps[0], "nnp": nnp[0]})
    """,
    )
    assert found["uid"] != 0 and found["euid"] != 0
    assert int(found["caps"], 16) == 0
    if os.geteuid() == 0:
        assert found["uid"] in uid_range() and found["nnp"] == "1"


def test_it_sees_no_course_no_notebooks_no_checkout(sandbox, inputs):
    paths = [
        str(REPO / name) for name in ("course", "notebooks", "kmeans_lab", "tools", "README.md")
    ]
    found, _ = run(sandbox, inputs, f"report({{p: os.path.exists(p) for p in {paths!r}}})")
    assert not found[str(REPO / "course")]
    assert not found[str(REPO / "notebooks")]
    assert not found[str(REPO / "kmeans_lab")] and not found[str(REPO / "tools")]
    assert not found[str(REPO / "README.md")]


def test_the_package_is_a_read_only_copy_and_the_environment_read_only(sandbox, inputs):
    found, _ = run(
        sandbox,
        inputs,
        """
        import kmeans_lab, sysconfig
        out = {"package": kmeans_lab.__file__}
        for name, path in (("package_file", kmeans_lab.__file__),
                           ("site", os.path.join(sysconfig.get_paths()["purelib"], "zz.pth")),
                           ("system", "/usr/lib/zz"), ("inputs", "/grader/zz")):
            try:
                open(path, "a").write("import os")
                out[name] = "written"
            except OSError:
                out[name] = "refused"
        out["home"] = os.getcwd()
        open("scratch.txt", "w").write("mine")
        out["scratch"] = open("scratch.txt").read()
        out["given"] = open("/grader/given.txt").read()
        report(out)
    """,
    )
    assert found["package"] == "/opt/kmeans-lab/kmeans_lab/__init__.py"
    assert found["package_file"] == found["site"] == found["system"] == found["inputs"] == "refused"
    assert found["home"] == Sandbox.HOME and found["scratch"] == "mine"
    assert found["given"] == "input for the sandbox"


def test_no_network_and_no_other_process_to_see_or_signal(sandbox, inputs):
    found, _ = run(
        sandbox,
        inputs,
        """
        import socket, signal
        out = {}
        try:
            socket.create_connection(("1.1.1.1", 80), timeout=2)
            out["net"] = "connected"
        except OSError as exc:
            out["net"] = type(exc).__name__
        out["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        out["parent"] = os.getppid()
        try:
            os.kill(1, signal.SIGKILL)
            out["kill_init"] = "sent"
        except OSError as exc:
            out["kill_init"] = type(exc).__name__
        report(out)
    """,
    )
    assert found["net"] != "connected"
    assert len(found["pids"]) <= 3  # the sandbox's init, this program (and perhaps a helper)
    assert os.getpid() not in found["pids"] or found["pids"] == [1, 2]


def test_processes_left_behind_die_with_the_sandbox(sandbox, inputs):
    marker = f"kmeans-lab-detached-{os.getpid()}"
    _, result = run(
        sandbox,
        inputs,
        f"""
        import subprocess, time
        # argv[0] is the marker (dash's `exec` has no -a), so pgrep -f finds them outside
        subprocess.Popen(["{marker}", "300"], executable="/bin/sleep", start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            os.execv("/bin/sleep", ["{marker}", "300"])
        time.sleep(0.3)
        alive = 0
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{{pid}}/cmdline", "rb") as f:
                    alive += f.read().startswith(b"{marker}")
            except (OSError, ValueError):
                pass
        report(alive)
    """,
    )
    assert result.data == b"2"  # both were running when the sandbox ended
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert left.strip() == ""


def test_the_wall_clock_limit_kills_everything(package, inputs, sandbox):
    box = Sandbox(package, Limits(wall_seconds=2))
    started = time.monotonic()
    _, result = run(
        box,
        inputs,
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.1)
    """,
    )
    assert result.timed_out and time.monotonic() - started < 10


def test_memory_processes_and_disk_are_limited(sandbox, inputs):
    found, _ = run(
        sandbox,
        inputs,
        """
        import subprocess
        out = {}
        try:
            block = bytearray(8 << 30)  # 8 GiB
            out["memory"] = "allocated"
        except MemoryError:
            out["memory"] = "MemoryError"
        children = []
        try:
            for _ in range(500):
                children.append(subprocess.Popen(["sleep", "30"]))
            out["processes"] = "started 500"
        except OSError as exc:
            out["processes"] = type(exc).__name__
        for child in children:
            child.kill()
        try:
            with open("big.bin", "wb") as f:
                for _ in range(2048):
                    f.write(b"x" * (1 << 20))  # 2 GiB in 1 MiB pieces
            out["disk"] = "written"
        except OSError as exc:
            out["disk"] = type(exc).__name__
        report(out)
    """,
    )
    assert found == {"memory": "MemoryError", "processes": "BlockingIOError", "disk": "OSError"}


def test_results_beyond_the_limit_stop_the_sandbox(package, inputs, sandbox):
    box = Sandbox(package, Limits(result_bytes=1 << 20, wall_seconds=30))
    _, result = run(
        box,
        inputs,
        """
        while True:
            os.write(_fd, b"x" * 65536)
    """,
    )
    assert result.overflowed and len(result.data) <= 1 << 20


def test_without_bubblewrap_the_grader_says_what_to_install(package, inputs, monkeypatch):
    box = Sandbox(package)
    box.bwrap = None
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        box.run(inputs, ["-c", "pass"])


def test_an_environment_under_tmp_stays_visible(package, inputs, sandbox, tmp_path):
    # CI may clone the project (and its .venv) under /tmp, where the sandbox mounts its own
    # /tmp: the environment's bind must go on top of it
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")],
        check=True,
        timeout=120,
    )
    box = Sandbox(package, Limits(wall_seconds=30))
    box.python = str(tmp_path / "venv" / "bin" / "python")
    box.prefix = str(tmp_path / "venv")
    found, result = run(box, inputs, "report([sys.prefix, os.access('/tmp', os.W_OK)])")
    assert found == [str(tmp_path / "venv"), True], result.stderr


def test_home_files_are_writable_copies_and_stay_inside_the_home(
    package, inputs, sandbox, tmp_path
):
    given = tmp_path / "cache.json"
    given.write_text('{"cached": 1}')
    os.chmod(tmp_path, 0o700)  # the run folder is private: the sandbox never sees this path
    box = Sandbox(package, Limits(wall_seconds=30), home_files={".cache/a/cache.json": given})
    found, result = run(
        box,
        inputs,
        """
        path = os.path.expanduser("~/.cache/a/cache.json")
        text = open(path).read()
        with open(path, "w") as f:
            f.write("changed in the sandbox")
        os.mkdir(os.path.expanduser("~/.cache/a/more"))
        report([text, os.path.exists(GIVEN)])
        """.replace("GIVEN", repr(str(given))),
    )
    assert found == ['{"cached": 1}', False], result.stderr
    assert given.read_text() == '{"cached": 1}'  # a copy: the grader's file is untouched
    for outside in ("../escape.json", "/etc/escape.json", ".cache/../../x"):
        escaping = Sandbox(package, Limits(wall_seconds=30), home_files={outside: given})
        with pytest.raises(ValueError, match="inside the home"):
            escaping.run(inputs, ["-c", "pass"])


FONT_LIST_USED = """
import io, logging
log = io.StringIO()
logging.basicConfig(level=logging.DEBUG, stream=log)
import matplotlib.font_manager
report(["Using fontManager instance" in log.getvalue(), "generated new fontManager" in log.getvalue()])
"""


def test_the_runs_font_list_spares_each_notebook_scanning_the_fonts(package, sandbox, tmp_path):
    from tools.grading.runs import build_home

    home = tmp_path / "home"
    files = build_home(home, package)
    assert [Path(name).parent for name in files] == [Path(".config/matplotlib")], files
    empty = tmp_path / "empty"
    empty.mkdir()
    os.chmod(empty, 0o755)
    given = Sandbox(package, Limits(wall_seconds=60), home_files=files)
    found, result = run(given, empty, FONT_LIST_USED)
    assert found == [True, False], result.stderr  # read from the copy, nothing scanned
    found, result = run(Sandbox(package, Limits(wall_seconds=60)), empty, FONT_LIST_USED)
    assert found == [False, True], result.stderr  # without it: scanned, in every sandbox
