"""Writing the gradebook from the students' results: one trusted process, nothing executed.

:func:`merge` reads every ``course/autograde/results/<student>.json``, adds
the similarity flags (:mod:`.similarity`), and runs ``nbgrader autograde``
over the judged notebooks (``course/autograde/judged/``), without nbgrader's
sanitizing pass (the worker ran the same preprocessors on every judged
notebook: :func:`.stage.sanitize`): the course's
autograde pipeline (``course/nbgrader_config.py``) executes nothing; its first
preprocessor, :class:`tools.preprocessors.ApplyJudgedNotebook`, puts each
judged notebook in place, and nbgrader's ``SaveAutoGrades`` and
``AssignLatePenalties`` write the gradebook as they always do. Then the
report ``course/autograde_report.json`` (read by ``make grades`` and ``make
report``) and the verdicts as data, ``course/verdicts.csv`` (one row per
student and exercise: :mod:`.verdicts`), are written beside the gradebook.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..course_privacy import make_private_file
from ..nbgrader_course import ASSIGNMENT, run_nbgrader
from . import similarity, verdicts
from .runs import RUN_FOLDER, Run

__all__ = ["merge", "report_entry", "REPORT_NAME", "LOG_NAME", "load_results"]

REPORT_NAME = "autograde_report.json"
LOG_NAME = "autograde.log"


def load_results(run: Run) -> dict[str, dict]:
    """``{student: result}`` of every result file of the run."""
    results = {}
    for path in sorted(run.results.glob("*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if result.get("run") == run.run_id:
            results[result["student"]] = result
    return results


def report_entry(result: dict, matches: list[str], written: set[str]) -> dict:
    """A student's entry of the report, from their result.

    ``matches`` are their similarity flags; ``written`` the notebooks nbgrader
    wrote to the gradebook (a graded notebook that is not is reported failed).
    """
    graded_notebooks = result.get("graded_notebooks", [])
    graded = [n for n in graded_notebooks if n in written]
    failed = dict(result.get("failed_notebooks", {}))
    for name in set(graded_notebooks) - set(graded):
        failed[name] = "could not be written to the gradebook (see course/autograde.log)"
    notes = {
        ex: v["note"]
        for nb in result.get("notebooks", {}).values()
        for ex, v in nb.get("exercises", {}).items()
        if v.get("note")
    }
    return {
        "status": result.get("status", "failed")
        if not (set(graded_notebooks) - set(graded))
        else "partial",
        "problems": list(result.get("problems", [])),
        "graded_notebooks": graded,
        "failed_notebooks": failed,
        "missing_notebooks": list(result.get("missing_notebooks", [])),
        "flags": list(result.get("flags", [])) + list(matches),
        "notes": notes,
        "seconds": result.get("seconds"),
        "notebook_seconds": {
            name: entry.get("seconds") for name, entry in result.get("notebooks", {}).items()
        },
    }


def merge(
    course: Path,
    run: Run,
    expected: list[str],
    *,
    students: list[str] | None = None,
    timeout: float = 3600.0,
) -> dict:
    """Write the gradebook and the report from the results; return the report."""
    results = load_results(run)
    if students is not None:
        results = {s: r for s, r in results.items() if s in students}
    matches = similarity.find_matches({s: r.get("sources", {}) for s, r in results.items()})
    judged = Path(course) / RUN_FOLDER / "judged"
    started = time.monotonic()
    args = [
        "autograde",
        ASSIGNMENT,
        "--force",
        f"--CourseDirectory.submitted_directory={RUN_FOLDER}/judged",
        # the judged notebooks were sanitized by the worker with these very preprocessors
        # (tools.grading.stage.sanitize) and nbgrader would only do it again: each of them
        # opens the gradebook, about 0.3 s a student
        "--Autograde.sanitize_preprocessors=[]",
    ]
    have = sorted(p.name for p in judged.iterdir() if p.is_dir()) if judged.is_dir() else []
    skipped = sorted(set(have) - set(results))
    if skipped:
        args.append("--CourseDirectory.student_id_exclude=" + ",".join(skipped))
    out = run_nbgrader(args, course, timeout=timeout) if set(have) & set(results) else None
    make_private_file(Path(course) / "gradebook.db")
    with open(Path(course) / LOG_NAME, "a", encoding="utf-8") as log:
        if out is not None:
            log.write(
                f"\n===== merge: nbgrader {' '.join(args)} (exit {out.returncode}, "
                f"{time.monotonic() - started:.1f} s)\n{out.stdout}"
            )
    report_path = Path(course) / REPORT_NAME
    report = {"assignment": ASSIGNMENT, "notebooks": expected, "run": run.run_id, "students": {}}
    for student, result in sorted(results.items()):
        autograded = Path(course) / "autograded" / student / ASSIGNMENT
        written = {
            n for n in result.get("graded_notebooks", []) if (autograded / f"{n}.ipynb").exists()
        }
        report["students"][student] = report_entry(result, matches.get(student, []), written)
    report_path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    verdicts.write(course, verdicts.rows_of(run.run_id, results, report["students"]))
    return report
