"""A graded function that is a copy of the course's reference scores 0, decided outside the sandbox.

The checks already fail a function that *is* the reference or runs its very
bytecode (:mod:`kmeans_lab.checks.provenance`). A copy edited to look
different (a no-op line added, variables renamed, independent lines swapped,
a constant written ``2 * 2``) has other bytecode; here the grader compares the
source that was graded, normalised (:mod:`.normalise`), with the normalised
source of every course function the exercise must not use (the registry's
``forbidden``), read from the grader's own package. A function of the graded
source (the exercise's function or any helper it defines) equal to one of
them is a copy: the exercise scores 0 and the message says why.

Only references of at least :data:`.policy.MIN_TOKENS` normalised tokens are
compared: a one-line reshape is written the same way by everyone.

Examples
--------
>>> import inspect, kmeans_lab.kmeans as km
>>> copied = inspect.getsource(km.compute_centroids).replace("counts", "n_members")
>>> copy_of("compute_centroids", copied)
'kmeans_lab.kmeans.compute_centroids'
>>> copy_of("compute_centroids", "def compute_centroids(X, labels, centroids):\\n    return 1")
"""

from __future__ import annotations

import functools

from kmeans_lab.checks.provenance import module_file
from kmeans_lab.checks.registry import REGISTRY

from .normalise import functions, normalise
from .policy import MIN_TOKENS

__all__ = ["copy_of", "refusal", "refusals"]


@functools.cache
def _reference(dotted: str) -> tuple[str, ...] | None:
    module, _, name = dotted.rpartition(".")
    tokens = normalise(module_file(module).read_text(encoding="utf-8"), name)
    return tokens if tokens is not None and len(tokens) >= MIN_TOKENS else None


def copy_of(exercise: str, source: str) -> str | None:
    """The course function (dotted name) that a function of ``source`` copies, or None."""
    references = {}
    for dotted in REGISTRY[exercise].forbidden:
        tokens = _reference(dotted)
        if tokens is not None:
            references[tokens] = dotted
    for _, tokens in functions(source):
        if tokens in references:
            return references[tokens]
    return None


def refusal(exercise: str, source: str) -> str | None:
    """The message of a graded source that copies the reference (None when it does not).

    The message has the form of a check's failure: a first line, then a hint.
    """
    dotted = copy_of(exercise, source)
    if dotted is None:
        return None
    return (
        f"{exercise}: your code is a copy of the course's reference implementation {dotted}, "
        "the same code once names, comments, no-op lines and the order of independent lines "
        "are set aside; it scores 0\n"
        f"  hint: write {exercise} yourself; later notebooks provide the reference"
    )


def refusals(sources: dict[str, str]) -> dict[str, str]:
    """``{exercise: message}`` of the graded sources ``{exercise: source}`` that copy the reference."""
    found = {}
    for exercise, source in sources.items():
        if exercise in REGISTRY and (message := refusal(exercise, source)) is not None:
            found[exercise] = message
    return found
