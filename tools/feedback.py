"""Write per-student HTML feedback with nbgrader's generate_feedback.

``make feedback`` runs ``python -m tools.feedback`` after ``make autograde``:
``nbgrader generate_feedback kmeans_lab --force`` in ``course/`` renders every
autograded notebook to ``course/feedback/<student>/kmeans_lab/<notebook>.html``
(the student's code and outputs, each check's points and the grader's
verdict: for a failed exercise, the failing case's inputs as a snippet to
run, what was expected and what the code returned, and the hint). The hidden
tests' lines are removed from the check cells (``course/nbgrader_config.py``:
nbgrader's ``ClearHiddenTests``), so no seed is shown. On a JupyterHub,
``nbgrader release_feedback kmeans_lab`` then hands them back.
A student whose feedback cannot be rendered is named; the others still get theirs.
"""

from __future__ import annotations

import argparse
import sys

from .nbgrader_course import ASSIGNMENT, add_course_argument, check_course, run_nbgrader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    args = parser.parse_args(argv)
    course = check_course(args.course)
    if not (course / "autograded").is_dir():
        raise SystemExit(f"nothing autograded in {course}: run `make autograde` first")
    # a student's own cell that quotes the hidden-test markers is cleared too (by default
    # ClearHiddenTests refuses it, and the student would get no feedback)
    result = run_nbgrader(
        [
            "generate_feedback",
            ASSIGNMENT,
            "--force",
            "--ClearHiddenTests.enforce_metadata=False",
        ],
        course,
    )
    with open(course / "feedback.log", "w", encoding="utf-8") as log:
        log.write(result.stdout)
    failed = sorted(
        {
            line.split("for student '")[1].split("'")[0]
            for line in result.stdout.splitlines()
            if "There was an error processing assignment" in line and "for student '" in line
        }
    )
    written = sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/*.html"))
    students = sorted({p.parts[-3] for p in written})
    print(
        f"feedback: {len(written)} HTML files for {len(students)} students in {course / 'feedback'}"
    )
    if failed:
        print(f"no feedback for: {', '.join(failed)} (see {course / 'feedback.log'})")
    return 0 if result.returncode == 0 or failed else result.returncode


if __name__ == "__main__":
    sys.exit(main())
