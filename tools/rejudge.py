"""Judge the recorded answers again with the current checks, without running any notebook.

``make rejudge`` runs ``python -m tools.rejudge`` after a bug was fixed in a
check. For every student of the current run it reads the answers their
check cells recorded in the sandbox (:mod:`tools.recordings`), judges them
again through the grader's own judge (``tools.grading.judge``; the same run,
seeds and inputs), puts the new verdict first in each judged check cell,
rewrites the student's result, then merges (the gradebook, ``verdicts.csv``)
and runs ``make grades feedback report`` (and writes again every LMS export
already written: ``tools.export --refresh``). It prints every score that
changed, ``student exercise: old -> new``.

An exercise with no recording (its cell timed out, the kernel died, the
notebook could not be read, or it was graded before recordings were kept)
keeps its verdict, and is counted in the summary. Overrides are applied on
top as always (``make grades``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import nbformat

from . import recordings
from .grading import judge as _judge
from .grading import own_work
from .grading.merge import load_results, merge
from .grading.runs import load_run
from .grading.stage import check_cells
from .grading.worker import judged_folder, result_path
from .nbgrader_course import REPO, add_course_argument, check_course
from .overrides import sync_gradebook

__all__ = ["rejudge", "main"]


#: Said under a verdict that ``make rejudge`` changed: the outputs after it are the notebook's
#: run's, made with the checks as they were, and may say otherwise.
REJUDGED_NOTE = (
    "[judged again] this verdict was given again after the grader's checks changed (make "
    "rejudge); what follows is your notebook's run, with the checks as they were then, and may "
    "say otherwise: the verdict above is the one that counts.\n"
)


def _same_output(a, b) -> bool:
    keys = ("output_type", "name", "text", "ename", "evalue")
    return all(a.get(k) == b.get(k) for k in keys)


def _rewrite_judged(run, student: str, notebook: str, verdicts: dict) -> None:
    """Put each new verdict first in its check cell of the judged notebook; under one that
    changed, say (once) that the notebook's own outputs below it predate it."""
    path = judged_folder(run, student) / f"{notebook}.ipynb"
    if not path.is_file():
        return
    nb = nbformat.read(path, as_version=4)
    for index, exercise in check_cells(nb).items():
        outputs = nb.cells[index].outputs
        if exercise not in verdicts or not outputs:
            continue
        new = _judge.verdict_output(verdicts[exercise])
        if _same_output(outputs[0], new):
            continue
        outputs[0] = new
        note = nbformat.v4.new_output("stream", name="stdout", text=REJUDGED_NOTE)
        if len(outputs) > 1 and _same_output(outputs[1], note):
            continue
        outputs.insert(1, note)
    nbformat.write(nb, path)


def rejudge(course: Path) -> tuple[list[str], int, int]:
    """Judge every recording of the current run again; return (changes, judged, kept).

    ``changes`` are lines ``student exercise: old -> new points``; ``judged``
    the number of answers judged again; ``kept`` those without a recording.
    """
    run = load_run(course)
    changes, judged, kept = [], 0, 0
    for student, result in sorted(load_results(run).items()):
        for notebook, entry in result.get("notebooks", {}).items():
            new_verdicts = {}
            for exercise, old in entry.get("exercises", {}).items():
                answers = recordings.load(run, student, exercise)
                if answers is None:
                    kept += 1
                    continue
                source = result.get("sources", {}).get(exercise)
                refused = own_work.refusals({exercise: source} if source else {})
                verdict = (
                    _judge.refused_verdict(exercise, refused[exercise])
                    if exercise in refused
                    else _judge.judge_answers(exercise, answers, run, "", source)
                )
                new_verdicts[exercise] = verdict
                entry["exercises"][exercise] = _judge.verdict_dict(verdict)
                judged += 1
                if float(old.get("points", 0)) != verdict.points:
                    changes.append(
                        f"{student} {exercise}: {float(old.get('points', 0)):g} -> "
                        f"{verdict.points:g} points"
                    )
            _rewrite_judged(run, student, notebook, new_verdicts)
        path = result_path(run, student)
        path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return changes, judged, kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser)
    args = parser.parse_args(argv)
    course = check_course(args.course)
    changes, judged, kept = rejudge(course)
    report = json.loads((course / "autograde_report.json").read_text(encoding="utf-8"))
    merge(course, load_run(course), report.get("notebooks", []))
    sync_gradebook(course)  # the overrides, into the merged gradebook (feedback shows them)
    for module, *extra in (("grades",), ("feedback",), ("report",), ("export", "--refresh")):
        step = subprocess.run(
            [sys.executable, "-m", f"tools.{module}", "--course", str(course), *extra],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        if step.returncode != 0:
            print(step.stdout + step.stderr, file=sys.stderr)
            raise SystemExit(f"make rejudge: tools.{module} failed (exit {step.returncode})")
    print(
        f"judged {judged} recorded answers again ({kept} without a recording kept their "
        f"verdict): {len(changes)} score{'s' * (len(changes) != 1)} changed"
    )
    for line in changes:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
