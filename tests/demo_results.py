"""The demo class's grading results, made in the test's process: the sandbox's step stood in for.

``make autograde`` runs every notebook in a sandbox, where each check cell
reports the student's function's source, which a fresh sandbox per exercise
runs on the planned inputs (:func:`kmeans_lab.grading.record.record`), and
judges the recordings outside (:func:`tools.grading.judge`). Grading the
30 students of the demo class that way takes minutes; this module makes the
same result files in seconds, for the report's tests:

- the students' notebooks are the demo class's (:func:`tools.demo_class.notebooks_of`,
  on the released notebooks in ``notebooks/student/``);
- each exercise's solution cell is executed here, its function's answers
  recorded on the run's planned inputs, and judged by the grader's own
  ``tools.grading.judge._verdict`` (once per distinct cell);
- sources, flags, similarity matches, the report entries and the verdicts'
  rows are made by the grader's own functions.

What the sandbox would add is left out: each notebook's other cells never
run, and the answer that loops forever is given the verdict the cell time
limit of its fresh sandbox gives (``tests/test_report.py`` grades a few of the same students in
the real sandbox and compares).
"""

from __future__ import annotations

import json
import linecache
import shutil
from pathlib import Path

import nbformat

from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.grading.record import PROGRESS, read_plan, record
from kmeans_lab.saved_functions import function_source
from tools import demo_class
from tools.grading import flags, fresh, judge, own_work, similarity, verdicts
from tools.grading.cells import course_sources_of, graded_sources
from tools.grading.merge import REPORT_NAME, report_entry
from tools.grading.runs import prepare_run
from tools.grading.stage import read_notebook
from tools.nbgrader_course import ASSIGNMENT
from tools.sandbox import SandboxResult

REPO = Path(__file__).resolve().parents[1]
RELEASED = REPO / "notebooks" / "student"
#: Every notebook of the assignment (what the grader expects from a student).
EXPECTED = sorted(p.stem for p in RELEASED.glob("[0-9][0-9]_*.ipynb"))


def _timeout_reason(seconds: int, exercise: str, run) -> str:
    """What the grader says when the function's fresh sandbox reaches its time limit.

    The recorder announced the first planned call on stderr, as it does before
    each call (test_grading_parts runs the real recorder until it is stopped).
    """
    _, calls, _ = read_plan(run.plan_file(exercise).read_bytes())
    stderr = f"{PROGRESS}1/{len(calls)}\n"
    stopped = SandboxResult(returncode=None, data=b"", timed_out=True, stderr=stderr)
    return judge._from_fresh_sandbox(stopped, seconds, exercise, run)[1]


class _Judge:
    """Records and judges each distinct solution cell once."""

    def __init__(self, run):
        self.run = run
        self.cache: dict[tuple[str, str], dict] = {}
        self.graded: dict[tuple[str, str], str] = {}  #: the source the grader ran

    def verdict(self, exercise: str, source: str) -> dict:
        key = (exercise, source)
        if key not in self.cache:
            namespace: dict = {}
            filename = f"<{exercise} cell {len(self.cache)}>"  # as IPython keeps a cell's lines
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            exec(compile(source, filename, "exec"), namespace)
            plan = self.run.plan_file(exercise).read_bytes()
            try:
                text = function_source(namespace[exercise], exercise)
            except ValueError as why:
                reason = f"not graded: the grader cannot run your function on its own: {why}"
                verdict = judge._verdict(exercise, None, self.run, reason)
            else:
                self.graded[key] = text
                recorded = record(plan, text, fresh.dependencies(exercise))
                verdict = judge._verdict(exercise, recorded, self.run, "", text)
            self.cache[key] = judge.verdict_dict(verdict)
        return dict(self.cache[key])


def _course_cells(release: Path, name: str) -> frozenset[str]:
    """The course's cells of a released notebook, as the grader reads them beside the gradebook."""
    return course_sources_of(nbformat.read(release / f"{name}.ipynb", as_version=4).cells)


def _result(student, answers, release, course, run, recorder, cell_timeout) -> dict:
    submission = demo_class.notebooks_of(answers, release)
    result = {
        "student": student,
        "run": run.run_id,
        "notebooks": {},
        "problems": [],
        "missing_notebooks": [n for n in EXPECTED if n not in submission],
        "failed_notebooks": {},
        "graded_notebooks": [],
        "flags": [],
        "sources": {},
        "seconds": 0.0,
    }
    for name, content in sorted(submission.items()):
        if isinstance(content, str):
            path = course / "unreadable" / student / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            _, reason = read_notebook(path)
            result["failed_notebooks"][name] = reason
            result["problems"].append(f"{name}.ipynb: {reason}; scores 0")
            continue
        ours = _course_cells(release, name)
        result["sources"].update(graded_sources(content, ours))
        result["flags"] += flags.notebook_flags(course, name, content, ours)
        exercises = {}
        for cell in content.cells:
            exercise = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if exercise not in REGISTRY:
                continue
            refused = own_work.refusals({exercise: result["sources"].get(exercise, "")})
            if refused:  # a copy of the reference scores 0, as the worker decides
                exercises[exercise] = judge.verdict_dict(
                    judge.refused_verdict(exercise, refused[exercise])
                )
            elif answers[exercise].name == demo_class.LOOPS_FOREVER:
                verdict = judge._verdict(
                    exercise, None, run, _timeout_reason(cell_timeout, exercise, run)
                )
                exercises[exercise] = judge.verdict_dict(verdict)
            else:
                exercises[exercise] = recorder.verdict(exercise, cell.source)
                graded = recorder.graded.get((exercise, cell.source))
                if graded is not None:  # as the worker does: what was graded
                    result["sources"][exercise] = graded
        result["notebooks"][name] = {"exercises": exercises, "seconds": 0.0}
        result["graded_notebooks"].append(name)
    result["status"] = "graded" if not result["failed_notebooks"] else "partial"
    return result


def grade_demo_class(
    course: Path, *, seed: int = demo_class.SEED, cell_timeout: int = demo_class.CELL_TIMEOUT
) -> dict[str, dict]:
    """Grade the demo class into ``course``: results, ``autograde_report.json``, ``verdicts.csv``.

    Returns ``{student: result}``. ``course`` gets a copy of the released
    notebooks (``release/kmeans_lab/``, for the flags) and the run.
    """
    course = Path(course)
    release = course / "release" / ASSIGNMENT
    shutil.copytree(RELEASED, release)
    run = prepare_run(course, seed=seed)
    recorder = _Judge(run)
    results = {
        student: _result(student, answers, release, course, run, recorder, cell_timeout)
        for student, answers in demo_class.class_answers().items()
    }
    matches = similarity.find_matches({s: r["sources"] for s, r in results.items()})
    report = {
        "assignment": ASSIGNMENT,
        "notebooks": EXPECTED,
        "run": run.run_id,
        "students": {
            s: report_entry(r, matches.get(s, []), set(r["graded_notebooks"]))
            for s, r in results.items()
        },
    }
    (course / REPORT_NAME).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    verdicts.write(course, verdicts.rows_of(run.run_id, results, report["students"]))
    return results
