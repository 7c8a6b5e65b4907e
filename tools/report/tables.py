"""The report's tables, computed from the verdicts and the grader's report.

Inputs: the rows of ``course/verdicts.csv`` (:mod:`tools.grading.verdicts`,
one per student and exercise) and the ``students`` of
``course/autograde_report.json`` (flags, problems, times). Every table is a
list of dicts with the keys of its ``*_COLUMNS``, so that the page and the
CSV files show the same numbers. Code examples are anonymised
(:func:`anonymise`): they never carry a student's id, comments or docstrings.
"""

from __future__ import annotations

import ast
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kmeans_lab.checks.registry import REGISTRY

from ..grading.verdicts import STOPPED_KINDS

__all__ = [
    "Tables",
    "build",
    "anonymise",
    "SCORE_COLUMNS",
    "EXERCISE_COLUMNS",
    "DIAGNOSIS_COLUMNS",
    "REVIEW_COLUMNS",
    "GRADING_COLUMNS",
    "LIMIT_KINDS",
]

SCORE_COLUMNS = ["student", "points", "max_points", "note"]
#: A diagnosis shows a code example only when at least this many students share it.
MIN_EXAMPLE_STUDENTS = 3
EXERCISE_COLUMNS = [
    "exercise",
    "notebook",
    "max_points",
    "students",
    "passed",
    "failed",
    "not_attempted",
    "not_graded",
    "mean_points",
]
DIAGNOSIS_COLUMNS = [
    "exercise",
    "rank",
    "students",
    "share",
    "kind",
    "diagnosis",
    "hint",
    "case",
    "example",
    "evidence",
    "hints",
]
REVIEW_COLUMNS = ["student", "why"]
GRADING_COLUMNS = ["student", "status", "seconds", "problems"]

#: Verdict kinds of a check stopped by a limit (they ask for a look by hand).
LIMIT_KINDS = STOPPED_KINDS
#: Not attempting an exercise: the stub left, or the notebook not submitted.
NOT_ATTEMPTED = ("not attempted", "not submitted")

_CELL_FLAG = re.compile(r"^(\S+ cell \d+): (.*)$")


@dataclass
class Tables:
    """Every table of the report (see the module docstring)."""

    run: str
    scores: list[dict] = field(default_factory=list)
    exercises: list[dict] = field(default_factory=list)
    diagnoses: list[dict] = field(default_factory=list)
    review: list[dict] = field(default_factory=list)
    grading: list[dict] = field(default_factory=list)
    max_total: float = 0.0
    seconds: float = 0.0
    notebooks: int = 0
    final_scores: bool = False  #: the scores are grades.csv's (overrides, late penalty)


def _drop_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]


def anonymise(code: str, students=()) -> str:
    """A student's code without what could tell who wrote it.

    Comments and docstrings are dropped (the code is re-printed from its
    syntax tree) and any student id of ``students`` becomes ``student``.
    Code that does not parse keeps its lines, without comment lines.

    Examples
    --------
    >>> print(anonymise('def f(x):\\n    "by s123"\\n    return x  # s123 was here', ["s123"]))
    def f(x):
        return x
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        text = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))
    else:
        _drop_docstrings(tree)
        text = ast.unparse(tree)
    for student in sorted(students, key=len, reverse=True):
        if student:
            text = re.sub(re.escape(student), "student", text, flags=re.IGNORECASE)
    return text.strip()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _scores(rows: list[dict], finals: dict[str, dict] | None) -> tuple[list[dict], float]:
    """Each student's total: ``grades.csv``'s final one when given, else the verdicts' sum."""
    totals: dict[str, float] = defaultdict(float)
    maxima: dict[str, float] = defaultdict(float)
    notes: dict[str, str] = {}
    for row in rows:
        totals[row["student"]] += float(row["points"] or 0)
        maxima[row["student"]] += float(row["max_points"] or 0)
    for student, final in (finals or {}).items():
        if student in totals:  # overrides and a late penalty are in grades.csv
            totals[student] = float(final["points"] or 0)
            maxima[student] = float(final["max_points"] or 0)
            notes[student] = final.get("note", "")
    max_total = max(maxima.values(), default=0.0)
    return [
        {
            "student": s,
            # grades.csv's own text of the number, so both files read the same
            "points": finals[s]["points"] if s in notes else _number(totals[s]),
            "max_points": finals[s]["max_points"] if s in notes else _number(maxima[s]),
            "note": notes.get(s, ""),
        }
        for s in sorted(totals)
    ], max_total


