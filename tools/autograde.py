"""Autograde every submission in the course's submitted folder with nbgrader.

``make autograde`` runs ``python -m tools.autograde``. Submissions follow
nbgrader's layout, ``course/submitted/<student>/kmeans_lab/<notebook>.ipynb``
(what ``nbgrader collect`` produces on a JupyterHub; or copy them there).

1. Every submission is inspected first: a notebook that is not valid
   JSON/nbformat, a notebook with an unknown name, or a missing
   ``kmeans_lab`` folder is reported by name and scores 0; it never runs.
2. One ``nbgrader autograde kmeans_lab --force`` grades every other
   submission: each notebook in its own fresh kernel, every cell under
   ``c.Execute.timeout`` (``course/nbgrader_config.py``). nbgrader carries
   on after a student it cannot grade.
   A cell that kills its kernel (``os._exit``, a signal) fails itself and
   the cells after it; the checks before it keep their points
   (``ExecuteUntilKernelDies`` in the config).
3. Whatever step 2 did not grade (an unreadable notebook beside good ones,
   an nbgrader error, the wall-clock limit) is graded one notebook at a time
   (``--student S --notebook N``), so one bad notebook costs only its own
   points, and a notebook nbgrader still cannot grade scores 0 with the
   reason.

Nothing a submission does stops the batch. The outcome of every student and
notebook goes to ``course/autograde_report.json`` (read by
``tools.grades``) and nbgrader's output to ``course/autograde.log``. The
exit status is 0 when the batch ran, even if submissions were bad, and 1 only
when the course is not ready (no gradebook: run ``make release``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from .nbgrader_course import ASSIGNMENT, COURSE, check_course, db_url, find_assignment, run_nbgrader

REPORT_NAME = "autograde_report.json"
LOG_NAME = "autograde.log"


def assignment_notebooks(course: Path) -> list[str]:
    """Names (without .ipynb) of the assignment's notebooks, from the gradebook."""
    from nbgrader.api import Gradebook

    if not (course / "gradebook.db").exists():
        raise SystemExit(f"no gradebook in {course}: run `make release` first")
    with Gradebook(db_url(course)) as gb:
        assignment = find_assignment(gb)
        return sorted(nb.name for nb in assignment.notebooks)


def inspect_submission(folder: Path, expected: list[str]) -> dict:
    """What is in one student's submission folder, before running anything.

    Returns a dict with ``readable`` (notebook names that parse as nbformat 4),
    ``unreadable`` ({name: reason}), ``missing`` (expected names not submitted)
    and ``problems`` (one human-readable line each).
    """
    found = {"readable": [], "unreadable": {}, "missing": [], "problems": []}
    assignment_dir = folder / ASSIGNMENT
    if not assignment_dir.is_dir():
        entries = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        found["missing"] = list(expected)
        found["problems"].append(
            f"no {ASSIGNMENT}/ folder in the submission (found: {', '.join(entries) or 'nothing'})"
        )
        return found
    submitted = sorted(p for p in assignment_dir.iterdir() if p.suffix == ".ipynb")
    for path in submitted:
        name = path.stem
        if name not in expected:
            found["problems"].append(
                f"{path.name}: unknown notebook name, not graded "
                f"(expected one of: {', '.join(n + '.ipynb' for n in expected)})"
            )
            continue
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # any parse/validation failure: report, never execute
            reason = f"not a readable notebook ({type(exc).__name__}: {_first_line(exc)})"
            found["unreadable"][name] = reason
            found["problems"].append(f"{path.name}: {reason}; scores 0")
            continue
        found["readable"].append(name)
    submitted_names = {p.stem for p in submitted}
    found["missing"] = [n for n in expected if n not in submitted_names]
    return found


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


_ERROR_LINE = re.compile(r"^\s*(?:[\w.]+\.)?(\w+(?:Error|Exception|Exit|Interrupt)\b.*)$")


def failure_reason(log: str) -> str:
    """The most telling line of a failed nbgrader run (e.g. 'DeadKernelError: Kernel died')."""
    if "wall-clock limit" in log:
        return log.strip().splitlines()[-1].replace("[kmeans-lab] ", "")
    for line in reversed(log.splitlines()):
        match = _ERROR_LINE.match(line)
        if match and "NbGraderException" not in line:
            return match.group(1).strip()[:300]
    return "nbgrader failed (see course/autograde.log)"


def autograded(course: Path, student: str, name: str) -> bool:
    """Whether nbgrader wrote the autograded copy of one notebook."""
    return (course / "autograded" / student / ASSIGNMENT / f"{name}.ipynb").exists()


def kernel_deaths(course: Path, student: str, names: list[str]) -> list[str]:
    """One line per graded notebook whose kernel died (see ExecuteUntilKernelDies)."""
    lines = []
    for name in names:
        path = course / "autograded" / student / ASSIGNMENT / f"{name}.ipynb"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            continue
        for number, cell in enumerate(nb.cells, 1):
            if any(
                o.get("output_type") == "error" and o.get("ename") == "DeadKernelError"
                for o in cell.get("outputs", [])
            ):
                lines.append(
                    f"{name}.ipynb: the kernel died in cell {number}; the cells after "
                    "it did not run and their checks score 0"
                )
                break
    return lines


