"""What one call of a student's function did: :class:`Outcome`, and :class:`Raised`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .messages import where_raised

__all__ = ["Outcome", "Raised"]


@dataclass(frozen=True)
class Raised:
    """An exception the student's function raised, as a check reports it.

    Attributes
    ----------
    type_name : str
        The exception's class name, e.g. ``"ValueError"``.
    message : str
        ``str(exception)``.
    not_implemented : bool
        True for a ``NotImplementedError`` (the exercise's stub).
    where : str or None
        The line of the student's code that raised (see :func:`where_raised`).
    """

    type_name: str
    message: str
    not_implemented: bool = False
    where: str | None = None

    @classmethod
    def from_exception(cls, exc: BaseException, func: Callable) -> Raised:
        """What a check shows of ``exc``, raised by ``func``."""
        return cls(
            type(exc).__name__,
            str(exc),
            isinstance(exc, NotImplementedError),
            where_raised(exc, func),
        )


@dataclass
class Outcome:
    """What one call of the student's function did.

    Attributes
    ----------
    result : object
        What it returned (None if it raised).
    raised : Raised or None
        The exception it raised.
    hit : str or None
        The forbidden function or module it ran (see :mod:`.provenance`).
    args_after : tuple
        Its arguments after the call (a function may change them in place).
    lines : int or None
        Lines of the student's own Python code it ran, when counted.
    global_random : bool
        True when the call changed NumPy's global random state (``np.random.seed``,
        ``np.random.choice`` ...); the check restores it afterwards.
    """

    result: Any = None
    raised: Raised | None = None
    hit: str | None = None
    args_after: tuple = ()
    lines: int | None = None
    global_random: bool = False