def _exercises(rows: list[dict]) -> list[dict]:
    table = []
    for exercise, record in REGISTRY.items():
        mine = [r for r in rows if r["exercise"] == exercise]
        if not mine:
            continue
        status = Counter(r["status"] for r in mine)
        table.append(
            {
                "exercise": exercise,
                "notebook": record.notebook,
                "max_points": _number(record.points),
                "students": len(mine),
                "passed": status["passed"],
                "failed": status["failed"],
                "not_attempted": sum(status[s] for s in NOT_ATTEMPTED),
                "not_graded": status["not graded"],
                "mean_points": f"{statistics.fmean(float(r['points'] or 0) for r in mine):.2f}",
            }
        )
    return table


def _most_common(values) -> str:
    counts = Counter(v for v in values if v)
    if not counts:
        return ""
    best = max(counts.values())
    return min(v for v, n in counts.items() if n == best)  # ties: the same choice every time


def _example(group: list[dict], ids: list[str], flagged: set[str]) -> str:
    """The most common anonymised code of a diagnosis, or "" when showing it could identify.

    Only a diagnosis of :data:`MIN_EXAMPLE_STUDENTS` or more students not
    flagged for review by hand has an example, taken from their code only.
    """
    unflagged = [r for r in group if r["student"] not in flagged]
    if len({r["student"] for r in unflagged}) < MIN_EXAMPLE_STUDENTS:
        return ""
    return _most_common(anonymise(r["code"], ids) for r in unflagged)


def evidence(message: str) -> str:
    """The message's ``first mismatch at ...`` line: where the answer first differs, and what
    was expected there ("" when the message has none).

    It is written by the check from the case's inputs and the expected answer,
    not from the student's answer nor the hint.

    Examples
    --------
    >>> evidence("f: case 2 of 9 failed\n  first mismatch at row 2: cluster 2 has no points\n"
    ...          "  hint: keep it")
    'first mismatch at row 2: cluster 2 has no points'
    """
    for line in message.splitlines():
        if line.strip().startswith("first mismatch at "):
            return line.strip()
    return ""


def mistake_of(row: dict) -> tuple[str, str, str]:
    """What makes two failures one mistake: ``(kind, case, evidence)``, or the diagnosis.

    Two answers that fail the same case (the same inputs for everyone in the
    run) in the same way (kind) and first differ from the expected answer at
    the same place, with the same expected value, made one mistake, whatever
    the hint guessed from what they returned (e.g. an empty cluster given
    zeros or NaN: one mistake, the empty cluster forgotten). Without that
    evidence (no case, or no mismatch line), the diagnosis decides.
    """
    found = evidence(row.get("message", ""))
    if row["case"] and found:
        return (row["kind"], row["case"], found)
    return (row["kind"], "", row["diagnosis"] or row["kind"])


def _diagnoses(rows: list[dict], ids: list[str], flagged: set[str] = frozenset()) -> list[dict]:
    table = []
    for exercise in REGISTRY:
        failed = [r for r in rows if r["exercise"] == exercise and r["status"] == "failed"]
        students = sum(1 for r in rows if r["exercise"] == exercise)
        groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
        for row in failed:
            groups[mistake_of(row)].append(row)
        ranked = sorted(
            groups.items(),
            key=lambda item: (-len(item[1]), _most_common(r["diagnosis"] for r in item[1])),
        )
        for rank, ((kind, _, _), group) in enumerate(ranked, 1):
            hints = Counter(r["hint"] for r in group if r["hint"])
            table.append(
                {
                    "exercise": exercise,
                    "rank": rank,
                    "students": len(group),
                    "share": f"{len(group) / students:.0%}",
                    "kind": kind,
                    "diagnosis": _most_common(r["diagnosis"] or r["kind"] for r in group),
                    "hint": _most_common(r["hint"] for r in group),
                    "case": _most_common(r["case"] for r in group),
                    "example": _example(group, ids, flagged),
                    "evidence": evidence(group[0].get("message", "")),
                    "hints": " | ".join(
                        f"{n} x {h}" for h, n in sorted(hints.items(), key=lambda i: (-i[1], i[0]))
                    ),
                }
            )
    return table


