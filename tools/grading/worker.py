"""Grading one student: the unit of work, runnable on its own.

:func:`grade_student` reads ``course/submitted/<student>/kmeans_lab/``, runs
each expected notebook that has check cells in its own sandbox, runs the
source of each function reported at a check cell in a fresh sandbox of its
own (:mod:`.fresh`), judges what came back,
and writes ``course/autograde/results/<student>.json`` (plus the judged
notebooks, and a copy for nbgrader in ``course/autograde/judged/``). It
reads the gradebook but never writes it, so workers run side by side and on
other machines; :mod:`.merge` writes the gradebook afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import nbformat

from kmeans_lab.grading.capture import ANSWERS_VARIABLE

from ..nbgrader_course import ASSIGNMENT
from ..sandbox import Limits, Sandbox
from . import flags
from .fresh import Job, record_in_fresh_sandboxes
from .judge import judge, read_sandbox_report, verdict_dict
from .runs import Run
from .stage import check_cells, execution_copy, read_notebook, sanitize, solution_sources, stage

__all__ = ["grade_student", "result_path", "judged_folder", "Settings"]

ANSWERS_DIR = "/home/student/.answers"


def whole_number(name: str, raw: str, unit: str) -> int:
    """Read a setting that must be a whole number of ``unit`` (plural), at least 1.

    Raises SystemExit with a one-line message naming the setting otherwise.
    """
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number of {unit}, got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


def _seconds(name: str, default: int) -> int:
    return whole_number(name, os.environ.get(name) or str(default), "seconds")


class Settings:
    """Time limits of a grading run (from the environment, see README)."""

    def __init__(self) -> None:
        self.cell_timeout = _seconds("KMEANS_LAB_CELL_TIMEOUT", 60)
        self.notebook_timeout = _seconds("KMEANS_LAB_NOTEBOOK_TIMEOUT", 600)

    def limits(self) -> Limits:
        return Limits(wall_seconds=self.notebook_timeout)


def result_path(run: Run, student: str) -> Path:
    """Where a student's result goes."""
    return run.results / f"{student}.json"


def judged_folder(run: Run, student: str) -> Path:
    """Where nbgrader finds a student's judged notebooks (see :mod:`.merge`)."""
    return run.folder / "judged" / student / ASSIGNMENT


def _inspect(folder: Path, expected: list[str]) -> dict:
    found = {"readable": {}, "unreadable": {}, "missing": [], "ignored": [], "problems": []}
    assignment_dir = folder / ASSIGNMENT
    if not assignment_dir.is_dir():
        entries = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        found["missing"] = list(expected)
        found["problems"].append(
            f"no {ASSIGNMENT}/ folder in the submission (found: {', '.join(entries) or 'nothing'})"
        )
        return found
    for path in sorted(assignment_dir.iterdir()):
        if path.name == "timestamp.txt":
            continue
        if path.suffix != ".ipynb" or path.stem not in expected:
            found["ignored"].append(path.name)
            continue
        nb, reason = read_notebook(path)
        if nb is None:
            found["unreadable"][path.stem] = reason
            found["problems"].append(f"{path.name}: {reason}; scores 0")
        else:
            found["readable"][path.stem] = nb
    if found["ignored"]:
        found["problems"].append(
            "ignored (not graded, never run): "
            + ", ".join(found["ignored"][:10])
            + (" ..." if len(found["ignored"]) > 10 else "")
        )
    submitted = set(found["readable"]) | set(found["unreadable"])
    found["missing"] = [n for n in expected if n not in submitted]
    return found


