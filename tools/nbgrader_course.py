"""Paths of the nbgrader course and a runner for the nbgrader command line.

Shared by ``tools.release``, ``tools.autograde``, ``tools.grades`` and
``tools.feedback``. The course folder (``course/`` by default) holds the
committed ``nbgrader_config.py`` and nbgrader's gitignored working folders;
every nbgrader command runs *in* that folder so that nbgrader reads the config.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The instructor's course folder: nbgrader config + gradebook + working folders.
COURSE = REPO / "course"
#: The solution notebooks (the source of the assignment).
NOTEBOOKS = REPO / "notebooks"
#: The generated student notebooks, committed; ``make lab`` opens this folder.
STUDENT_NOTEBOOKS = NOTEBOOKS / "student"
#: The one nbgrader assignment of the course (see course/nbgrader_config.py).
ASSIGNMENT = "kmeans_lab"
#: Which notebooks are course notebooks: ``00_index.ipynb`` ... ``07_*.ipynb``.
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


def add_course_argument(parser, holding: str = "nbgrader_config.py") -> None:
    """Add the tools' common ``--course`` option (default: ``course/``) to ``parser``.

    ``holding`` names what the tool reads there, for the option's help.
    """
    parser.add_argument(
        "--course",
        type=Path,
        default=COURSE,
        help=f"course folder holding {holding} (default: course/)",
    )


def solution_notebooks(notebooks_dir: Path = NOTEBOOKS) -> list[Path]:
    """The course's solution notebooks, sorted by name (``NN_name.ipynb``)."""
    return sorted(Path(notebooks_dir).glob(NOTEBOOK_GLOB))


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's ``bin`` first on PATH, this
    repository first on PYTHONPATH.

    nbgrader runs the ``alembic`` executable (to create the gradebook) and
    starts kernels with ``python``; both must come from the same environment
    as nbgrader itself, whether or not the venv is activated. It runs in the
    course folder (any copy of it) and imports the course's preprocessors
    (``tools.preprocessors``, named in ``nbgrader_config.py``) from this
    repository's ``tools``.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def nbgrader_executable() -> str:
    """Path of the ``nbgrader`` command of this interpreter's environment."""
    candidate = Path(sys.executable).parent / "nbgrader"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nbgrader")
    if found is None:
        raise SystemExit(
            "nbgrader is not installed: install the instructor extra, "
            "e.g. `.venv/bin/python -m pip install -e '.[instructor]'`"
        )
    return found


def run_nbgrader(
    args: list[str], course: Path, *, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course folder; never raises on failure.

    Returns the completed process (stdout and stderr captured as text). On a
    wall-clock ``timeout`` the whole process group (nbgrader and anything it
    started in its group) is killed and the return code is -9.
    """
    cmd = [nbgrader_executable(), *args]
    proc = subprocess.Popen(
        cmd,
        cwd=course,
        env=nbgrader_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        out += f"\n[kmeans-lab] nbgrader killed after {timeout:.0f} s (wall-clock limit)\n"
        return subprocess.CompletedProcess(cmd, -9, out, "")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, "")


def check_course(course: Path) -> Path:
    """Resolve ``course`` and check it holds an nbgrader_config.py."""
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise SystemExit(f"{course} is not a course folder: it has no nbgrader_config.py")
    return course


def db_url(course: Path) -> str:
    """URL of the course's SQLite gradebook."""
    return "sqlite:///" + str(Path(course).resolve() / "gradebook.db")


def find_assignment(gb, advice: str = "run `make release` first"):
    """The course's assignment in an open nbgrader Gradebook, or exit saying what to run."""
    from nbgrader.api import MissingEntry

    try:
        return gb.find_assignment(ASSIGNMENT)
    except MissingEntry:
        raise SystemExit(f"assignment {ASSIGNMENT!r} is not in the gradebook: {advice}") from None
