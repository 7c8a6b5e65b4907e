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

1. executes ``kmeans_lab/checks.py`` afresh from its file, as a private module
   that no cell has seen, so rebinding names and patching
   :mod:`kmeans_lab.checks` change nothing;
2. first verifies that the reference implementations the checks compare
   against (``kmeans_lab.kmeans.find_closest_centroids`` ...) are still the
   functions in the package's source files, and that :func:`sys.setprofile`
   (which the provenance rule relies on) is the interpreter's own: if a cell
   replaced one, the check fails with a message naming it;
3. runs the check, which raises :class:`~kmeans_lab.checks.CheckFailure` (an
   AssertionError, so nbgrader gives 0 points) on any failing case, while
   watching for calls of the exercise's reference implementation recognised
   by file and line (:data:`FORBIDDEN`), so that a copy of the reference
   taken before ``importlib.reload`` does not pass as the student's own.

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
import itertools
import os
import re
import sys
import types
from pathlib import Path
from typing import Callable

__all__ = ["hidden_check", "pristine_checks", "FORBIDDEN", "REFERENCES", "SUSPICIOUS_PATTERNS",
           "TamperingDetected", "suspicious_lines", "verify_references"]

_PACKAGE_DIR = Path(__file__).resolve().parent

#: For every exercise: the module and name of the reference implementation(s)
#: the checks compare against or forbid.
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "image_to_pixels": (("image_io", "image_to_pixels"),),
    "pixels_to_image": (("image_io", "pixels_to_image"),),
    "init_centroids": (("kmeans", "init_centroids"), ("kmeans", "kmeans_plusplus")),
    "find_closest_centroids": (("kmeans", "find_closest_centroids"),),
    "compute_centroids": (("kmeans", "compute_centroids"),),
    "run_kmeans": (("kmeans", "run_kmeans"), ("kmeans", "find_closest_centroids"),
                   ("kmeans", "compute_centroids")),
    "compressed_bits": (("compression", "compressed_bits"), ("compression", "bits_per_index")),
}

#: For every exercise: the functions a student's version must not call (the
#: same rule as :mod:`kmeans_lab.checks`: the exercise's own reference,
#: ``kmeans_plusplus`` for ``init_centroids`` and ``bits_per_index`` for
#: ``compressed_bits``). Recognised by where their code
#: was defined, so a reloaded or re-imported copy is recognised too.
FORBIDDEN: dict[str, tuple[tuple[str, str], ...]] = {
    "image_to_pixels": (("image_io", "image_to_pixels"),),
    "pixels_to_image": (("image_io", "pixels_to_image"),),
    "init_centroids": (("kmeans", "init_centroids"), ("kmeans", "kmeans_plusplus")),
    "find_closest_centroids": (("kmeans", "find_closest_centroids"),),
    "compute_centroids": (("kmeans", "compute_centroids"),),
    "run_kmeans": (("kmeans", "run_kmeans"),),
    "compressed_bits": (("compression", "compressed_bits"), ("compression", "bits_per_index")),
}

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

_counter = itertools.count()