def new_entry(found: dict) -> dict:
    """A student's entry of the report, before grading."""
    return {
        "status": "failed",
        "problems": list(found["problems"]),
        "graded_notebooks": [],
        "failed_notebooks": dict(found["unreadable"]),
        "missing_notebooks": list(found["missing"]),
    }


def grade_notebooks_one_by_one(
    course: Path, student: str, entry: dict, names: list[str], *, timeout: float, log
) -> None:
    """One nbgrader run per notebook: a bad notebook costs only its own points."""
    for name in names:
        args = ["autograde", ASSIGNMENT, "--student", student, "--notebook", name, "--force"]
        started = time.monotonic()
        result = run_nbgrader(args, course, timeout=timeout)
        log.write(
            f"\n===== {student}/{name}: nbgrader {' '.join(args)} "
            f"(exit {result.returncode}, {time.monotonic() - started:.1f} s)\n"
        )
        log.write(result.stdout)
        if result.returncode == 0 and autograded(course, student, name):
            entry["graded_notebooks"].append(name)
        else:
            reason = f"could not be autograded ({failure_reason(result.stdout)})"
            entry["failed_notebooks"][name] = reason
            entry["problems"].append(f"{name}.ipynb: {reason}; scores 0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--course",
        type=Path,
        default=COURSE,
        help="course folder holding nbgrader_config.py (default: course/)",
    )
    parser.add_argument(
        "--student",
        action="append",
        default=None,
        help="grade only this student (repeatable; default: everyone)",
    )
    parser.add_argument(
        "--student-timeout",
        type=float,
        default=1800.0,
        help="wall-clock seconds allowed per student (default 1800); the "
        "per-cell limit is c.Execute.timeout in nbgrader_config.py",
    )
    args = parser.parse_args(argv)
    course = check_course(args.course)
    expected = assignment_notebooks(course)

    submitted = course / "submitted"
    if not submitted.is_dir():
        print(
            f"no submissions: {submitted} does not exist "
            f"(expected {submitted}/<student>/{ASSIGNMENT}/<notebook>.ipynb)"
        )
        return 0

    report_path = course / REPORT_NAME
    report = {"assignment": ASSIGNMENT, "notebooks": expected, "students": {}, "ignored": []}
    if args.student and report_path.exists():  # keep the other students' outcomes
        report = json.loads(report_path.read_text(encoding="utf-8"))
        report.setdefault("ignored", [])

    entries = sorted(submitted.iterdir())
    for path in entries:
        if not path.is_dir():
            report["ignored"].append(f"{path.name}: not a student folder, ignored")
    all_students = [p.name for p in entries if p.is_dir()]
    students = list(all_students)
    if args.student:
        unknown = sorted(set(args.student) - set(students))
        if unknown:
            raise SystemExit(f"no submission folder for: {', '.join(unknown)}")
        students = [s for s in students if s in args.student]

    found = {s: inspect_submission(submitted / s, expected) for s in students}
    for student in students:  # never mistake an old result for a new one
        shutil.rmtree(course / "autograded" / student / ASSIGNMENT, ignore_errors=True)
    # 1. One nbgrader batch over every submission whose notebooks all parse:
    #    nbgrader grades each student in turn and carries on after a failure.
    batch = [s for s in students if found[s]["readable"] and not found[s]["unreadable"]]
    others = sorted(set(all_students) - set(batch))
    with open(course / LOG_NAME, "w", encoding="utf-8") as log:
        if batch:
            cmd = ["autograde", ASSIGNMENT, "--force"]
            if others:
                cmd.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
            started = time.monotonic()
            result = run_nbgrader(cmd, course, timeout=args.student_timeout * len(batch))
            log.write(
                f"\n===== batch of {len(batch)}: nbgrader {' '.join(cmd)} "
                f"(exit {result.returncode}, {time.monotonic() - started:.1f} s)\n"
            )
            log.write(result.stdout)
            log.flush()
        # 2. Whatever the batch did not grade, one notebook at a time.
        for student in students:
            entry = new_entry(found[student])
            readable = found[student]["readable"]
            done = [n for n in readable if student in batch and autograded(course, student, n)]
            if not readable:
                entry["problems"].append("nothing gradable in the submission; scores 0")
            elif len(done) == len(readable):
                entry["graded_notebooks"] = done
            else:
                if student in batch:
                    entry["problems"].append(
                        "nbgrader could not autograde the whole submission; "
                        "graded each notebook on its own"
                    )
                grade_notebooks_one_by_one(
                    course, student, entry, readable, timeout=args.student_timeout, log=log
                )
                log.flush()
            entry["problems"] += kernel_deaths(course, student, entry["graded_notebooks"])
            entry["status"] = (
                "graded"
                if entry["graded_notebooks"] and not entry["failed_notebooks"]
                else "partial"
                if entry["graded_notebooks"]
                else "failed"
            )
            report["students"][student] = entry
            n = len(entry["graded_notebooks"])
            print(f"{student}: {entry['status']} ({n} notebook{'s' if n != 1 else ''} graded)")
            for problem in entry["problems"]:
                print(f"    {problem}")
    for line in report["ignored"]:
        print(line)
    report_path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"report: {report_path}; nbgrader log: {course / LOG_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
