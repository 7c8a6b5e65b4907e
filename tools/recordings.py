"""The students' recorded answers, kept on disk with their run so that they can be judged again.

While grading, each check cell records the student's answers in the sandbox
(:func:`kmeans_lab.grading.record.record`, in a fresh sandbox: plain data, pickle-free) and the
grader judges them outside. :func:`save` keeps those bytes, as they came
back, in ``course/autograde/answers/<student>/<exercise>.answers``, beside the
run's plans and seeds; ``make rejudge`` (:mod:`tools.rejudge`) reads them
back with :func:`load`. Grading a student again first forgets their
recordings (:func:`clear`), so an answer that is no longer recorded (a cell
that now times out) is never judged from an older one. They belong to their run: a new run (``make
autograde``, ``--prepare``) deletes them with the rest of
``course/autograde/``. Nothing here is executed: the bytes are only ever
read by the grader's transport decoder.
"""

from __future__ import annotations

from pathlib import Path

from kmeans_lab.checks.registry import REGISTRY

__all__ = ["save", "load", "clear", "FOLDER", "SUFFIX"]

FOLDER = "answers"
SUFFIX = ".answers"


def _folder(run, student: str) -> Path:
    if student in ("", ".", "..") or "/" in student:
        raise ValueError(f"not a student folder's name: {student!r}")
    return Path(run.folder) / FOLDER / student


def clear(run, student: str) -> None:
    """Forget every recording of ``student`` (before grading them again)."""
    folder = _folder(run, student)
    if folder.is_dir():
        for path in folder.glob(f"*{SUFFIX}"):
            path.unlink()


def save(run, student: str, answers: dict[str, bytes]) -> None:
    """Keep ``{exercise: recorded answers}`` of one notebook of ``student``."""
    folder = _folder(run, student)
    folder.mkdir(parents=True, exist_ok=True)
    for exercise, data in answers.items():
        if exercise in REGISTRY and isinstance(data, bytes):
            (folder / f"{exercise}{SUFFIX}").write_bytes(data)


def load(run, student: str, exercise: str) -> bytes | None:
    """The recorded answers of ``student`` for ``exercise`` (None: nothing was recorded)."""
    path = _folder(run, student) / f"{exercise}{SUFFIX}"
    return path.read_bytes() if path.is_file() else None
