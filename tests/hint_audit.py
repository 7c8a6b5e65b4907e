"""The hint audit of issue 19: what every check says about every catalogued implementation.

Runs each exercise's check over the whole catalogue (``tests/catalogue/``) and
counts, per exercise: wrong implementations rejected, right ones accepted, and,
for every rejection, whether its hint is

- a **fact**: a statement about the failing case that this audit verifies again
  on its own (see :mod:`hint_facts`);
- a **proved diagnosis**: it names a catalogued mistake, and the implementation
  gives that mistake's output on every one of the exercise's probes;
- **neither**: anything else (a diagnosis the evidence does not prove, a claim
  that cannot be verified, a guess).

Run it from the repository's root::

    .venv/bin/python tests/hint_audit.py            # the table
    .venv/bin/python tests/hint_audit.py --list     # every rejection and its hint

Hints from before issue 19 carry no claim (``CheckFailure.claim`` did not
exist); they are classified by :data:`LEGACY`, a hand-made table of their texts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from kmeans_lab.checks import EXERCISES, CheckFailure
from kmeans_lab.checks.fallback import check_function
from tools.catalogue import RIGHT, WRONG

#: Before issue 19: a fragment of each hint text -> how it counts. "fact" for a
#: statement about what the function did; "guess" for a diagnosis chosen from one
#: matching output or an exception's message (never proved on probes).
LEGACY: list[tuple[str, str]] = []


@dataclass
class Row:
    exercise: str
    wrong: int = 0
    rejected: int = 0
    right: int = 0
    accepted: int = 0
    facts: int = 0
    proved: int = 0
    neither: int = 0


def judge(exercise: str, func: Callable) -> CheckFailure | None:
    """The failure ``func`` gets from its check, or None when it passes."""
    try:
        check_function(exercise)(func)
    except CheckFailure as failure:
        return failure
    return None


def classify(exercise: str, func: Callable, failure: CheckFailure) -> str:
    """``"fact"``, ``"proved"`` or ``"neither"`` for the hint of ``failure``."""
    claim = getattr(failure, "claim", None)
    if claim is None:  # before issue 19
        for fragment, kind in LEGACY:
            if fragment in failure.hint:
                return "fact" if kind == "fact" else "neither"
        return "neither"
    import hint_facts  # noqa: PLC0415 - only after issue 19

    if claim == "diagnosis":
        return "proved" if hint_facts.behaves_like(exercise, func, failure.mistake) else "neither"
    return "fact" if hint_facts.verify(exercise, func, failure) else "neither"


def audit(exercises=EXERCISES) -> tuple[list[Row], list[dict]]:
    """The table's rows and one record per catalogued implementation."""
    rows, records = [], []
    for exercise in exercises:
        row = Row(exercise)
        for entry in WRONG[exercise]:
            row.wrong += 1
            failure = judge(exercise, entry.func)
            verdict = "accepted" if failure is None else classify(exercise, entry.func, failure)
            if failure is not None:
                row.rejected += 1
                setattr(
                    row,
                    {"fact": "facts"}.get(verdict, verdict),
                    getattr(row, {"fact": "facts"}.get(verdict, verdict)) + 1,
                )
            records.append(
                {
                    "exercise": exercise,
                    "name": entry.name,
                    "kind": failure.kind if failure else "",
                    "hint": failure.hint if failure else "",
                    "verdict": verdict,
                }
            )
        for entry in RIGHT[exercise]:
            row.right += 1
            row.accepted += judge(exercise, entry.func) is None
        rows.append(row)
    return rows, records


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table, with a total."""
    head = (
        "| exercise | wrong rejected | right accepted | hints that are facts "
        "| proved diagnoses | neither |\n|---|---|---|---|---|---|"
    )
    total = Row("total")
    for r in rows:
        for f in ("wrong", "rejected", "right", "accepted", "facts", "proved", "neither"):
            setattr(total, f, getattr(total, f) + getattr(r, f))
    lines = [head] + [
        f"| {r.exercise} | {r.rejected}/{r.wrong} | {r.accepted}/{r.right} | {r.facts} "
        f"| {r.proved} | {r.neither} |"
        for r in rows + [total]
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    rows, records = audit(sys.argv[2:] if sys.argv[1:2] == ["--only"] else EXERCISES)
    if "--list" in sys.argv:
        print(json.dumps(records, indent=1))
    print(table(rows))
