"""The report as one self-contained HTML page: no script, no server, no network.

Figures are PNG data URIs (:mod:`.figures`); the style sheet is in the page;
it reads on a phone (one column, tables scroll sideways inside their box,
code wraps) and prints (no navigation, sections not split across pages).
The CSV files beside the page hold the same tables.
"""

from __future__ import annotations

import html
import statistics

from .figures import data_uri, plot_exercises, plot_scores
from .tables import Tables

__all__ = ["render", "TOP"]

#: Diagnoses shown per exercise (the CSV has them all).
TOP = 5

STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --line: #ddd; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 56rem; padding: 1rem; color: var(--ink);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
p.meta, .muted { color: var(--muted); }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; padding: 0; list-style: none; }
img { display: block; width: 100%; max-width: 36rem; height: auto; margin: 0.5rem 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; overflow-wrap: normal; }
td:first-child { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
article.diagnosis { border-left: 4px solid #D55E00; padding: 0.25rem 0 0.25rem 0.75rem;
                    margin: 1rem 0; }
article.diagnosis p { margin: 0.3rem 0; }
.count { font-weight: bold; }
blockquote { margin: 0.3rem 0; padding: 0.3rem 0.6rem; background: #f3f7fb;
             border-left: 3px solid var(--accent); }
pre { background: #f6f6f6; padding: 0.6rem; font-size: 0.85rem; line-height: 1.35;
      white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
@media print {
  nav { display: none; }
  body { max-width: none; font-size: 11pt; }
  article.diagnosis, figure, table { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
"""


def _n(count: int, noun: str) -> str:
    """``1 student``, ``2 students``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table(rows: list[dict], columns: list[tuple[str, str]], numeric=()) -> str:
    head = "".join(
        f'<th class="{"n" if key in numeric else ""}">{_e(title)}</th>' for key, title in columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if key in numeric else ""}">{_e(row.get(key, ""))}</td>'
            for key, _ in columns
        )
        + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _case(case: str) -> str:
    """``3/35: 6 points, 3 centroids`` -> ``case 3 of 35 (6 points, 3 centroids)``."""
    number, _, description = case.partition(": ")
    if "/" not in number or not number.replace("/", "").isdigit():
        return case
    first, total = number.split("/")
    return f"case {first} of {total}" + (f" ({description})" if description else "")


def _glance(tables: Tables) -> str:
    """The most frequent diagnosis of each exercise, one line each, the most frequent first."""
    tops = [
        next(d for d in tables.diagnoses if d["exercise"] == e["exercise"])
        for e in tables.exercises
        if any(d["exercise"] == e["exercise"] for d in tables.diagnoses)
    ]
    graded = {
        e["exercise"]: (int(e["failed"]), int(e["passed"]) + int(e["failed"]))
        for e in tables.exercises
    }

    def failed(exercise: str) -> str:
        count, of = graded[exercise]
        return f"{count} of {of} graded answers failed ({count / of:.0%}); " if of else ""

    items = "".join(
        f'<li><a href="#d-{_e(top["exercise"])}"><code>{_e(top["exercise"])}</code></a>: '
        f"{failed(top['exercise'])}most often, {_n(top['students'], 'student')} "
        f"({_e(top['share'])}): {_e(top['hint'] or top['diagnosis'])}</li>"
        for top in sorted(tops, key=lambda d: -d["students"])  # stable: ties in course order
    )
    body = (
        "<p>For each exercise, how many graded answers failed and the most frequent mistake, "
        "the exercise with the most frequent mistake first:</p>"
        f"<ul>{items}</ul>"
        if items
        else "<p>No graded answer failed.</p>"
    )
    return f'<section id="glance"><h2>At a glance</h2>{body}</section>'


def _scores(tables: Tables) -> str:
    points = [float(s["points"]) for s in tables.scores]
    if not points:
        return "<p>No student was graded.</p>"
    summary = (
        f"{_n(len(points), 'student')}; median {statistics.median(points):g}, mean "
        f"{statistics.fmean(points):.1f} out of {tables.max_total:g} points; "
        f"{sum(p == tables.max_total for p in points)} with every point."
    )
    image = data_uri(plot_scores(tables.scores, tables.max_total))
    return (
        f"<p>{_e(summary)}</p>"
        f'<img src="{image}" alt="{_e("Histogram of the total points of " + summary)}">'
    )


def _exercises(tables: Tables) -> str:
    if not tables.exercises:
        return "<p>No exercise was graded.</p>"
    image = data_uri(plot_exercises(tables.exercises))
    columns = [
        ("exercise", "exercise"),
        ("max_points", "points"),
        ("passed", "passed"),
        ("failed", "failed"),
        ("not_attempted", "not attempted"),
        ("not_graded", "not graded"),
        ("mean_points", "mean points"),
    ]
    numeric = {"max_points", "passed", "failed", "not_attempted", "not_graded", "mean_points"}
    counts = "; ".join(
        f"{e['exercise']}: {e['passed']} passed, {e['failed']} failed, "
        f"{e['not_attempted']} not attempted"
        + (f", {e['not_graded']} not graded" if e["not_graded"] else "")
        for e in tables.exercises
    )
    alt = f"For each exercise, how many students passed, failed or did not attempt it. {counts}."
    return (
        f'<img src="{image}" alt="{_e(alt)}">'
        + _table(tables.exercises, columns, numeric)
        + '<p class="muted">Not attempted: the exercise\'s stub was left, or its notebook was '
        "not submitted. Not graded: the notebook could not be read or run, or the check was "
        "stopped by a time limit (see Grading).</p>"
    )


def _hints(d: dict) -> str:
    """The hint the students of a diagnosis were shown; each, with its count, if they differ."""
    variants = [v for v in (d.get("hints") or "").split(" | ") if v]
    if len(variants) > 1:
        items = "".join(f"<li>{_e(v.replace(' x ', ' students: ', 1))}</li>" for v in variants)
        return (
            "<p>One mistake, seen in what they returned in different ways; the hints they "
            f"were shown:</p><ul>{items}</ul>"
        )
    if d["hint"]:
        return f"<p>The hint they were shown:</p><blockquote>{_e(d['hint'])}</blockquote>"
    return f"<p>Diagnosis: {_e(d['diagnosis'])}</p>"


def _diagnoses(tables: Tables) -> str:
    parts = []
    for exercise in tables.exercises:
        name = exercise["exercise"]
        mine = [d for d in tables.diagnoses if d["exercise"] == name]
        parts.append(f'<h3 id="d-{_e(name)}"><code>{_e(name)}</code></h3>')
        failed = exercise["failed"]
        if not mine:
            parts.append("<p>No graded answer failed.</p>")
            continue
        parts.append(
            f"<p>{failed} of {exercise['passed'] + failed} graded answers failed, "
            f"with {len(mine)} different diagnos{'is' if len(mine) == 1 else 'es'}"
            + (f"; the {TOP} most frequent:" if len(mine) > TOP else ":")
            + "</p>"
        )
        for d in mine[:TOP]:
            students = d["students"]
            parts.append(
                '<article class="diagnosis">'
                f'<p><span class="count">{_n(students, "student")}</span>'
                f" ({_e(d['share'])} of the class) &middot; {_e(d['kind'])}</p>"
                + (f"<p>Failing case: {_e(_case(d['case']))}</p>" if d["case"] else "")
                + (f"<p>Where it goes wrong: {_e(d['evidence'])}</p>" if d.get("evidence") else "")
                + _hints(d)
                + (
                    f"<p>An example of the code (anonymised):</p><pre><code>{_e(d['example'])}"
                    "</code></pre>"
                    if d["example"]
                    else ""
                )
                + "</article>"
            )
    return "".join(parts) or "<p>Nothing was graded.</p>"


def _review(tables: Tables) -> str:
    if not tables.review:
        return "<p>No submission was flagged.</p>"
    return (
        "<p>Flags never change points. A close match with another student is reported for "
        "both; a function written the same way by three or more students is a common "
        "solution and not flagged.</p>"
        + _table(tables.review, [("student", "student"), ("why", "why")])
    )


def _grading(tables: Tables) -> str:
    graded = len(tables.grading)
    problems = [g for g in tables.grading if g["problems"] or g["status"] != "graded"]
    seconds = [float(g["seconds"]) for g in tables.grading]
    text = (
        f"{_n(graded, 'student')}, {_n(tables.notebooks, 'notebook')} graded in "
        f"{tables.seconds:.0f} s of worker time"
        + (
            f" ({tables.seconds / tables.notebooks:.1f} s a notebook; the slowest student "
            f"{max(seconds):.0f} s)"
            if tables.notebooks
            else ""
        )
        + f". Run {tables.run}."
    )
    part = f"<p>{_e(text)}</p>"
    if problems:
        part += "<p>Submissions that could not be graded in full:</p>" + _table(
            problems,
            [("student", "student"), ("status", "status"), ("problems", "why")],
        )
    else:
        part += "<p>Every submission was graded in full.</p>"
    return part


SECTIONS = (
    ("scores", "Scores", _scores),
    ("exercises", "Exercises", _exercises),
    ("diagnoses", "Most frequent mistakes", _diagnoses),
    ("review", "For review by hand", _review),
    ("grading", "Grading", _grading),
)


def render(tables: Tables, *, title: str, csv_files: list[str], generated: str) -> str:
    """The whole page."""
    nav = '<li><a href="#glance">At a glance</a></li>' + "".join(
        f'<li><a href="#{key}">{_e(name)}</a></li>' for key, name, _ in SECTIONS
    )
    body = "".join(
        f'<section id="{key}"><h2>{_e(name)}</h2>{build(tables)}</section>'
        for key, name, build in SECTIONS
    )
    links = ", ".join(f'<a href="{_e(f)}">{_e(f)}</a>' for f in csv_files)
    data = (
        '<section id="data"><h2>Data</h2><p>The same tables as CSV files, beside this page: '
        f"{links}. One row per student and exercise, with every message and answer: "
        "<code>verdicts.csv</code> beside the gradebook.</p></section>"
    )
    scores_are = (
        "; the scores are grades.csv's final totals (overrides and any late penalty "
        "applied), the exercises and mistakes what the grader found."
        if tables.final_scores
        else ": points as the grader gave them, before any override or late penalty."
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_e(title)}</h1>"
        f'<p class="meta">Generated {_e(generated)} from the autograder\'s verdicts (run '
        f"{_e(tables.run)}){_e(scores_are)}</p>"
        "</header>"
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>'
        f"<main>{_glance(tables)}{body}{data}</main></body></html>\n"
    )
