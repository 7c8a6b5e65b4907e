"""One page with everything about one student's grade, for an appeal: ``make explain STUDENT=s``.

``python -m tools.explain --student s`` writes ``course/explain/<s>.html``
from what the grader kept: ``grades.csv`` (the final points and notes),
``verdicts.csv`` (each exercise's status, failing case, the whole message
the student saw: the case's inputs, expected and got, the hint; and the code
as graded), ``autograde_report.json`` (flags for review by hand and why,
problems, the time each notebook took) and ``overrides.csv`` (every change
by hand, who, when and why). It is for the instructor: it names the student
and shows their code. One static page, no script, no network; ``lang``,
one ``h1``, a heading per exercise, text and background with a contrast
over 7:1, and it wraps on a phone.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from html import escape
from pathlib import Path

from .grading import verdicts
from .nbgrader_course import ASSIGNMENT, add_course_argument
from .overrides import FILE_NAME as OVERRIDES

__all__ = ["render", "write_page", "main", "FOLDER"]

FOLDER = "explain"

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff;
       max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #595959; padding: .3rem .5rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
pre { background: #f4f4f4; color: #1a1a1a; padding: .6rem; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; }
.status { font-weight: bold; }
"""


def _csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _table(header: list[str], rows: list[list[str]], caption: str) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><caption>{escape(caption)}</caption><tr>{head}</tr>{body}</table>"


def render(course: Path, student: str) -> str:
    """The page's HTML (see the module docstring)."""
    course = Path(course)
    grades = [r for r in _csv(course / "grades.csv") if r["student"] == student]
    rows = [r for r in verdicts.read(course) if r["student"] == student]
    if not grades and not rows:
        raise SystemExit(f"make explain: {student} is in neither grades.csv nor verdicts.csv")
    report_path = course / "autograde_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    entry = report.get("students", {}).get(student, {})
    changes = [r for r in _csv(course / OVERRIDES) if r["student"] == student]
    final = {r["exercise"]: r for r in grades}
    total = final.get("total", {})
    parts = [
        f"<h1>{escape(student)}: {escape(total.get('points', '?'))} of "
        f"{escape(total.get('max_points', '?'))} points</h1>",
        f"<p>{escape(ASSIGNMENT)}, grading run {escape(report.get('run', '?'))}."
        + (f" {escape(total['note'])}" if total.get("note") else "")
        + "</p>",
        "<h2>Points per exercise</h2>",
        _table(
            ["exercise", "points", "out of", "status", "why"],
            [
                [
                    r["exercise"],
                    final.get(r["exercise"], r)["points"],
                    r["max_points"],
                    r["status"] + (f" ({r['kind']})" if r["kind"] else ""),
                    final.get(r["exercise"], {}).get("note", "") or r["message"].split("\n")[0],
                ]
                for r in rows
            ],
            "final points (grades.csv) and the grader's verdict (verdicts.csv)",
        ),
        "<h2>Flags for review by hand</h2>",
        (
            "<ul>" + "".join(f"<li>{escape(f)}</li>" for f in entry.get("flags", [])) + "</ul>"
            if entry.get("flags")
            else "<p>None: the grader flagged nothing.</p>"
        ),
        "<h2>Changes by hand</h2>",
        (
            _table(
                ["when", "who", "exercise", "points", "why"],
                [[c["when"], c["who"], c["exercise"], c["points"], c["why"]] for c in changes],
                f"every override of {student}, oldest first (overrides.csv)",
            )
            if changes
            else "<p>None.</p>"
        ),
        "<h2>Grading times and problems</h2>",
        _table(
            ["notebook", "seconds"],
            [
                [name, f"{float(s or 0):.1f}"]
                for name, s in sorted(entry.get("notebook_seconds", {}).items())
            ]
            + [["all", f"{float(entry.get('seconds') or 0):.1f}"]],
            "wall-clock time of each graded notebook",
        ),
        "<ul>" + "".join(f"<li>{escape(p)}</li>" for p in entry.get("problems", [])) + "</ul>"
        if entry.get("problems")
        else "<p>No problem while grading.</p>",
        "<h2>Each exercise as graded</h2>",
    ]
    for r in rows:
        parts.append(f'<h3 id="{escape(r["exercise"])}">{escape(r["exercise"])}</h3>')
        parts.append(
            f'<p><span class="status">{escape(r["status"])}</span>, '
            f"{escape(final.get(r['exercise'], r)['points'])} of {escape(r['max_points'])} points"
            + (f"; failing case {escape(r['case'])}" if r["case"] else "")
            + "</p>"
        )
        if r["message"] and r["status"] != "passed":
            parts.append("<h4>What the student was shown (inputs, expected, got, hint)</h4>")
            parts.append(f"<pre>{escape(r['message'])}</pre>")
        parts.append("<h4>The code as graded</h4>")
        parts.append(f"<pre><code>{escape(r['code']) or '(none)'}</code></pre>")
    title = f"{student}: {ASSIGNMENT}, everything about the grade"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )


def write_page(course: Path, student: str) -> Path:
    """Write ``course/explain/<student>.html``; return its path."""
    folder = Path(course) / FOLDER
    folder.mkdir(exist_ok=True)
    if "/" in student or student.startswith("."):
        raise SystemExit(f"make explain: {student!r} is not a student folder's name")
    page = folder / f"{student}.html"
    page.write_text(render(course, student), encoding="utf-8")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_course_argument(parser, "verdicts.csv and grades.csv")
    parser.add_argument("--student", required=True, help="the submission folder's name")
    args = parser.parse_args(argv)
    print(f"wrote {write_page(args.course, args.student)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
