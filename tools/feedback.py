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

The page shows each failure once, in the grader's numbering: what the
student's kernel printed for the same check (``[in your notebook] ...``, the
notebook's own check failing on its own cases) is left out under a failed
verdict (:func:`echoes_the_verdict`). A verdict stopped by a time limit says
what to do (:func:`what_to_do`). Its snippet wraps within the page and its
maths is MathML (``tools/nbconvert_templates/kmeans_lab_feedback``,
:mod:`tools.mathml`): nothing is loaded from the network.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from .nbgrader_course import ASSIGNMENT, add_course_argument, check_course, run_nbgrader

__all__ = ["echoes_the_verdict", "what_to_do", "main"]

#: How the grader's verdict on a failed exercise opens a check cell's outputs (an error
#: output of this name, first: ``tools/grading/judge.py``'s ``verdict_output``).
VERDICT_ERROR = "CheckFailure"
#: How the grader marks what the student's kernel showed in a check cell (``_harmless``).
NOTEBOOK_PREFIX = "[in your notebook] "
#: Words of a verdict stopped by a time limit (the judge's kind ``timeout``).
TIME_LIMIT_WORDS = ("ran longer than", "time limit")


def _verdict_failed(outputs) -> bool:
    first = outputs[0] if outputs else {}
    return first.get("output_type") == "error" and first.get("ename") == VERDICT_ERROR


def echoes_the_verdict(output, cell) -> bool:
    """``output`` is the notebook's own failure in a check cell the grader failed.

    The grader's verdict (first output) already shows that failure, in the
    grader's case numbering; the notebook's check said the same on its own
    cases (``case 1 of 13`` beside the grader's ``case 1 of 35``), so the
    page leaves it out. Under a passed verdict it stays.

    Examples
    --------
    >>> verdict = {"output_type": "error", "ename": "CheckFailure", "evalue": "f: case 1 of 35"}
    >>> echo = {"output_type": "stream", "name": "stdout",
    ...         "text": "[in your notebook] CheckFailure: f: case 1 of 13"}
    >>> echoes_the_verdict(echo, {"outputs": [verdict, echo]})
    True
    """
    return (
        output.get("output_type") == "stream"
        and str(output.get("text", "")).startswith(NOTEBOOK_PREFIX)
        and _verdict_failed(cell.get("outputs", []))
    )


def what_to_do(output) -> str:
    """What to do about a verdict stopped by a time limit ("" for any other output).

    Examples
    --------
    >>> what_to_do({"output_type": "error", "ename": "CheckFailure",
    ...             "evalue": "f: not graded: your function ran longer than 10 s"})[:30]
    'what to do: your function did '
    """
    if output.get("output_type") != "error" or output.get("ename") != VERDICT_ERROR:
        return ""
    first = str(output.get("evalue", "")).split("\n", 1)[0]
    if not any(words in first for words in TIME_LIMIT_WORDS):
        return ""
    return (
        "what to do: your function did not finish in time, so none of its answers "
        "could be graded (a right answer takes well under a second on each case). "
        "Look for a loop that can run forever, such as a while loop whose condition "
        "stops changing on some inputs. Run your notebook's check cell: if it does not "
        "finish either, interrupt the kernel (Kernel > Interrupt) and the traceback "
        "shows the line that was running; fix it, then run the check cell again."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    args = parser.parse_args(argv)
    course = check_course(args.course)
    if importlib.util.find_spec("latex2mathml") is None:  # the page's maths (tools/mathml.py)
        raise SystemExit(
            "make feedback needs latex2mathml (the instructor extra): run `make install` "
            "(or pip install -e '.[instructor]') in this environment"
        )
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
