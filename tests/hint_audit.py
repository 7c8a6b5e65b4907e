"""The hint audit of issue 19: what every check says about every catalogued implementation.

Runs each exercise's check over the whole catalogue (``tools/catalogue/``) and
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
exist): they are classified by :data:`BY_HAND`, a hand-made table of their texts
(``init_centroids``' facts about many calls are verified by calling the function
again, :data:`hint_facts.INIT_FACTS`). A diagnosis chosen from one
matching output is never "proved", whatever its text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from kmeans_lab.checks import EXERCISES, CheckFailure
from kmeans_lab.checks.fallback import check_function
from tools.catalogue import RIGHT, WRONG

#: Hints judged by hand, by their text, when the audit cannot verify them itself: every
#: hint from before issue 19 (``CheckFailure.claim`` did not exist), including the
#: ``init_centroids`` hints of that time. A fragment of the hint -> "fact"
#: (it states what the function returned or did, and nothing else) or "guess" (it names
#: a cause chosen from one matching output or from an exception's message: never proved).
#: The first fragment found decides; a hint matching none counts as neither.
BY_HAND: list[tuple[str, str]] = [
    # observations of what the call returned or did
    ("your function returns None", "fact"),
    ("not implemented", "fact"),
    ("write your code in the cell above", "fact"),
    ("define it with these", "fact"),
    ("remove the call to", "fact"),
    ("write the loop yourself", "fact"),
    ("no Python loop over the", "fact"),
    ("instead of changing", "fact"),
    ("instead of assigning into", "fact"),
    ("instead of setting", "fact"),
    ("leaving X as it is", "fact"),
    ("your result has shape (N, K)", "fact"),
    ("your result has one value per centroid", "fact"),
    ("your result is a single number", "fact"),
    ("return a 1-D array of shape", "fact"),
    ("your labels have the right values but the dtype", "fact"),
    ("your labels are float", "fact"),
    ("your labels are int", "fact"),
    ("which keeps only about", "fact"),
    ("your values are right but the dtype", "fact"),
    ("your number is right but a", "fact"),
    ("means have decimals, so return a float array", "fact"),
    ("and your means are whole numbers", "fact"),
    ("your result is the input centroids", "fact"),
    ("your result has one row per cluster that has points", "fact"),
    ("one centroid a row", "fact"),
    ("your function returns an array of the image's shape", "fact"),
    ("your function returns the pixels unchanged", "fact"),
    ("keep the channel axis", "fact"),
    ("one pixel a row", "fact"),
    ("height (rows) first", "fact"),
    ("keep the input's dtype", "fact"),
    ("a reshape only moves values", "fact"),
    ("in another order", "fact"),
    ("return the centroids first", "fact"),
    ("your labels are the assignment to the centroids before the last update", "fact"),
    ("with K = 1 every pixel has the same colour, so an index", "fact"),
    ("return the rows of X, not their positions", "fact"),
    ("keep every chosen row whole", "fact"),
    ("don't take the first K rows", "fact"),
    ("with K = N every row must come out once", "fact"),
    ("never came out", "fact"),
    ("any K rows must be able to come out together", "fact"),
    ("every row must be equally likely", "fact"),
    ("a colour held by many rows must come out more often", "fact"),
    ("K = 1 is no special case", "fact"),
    ("np.random.<function> uses NumPy's global generator", "fact"),
    # causes guessed from one output, from an exception's message, or generic advice
    ("not a Python tuple", "guess"),  # "wrap the result in np.array(...)": wrong for tuples
    ("not a Python list", "fact"),
    ("the shape your code asks for does not fit", "guess"),
    ("the arrays' shapes do not broadcast", "guess"),
    ("shape may be given as (H, W)", "guess"),
    ("run the snippet above in a new cell", "guess"),
    ("return both results", "guess"),
    ("return the number of bits as an int", "guess"),
    ("return K whole rows of X", "guess"),
    ("return whole rows of X, taken at the positions", "guess"),
    ("sample the positions without replacement", "guess"),
    ("use only rng for randomness", "guess"),
    ("draw the positions", "guess"),
]


#: Exercises whose facts the audit cannot verify by computation. None since init_centroids'
#: facts about many calls are verified by calling again (:data:`hint_facts.INIT_FACTS`);
#: the table above still judges hints from before issue 19 (they carry no claim).
BY_HAND_EXERCISES: tuple[str, ...] = ()


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
    if claim is None or (claim == "fact" and exercise in BY_HAND_EXERCISES):
        for fragment, kind in BY_HAND:
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


def main(argv: list[str] | None = None) -> int:
    """``hint_audit.py [--list] [--only EXERCISE ...]``: print the table (and the records)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every record as JSON")
    parser.add_argument("--only", nargs="+", choices=EXERCISES, default=list(EXERCISES))
    args = parser.parse_args(argv)
    rows, records = audit(args.only)
    if args.list:
        print(json.dumps(records, indent=1))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
