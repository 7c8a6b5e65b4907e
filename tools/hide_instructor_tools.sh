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
all_plugins=("${instructor_plugins[@]}" "${student_plugins[@]}")

# unlock first, so that running it again (or with/without --hub) can change a state
jupyter labextension unlock --level=sys_prefix "${all_plugins[@]}" >/dev/null
if $hub; then
    off_plugins=("${instructor_plugins[@]}")
    off_server_extensions=("${instructor_server_extensions[@]}")
    jupyter labextension enable --level=sys_prefix "${student_plugins[@]}" >/dev/null
    jupyter server extension enable --sys-prefix "${student_server_extensions[@]}" >/dev/null 2>&1
else
    off_plugins=("${all_plugins[@]}")
    off_server_extensions=("${instructor_server_extensions[@]}" "${student_server_extensions[@]}")
fi
jupyter labextension disable --level=sys_prefix "${off_plugins[@]}" >/dev/null
jupyter labextension lock --level=sys_prefix "${all_plugins[@]}" >/dev/null
jupyter server extension disable --sys-prefix "${off_server_extensions[@]}" >/dev/null 2>&1
