"""The course folder is the instructor's alone: how the tools create it and what they warn about.

``course/`` holds every student's submission, the gradebook and, while
grading, the run's secret seeds (``course/autograde/run.json``). On a shared
machine or a JupyterHub where home folders are readable by all (the default
of many ``useradd`` set-ups), a student who can read it can read a
classmate's work, the gradebook and the seeds. So:

- a course folder the tools create is created ``0700`` (:func:`make_private_folder`),
  the autograde folder too, and ``run.json`` and ``gradebook.db`` are ``0600``
  (:func:`make_private_file`);
- ``make release`` and ``make autograde`` print one line
  (:func:`warn_if_shared`) when ``course/`` is readable or writable by other
  users; they do not change it (the instructor may share it on purpose, e.g.
  with a teaching assistant's group).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

__all__ = ["make_private_folder", "make_private_file", "shared_with_others", "warn_if_shared"]


def make_private_folder(path: Path) -> Path:
    """Create ``path`` (and its missing parents) and make it ``0700``; return it."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def make_private_file(path: Path) -> None:
    """Make ``path`` readable and writable by its owner only (``0600``), if it exists."""
    try:
        os.chmod(path, 0o600)
    except FileNotFoundError:
        pass


def shared_with_others(path: Path) -> str | None:
    """``"readable"``, ``"writable"`` or ``"readable and writable"`` by other users, or None."""
    mode = os.stat(path).st_mode
    readable = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    writable = bool(mode & (stat.S_IWGRP | stat.S_IWOTH))
    words = [w for w, yes in (("readable", readable), ("writable", writable)) if yes]
    return " and ".join(words) or None


def warn_if_shared(course: Path, command: str) -> bool:
    """Print one line to stderr if ``course`` is readable or writable by other users.

    Returns True if it warned.
    """
    shared = shared_with_others(course)
    if shared is None:
        return False
    mode = stat.S_IMODE(os.stat(course).st_mode)
    print(
        f"{command}: warning: {course} is {shared} by other users (mode {mode:04o}): they "
        f"could read submissions, the gradebook and the run's secret seeds; chmod 700 {course}",
        file=sys.stderr,
    )
    return True