def _run_in_sandbox(nb, run: Run, settings: Settings, slot: int):
    staged = execution_copy(nb)
    folder = stage(staged)
    try:
        sandbox = Sandbox(run.package, settings.limits(), slot)
        result = sandbox.run(
            folder,
            [
                "-m",
                "kmeans_lab.grading.execute",
                f"{Sandbox.INPUT}/notebook.ipynb",
                "--answers",
                ANSWERS_DIR,
                "--cell-timeout",
                str(settings.cell_timeout),
            ],
            env={ANSWERS_VARIABLE: ANSWERS_DIR},
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def grade_student(
    course: Path,
    run: Run,
    student: str,
    expected: list[str],
    *,
    settings: Settings | None = None,
    slot: int = 0,
    log=None,
) -> dict:
    """Grade one student's submission and write their result file; return the result."""
    settings = settings or Settings()
    started = time.monotonic()
    found = _inspect(Path(course) / "submitted" / student, expected)
    result = {
        "student": student,
        "run": run.run_id,
        "notebooks": {},
        "problems": found["problems"],
        "missing_notebooks": found["missing"],
        "failed_notebooks": dict(found["unreadable"]),
        "graded_notebooks": [],
        "flags": [],
        "sources": {},
    }
    out = judged_folder(run, student)
    shutil.rmtree(out.parent, ignore_errors=True)
    out.mkdir(parents=True)
    stamp = Path(course) / "submitted" / student / ASSIGNMENT / "timestamp.txt"
    if stamp.is_file() and stamp.stat().st_size < 1000:
        shutil.copyfile(stamp, out / "timestamp.txt")
    for name, submitted in sorted(found["readable"].items()):
        nb_started = time.monotonic()
        try:
            nb = sanitize(submitted, course, student, name)
        except Exception as exc:  # nbgrader refused the notebook's metadata
            reason = f"could not be restored from the gradebook ({type(exc).__name__}: {exc})"[:300]
            result["failed_notebooks"][name] = reason
            result["problems"].append(f"{name}.ipynb: {reason}; scores 0")
            continue
        result["sources"].update(solution_sources(submitted))  # replaced by what is graded
        result["flags"] += flags.notebook_flags(course, name, submitted)
        exercises = sorted(set(check_cells(nb).values()))
        entry = {"exercises": {}, "seconds": 0.0}
        if exercises:
            if log:
                log(f"{student}: {name} in the sandbox")
            sandboxed = _run_in_sandbox(nb, run, settings, slot)
            code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            report = read_sandbox_report(
                sandboxed.data,
                code_cells,
                timed_out=sandboxed.timed_out,
                overflowed=sandboxed.overflowed,
                checks=check_cells(nb),
            )
            jobs = [
                Job(exercise, run.plan_file(exercise).read_bytes(), source)
                for exercise, source in report.sources.items()
            ]
            recordings = record_in_fresh_sandboxes(
                jobs, run.recorder, seconds=settings.cell_timeout, slot=slot
            )
            result["sources"].update(report.sources)  # what was graded, for similarity
            judged, verdicts = judge(
                nb, report, run, cell_timeout=settings.cell_timeout, recordings=recordings
            )
            entry["exercises"] = {v.exercise: verdict_dict(v) for v in verdicts}
            entry["died_in"] = report.died_in
            entry["timed_out"] = report.timed_out
            if report.timed_out:
                result["problems"].append(
                    f"{name}.ipynb: stopped after {settings.notebook_timeout:.0f} s (notebook time "
                    f"limit) in cell {report.died_in}; the checks after it score 0"
                )
            elif report.died_in:
                result["problems"].append(
                    f"{name}.ipynb: the kernel died in cell {report.died_in}"
                    + (f" ({report.problem})" if report.problem else "")
                    + "; the cells after it did not run and their checks score 0"
                )
            elif report.problem:
                result["problems"].append(f"{name}.ipynb: {report.problem}")
        else:  # no graded cells: nothing to run (it earns no points)
            judged = nb
        nbformat.write(judged, out / f"{name}.ipynb")
        entry["seconds"] = round(time.monotonic() - nb_started, 2)
        result["notebooks"][name] = entry
        result["graded_notebooks"].append(name)
    result["seconds"] = round(time.monotonic() - started, 2)
    result["status"] = (
        "graded"
        if result["graded_notebooks"] and not result["failed_notebooks"]
        else "partial"
        if result["graded_notebooks"]
        else "failed"
    )
    path = result_path(run, student)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)
    return result
