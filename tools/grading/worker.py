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
import shutil
import time
from pathlib import Path

import nbformat

from kmeans_lab.grading import settings as grading_settings
from kmeans_lab.grading.capture import ANSWERS_VARIABLE

from .. import recordings
from ..nbgrader_course import ASSIGNMENT
from ..sandbox import Limits, Sandbox
from ..sandbox_streams import run_notebooks
from . import flags, own_work
from .cells import course_sources, graded_sources
from .fresh import Job, record_in_fresh_sandboxes
from .intake import inspect_submission
from .judge import describe_error, judge, verdict_dict
from .runs import Run
from .sandbox_report import read_sandbox_report
from .stage import (
    check_cells,
    execution_copy,
    sanitize,
    stage,
)
from .student_files import utf8_safe

__all__ = ["grade_student", "result_path", "judged_folder", "Settings"]

ANSWERS_DIR = "/home/student/.answers"


def whole_number(name: str, raw: str, unit: str) -> int:
    """Read a setting that must be a whole number of ``unit`` (plural), at least 1.

    Raises SystemExit with a one-line message naming the setting otherwise
    (:func:`kmeans_lab.grading.settings.whole_number`'s).
    """
    try:
        return grading_settings.whole_number(name, raw, unit)
    except ValueError as error:
        raise SystemExit(str(error)) from None


class Settings:
    """Time limits of a grading run (:mod:`kmeans_lab.grading.settings`, see README)."""

    def __init__(self) -> None:
        try:
            self.cell_timeout = grading_settings.cell_timeout()
            self.notebook_timeout = grading_settings.notebook_timeout()
        except ValueError as error:
            raise SystemExit(str(error)) from None

    def limits(self) -> Limits:
        return Limits(wall_seconds=self.notebook_timeout)


def result_path(run: Run, student: str) -> Path:
    """Where a student's result goes."""
    return run.results / f"{student}.json"


def judged_folder(run: Run, student: str) -> Path:
    """Where nbgrader finds a student's judged notebooks (see :mod:`.merge`)."""
    return run.folder / "judged" / student / ASSIGNMENT


def _run_in_sandbox(nb, run: Run, settings: Settings, slot: int):
    folder = stage({"notebook.ipynb": execution_copy(nb)})
    try:
        sandbox = Sandbox(run.package, settings.limits(), slot, home_files=run.home_files)
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


#: Why this process runs each notebook in a sandbox of its own (None: one sandbox per student).
_ONE_SANDBOX_EACH: list[str] = []


