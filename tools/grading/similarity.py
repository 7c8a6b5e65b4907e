"""Is it the student's own work? Graded functions compared with the reference and each other.

Every graded function (from the source that was graded) is reduced to a
normalised syntax tree (:mod:`.normalise`): names, docstrings, comments,
string contents, formatting, no-op statements and unread variables are gone,
constants folded and independent statements in a canonical order; the
structure and the attributes used (``np.argmin``, ``.mean``) stay. Two functions whose
trees are nearly the same token for token (:data:`THRESHOLD`) are a close
match, as a plagiarism detector such as MOSS would report.

- A match with the course's **reference implementation** is flagged.
- A match between **two students** is flagged for both, unless it is a
  *common* solution: the same normalised function written by at least
  :data:`COMMON` students is how the exercise is naturally solved, not
  copying.
- Functions shorter than :data:`MIN_TOKENS` tokens (a one-line reshape) are
  too short to tell and never flagged.

Flags go to the total row of the grades CSV (``review by hand``); they never
change points.

Examples
--------
>>> a = "def f(X, C):\\n    d = ((X[:, None] - C[None]) ** 2).sum(2)\\n    return d.argmin(1)"
>>> b = "def f(P, Q):\\n    '''mine'''\\n    dist = ((P[:, None] - Q[None]) ** 2).sum(2)\\n    return dist.argmin(1)"
>>> normalise(a, "f") == normalise(b, "f")
True
"""

from __future__ import annotations

import difflib
import inspect
from collections import Counter

from kmeans_lab.checks.registry import REGISTRY

from .normalise import normalise
from .policy import COMMON, MIN_TOKENS, THRESHOLD

__all__ = ["normalise", "similarity", "find_matches", "THRESHOLD", "MIN_TOKENS", "COMMON"]


def similarity(a: tuple[str, ...], b: tuple[str, ...], floor: float = 0.0) -> float:
    """How alike two normalised functions are, from 0 to 1 (0 if surely below ``floor``)."""
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0  # an upper bound already below the floor: skip the slow exact ratio
    return matcher.ratio()


def _reference_tokens(exercise: str) -> tuple[str, ...] | None:
    func = REGISTRY[exercise].reference_function()
    return normalise(inspect.getsource(inspect.getmodule(func)), func.__name__)


def find_matches(sources: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Flags of close matches, from ``{student: {exercise: source}}``; ``{student: [flags]}``."""
    flags: dict[str, list[str]] = {}
    for exercise in REGISTRY:
        tokens = {}
        for student, found in sources.items():
            if exercise in found:
                t = normalise(found[exercise], exercise)
                if t is not None and len(t) >= MIN_TOKENS:
                    tokens[student] = t
        reference = _reference_tokens(exercise)
        counts = Counter(tokens.values())
        students = sorted(tokens)
        for student in students:
            if reference is not None:
                score = similarity(tokens[student], reference, THRESHOLD)
                if score >= THRESHOLD:
                    flags.setdefault(student, []).append(
                        f"{exercise} matches the course's reference implementation ({score:.0%})"
                    )
        for i, a in enumerate(students):
            if counts[tokens[a]] >= COMMON:
                continue
            for b in students[i + 1 :]:
                if counts[tokens[b]] >= COMMON:
                    continue
                score = similarity(tokens[a], tokens[b], THRESHOLD)
                if score >= THRESHOLD:
                    flags.setdefault(a, []).append(f"{exercise} matches {b}'s ({score:.0%})")
                    flags.setdefault(b, []).append(f"{exercise} matches {a}'s ({score:.0%})")
    return flags
