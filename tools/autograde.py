"""Autograde every submission: each notebook in a sandbox, judged outside it, in parallel.

``make autograde`` runs ``python -m tools.autograde``. Submissions follow
nbgrader's layout, ``course/submitted/<student>/kmeans_lab/<notebook>.ipynb``
(what ``nbgrader collect`` produces on a JupyterHub; or copy them there).

With no options it does everything, on ``WORKERS`` parallel workers (default:
the number of cores):

1. ``--prepare``: a new grading run (fresh secret seeds, planned inputs, the
   package copy the sandboxes see; :mod:`tools.grading.runs`);
2. ``--student S`` (repeatable): grade these students with the current run,
   each into ``course/autograde/results/<S>.json`` (:mod:`tools.grading.worker`);
3. ``--merge``: write the gradebook and ``course/autograde_report.json`` from
   every result of the run (:mod:`tools.grading.merge`).

The three steps can run apart, on other machines (README: a class graded on a
cluster). The environment the grader runs with is fingerprinted before and
verified after grading; if anything changed, nothing is written to the
gradebook and the command fails. The log ``course/autograde/log.txt`` is
written as grading goes. The exit status is 0 when the batch ran, even if
submissions were bad, 1 when the course is not ready or the environment
changed, 2 when the sandbox cannot start (with the reason).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .course_privacy import warn_if_shared
from .grading import integrity
from .grading.merge import merge
from .grading.runs import load_run, prepare_run
from .grading.student_files import printable
from .grading.worker import Settings, grade_student, whole_number
from .nbgrader_course import (
    ASSIGNMENT,
    add_course_argument,
    check_course,
    db_url,
    find_assignment,
)
from .sandbox import Sandbox, SandboxUnavailable
from .student_version import version_problem, version_warning

__all__ = ["main", "assignment_notebooks", "students_of"]


def assignment_notebooks(course: Path) -> list[str]:
    """Names (without .ipynb) of the assignment's notebooks, from the gradebook."""
    from nbgrader.api import Gradebook

    if not (course / "gradebook.db").exists():
        raise SystemExit(f"no gradebook in {course}: run `make release` first")
    with Gradebook(db_url(course)) as gb:
        assignment = find_assignment(gb)
        return sorted(nb.name for nb in assignment.notebooks)


def students_of(course: Path) -> tuple[list[str], list[str]]:
    """(student folders, other entries) of ``course/submitted``.

    A link there counts as a student (never followed: their submission is
    refused with the reason, :mod:`tools.grading.student_files`).
    """
    submitted = course / "submitted"
    if not submitted.is_dir():
        return [], []
    entries = sorted(submitted.iterdir())
    student = [p.is_symlink() or p.is_dir() for p in entries]
    return (
        [p.name for p, yes in zip(entries, student) if yes],
        [
            f"{printable(p.name)}: not a student folder, ignored"
            for p, yes in zip(entries, student)
            if not yes
        ],
    )


def _workers(value: str | None) -> int:
    raw = value if value is not None else os.environ.get("WORKERS", "")
    if not raw:
        return max(1, os.cpu_count() or 1)
    return whole_number("WORKERS", raw, "workers")


def _grade(course: Path, students: list[str], expected: list[str], workers: int) -> None:
    run = load_run(course)
    settings = Settings()
    log_path = run.folder / "log.txt"
    lock = threading.Lock()
    total, done, started = len(students), 0, time.monotonic()
    points = {}

    def log(line: str) -> None:
        with lock, open(log_path, "a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {printable(line)}\n")

    free = list(range(workers))

    def one(student: str) -> dict:
        with lock:
            slot = free.pop(0)
        log(f"{student}: grading (worker {slot})")
        try:
            return grade_student(
                course, run, student, expected, settings=settings, slot=slot, log=log
            )
        finally:
            with lock:
                free.append(slot)

    print(
        f"grading {total} student{'s' * (total != 1)} with {workers} worker"
        f"{'s' * (workers != 1)}; log: {log_path}",
        flush=True,
    )
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(one, s): s for s in students}
        for future in as_completed(futures):
            student = futures[future]
            done += 1
            try:
                result = future.result()
            except Exception as exc:  # a bug in the grader: report it, grade the others
                log(f"{student}: the grader failed: {type(exc).__name__}: {exc}")
                print(
                    printable(
                        f"[{done}/{total}] {student}: the grader failed "
                        f"({type(exc).__name__}: {exc})"
                    )
                )
                continue
            verdicts = [v for nb in result["notebooks"].values() for v in nb["exercises"].values()]
            got = sum(v["points"] for v in verdicts)
            points[student] = got
            elapsed = time.monotonic() - started
            eta = elapsed / done * (total - done)
            log(f"{student}: {result['status']}, {got:g} points, {result['seconds']:.1f} s")
            print(
                printable(
                    f"[{done}/{total}] {student}: {result['status']}, {got:g} points in checks "
                    f"run ({result['seconds']:.1f} s); elapsed {elapsed:.0f} s, ETA {eta:.0f} s"
                ),
                flush=True,
            )
            for problem in result["problems"]:
                print(f"    {printable(problem)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    parser.add_argument("--prepare", action="store_true", help="only prepare a new run")
    parser.add_argument(
        "--student",
        action="append",
        default=None,
        help="grade only this student with the current run (repeatable)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="only write the gradebook and the report from the results",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="a reproducible run (default: fresh secret seeds)"
    )
    parser.add_argument(
        "--workers", default=None, help="parallel workers (default: WORKERS or the number of cores)"
    )
    parser.add_argument(
        "--ignore-student-version",
        action="store_true",
        help="grade even if the submitted notebooks ran another kmeans_lab than this clone",
    )
    args = parser.parse_args(argv)
    course = check_course(args.course)
    warn_if_shared(course, "make autograde")
    expected = assignment_notebooks(course)
    everything = not (args.prepare or args.student or args.merge)
    students, ignored = students_of(course)
    if args.student:
        unknown = sorted(set(args.student) - set(students))
        if unknown:
            raise SystemExit(
                f"no submission folder for: {', '.join(printable(u) for u in unknown)}"
            )
    if everything and not students:
        print(
            f"no submissions: expected {course}/submitted/<student>/{ASSIGNMENT}/<notebook>.ipynb"
        )
        return 0
    if (args.student or everything) and not args.ignore_student_version:
        problem = version_problem(course, args.student or students)
        if problem:  # the students' kernels ran another package: its checks are not ours
            print(problem, file=sys.stderr)
            return 1
        warning = version_warning(course, args.student or students)
        if warning:
            print(warning)
    before = integrity.fingerprint()
    if args.prepare or everything:
        run = prepare_run(course, seed=args.seed)
        print(f"grading run {run.run_id}: {run.folder}")
    if args.student or everything:
        run = load_run(course)
        try:
            Sandbox(run.package).check_available(run.plans)
        except SandboxUnavailable as exc:
            print(f"make autograde: {exc}", file=sys.stderr)
            return 2
        _grade(course, args.student or students, expected, _workers(args.workers))
    changed = integrity.compare(before, integrity.fingerprint())
    if changed:
        print(
            "make autograde: ABORTED: the grader's environment changed while grading; no "
            "grade was written. Reinstall (make clean && make install) and grade again.\n  "
            + "\n  ".join(changed[:20]),
            file=sys.stderr,
        )
        return 1
    if args.merge or everything:
        report = merge(course, load_run(course), expected)
        print(
            f"gradebook written for {len(report['students'])} student"
            f"{'s' * (len(report['students']) != 1)}; report: {course / 'autograde_report.json'}"
        )
        for line in ignored:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