def _run_all_in_one_sandbox(nbs: dict, run: Run, settings: Settings, slot: int) -> dict:
    """``{name: SandboxResult}`` of the notebooks one server sandbox ran (the others: not there)."""
    names = list(nbs)
    folder = stage({f"{i}.ipynb": execution_copy(nbs[name]) for i, name in enumerate(names)})
    try:
        limits = settings.limits()
        sandbox = Sandbox(run.package, limits, slot, home_files=run.home_files)
        outcome = run_notebooks(
            sandbox,
            folder,
            [
                "-m",
                "kmeans_lab.grading.serve",
                *(f"{Sandbox.INPUT}/{i}.ipynb" for i in range(len(names))),
                "--answers",
                ANSWERS_DIR,
                "--cell-timeout",
                str(settings.cell_timeout),
                "--home-bytes",
                str(limits.scratch_bytes),
                "--tmp-bytes",
                str(limits.tmp_bytes),
            ],
            len(names),
            env={ANSWERS_VARIABLE: ANSWERS_DIR},
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if outcome.unavailable:
        _ONE_SANDBOX_EACH.append(outcome.unavailable)
    return {n: r for n, r in zip(names, outcome.results) if r is not None}


def run_notebooks_of_student(nbs: dict, run: Run, settings: Settings, slot: int) -> dict:
    """``{name: SandboxResult or the exception}``: each notebook run, in one sandbox where possible.

    One server sandbox (:mod:`kmeans_lab.grading.serve`) runs the notebooks one
    after the other, each in a fresh child of its own; the notebooks it did not
    run (one before them hit a limit, or the server could not start them) go to
    a new server sandbox, and where no child gets namespaces of its own, or a
    server sandbox ran none of them, each goes to a sandbox of its own.
    """
    results: dict = {}
    pending = dict(nbs)
    while pending and not _ONE_SANDBOX_EACH:
        try:
            ran = _run_all_in_one_sandbox(pending, run, settings, slot)
        except Exception:  # e.g. no uid free: each notebook tries, and says why, on its own
            break
        if not ran:
            break
        results.update(ran)
        pending = {n: nb for n, nb in pending.items() if n not in ran}
    for name, nb in pending.items():
        try:
            results[name] = _run_in_sandbox(nb, run, settings, slot)
        except Exception as exc:  # this notebook is not graded, the reason said
            results[name] = exc
    return results


def _report(nb, sandboxed, settings: Settings, run: Run):
    """``(report, jobs)`` of a restored notebook from its sandbox's result (None: no check)."""
    if not check_cells(nb):
        return None, []
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
    return report, jobs


def _record_all(jobs_of: dict[str, list], run: Run, settings: Settings, slot: int) -> dict:
    """``{notebook: {exercise: SandboxResult} or the exception}``: every exercise of the
    student recorded in one go (one server sandbox, :mod:`.fresh`), or, where that fails,
    each notebook's exercises on their own, so that a failure costs that notebook only."""
    every = [job for jobs in jobs_of.values() for job in jobs]
    if len({job.exercise for job in every}) == len(every):  # else: notebook by notebook
        try:
            fresh = record_in_fresh_sandboxes(
                every, run.recorder, seconds=settings.cell_timeout, slot=slot
            )
            return {
                name: {j.exercise: fresh[j.exercise] for j in jobs}
                for name, jobs in jobs_of.items()
            }
        except Exception:  # noqa: BLE001 - each notebook tries again, and fails, on its own
            pass
    recorded: dict = {}
    for name, jobs in jobs_of.items():
        try:
            recorded[name] = record_in_fresh_sandboxes(
                jobs, run.recorder, seconds=settings.cell_timeout, slot=slot
            )
        except Exception as exc:  # noqa: BLE001 - this notebook is not graded, the reason said
            recorded[name] = exc
    return recorded


def _judge_notebook(
    nb,
    name: str,
    student: str,
    run: Run,
    settings: Settings,
    problems: list[str],
    out: Path,
    sources: dict[str, str],
    report,
    fresh,
) -> dict:
    """Judge one restored notebook from its report and its exercises' fresh recordings.

    Writes the judged copy and returns the notebook's entry; ``sources`` gets
    the source of each function as graded (for similarity and the copy test).
    """
    exercises = sorted(set(check_cells(nb).values()))
    entry = {"exercises": {}, "seconds": 0.0}
    if report is not None:
        if isinstance(fresh, Exception):
            raise fresh
        sources.update(report.sources)  # what was graded, for similarity and the copy test
        answered = {
            e: r.data for e, r in fresh.items() if r.data and not r.timed_out and not r.overflowed
        }
        recordings.save(run, student, answered)  # for make rejudge
        judged, verdicts = judge(
            nb,
            report,
            run,
            cell_timeout=settings.cell_timeout,
            recordings=fresh,
            refused=own_work.refusals({e: sources[e] for e in exercises if e in sources}),
        )
        entry["exercises"] = {v.exercise: verdict_dict(v) for v in verdicts}
        entry["died_in"] = report.died_in
        entry["timed_out"] = report.timed_out
        if report.timed_out:
            problems.append(
                f"{name}.ipynb: stopped after {settings.notebook_timeout:.0f} s (notebook time "
                f"limit) in cell {report.died_in}; the checks after it score 0"
            )
        elif report.died_in:
            problems.append(
                f"{name}.ipynb: the kernel died in cell {report.died_in}"
                + (f" ({report.problem})" if report.problem else "")
                + "; the cells after it did not run and their checks score 0"
            )
        elif report.problem:
            problems.append(f"{name}.ipynb: {report.problem}")
    else:  # no graded cells: nothing to run (it earns no points)
        judged = nb
    nbformat.write(judged, out / f"{name}.ipynb")
    return entry


def _fail(result: dict, name: str, exc: Exception) -> None:
    """This notebook scores 0: the grader failed on it, the reason said; the others go on."""
    reason = f"not graded: the grader could not judge this notebook ({describe_error(exc)})"
    result["failed_notebooks"][name] = reason
    result["problems"].append(f"{name}.ipynb: {reason}; scores 0")


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
    found = inspect_submission(Path(course) / "submitted", student, expected)
    result = {
        "student": student,
        "run": run.run_id,
        "notebooks": {},
        "problems": found["problems"],
        "missing_notebooks": found["missing"],
        "failed_notebooks": dict(found["unreadable"]),
        "graded_notebooks": [],
        "flags": [f"a submitted file was refused ({r})" for r in found["refused"][:3]],
        "sources": {},
    }
    out = judged_folder(run, student)
    shutil.rmtree(out.parent, ignore_errors=True)
    recordings.clear(run, student)  # a regrade keeps no answer of the grading before
    out.mkdir(parents=True)
    for name, data in found["exchange"].items():
        (out / name).write_bytes(data)
    restored = {}  # name: (notebook, seconds) or (None, the reason it scores 0)
    for name, submitted in sorted(found["readable"].items()):
        nb_started = time.monotonic()
        ours = course_sources(course, name)  # the gradebook's cells: the rest is the student's
        # flags read the submission as it came, even one nbgrader cannot restore
        try:
            result["flags"] += flags.notebook_flags(course, name, submitted, ours)
        except Exception as exc:  # code the reader chokes on is itself worth a look
            result["flags"].append(f"{name}: the grader could not read its code ({exc!r:.80})")
        try:
            nb = sanitize(submitted, course, student, name)
        except Exception as exc:  # nbgrader refused the notebook's metadata
            reason = f"could not be restored from the gradebook ({type(exc).__name__}: {exc})"[:300]
            restored[name] = (None, reason)
            continue
        # the graded source of each exercise, from the student's cells (similarity and the
        # copy test read result["sources"], whoever fills it)
        result["sources"].update(graded_sources(nb, ours))
        restored[name] = (nb, time.monotonic() - nb_started)
    to_run = {n: nb for n, (nb, _) in restored.items() if nb is not None and check_cells(nb)}
    for name in to_run:
        if log:
            log(f"{student}: {name} in the sandbox")
    sandboxed = run_notebooks_of_student(to_run, run, settings, slot)
    reports, jobs_of, failed = {}, {}, set()
    for name, (nb, _) in restored.items():
        if nb is None:
            continue
        try:
            ran = sandboxed.get(name)
            if isinstance(ran, Exception):
                raise ran
            reports[name], jobs_of[name] = _report(nb, ran, settings, run)
        except Exception as exc:  # the grader failed on this notebook: 0, the reason, go on
            _fail(result, name, exc)
            failed.add(name)
    recorded = _record_all({n: j for n, j in jobs_of.items() if j}, run, settings, slot)
    for name, (nb, seconds) in restored.items():
        if nb is None:
            result["failed_notebooks"][name] = seconds
            result["problems"].append(f"{name}.ipynb: {seconds}; scores 0")
            continue
        if name in failed:
            continue
        nb_started = time.monotonic()
        try:
            entry = _judge_notebook(
                nb,
                name,
                student,
                run,
                settings,
                result["problems"],
                out,
                result["sources"],
                reports[name],
                recorded.get(name, {}),
            )
        except Exception as exc:  # the grader failed on this notebook: 0, the reason, go on
            _fail(result, name, exc)
            continue
        ran = sandboxed.get(name)
        ran_for = ran.seconds if ran is not None and not isinstance(ran, Exception) else 0.0
        entry["seconds"] = round(seconds + ran_for + time.monotonic() - nb_started, 2)
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
    result = utf8_safe(result)
    path = result_path(run, student)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(path)
    return result
