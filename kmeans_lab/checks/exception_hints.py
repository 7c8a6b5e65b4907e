"""Hints for a student's function that raised: facts about the case, chosen by condition.

An exercise's module lists its own as ``EXCEPTION_HINTS``; the runner gives the
first that applies, with ``{arguments}`` replaced by what the case passed.

Examples
--------
>>> import numpy as np
>>> arguments_text(("X", "K"), (np.zeros((5, 2)), 3))
'X has shape (5, 2), K is 3'
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ExceptionHint", "arguments_text", "GENERIC_EXCEPTION_HINT"]

#: The hint for an exception no exercise hint explains.
GENERIC_EXCEPTION_HINT = (
    "run the snippet above in a new cell to see the error, and print the shapes of the "
    "arrays used on the line that raises"
)


@dataclass(frozen=True)
class ExceptionHint:
    """The hint for a student's function that raised, when a condition holds.

    It applies when the exception's message contains one of ``message_contains``,
    or when the failing case's description matches the regular expression
    ``case_matches``. ``{arguments}`` in ``hint`` becomes the case's arguments
    (``X has shape (5, 2), centroids has shape (2, 2)``): a hint states facts.
    An exercise's module lists its own as ``EXCEPTION_HINTS``.
    """

    hint: str
    message_contains: tuple[str, ...] = ()
    case_matches: str = ""

    def applies(self, message: str, case: str) -> bool:
        """True when this hint fits an exception ``message`` raised in ``case``."""
        if self.case_matches and re.search(self.case_matches, case):
            return True
        return any(text in message for text in self.message_contains)


def arguments_text(params: Sequence[str], args: Sequence[Any]) -> str:
    """``X has shape (5, 2), K is 3``: what a case passed, in words."""
    parts = []
    for name, value in zip(params, args):
        if isinstance(value, np.ndarray):
            parts.append(f"{name} has shape {value.shape}")
        elif isinstance(value, (numbers.Number, tuple, str)) or value is None:
            parts.append(f"{name} is {value!r}")
        else:
            parts.append(f"{name} is a {type(value).__name__}")
    return ", ".join(parts)
