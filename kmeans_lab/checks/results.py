"""What a check gives back: :class:`CheckResult` on success, :class:`CheckFailure` otherwise."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .._stamp import STAMP_KEY, package_stamp

__all__ = ["CheckFailure", "CheckResult", "KINDS"]

#: The kinds of failure a check reports.
KINDS = (
    "not implemented",  # the exercise's stub is still there
    "wrong parameters",  # the function cannot take the exercise's arguments
    "not own work",  # it is, calls or copies the course's reference (or a library K-means)
    "exception",  # it raised
    "changed its input",  # it modified an argument in place
    "Python loop",  # it loops over the points
    "wrong type",  # a list where an array belongs, None ...
    "wrong shape",
    "wrong dtype",
    "wrong result",  # the values are wrong
)


class CheckFailure(AssertionError):
    """A student's function failed its check; the message says why.

    A subclass of :class:`AssertionError`, so nbgrader counts a failing check
    cell as failed. In IPython/Jupyter only the message is shown (through
    :meth:`_render_traceback_`), not a traceback into the checker.

    Attributes
    ----------
    exercise : str
        The exercise's name, e.g. ``"find_closest_centroids"``.
    reason : str
        A short phrase for one-line summaries ("using the reference ...: yours
        <reason>"), e.g. ``"fails case 2 of 9"`` or ``"is not implemented yet"``.
    hint : str
        The text of the message's ``hint:`` line.
    kind : str
        What went wrong, one of :data:`KINDS` (for reports on a class).
    case : str
        The failing case's description (empty when no case ran yet).
    diagnosis : str
        A stable name of the hint given: the hint with its numbers replaced by
        ``#``, so that the same mistake on other data counts as the same.
    mistake : str
        The known mistake the hint names, proved on every probe of the
        exercise (:mod:`.diagnosis`); empty when the hint is a fact about the case.
    claim : str
        ``"diagnosis"`` when the hint names a proved mistake, else ``"fact"``.

    Examples
    --------
    >>> failure = CheckFailure("f: case 1 of 1 failed (x)\\n  hint: do y", exercise="f")
    >>> isinstance(failure, AssertionError), failure._render_traceback_()
    (True, ['f: case 1 of 1 failed (x)', '  hint: do y'])
    """

    def __init__(
        self,
        message: str,
        *,
        exercise: str = "",
        reason: str = "",
        hint: str = "",
        kind: str = "wrong result",
        case: str = "",
        mistake: str = "",
    ):
        super().__init__(message)
        self.mistake = mistake
        self.exercise = exercise
        self.reason = reason or "fails its check"
        self.hint = hint
        self.kind = kind
        self.case = case

    @property
    def claim(self) -> str:
        """``"diagnosis"`` for a hint naming a proved mistake, ``"fact"`` otherwise."""
        return "diagnosis" if self.mistake else "fact"

    @property
    def diagnosis(self) -> str:
        """The hint with its numbers replaced by ``#`` (see the class docstring)."""
        return re.sub(r"\d+", "#", self.hint)

    def _render_traceback_(self) -> list[str]:
        """Lines IPython shows instead of a traceback: the message only."""
        return str(self).splitlines()


@dataclass(frozen=True)
class CheckResult:
    """The value a passing check returns; it shows as one line.

    Attributes
    ----------
    exercise : str
        The exercise's name.
    n_passed, n_total : int
        Checks passed and run (equal: a failing check raises instead).

    Examples
    --------
    >>> result = CheckResult("compressed_bits", 12, 12)
    >>> result
    compressed_bits: 12/12 checks passed
    >>> result._repr_html_()
    '<p><strong>compressed_bits</strong>: 12/12 checks passed</p>'
    """

    exercise: str
    n_passed: int
    n_total: int

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return self.n_passed == self.n_total

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{self.exercise}: {self.n_passed}/{self.n_total} checks passed"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return (
            f"<p><strong>{html.escape(self.exercise)}</strong>: "
            f"{self.n_passed}/{self.n_total} checks passed</p>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        """No data of its own (IPython adds the text and HTML above); as metadata,
        which kmeans_lab ran the check (``kmeans_lab._stamp``), saved with the output
        so that ``make autograde`` can tell which version the student's kernel ran."""
        return {}, {STAMP_KEY: package_stamp()}