def _why_flags(flags: list[str]) -> list[str]:
    """The flags, each without the line of code it quotes (the CSV keeps them whole)."""
    reasons = []
    for flag in flags:
        found = _CELL_FLAG.match(flag)
        if found and "names the course's" not in found[2]:
            reasons.append(f"{found[1]}: code that reaches into the grader or the interpreter")
        else:
            reasons.append(flag)
    return reasons


def _review(rows: list[dict], report: dict[str, dict], *, whole: bool) -> list[dict]:
    table = []
    for student in sorted(set(report) | {r["student"] for r in rows}):
        entry = report.get(student, {})
        flags = list(entry.get("flags", []))
        why = flags if whole else _why_flags(flags)
        why = list(dict.fromkeys(why))
        for row in rows:
            if row["student"] == student and row["kind"] in LIMIT_KINDS:
                why.append(f"{row['exercise']}: {row['message'].split(': ', 1)[-1]}")
        why += [
            p
            for p in entry.get("problems", [])
            if "time limit" in p or "kernel died" in p or "stopped after" in p
        ]
        if why:
            table.append({"student": student, "why": "; ".join(why)})
    return table


def _grading(report: dict[str, dict], rows: list[dict]) -> tuple[list[dict], float, int]:
    table, total, notebooks = [], 0.0, 0
    stopped: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["kind"] in LIMIT_KINDS:
            reason = row["message"].split(": ", 1)[-1]
            stopped[row["student"]].append(f"{row['exercise']}: {reason}")
    for student, entry in sorted(report.items()):
        total += float(entry.get("seconds") or 0.0)
        notebooks += len(entry.get("graded_notebooks", []))
        failed = entry.get("failed_notebooks", {})
        problems = [f"{name}.ipynb {why}" for name, why in sorted(failed.items())]
        problems += [
            p
            for p in entry.get("problems", [])
            if not any(p.startswith(f"{n}.ipynb") for n in failed)
        ]
        problems += [p for p in stopped[student] if p not in problems]
        status = entry.get("status", "")
        table.append(
            {
                "student": student,
                "status": "partial" if stopped[student] and status == "graded" else status,
                "seconds": f"{float(entry.get('seconds') or 0.0):.1f}",
                "problems": "; ".join(problems),
            }
        )
    return table, total, notebooks


def build(
    rows: list[dict],
    report: dict,
    *,
    whole_flags: bool = False,
    finals: dict[str, dict] | None = None,
) -> Tables:
    """The report's tables from the verdicts' rows and ``autograde_report.json``.

    ``whole_flags`` keeps the lines of code the flags quote (for the CSV);
    ``finals``, ``{student: total row of grades.csv}``, gives the final
    scores (overrides, late penalty) when ``make grades`` has run.
    """
    # a check stopped by a limit was not graded: one status in every table (it counts neither
    # as a failure nor as a diagnosis; the grading and review tables say why); verdicts.csv
    # says so itself now, its files from earlier runs said "failed"
    rows = [
        dict(r, status="not graded") if r["kind"] in LIMIT_KINDS and r["status"] == "failed" else r
        for r in rows
    ]
    students_report = report.get("students", {})
    students = sorted(set(students_report) | {r["student"] for r in rows})
    runs = sorted({r["run"] for r in rows}) or [report.get("run", "")]
    scores, max_total = _scores(rows, finals)
    grading, seconds, notebooks = _grading(students_report, rows)
    review = _review(rows, students_report, whole=whole_flags)
    return Tables(
        run=", ".join(runs),
        scores=scores,
        exercises=_exercises(rows),
        diagnoses=_diagnoses(rows, students, {r["student"] for r in review}),
        review=review,
        grading=grading,
        max_total=max_total,
        seconds=seconds,
        notebooks=notebooks,
        final_scores=bool(finals),
    )