class TamperingDetected(AssertionError):
    """A cell replaced something the grader relies on; the check cannot be trusted."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def pristine_checks() -> types.ModuleType:
    """Execute ``kmeans_lab/checks.py`` afresh, as a private module.

    The new module imports the package's other modules as usual (relative
    imports resolve to ``kmeans_lab.*``) but none of its own attributes can
    have been changed by a notebook cell. It is not left in ``sys.modules``.

    Returns
    -------
    module
        A new module object with the same functions as :mod:`kmeans_lab.checks`.
    """
    name = f"kmeans_lab._pristine_checks_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, _PACKAGE_DIR / "checks.py")
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "kmeans_lab"
    sys.modules[name] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


def _source_code_objects(module_file: Path) -> dict[str, types.CodeType]:
    """{function name: code object} of the top-level functions of a source file."""
    code = compile(module_file.read_text(encoding="utf-8"), str(module_file), "exec")
    return {c.co_name: c for c in code.co_consts if isinstance(c, types.CodeType)}


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    return (a.co_code == b.co_code and a.co_names == b.co_names
            and a.co_firstlineno == b.co_firstlineno
            and [c for c in a.co_consts if not isinstance(c, types.CodeType)]
            == [c for c in b.co_consts if not isinstance(c, types.CodeType)])


def verify_references(exercise: str) -> None:
    """Raise :class:`TamperingDetected` if a reference or sys.setprofile was replaced."""
    problems = []
    for module_name, func_name in REFERENCES[exercise]:
        qualified = f"kmeans_lab.{module_name}.{func_name}"
        module = sys.modules.get(f"kmeans_lab.{module_name}")
        if module is None:
            continue  # not imported yet: the checks import it from the file
        func = getattr(module, func_name, None)
        code = getattr(func, "__code__", None)
        original = _source_code_objects(_PACKAGE_DIR / f"{module_name}.py").get(func_name)
        if code is None or original is None or not _same_code(code, original):
            problems.append(f"{qualified} is not the function in kmeans_lab/{module_name}.py")
    for name in ("setprofile", "getprofile"):
        func = getattr(sys, name, None)
        if not (isinstance(func, types.BuiltinFunctionType)
                and getattr(func, "__self__", None) is sys and func.__name__ == name):
            problems.append(f"sys.{name} was replaced")
    if problems:
        raise TamperingDetected(
            f"{exercise}: cannot grade this notebook: a cell changed what the checks rely on\n"
            + "\n".join(f"  {p}" for p in problems)
            + "\n  hint: remove the cell that replaces it and restart the kernel"
        )


def _location(code: types.CodeType) -> tuple[str, int, str]:
    return (os.path.realpath(code.co_filename), code.co_firstlineno, code.co_name)


class _ProvenanceWatch:
    """A profile function: notes a forbidden function entered while ``func`` runs.

    A forbidden function is recognised by the file, line and name of its code
    (any copy: reloaded modules, code objects taken before a reload); it
    counts only when the student's function is on the stack, so the checks'
    own calls of the reference (for expected values) do not.
    """

    def __init__(self, func: Callable, forbidden: dict[tuple[str, int], str]):
        self.student_code = getattr(func, "__code__", None)
        self.forbidden = forbidden  # {(first line, name): qualified name}; path checked lazily
        self.paths = {}
        self.hit: str | None = None

    def __call__(self, frame, event, arg):
        if event != "call" or self.hit is not None or self.student_code is None:
            return
        code = frame.f_code
        name = self.forbidden.get((code.co_firstlineno, code.co_name))
        if name is None or _location(code)[0] != self.paths[name]:
            return
        caller = frame
        while caller is not None:
            if caller.f_code is self.student_code:
                self.hit = name
                return
            caller = caller.f_back


def _forbidden_locations(exercise: str) -> tuple[dict, dict]:
    locations, paths = {}, {}
    for module_name, func_name in FORBIDDEN[exercise]:
        path = _PACKAGE_DIR / f"{module_name}.py"
        code = _source_code_objects(path).get(func_name)
        if code is not None:
            qualified = f"kmeans_lab.{module_name}.{func_name}"
            locations[(code.co_firstlineno, code.co_name)] = qualified
            paths[qualified] = os.path.realpath(path)
    return locations, paths


def hidden_check(exercise: str, func: Callable, *, n_random: int = 25, seed: int = 0):
    """Run ``check_<exercise>`` from a pristine copy of the checks.

    Parameters
    ----------
    exercise : str
        The exercise's name, one of :data:`REFERENCES` (e.g. ``"run_kmeans"``).
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
    if exercise not in REFERENCES:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(REFERENCES)}")
    verify_references(exercise)
    checks = pristine_checks()
    locations, paths = _forbidden_locations(exercise)
    watch = _ProvenanceWatch(func, locations)
    watch.paths = paths
    previous = sys.getprofile()
    sys.setprofile(watch)  # the checks chain their own watch to this one
    failure = None
    try:
        result = getattr(checks, f"check_{exercise}")(func, n_random=n_random, seed=seed)
    except AssertionError as exc:
        failure = exc
    finally:
        sys.setprofile(previous)
    if watch.hit is not None:
        name = watch.hit.rsplit(".", 1)[-1]
        raise checks.CheckFailure(
            f"{exercise}: your function calls the course's reference implementation "
            f"{watch.hit}; write your own\n"
            f"  hint: remove the call to kmeans_lab's {name} and write the code yourself; "
            "later notebooks provide the reference",
            exercise=exercise, reason="calls the course's reference implementation",
        ) from None
    if failure is not None:
        raise failure
    return result


def suspicious_lines(source: str) -> list[str]:
    """The lines of ``source`` that match :data:`SUSPICIOUS_PATTERNS`."""
    hits = []
    for line in source.splitlines():
        if any(re.search(p, line) for p in SUSPICIOUS_PATTERNS):
            hits.append(line.strip())
    return hits
