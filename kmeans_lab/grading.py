"""Hidden tests that a submission cannot switch off from its own cells.

nbgrader runs a submission and its tests in one Python kernel: every cell a
student wrote has run before a check cell runs. A check cell that calls
``check_find_closest_centroids(find_closest_centroids)`` therefore trusts two
things the student controls: the *name* ``check_find_closest_centroids`` in
the notebook (a solution cell can rebind it: ``check_find_closest_centroids =
lambda f, **kw: None``) and the *module* :mod:`kmeans_lab.checks` (a solution
cell can patch it: ``kmeans_lab.checks.check_find_closest_centroids = ...``).

The hidden part of every check cell calls :func:`hidden_check` instead::

    check_find_closest_centroids(find_closest_centroids)
    ### BEGIN HIDDEN TESTS
    from kmeans_lab.grading import hidden_check
    hidden_check("find_closest_centroids", find_closest_centroids, n_random=25, seed=303)
    ### END HIDDEN TESTS

:func:`hidden_check`

1. executes the package ``kmeans_lab/checks/`` afresh from its files, as a
   private package that no cell has seen, so rebinding names and patching
   :mod:`kmeans_lab.checks` change nothing;
2. first verifies that the reference implementations the checks compare
   against (``kmeans_lab.kmeans.find_closest_centroids`` ...) are still the
   functions in the package's source files, and that :func:`sys.setprofile`
   (which the provenance rule relies on) is the interpreter's own: if a cell
   replaced one, the check fails with a message naming it;
3. runs the check, which raises :class:`~kmeans_lab.checks.CheckFailure` (an
   AssertionError, so nbgrader gives 0 points) on any failing case; its
   provenance rule (:mod:`kmeans_lab.checks.provenance`, the same code as the
   visible checks) recognises the exercise's reference implementation by the
   file and line where it was defined, so a copy taken before
   ``importlib.reload`` does not pass as the student's own.

Which functions each exercise relies on and forbids comes from the exercise
registry (:mod:`kmeans_lab.checks.registry`).

What stays possible (documented for instructors in the README): a cell that
replaces this very module or the import machinery before the hidden test runs
(``sys.modules["kmeans_lab.grading"] = ...``), patches numpy functions the
checks use, or a function that walks up the stack to alter the checker's
variables. Python offers no isolation inside one process, and nbgrader has no
other; such code has to name the grader's internals, and
``tools/grades.py`` flags every submission whose cells mention them
(:data:`SUSPICIOUS_PATTERNS`) for the instructor to read.

Examples
--------
>>> import numpy as np
>>> def compressed_bits(n_pixels, K):
...     return 24 * K + n_pixels * int(np.ceil(np.log2(K)))
>>> hidden_check("compressed_bits", compressed_bits, n_random=5, seed=1)  # doctest: +ELLIPSIS
compressed_bits: ... checks passed
"""

from __future__ import annotations

import importlib.util
import re
import secrets
import sys
import types
from collections.abc import Callable

from .checks import provenance
from .checks.registry import EXERCISES, REGISTRY

__all__ = [
    "hidden_check",
    "pristine_checks",
    "SUSPICIOUS_PATTERNS",
    "TamperingDetected",
    "suspicious_lines",
    "verify_references",
]

_CHECKS_DIR = provenance.PACKAGE_DIR / "checks"

#: Regular expressions for code that reaches into the grader. ``tools/grades.py``
#: flags a submission whose own cells match one, for the instructor to read.
SUSPICIOUS_PATTERNS: tuple[str, ...] = (
    r"kmeans_lab\.(checks|grading)\b",
    r"\bfrom\s+kmeans_lab\s+import\s+[^\n]*\b(checks|grading)\b",
    r"\bhidden_check\b",
    r"^\s*check_\w+\s*=",
    r"\bkmeans_lab\.\w+\.\w+\s*=[^=]",
    r"\bsys\.modules\b",
    r"\bsetprofile\b|\bsettrace\b",
    r"\bimportlib\b|\b__import__\b|\bbuiltins\b",
    r"\b__code__\b|\bf_back\b|\bf_locals\b|\bf_globals\b",
    r"\bos\._exit\b|\bos\.kill\b",
)


class TamperingDetected(AssertionError):
    """A cell replaced something the grader relies on; the check cannot be trusted."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def pristine_checks() -> types.ModuleType:
    """Execute the package ``kmeans_lab/checks/`` afresh, as a private package.

    Every module of the new package is executed from its file; it imports the
    reference modules as usual (``kmeans_lab.kmeans`` ...), but none of its own
    attributes can have been changed by a notebook cell. Its name is random
    and it is not left in ``sys.modules``.

    Returns
    -------
    module
        A new package with the same functions as :mod:`kmeans_lab.checks`.
    """
    name = f"kmeans_lab._pristine_checks_{secrets.token_hex(8)}"
    spec = importlib.util.spec_from_file_location(
        name, _CHECKS_DIR / "__init__.py", submodule_search_locations=[str(_CHECKS_DIR)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package  # its modules import each other through sys.modules
    try:
        spec.loader.exec_module(package)
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
    return package


def verify_references(exercise: str) -> None:
    """Raise :class:`TamperingDetected` if a reference or sys.setprofile was replaced."""
    problems = []
    for dotted in REGISTRY[exercise].relies_on:
        module_name, _, func_name = dotted.rpartition(".")
        module = sys.modules.get(module_name)
        if module is None:
            continue  # not imported yet: the checks import it from the file
        code = getattr(getattr(module, func_name, None), "__code__", None)
        original = provenance.source_code(dotted)
        if code is None or original is None or not provenance.same_code(code, original):
            path = provenance.module_file(module_name).relative_to(provenance.PACKAGE_DIR.parent)
            problems.append(f"{dotted} is not the function in {path.as_posix()}")
    for name in ("setprofile", "getprofile"):
        func = getattr(sys, name, None)
        if not (
            isinstance(func, types.BuiltinFunctionType)
            and getattr(func, "__self__", None) is sys
            and func.__name__ == name
        ):
            problems.append(f"sys.{name} was replaced")
    if problems:
        raise TamperingDetected(
            f"{exercise}: cannot grade this notebook: a cell changed what the checks rely on\n"
            + "\n".join(f"  {p}" for p in problems)
            + "\n  hint: remove the cell that replaces it and restart the kernel"
        )


def hidden_check(exercise: str, func: Callable, *, n_random: int = 25, seed: int = 0):
    """Run ``check_<exercise>`` from a pristine copy of the checks.

    Parameters
    ----------
    exercise : str
        The exercise's name, one of :data:`~kmeans_lab.checks.EXERCISES`
        (e.g. ``"run_kmeans"``).
    func : callable
        The student's function.
    n_random, seed : int
        Passed on to the check (more random cases, other data than the
        visible check).

    Returns
    -------
    CheckResult
        What the check returns; a failing check raises ``CheckFailure``, and
        tampering raises :class:`TamperingDetected` (both AssertionErrors).
    """
    if exercise not in REGISTRY:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(EXERCISES)}")
    verify_references(exercise)
    checks = pristine_checks()
    check = getattr(checks, REGISTRY[exercise].check_name)
    return check(func, n_random=n_random, seed=seed)


def suspicious_lines(source: str) -> list[str]:
    """The lines of ``source`` that match :data:`SUSPICIOUS_PATTERNS`."""
    hits = []
    for line in source.splitlines():
        if any(re.search(p, line) for p in SUSPICIOUS_PATTERNS):
            hits.append(line.strip())
    return hits
