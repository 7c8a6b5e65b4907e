#!/usr/bin/env bash
# Switch off (and lock) nbgrader's instructor tools in the environment whose
# `jupyter` comes first on PATH: students keep the Validate button but see no
# formgrader, assignment creation or course list. Idempotent.
# Used by `make install` (with .venv/bin first on PATH) and by Binder's postBuild.
set -euo pipefail
lab_plugins=(@jupyter/nbgrader:formgrader @jupyter/nbgrader:create-assignment
             @jupyter/nbgrader:course-list @jupyter/nbgrader:assignment-list @jupyter/nbgrader:menu)
server_extensions=(nbgrader.server_extensions.formgrader nbgrader.server_extensions.course_list
                   nbgrader.server_extensions.assignment_list)
jupyter labextension disable --level=sys_prefix "${lab_plugins[@]}" >/dev/null
# locked, or a student could turn them back on from JupyterLab's plugin manager
jupyter labextension lock --level=sys_prefix "${lab_plugins[@]}" >/dev/null
jupyter server extension disable --sys-prefix "${server_extensions[@]}" >/dev/null 2>&1
