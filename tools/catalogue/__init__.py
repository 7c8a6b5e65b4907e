"""A catalogue of student solutions, wrong and right, for testing the checks.

One module per exercise. Each solution is declared beside its function with a
decorator, as otter-grader declares its test cases::

    @catalogue.wrong("argmax", hint="np.argmin, not np.argmax")
    def find_argmax(X, centroids):
        ...

    @catalogue.right("loops")
    def find_loops(X, centroids):
        ...

``WRONG[exercise]`` lists :class:`Entry` records of plausible mistaken
implementations: what kind of failure each must produce and, for the key
mistakes, a piece of the hint it must get. ``RIGHT[exercise]`` lists correct
implementations written in different styles (loops, broadcasting, einsum,
SciPy...), every one of which must be accepted. Each function is written the
way a student would write it, with the exercise's own name and signature.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from kmeans_lab.checks.registry import EXERCISES

__all__ = [
    "Catalogue",
    "Entry",
    "LIST_HINT",
    "LOOP_HINT",
    "RIGHT",
    "WRONG",
    "right_by_name",
    "wrong_by_name",
]

#: The hint piece every "returns a list instead of an array" mistake must get.
LIST_HINT = "not a Python list"

#: What a wrong implementation's failure must look like.
KINDS = ("values", "raises", "mutation", "provenance", "signature", "loop")

#: The hint piece of every "loops over the points" failure.
LOOP_HINT = "no Python loop over the"


@dataclass(frozen=True)
class Entry:
    """A student solution and, if wrong, what its failure message must contain."""

    name: str
    func: Callable
    kind: str = "values"  # one of KINDS; "right" for a correct implementation
    hint: str = ""  # a piece of the hint line, for the key mistakes
    not_hint: tuple[str, ...] = ()  # pieces the hint must not contain (a claim it must not make)
    message: str = ""  # a piece of the message before the hint (the evidence shown)
    accepted_by: str = ""  # a known gap: why the checks still accept this wrong function


@dataclass
class Catalogue:
    """The solutions of one exercise, filled by the decorators of its module."""

    exercise: str
    wrongs: list[Entry] = field(default_factory=list)
    rights: list[Entry] = field(default_factory=list)

    def wrong(
        self,
        name: str,
        *,
        kind: str = "values",
        hint: str = "",
        not_hint: tuple[str, ...] = (),
        message: str = "",
        accepted_by: str = "",
    ):
        """Declare the function below as a wrong implementation.

        ``accepted_by`` records a known gap of the checks (this wrong function
        still passes): its test is then expected to fail until the gap closes.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}, expected one of {KINDS}")

        def register(func: Callable) -> Callable:
            self._unique(name, self.wrongs)
            self.wrongs.append(Entry(name, func, kind, hint, tuple(not_hint), message, accepted_by))
            return func

        return register

    def right(self, name: str):
        """Declare the function below as a correct implementation."""

        def register(func: Callable) -> Callable:
            self._unique(name, self.rights)
            self.rights.append(Entry(name, func, "right"))
            return func

        return register

    def _unique(self, name: str, entries: list[Entry]) -> None:
        if any(e.name == name for e in entries):
            raise ValueError(f"{self.exercise}: two entries named {name!r}")


def _load() -> dict[str, Catalogue]:
    catalogues = {}
    for exercise in EXERCISES:
        module = importlib.import_module(f"{__name__}.{exercise}")
        assert module.catalogue.exercise == exercise, module.__name__
        catalogues[exercise] = module.catalogue
    return catalogues


_CATALOGUES = _load()

#: exercise -> wrong implementations, in declaration order.
WRONG: dict[str, list[Entry]] = {ex: c.wrongs for ex, c in _CATALOGUES.items()}
#: exercise -> correct implementations, in declaration order.
RIGHT: dict[str, list[Entry]] = {ex: c.rights for ex, c in _CATALOGUES.items()}


def wrong_by_name(exercise: str, name: str) -> Callable:
    """The wrong implementation ``name`` of ``exercise``."""
    return next(e.func for e in WRONG[exercise] if e.name == name)


def right_by_name(exercise: str, name: str) -> Callable:
    """The correct implementation ``name`` of ``exercise``."""
    return next(e.func for e in RIGHT[exercise] if e.name == name)
