"""tools/hide_instructor_tools.sh writes what nbgrader's and JupyterLab's own commands would.

The script writes the settings of ``jupyter labextension disable/lock`` and ``jupyter
server extension disable`` itself (those commands took most of a cold ``make install``);
here it runs against a scratch environment, on its own and with ``--hub``, in both orders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tools" / "hide_instructor_tools.sh"
INSTRUCTOR = ["formgrader", "create-assignment", "course-list"]
STUDENT = ["assignment-list", "menu"]


def _environment(tmp_path: Path) -> Path:
    """A scratch venv with a `jupyter` on its PATH (never called: only located)."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    (env / "bin" / "jupyter").write_text("#!/bin/sh\nexit 1\n")
    (env / "bin" / "jupyter").chmod(0o755)
    page = env / "etc" / "jupyter" / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"disabledExtensions": {"other:plugin": True}, "theme": "x"}))
    return env


def _hide(env: Path, *args: str) -> tuple[dict, dict]:
    path = f"{env / 'bin'}:{os.environ['PATH']}"
    subprocess.run(["bash", str(SCRIPT), *args], check=True, env=dict(os.environ, PATH=path))
    etc = env / "etc" / "jupyter"
    page = json.loads((etc / "labconfig" / "page_config.json").read_text())
    servers = {}
    for name in ("formgrader", "course_list", "assignment_list"):
        doc = json.loads(
            (
                etc / "jupyter_server_config.d" / f"nbgrader.server_extensions.{name}.json"
            ).read_text()
        )
        servers[name] = doc["ServerApp"]["jpserver_extensions"][
            f"nbgrader.server_extensions.{name}"
        ]
    return page, servers


def test_students_see_no_instructor_tool_and_every_plugin_is_locked(tmp_path):
    env = _environment(tmp_path)
    for args in [(), ("--hub",), ()]:  # and back: each run sets the state it names
        page, servers = _hide(env, *args)
        hub = args == ("--hub",)
        for plugin in INSTRUCTOR + STUDENT:
            name = f"@jupyter/nbgrader:{plugin}"
            assert page["lockedExtensions"][name] is True
            hidden = plugin in INSTRUCTOR or not hub
            assert page["disabledExtensions"].get(name, False) is hidden, (args, name)
        assert servers == {"formgrader": False, "course_list": False, "assignment_list": hub}
        # what was there before is kept
        assert page["disabledExtensions"]["other:plugin"] is True and page["theme"] == "x"


def test_a_wrong_argument_is_refused_in_one_line(tmp_path):
    done = subprocess.run(["bash", str(SCRIPT), "--hib"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip().startswith("usage:")
