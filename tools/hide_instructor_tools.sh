#!/usr/bin/env bash
# Switch off (and lock) nbgrader's instructor tools in the environment whose
# `jupyter` comes first on PATH: students keep the Validate button but see no
# formgrader, assignment creation or course list. Idempotent.
#   tools/hide_instructor_tools.sh          a student's own machine or Binder: no exchange,
#                                           so no Assignments tab either
#   tools/hide_instructor_tools.sh --hub    a JupyterHub's image: also the students' side of
#                                           the exchange, the Assignments tab (assignment
#                                           list) and nbgrader's menu, whose only entry is then
#                                           "Assignment List"
# Used by `make install` (with .venv/bin first on PATH), Binder's postBuild, and the hub
# image (README "For a class on a JupyterHub"; tests/test_hub.py runs it).
# Every plugin is locked in its state, or a student could change it from JupyterLab's
# plugin manager. (Locks are for the interface: a student who turns the formgrader on for
# themselves only sees an empty course of their own; the instructor's course/ is private.)
set -euo pipefail
case "${1:-}" in
    "") hub=false ;;
    --hub) hub=true ;;
    *) echo "usage: $0 [--hub]" >&2; exit 2 ;;
esac
instructor_plugins=(@jupyter/nbgrader:formgrader @jupyter/nbgrader:create-assignment
                    @jupyter/nbgrader:course-list)
student_plugins=(@jupyter/nbgrader:assignment-list @jupyter/nbgrader:menu)
instructor_server_extensions=(nbgrader.server_extensions.formgrader
                              nbgrader.server_extensions.course_list)
student_server_extensions=(nbgrader.server_extensions.assignment_list)

# What `jupyter labextension unlock/enable/disable/lock --level=sys_prefix` and `jupyter
# server extension enable/disable --sys-prefix` would write (each of those commands starts
# JupyterLab's machinery, about 3 s apiece: most of a cold `make install`), written directly
# by the Python of that environment: labconfig/page_config.json (a plugin switched on is
# removed from disabledExtensions, every one is locked) and one file per server extension
# in jupyter_server_config.d/ (read after nbgrader's own, so it wins).
jupyter_bin=$(command -v jupyter) || { echo "$0: no jupyter on PATH" >&2; exit 1; }
python_bin="$(dirname "$jupyter_bin")/python"
[ -x "$python_bin" ] || python_bin=python3
"$python_bin" - "$hub" "${instructor_plugins[*]}" "${student_plugins[*]}" \
    "${instructor_server_extensions[*]}" "${student_server_extensions[*]}" <<'PY'
import json
import os
import sys
from pathlib import Path

hub = sys.argv[1] == "true"
instructor_plugins, student_plugins, instructor_servers, student_servers = (
    arg.split() for arg in sys.argv[2:6]
)
etc = Path(sys.prefix) / "etc" / "jupyter"


def write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(document, indent=2), encoding="utf-8")
    os.replace(part, path)


page = etc / "labconfig" / "page_config.json"
config = json.loads(page.read_text(encoding="utf-8")) if page.exists() else {}
disabled = config.setdefault("disabledExtensions", {})
locked = config.setdefault("lockedExtensions", {})
for plugin in instructor_plugins + student_plugins:
    switched_on = hub and plugin in student_plugins
    if switched_on:
        disabled.pop(plugin, None)
    else:
        disabled[plugin] = True
    locked[plugin] = True
write(page, config)
for name in instructor_servers + student_servers:
    on = hub and name in student_servers
    server = {"ServerApp": {"jpserver_extensions": {name: on}}}
    write(etc / "jupyter_server_config.d" / f"{name}.json", server)
PY
