"""Checks for the course's exercises: run a student's function, explain what is wrong.

Every exercise of the course has a check here, named after it::

    from kmeans_lab.checks import check_find_closest_centroids
    check_find_closest_centroids(find_closest_centroids)

How a check works
-----------------
1. It runs the student's function on a list of **fixed cases** designed to
   catch the usual mistakes (data with more than two features, so that an L1
   distance or ``np.sum(x - mu) ** 2`` gives different labels; ties; an empty
   cluster; non-square images; K = 1 ...), then on ``n_random`` **random
   cases** (drawn with ``numpy.random.default_rng(seed)``) compared against
   the course's reference implementation in :mod:`kmeans_lab`.
2. Every call gets *fresh copies* of its inputs; a function that changes its
   arguments in place (``rng.shuffle(X)``, ``X -= ...``) fails.
3. A function that delegates to the reference implementation of the same
   exercise fails too, whatever name it was imported under: the call runs
   under :func:`sys.setprofile`, which sees every Python frame entered (the
   previous profiler is restored afterwards). Also forbidden: the course's
   other functions doing the same job (``kmeans_plusplus`` for
   ``init_centroids``, ``bits_per_index`` for ``compressed_bits``, the fast
   ``kmeans_lab.quantize`` code for the K-means steps) and, for
   ``run_kmeans``, a library K-means (scikit-learn, SciPy). ``run_kmeans``
   may call the reference ``find_closest_centroids`` and
   ``compute_centroids``: later notebooks hand them out.
4. On success a check returns a :class:`CheckResult`, which shows as one line
   (``find_closest_centroids: 10/10 checks passed``) in text and HTML.
   On the first failing case it raises :class:`CheckFailure`, an
   :class:`AssertionError` (so nbgrader deducts the cell's points) whose
   message names the case, shows what was expected and what came back
   (shape, dtype, values), points at the first mismatch and ends with one
   ``hint:`` line aimed at the likely mistake. In a notebook only that
   message is shown, not a traceback into this module.

:func:`student_or_reference` lets later cells of a notebook use the student's
function when it passes its check and the reference otherwise, so a
half-finished notebook still runs to the end.

Every check takes the keyword-only arguments ``n_random`` (number of random
cases, default 3) and ``seed`` (default 0), so hidden tests can run more
cases with other data: ``check_find_closest_centroids(f, n_random=25, seed=9173)``.

Examples
--------
>>> import numpy as np
>>> def find_closest_centroids(X, centroids):
...     distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
...     return np.argmin(distances, axis=1)
>>> check_find_closest_centroids(find_closest_centroids)
find_closest_centroids: 10/10 checks passed
"""

from __future__ import annotations

import html
import inspect
import math
import numbers
import os
import sys
import sysconfig
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import compression as _compression
from . import image_io as _image_io
from . import kmeans as _kmeans

__all__ = [
    "CheckFailure",
    "CheckResult",
    "check_image_to_pixels",
    "check_pixels_to_image",
    "check_init_centroids",
    "check_find_closest_centroids",
    "check_compute_centroids",
    "check_run_kmeans",
    "check_compressed_bits",
    "student_or_reference",
    "EXERCISES",
]

#: The exercises that have a check, in course order.
EXERCISES = (
    "image_to_pixels",
    "pixels_to_image",
    "init_centroids",
    "find_closest_centroids",
    "compute_centroids",
    "run_kmeans",
    "compressed_bits",
)

_REFERENCES: dict[str, Callable] = {
    "image_to_pixels": _image_io.image_to_pixels,
    "pixels_to_image": _image_io.pixels_to_image,
    "init_centroids": _kmeans.init_centroids,
    "find_closest_centroids": _kmeans.find_closest_centroids,
    "compute_centroids": _kmeans.compute_centroids,
    "run_kmeans": _kmeans.run_kmeans,
    "compressed_bits": _compression.compressed_bits,
}

# Functions a student's version must not call (beyond the reference itself):
# other course functions that do the same job.
_ALSO_FORBIDDEN: dict[str, tuple[Callable, ...]] = {
    "init_centroids": (_kmeans.kmeans_plusplus,),
    "compressed_bits": (_compression.bits_per_index,),
}

# Modules whose code a student's version must not run: the course's fast
# K-means (it does every step at once) and, for run_kmeans, library K-means.
_COURSE_FAST = ("kmeans_lab.fast",)
_FORBIDDEN_MODULES: dict[str, tuple[str, ...]] = {
    "init_centroids": _COURSE_FAST,
    "find_closest_centroids": _COURSE_FAST,
    "compute_centroids": _COURSE_FAST,
    "run_kmeans": ("sklearn.cluster", "scipy.cluster") + _COURSE_FAST,
}
_LIBRARIES = {"sklearn": "scikit-learn", "scipy": "SciPy"}


# ---------------------------------------------------------------------------
# Results and failures
# ---------------------------------------------------------------------------


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

    Examples
    --------
    >>> failure = CheckFailure("f: case 1 of 1 failed (x)\\n  hint: do y", exercise="f")
    >>> isinstance(failure, AssertionError), failure._render_traceback_()
    (True, ['f: case 1 of 1 failed (x)', '  hint: do y'])
    """

    def __init__(self, message: str, *, exercise: str = "", reason: str = "", hint: str = ""):
        super().__init__(message)
        self.exercise = exercise
        self.reason = reason or "fails its check"
        self.hint = hint

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
        return (f"<p><strong>{html.escape(self.exercise)}</strong>: "
                f"{self.n_passed}/{self.n_total} checks passed</p>")


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def _fmt_values(a: np.ndarray) -> str:
    """Values of an array, one line for 1-D, indented block for more."""
    if a.ndim <= 1:  # one line, whatever its length (long arrays are summarised)
        options = dict(threshold=40, edgeitems=10, linewidth=10**6)
    else:
        options = dict(threshold=30, edgeitems=4, linewidth=88)
    with np.printoptions(precision=4, suppress=True, **options):
        return np.array2string(a, separator=" ")


def _describe(value: Any) -> str:
    """``shape (6,), int64: [1 1 2]`` for arrays, ``None`` etc. otherwise."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        head = f"shape {value.shape}, {value.dtype}"
        if value.ndim >= 3:
            return head
        text = _fmt_values(value)
        if "\n" in text:
            return head + ":\n" + "\n".join("      " + line for line in text.splitlines())
        return f"{head}: {text}"
    if isinstance(value, (list, tuple)):
        kind = type(value).__name__
        try:
            arr = np.asarray(value)
        except Exception:
            return f"a {kind} of length {len(value)}"
        if arr.dtype != object:
            return f"a {kind}, as an array {_describe(arr)}"
        return f"a {kind} of length {len(value)}"
    if isinstance(value, (numbers.Number, np.generic)):
        return f"{value!r} ({type(value).__name__})"
    return f"a {type(value).__name__}: {value!r}"[:200]


def _expected_got(what: str, expected: Any, got: Any) -> list[str]:
    """The two aligned lines ``expected <what>, ...`` / ``got,  ...``."""
    left = f"expected {what},"
    return [f"{left} {_describe(expected)}", f"{'got,'.ljust(len(left))} {_describe(got)}"]


def _row(x: np.ndarray) -> str:
    with np.printoptions(precision=4, suppress=True, linewidth=200):
        return np.array2string(np.asarray(x), separator=" ")


def _and(items) -> str:
    items = [str(int(i)) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _num(v: float) -> str:
    return f"{float(v):.6g}"


_LIB_DIRS = tuple(
    os.path.normcase(os.path.realpath(p))
    for p in {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    if p
)
_THIS_FILE = os.path.normcase(os.path.realpath(__file__))


def _where(exc: BaseException, func: Callable) -> str | None:
    """``line 4 of your function: d = X - c`` for the innermost user frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = getattr(getattr(func, "__code__", None), "co_filename", None)
    chosen = None
    for fr in frames:
        path = os.path.normcase(os.path.realpath(fr.filename)) if fr.filename else ""
        if path == _THIS_FILE:
            continue
        if own is not None and fr.filename == own:
            chosen = fr
        elif chosen is None or chosen.filename != own:
            if not path.startswith(_LIB_DIRS):
                chosen = fr
    if chosen is None:
        return None
    text = (chosen.line or "").strip()
    place = "your function" if chosen.filename == own else f"{os.path.basename(chosen.filename)}"
    if chosen.name not in ("<module>", getattr(func, "__name__", None)) and chosen.filename == own:
        place = f"{chosen.name}()"
    return f"raised at line {chosen.lineno} of {place}" + (f": {text}" if text else "")


# ---------------------------------------------------------------------------
# Running the student's function
# ---------------------------------------------------------------------------


def _code_key(code) -> tuple[str, int, str]:
    """Where a function's code was defined: the same for every copy of it, even
    one made by ``importlib.reload`` (which creates new code objects)."""
    return (os.path.realpath(code.co_filename), code.co_firstlineno, code.co_name)


class _Watch:
    """A profile function that notes the first forbidden frame entered."""

    def __init__(self, codes: dict[int, tuple[Any, str]], modules: tuple[str, ...], previous):
        self.codes = codes
        self.keys = {_code_key(code): name for code, name in codes.values()}
        self.names = {key[2] for key in self.keys}
        self.modules = modules
        self.previous = previous
        self.hit: str | None = None

    def __call__(self, frame, event, arg):
        if event == "call" and self.hit is None:
            code = frame.f_code
            entry = self.codes.get(id(code))
            if entry is not None and entry[0] is code:
                self.hit = entry[1]
            elif code.co_name in self.names and _code_key(code) in self.keys:
                self.hit = self.keys[_code_key(code)]
            elif self.modules and code.co_name != "<module>":
                module = frame.f_globals.get("__name__", "") or ""
                for prefix in self.modules:
                    if module == prefix or module.startswith(prefix + "."):
                        self.hit = prefix
                        break
            if self.hit is not None:
                # decided: let the rest of the call run unwatched (and fast)
                sys.setprofile(self.previous)
        if self.previous is not None:
            self.previous(frame, event, arg)


def _qualified(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


_MUTATION_HINTS = {
    ("init_centroids", "X"): "rng.shuffle(X) and X.sort() change X itself; choose positions "
    "instead: X[rng.choice(len(X), size=K, replace=False)]",
    ("find_closest_centroids", "X"): "compute the differences into a new array, "
    "X[:, None, :] - centroids[None, :, :], instead of changing X in place (-=, /=, sort)",
    ("find_closest_centroids", "centroids"): "compute the differences into a new array, "
    "X[:, None, :] - centroids[None, :, :], instead of changing centroids in place",
    ("compute_centroids", "centroids"): "start from a copy, new_centroids = centroids.copy(); "
    "assigning into centroids changes the caller's array",
    ("image_to_pixels", "image"): "return image.reshape(H * W, C) instead of setting image.shape "
    "or changing values in place: the caller's image must stay as it was",
    ("pixels_to_image", "pixels"): "return pixels.reshape(shape) instead of setting pixels.shape "
    "or changing values in place: the caller's pixels must stay as they were",
    ("run_kmeans", "initial_centroids"): "start from a copy, centroids = initial_centroids.copy(); "
    "assigning into initial_centroids changes the caller's array",
}


class _Runner:
    """Runs one exercise's cases against the student's function."""

    def __init__(self, exercise: str, func: Callable):
        if not callable(func):
            raise TypeError(
                f"check_{exercise} needs your function, got {_describe(func)}; "
                f"pass the function itself: check_{exercise}({exercise})"
            )
        self.exercise = exercise
        self.func = func
        self.reference = _REFERENCES[exercise]
        self.case_no = 0
        self.n_cases = 0
        self.description = ""
        forbidden = (self.reference,) + _ALSO_FORBIDDEN.get(exercise, ())
        self.codes = {id(f.__code__): (f.__code__, _qualified(f)) for f in forbidden}
        self.modules = _FORBIDDEN_MODULES.get(exercise, ())
        self.signature_checked = False

    # -- failures -----------------------------------------------------------
    def _raise(self, first: str, lines: list[str], hint: str, reason: str) -> None:
        body = [first] + ["  " + line for line in lines] + [f"  hint: {hint}"]
        raise CheckFailure("\n".join(body), exercise=self.exercise, reason=reason, hint=hint)

    def fail(self, lines: list[str], hint: str) -> None:
        """Raise CheckFailure for the current case."""
        where = f"case {self.case_no} of {self.n_cases}"
        self._raise(f"{self.exercise}: {where} failed ({self.description})", lines, hint,
                    f"fails {where}")

    # -- calling ------------------------------------------------------------
    def check_identity(self) -> None:
        """Fail at once if the function *is* a forbidden one."""
        code = getattr(self.func, "__code__", None)
        for ref_code, name in self.codes.values():
            if code is ref_code or (code is not None and _code_key(code) == _code_key(ref_code)):
                self._raise(
                    f"{self.exercise}: this is the course's reference implementation {name}, "
                    "not your own; write your own",
                    [],
                    f"define {self.exercise} yourself in the cell above instead of importing it "
                    "from kmeans_lab; later notebooks provide the reference",
                    "is the course's reference implementation itself",
                )

    def call(self, args: tuple, names: tuple[str, ...]) -> Any:
        """Call the function on fresh copies; check exceptions, provenance, mutation."""
        fresh = tuple(_copy(a) for a in args)
        kept = tuple(_copy(a) for a in args)
        if not self.signature_checked:
            self._check_signature(fresh, names)
            self.signature_checked = True
        previous = sys.getprofile()
        watch = _Watch(self.codes, self.modules, previous)
        error: BaseException | None = None
        result = None
        np_state = np.random.get_state()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                sys.setprofile(watch)
                try:
                    result = self.func(*fresh)
                finally:
                    sys.setprofile(previous)
        except Exception as exc:  # the student's error, reported below
            error = exc
        finally:
            np.random.set_state(np_state)
        if watch.hit is not None:
            self._provenance(watch.hit)
        if error is not None:
            self._exception(error)
        for name, before, after in zip(names, kept, fresh):
            if isinstance(before, np.ndarray):
                self._check_unchanged(name, before, after)
        return result

    def _check_signature(self, args: tuple, names: tuple[str, ...]) -> None:
        """Fail before calling if the function cannot take this exercise's arguments."""
        try:
            signature = inspect.signature(self.func)
        except (TypeError, ValueError):  # builtins and the like: let the call decide
            return
        try:
            signature.bind(*args)
        except TypeError as exc:
            wanted = ", ".join(names)
            self._raise(
                f"{self.exercise}: your function must take exactly ({wanted})",
                [f"yours takes {signature}, so calling it with the {len(names)} arguments "
                 f"({wanted}) fails: {exc}"],
                f"define it with these {len(names)} parameters, in this order: "
                f"def {self.exercise}({wanted}):",
                "has the wrong parameters",
            )

    def _provenance(self, hit: str) -> None:
        library = _LIBRARIES.get(hit.split(".")[0])
        if library is not None:
            self._raise(
                f"{self.exercise}: your function uses {hit} ({library}'s clustering), a library "
                "implementation of K-means; write your own",
                [],
                "write the loop yourself: each round, labels = find_closest_centroids(X, "
                "centroids), then centroids = compute_centroids(X, labels, centroids)",
                "calls a library K-means",
            )
        self._raise(
            f"{self.exercise}: your function calls the course's reference implementation "
            f"{hit}; write your own",
            [],
            f"remove the call to {hit} and write the code yourself; later notebooks provide "
            "the reference",
            "calls the course's reference implementation",
        )

    def _exception(self, exc: Exception) -> None:
        if isinstance(exc, NotImplementedError):
            self._raise(
                f"{self.exercise}: not implemented yet",
                [f"your function raised NotImplementedError{': ' + str(exc) if str(exc) else ''}"],
                "write your code in the cell above (replace the line raise NotImplementedError()), "
                "run that cell, then run this check again",
                "is not implemented yet",
            )
        where = _where(exc, self.func)
        lines = [f"{type(exc).__name__}: {str(exc).strip()}"] + ([where] if where else [])
        where = f"case {self.case_no} of {self.n_cases}"
        reason = f"raises {type(exc).__name__} in {where}"
        self._raise(
            f"{self.exercise}: {where} raised {type(exc).__name__} ({self.description})",
            lines,
            _EXCEPTION_HINTS.get(self.exercise, _GENERIC_EXCEPTION_HINT)(exc, self),
            reason,
        )

    def _check_unchanged(self, name: str, before: np.ndarray, after: np.ndarray) -> None:
        same = (
            before.shape == after.shape
            and before.dtype == after.dtype
            and np.array_equal(before, after, equal_nan=True)
        )
        if same:
            return
        lines = [f"your function changed its argument {name}; it must leave its inputs as they were",
                 f"expected {name} unchanged, shape {before.shape}, {before.dtype}",
                 (f"got {name} with changed values" if before.shape == after.shape
                  else f"got {name} reshaped to {after.shape}")]
        if before.shape == after.shape:
            diff = np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))
            if diff.size:
                pos = tuple(int(i) for i in diff[0])
                row = pos[0]
                if before.ndim == 2:
                    lines.append(f"first change at {name}[{row}]: was {_row(before[row])}, "
                                 f"now {_row(after[row])}")
                else:
                    lines.append(f"first change at {name}{list(pos)}")
        hint = _MUTATION_HINTS.get(
            (self.exercise, name),
            f"work on a copy ({name}.copy()) or build a new array instead of changing {name} in place",
        )
        self.fail(lines, hint)

    def run(self, cases: list[tuple[str, Callable[[], None]]]) -> CheckResult:
        """Run every case; each is ``(description, body)``."""
        self.check_identity()
        self.n_cases = len(cases)
        for number, (description, body) in enumerate(cases, 1):
            self.case_no = number
            self.description = description
            body()
        return CheckResult(self.exercise, self.n_cases, self.n_cases)


def _GENERIC_EXCEPTION_HINT(exc: Exception, runner: _Runner) -> str:
    return ("run your function on this case's inputs in a new cell to reproduce the error, "
            "and print the shapes of the arrays on the line above")


def _find_exception_hint(exc: Exception, runner: _Runner) -> str:
    if "broadcast" in str(exc):
        return ("make the shapes line up: X[:, None, :] - centroids[None, :, :] has shape "
                "(N, K, n), one difference per point and centroid")
    return _GENERIC_EXCEPTION_HINT(exc, runner)


def _image_exception_hint(exc: Exception, runner: _Runner) -> str:
    if "reshape" in str(exc) or "size" in str(exc):
        return ("take the sizes from the input, H, W, C = image.shape (or the shape argument), "
                "instead of numbers like 128 or 3")
    return _GENERIC_EXCEPTION_HINT(exc, runner)


def _bits_exception_hint(exc: Exception, runner: _Runner) -> str:
    return ("with K = 1 every pixel has the same colour, so an index needs "
            "ceil(log2 1) = 0 bits; make sure K = 1 gives 24 * K bits"
            if "K=1" in runner.description else _GENERIC_EXCEPTION_HINT(exc, runner))


_EXCEPTION_HINTS = {
    "find_closest_centroids": _find_exception_hint,
    "image_to_pixels": _image_exception_hint,
    "pixels_to_image": _image_exception_hint,
    "compressed_bits": _bits_exception_hint,
}


def _check_options(n_random: object, seed: object) -> tuple[int, int]:
    if isinstance(n_random, bool) or not isinstance(n_random, numbers.Integral) or n_random < 0:
        raise TypeError(f"n_random must be an integer >= 0, got {n_random!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be an integer >= 0, got {seed!r}")
    return int(n_random), int(seed)


def _rng(seed: int, exercise: str) -> np.random.Generator:
    """A Generator per (seed, exercise): checks do not share random streams."""
    return np.random.default_rng([seed, EXERCISES.index(exercise)])


def _as_array(got: Any) -> np.ndarray | None:
    if isinstance(got, np.ndarray):
        return got
    if isinstance(got, (list, tuple)) or isinstance(got, (numbers.Number, np.generic)):
        try:
            arr = np.asarray(got)
        except Exception:
            return None
        return None if arr.dtype == object else arr
    return None


def _none_hint(got: Any, name: str) -> str | None:
    if got is None:
        return f"your function returns None: end it with return {name}"
    return None


def _require_ndarray(runner: _Runner, got: Any, what: str, expected: Any, example: str) -> None:
    """Fail when a list or tuple comes back where a NumPy array is expected:
    later cells use ``.shape`` and array arithmetic on it."""
    if not isinstance(got, (list, tuple)):
        return
    kind = type(got).__name__
    lines = [f"expected a NumPy array, got {kind}"]
    lines += (_expected_got(what, expected, got) if expected is not None
              else [f"got {_describe(got)}"])
    runner.fail(lines, f"return a NumPy array (e.g. {example}), not a Python {kind}: drop "
                       ".tolist() and list(...), or wrap the result in np.array(...)")


def _dtype_changed(got: np.ndarray, expected: np.ndarray) -> bool:
    """True when ``got`` has the right values in another dtype (e.g. float32)."""
    if got.dtype == expected.dtype or got.shape != expected.shape:
        return False
    if not np.issubdtype(got.dtype, np.number):
        return False
    if np.array_equal(got, expected):
        return True
    return (np.issubdtype(got.dtype, np.floating)
            and np.array_equal(got, expected.astype(got.dtype)))


# ---------------------------------------------------------------------------
# image_to_pixels / pixels_to_image
# ---------------------------------------------------------------------------


def _image(shape: tuple[int, int, int]) -> np.ndarray:
    """An image whose every entry is distinct, so any mix-up shows."""
    H, W, C = shape
    return (np.arange(H * W * C, dtype=np.float64).reshape(H, W, C) + 1.0) / 100.0


_IMAGE_SHAPES = [(2, 3, 3), (4, 5, 3), (5, 4, 3), (1, 6, 3), (6, 1, 3), (3, 2, 4), (3, 4, 1)]


def _random_image_shapes(rng: np.random.Generator, n: int) -> list[tuple[int, int, int]]:
    return [(int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.choice([1, 3, 4])))
            for _ in range(n)]


def _pixel_position(image: np.ndarray, row: np.ndarray) -> tuple[int, int] | None:
    hits = np.argwhere(np.all(image == row, axis=-1))
    return (int(hits[0][0]), int(hits[0][1])) if len(hits) == 1 else None


def _compare_pixels(runner: _Runner, image: np.ndarray, expected: np.ndarray, got_raw: Any) -> None:
    """Shared by both reshape exercises: compare an (N, C) pixel matrix."""
    H, W, C = image.shape
    _require_ndarray(runner, got_raw, "pixels", expected, "the result of image.reshape(H * W, C)")
    got = _as_array(got_raw)
    if got is None or got.shape != expected.shape:
        hint = _none_hint(got_raw, "X")
        if hint is None and got is not None:
            if got.shape == image.shape:
                hint = ("your function returns an array of the image's shape: return "
                        "image.reshape(H * W, C); reshape returns a new array, it does not "
                        "change image")
            elif got.shape == (H * W * C,):
                hint = "keep the channel axis: reshape to (H * W, C), not to one long vector"
            elif got.shape == (C, H * W):
                hint = "one pixel a row: the result has shape (H * W, C), not (C, H * W); don't transpose"
            else:
                hint = "the result has one row per pixel and one column per channel: shape (H * W, C)"
        runner.fail(_expected_got("pixels", expected, got if got is not None else got_raw),
                    hint or "return an array of shape (H * W, C)")
    if _dtype_changed(got, expected):
        runner.fail(_expected_got("pixels", expected, got)
                    + [f"values are right but the dtype is {got.dtype}, expected {expected.dtype} "
                       "(the image's dtype): keep the dtype, reshape does not need a conversion"],
                    "keep the dtype, reshape does not need a conversion: return "
                    "image.reshape(H * W, C) without .astype(...) or dtype=")
    if np.array_equal(got, expected):
        return
    lines = _expected_got("pixels", expected, got)
    mism = np.argwhere(np.any(got != expected, axis=1))
    i = int(mism[0][0]) if len(mism) else 0
    r, c = divmod(i, W)
    found = _pixel_position(image, got[i])
    line = (f"first mismatch at row {i}: it should hold pixel image[{r}, {c}] = {_row(image[r, c])} "
            f"(row r * W + c for pixel (r, c), W = {W})")
    if found is not None:
        line += f"; yours holds image[{found[0]}, {found[1]}]"
    lines.append(line)
    if np.array_equal(got, image.reshape(H * W, C, order="F")):
        # the same array as image.transpose(1, 0, 2).reshape(H * W, C)
        hint = ("keep NumPy's default row-major order, image.reshape(H * W, C): order='F' "
                "(or swapping the height and width axes) walks down the columns first")
    else:
        hint = "reshape the image row by row: image.reshape(H * W, C)"
    runner.fail(lines, hint)


def check_image_to_pixels(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``image_to_pixels(image)``.

    The function must reshape an (H, W, C) image into an (H*W, C) matrix,
    row-major (pixel ``(r, c)`` becomes row ``r * W + c``), for any C and
    non-square images, without changing ``image``.

    Parameters
    ----------
    func : callable
        The student's ``image_to_pixels``.
    n_random : int, default=3
        Extra cases with random image shapes, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult
        Shows as ``image_to_pixels: 10/10 checks passed``.

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> check_image_to_pixels(lambda image: image.reshape(-1, image.shape[2]))
    image_to_pixels: 10/10 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("image_to_pixels", func)
    shapes = _IMAGE_SHAPES + _random_image_shapes(_rng(seed, "image_to_pixels"), n_random)
    cases = []
    for k, shape in enumerate(shapes):
        kind = "random " if k >= len(_IMAGE_SHAPES) else ""

        def body(shape=shape):
            image = _image(shape)
            expected = _image_io.image_to_pixels(image.copy())
            got = runner.call((image,), ("image",))
            _compare_pixels(runner, image, expected, got)

        cases.append((f"{kind}image of shape {shape}", body))
    return runner.run(cases)


def check_pixels_to_image(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``pixels_to_image(pixels, shape)``.

    The function must reshape an (H*W, C) pixel matrix into an image of
    ``shape = (H, W, C)``, row-major: the inverse of ``image_to_pixels``.

    Parameters
    ----------
    func : callable
        The student's ``pixels_to_image``.
    n_random : int, default=3
        Extra cases with random shapes, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> check_pixels_to_image(lambda pixels, shape: pixels.reshape(shape))
    pixels_to_image: 10/10 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("pixels_to_image", func)
    shapes = _IMAGE_SHAPES + _random_image_shapes(_rng(seed, "pixels_to_image"), n_random)
    cases = []
    for k, shape in enumerate(shapes):
        kind = "random " if k >= len(_IMAGE_SHAPES) else ""

        def body(shape=shape):
            H, W, C = shape
            image = _image(shape)
            pixels = image.reshape(H * W, C).copy()
            expected = _image_io.pixels_to_image(pixels.copy(), shape)
            got_raw = runner.call((pixels, tuple(shape)), ("pixels", "shape"))
            _require_ndarray(runner, got_raw, "image", expected, "the result of pixels.reshape(shape)")
            got = _as_array(got_raw)
            if got is None or got.shape != expected.shape:
                hint = _none_hint(got_raw, "image")
                if hint is None and got is not None:
                    if got.shape == pixels.shape:
                        hint = ("your function returns the pixels unchanged: return "
                                "pixels.reshape(shape); reshape does not change pixels itself")
                    elif got.shape == (W, H, C):
                        hint = "shape is (H, W, C): height (rows) first, then width"
                    else:
                        hint = "reshape to the shape you were given: pixels.reshape(shape)"
                runner.fail(_expected_got("image", expected, got if got is not None else got_raw),
                            hint or "return pixels.reshape(shape)")
            if _dtype_changed(got, expected):
                runner.fail(_expected_got("image", expected, got)
                            + [f"values are right but the dtype is {got.dtype}, expected "
                               f"{expected.dtype} (the pixels' dtype): keep the dtype, reshape "
                               "does not need a conversion"],
                            "keep the dtype, reshape does not need a conversion: return "
                            "pixels.reshape(shape) without .astype(...) or dtype=")
            if np.array_equal(got, expected):
                return
            lines = _expected_got("image", expected, got)
            mism = np.argwhere(np.any(got != expected, axis=-1))
            r, c = (int(v) for v in mism[0])
            line = (f"first mismatch at image[{r}, {c}]: it should be pixels[{r * W + c}] = "
                    f"{_row(pixels[r * W + c])} (row r * W + c, W = {W})")
            found = np.argwhere(np.all(pixels == got[r, c], axis=1))
            if len(found) == 1:
                line += f"; yours is pixels[{int(found[0][0])}]"
            lines.append(line)
            if np.array_equal(got, pixels.reshape(shape, order="F")):
                # the same array as pixels.reshape(W, H, C).transpose(1, 0, 2)
                hint = ("keep NumPy's default row-major order, pixels.reshape(shape): order='F' "
                        "(or filling a (W, H, C) array and transposing) fills the columns first")
            else:
                hint = "reshape row by row: pixels.reshape(shape)"
            runner.fail(lines, hint)

        cases.append((f"{kind}{shape[0] * shape[1]} pixels into shape {shape}", body))
    return runner.run(cases)


# ---------------------------------------------------------------------------
# init_centroids
# ---------------------------------------------------------------------------


def _distinct_rows(N: int, n: int, offset: float = 0.0) -> np.ndarray:
    """N distinct rows (every entry distinct), shape (N, n)."""
    return np.arange(N * n, dtype=np.float64).reshape(N, n) / 10.0 + 1.0 + offset


def _rng_state(rng: np.random.Generator) -> Any:
    return rng.bit_generator.state


# The distribution test of init_centroids: _CHI2_DRAWS calls with K of N rows.
_CHI2_N, _CHI2_K, _CHI2_DRAWS = 12, 3, 400
_CHI2_ALPHA = 1e-6
#: scipy.stats.chi2.isf(1e-6, df=11): a uniform choice exceeds it with probability 1e-6.
_CHI2_LIMIT = 48.8656


def _uniform_statistic(counts: np.ndarray, M: int, K: int) -> float:
    """Pearson's statistic of how often each row came out in M draws of K
    distinct rows, scaled to follow chi-square with N - 1 degrees of freedom
    when every K-subset is equally likely.

    Each draw adds K ones without replacement, so the counts vary less than
    multinomial ones: their Pearson sum follows (N - K) / (N - 1) times
    chi-square(N - 1), hence the factor (N - 1) / (N - K).
    """
    N = counts.size
    expect = M * K / N
    return float(((counts - expect) ** 2).sum() / expect * (N - 1) / (N - K))


def _lower_precision(a: np.ndarray) -> bool:
    """True for a float array less precise than float64 (float32, float16)."""
    return np.issubdtype(a.dtype, np.floating) and np.finfo(a.dtype).bits < 64


def _precision_hint(dtype: np.dtype, what: str) -> str:
    return (f"your result is {dtype}, which keeps only about "
            f"{np.finfo(dtype).precision} significant digits: return float64 (NumPy's default), "
            f"{what}, without .astype(np.{dtype}) or dtype=np.{dtype}")


def check_init_centroids(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``init_centroids(X, K, rng)``.

    The function must return K rows of X at K distinct positions chosen
    with the Generator ``rng``. Checked: shape; rows come from X; distinct
    positions; X untouched; ``rng`` is used (its state advances; the global
    ``np.random`` is not enough); the same seed gives the same result;
    different seeds give different results; with K = N every row appears
    exactly once; with K = 1 the Generator is used too and, over 60 seeds,
    every row comes out; over 400 seeds every row is picked, equally often
    by a chi-square test (a correct function fails it with probability
    1e-6), and every pair of rows comes out together (catches "first K
    rows", sampling with replacement, off-by-one ranges, mild biases).
    The result is not compared with the reference (any uniform choice of
    distinct positions is right).

    Parameters
    ----------
    func : callable
        The student's ``init_centroids``.
    n_random : int, default=3
        Extra cases with random sizes (shape, rows from X, distinct).
    seed : int, default=0
        Seed of the random cases (and of the Generators passed to ``func``).

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> def init_centroids(X, K, rng):
    ...     return X[rng.choice(len(X), size=K, replace=False)]
    >>> check_init_centroids(init_centroids)
    init_centroids: 12/12 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("init_centroids", func)
    base = 1000 + 97 * seed

    def call(X, K, s, rng=None):
        rng = np.random.default_rng(s) if rng is None else rng
        got_raw = runner.call((X, K, rng), ("X", "K", "rng"))
        _require_ndarray(runner, got_raw, "centroids", None, "X[positions]")
        got = _as_array(got_raw)
        if got is None or got.shape != (K, X.shape[1]):
            hint = _none_hint(got_raw, "centroids")
            if hint is None and got is not None and got.shape == (K,):
                hint = ("return the rows of X, not their positions: X[positions] has shape (K, n)")
            runner.fail(
                [f"expected centroids of shape ({K}, {X.shape[1]}): K = {K} rows of X",
                 f"got {_describe(got if got is not None else got_raw)}"],
                hint or "return K whole rows of X: X[positions], shape (K, n)",
            )
        return got

    def positions_of(X, got):
        """Row index in X of every row of got, or -1."""
        eq = np.all(got[:, None, :] == X[None, :, :], axis=2)
        return np.where(eq.any(axis=1), eq.argmax(axis=1), -1)

    def rows_from_X(X, got, K):
        pos = positions_of(X, got)
        if np.any(pos < 0):
            i = int(np.argmax(pos < 0))
            if _lower_precision(got) and np.all(positions_of(X.astype(got.dtype), got) >= 0):
                runner.fail(
                    [f"expected every row to be a row of X, float64 like X; got row {i} = "
                     f"{_row(got[i])}, a row of X rounded to {got.dtype}",
                     f"got {_describe(got)}"],
                    _precision_hint(got.dtype, "X[positions]"),
                )
            runner.fail(
                [f"expected every row to be a row of X; got row {i} = {_row(got[i])}, "
                 "which is not a row of X",
                 f"got {_describe(got)}"],
                "pick whole rows of X, X[positions], instead of making up new points "
                "(e.g. rng.random or a mean)",
            )
        return pos

    def distinct(X, got, K):
        pos = rows_from_X(X, got, K)
        if len(set(pos.tolist())) < K:
            dup = [p for p in pos.tolist() if pos.tolist().count(p) > 1][0]
            runner.fail(
                [f"expected K = {K} rows at distinct positions of X (its rows are all different)",
                 f"got positions {pos.tolist()}: X[{dup}] is chosen twice"],
                "sample without replacement: rng.choice(N, size=K, replace=False) or "
                "rng.permutation(N)[:K]; rng.integers can repeat a position",
            )
        return pos

    cases: list[tuple[str, Callable[[], None]]] = []
    N0, n0, K0 = 10, 3, 4
    X0 = _distinct_rows(N0, n0)

    def shape_case():
        call(X0, K0, base)

    def from_X_case():
        rows_from_X(X0, call(X0, K0, base), K0)

    def distinct_case():
        distinct(X0, call(X0, K0, base), K0)

    def uses_rng_case():
        rng = np.random.default_rng(base)
        before = _rng_state(rng)
        got = call(X0, K0, None, rng=rng)
        if _rng_state(rng) == before:
            first_rows = np.array_equal(got, X0[:K0])
            runner.fail(
                ["expected the Generator rng to be used (its state to advance)",
                 "got rng unchanged after the call: the randomness came from somewhere else"
                 + (" (your centroids are the first K rows of X)" if first_rows else "")],
                ("don't take the first K rows: draw K random positions with the rng you were "
                 "given, rng.choice(N, size=K, replace=False)" if first_rows else
                 "draw the positions with the rng you were given: rng.choice(N, size=K, "
                 "replace=False); np.random.* and the random module ignore it"),
            )

    def same_seed_case():
        a = call(X0, K0, base + 1)
        b = call(X0, K0, base + 1)
        if not np.array_equal(a, b):
            runner.fail(
                [f"expected the same centroids from two Generators made with the same seed {base + 1}",
                 *_expected_got("centroids", a, b)],
                "use only rng for randomness (rng.choice, rng.permutation), not np.random.* "
                "or random.*, so that the same seed gives the same centroids",
            )

    def different_seeds_case():
        results = [call(X0, K0, base + 10 + s) for s in range(8)]
        if all(np.array_equal(results[0], r) for r in results[1:]):
            runner.fail(
                ["expected different seeds to give different centroids (8 seeds tried)",
                 f"got the same centroids every time: {_describe(results[0])}"],
                "draw the positions at random with rng, e.g. rng.choice(N, size=K, "
                "replace=False), instead of fixed positions such as the first K rows",
            )

    def permutation_case():
        N, K = 8, 8
        X = _distinct_rows(N, 2)
        for s in range(5):
            got = call(X, K, base + 20 + s)
            pos = rows_from_X(X, got, K)
            if sorted(pos.tolist()) != list(range(N)):
                missing = sorted(set(range(N)) - set(pos.tolist()))
                runner.fail(
                    [f"expected every row of X exactly once with K = N = {N} (seed {base + 20 + s})",
                     f"got positions {pos.tolist()}: row {missing[0]} is missing"],
                    "sample without replacement: rng.choice(N, size=K, replace=False) or "
                    "rng.permutation(N)[:K]",
                )

    def distribution_case():
        N, K, M = _CHI2_N, _CHI2_K, _CHI2_DRAWS
        X = _distinct_rows(N, 3)
        counts = np.zeros(N, dtype=int)
        pairs = np.zeros((N, N), dtype=int)
        for s in range(M):
            pos = distinct(X, call(X, K, base + 100 + s), K)
            counts[pos] += 1
            pos = np.sort(pos)
            for a in range(K):
                pairs[pos[a], pos[a + 1:]] += 1
        expect = M * K / N
        lines = [f"expected each of the {N} rows to be chosen about {expect:.0f} times over "
                 f"{M} seeds (K = {K}), all rows equally likely"]
        never = np.flatnonzero(counts == 0)
        if never.size:
            k = int(never[0])
            runner.fail(
                lines + [f"got counts {counts.tolist()}: row {k} never chosen"],
                "every row must be able to come out: draw positions from range(N) with "
                "rng.choice(N, size=K, replace=False); rng.integers(0, N - 1) never "
                "returns N - 1",
            )
        upper = pairs[np.triu_indices(N, 1)]
        if upper.min() == 0:
            i, j = (int(v[0]) for v in np.nonzero(np.triu(pairs == 0, 1)))
            runner.fail(
                [f"expected every pair of rows to come out together sometimes over {M} seeds "
                 f"(K = {K}, each pair about {M * K * (K - 1) / 2 / upper.size:.0f} times)",
                 f"got rows {i} and {j} never chosen together"],
                "choose the K positions independently at random, rng.choice(N, size=K, "
                "replace=False), not as a block of neighbouring rows",
            )
        statistic = _uniform_statistic(counts, M, K)
        if statistic > _CHI2_LIMIT:
            k = int(np.argmax(np.abs(counts - expect)))
            runner.fail(
                lines + [f"got counts {counts.tolist()}: row {k} chosen {counts[k]} times",
                         f"chi-square statistic {statistic:.1f} > {_CHI2_LIMIT:.1f}, a limit a "
                         f"uniform choice exceeds with probability {_CHI2_ALPHA:g}"],
                "every row must be equally likely: rng.choice(N, size=K, replace=False), "
                "without weights (p=) or a preference for some positions",
            )

    def k1_case():
        N, M = 5, 60
        X = _distinct_rows(N, 4)
        rng = np.random.default_rng(base + 7)
        before = _rng_state(rng)
        got = call(X, 1, None, rng=rng)
        distinct(X, got, 1)
        if _rng_state(rng) == before:
            runner.fail(
                ["expected the Generator rng to be used with K = 1 too (its state to advance)",
                 "got rng unchanged after the call"
                 + (" (your centroid is the first row of X)" if np.array_equal(got, X[:1]) else "")],
                "K = 1 is no special case: draw the position at random with the rng you were "
                "given, rng.choice(N, size=K, replace=False)",
            )
        counts = np.zeros(N, dtype=int)
        for s in range(M):
            counts[distinct(X, call(X, 1, base + 200 + s), 1)] += 1
        if counts.min() == 0:
            k = int(np.argmin(counts))
            runner.fail(
                [f"expected every row of X to come out sometimes with K = 1 over {M} seeds "
                 f"(each about {M / N:.0f} times)",
                 f"got counts {counts.tolist()}: row {k} never chosen"],
                "K = 1 is no special case: draw the position at random with the rng you were "
                "given, rng.choice(N, size=K, replace=False)",
            )

    cases += [
        (f"shape: {N0} points, {n0} features, K={K0}", shape_case),
        (f"rows come from X: {N0} points, K={K0}", from_X_case),
        (f"distinct positions: {N0} points, K={K0}", distinct_case),
        ("uses rng", uses_rng_case),
        ("same seed, same centroids", same_seed_case),
        ("different seeds, different centroids", different_seeds_case),
        ("K = N gives every row once", permutation_case),
        (f"every row equally likely, every pair possible, {_CHI2_DRAWS} seeds", distribution_case),
        ("K = 1: 5 points, 4 features, 60 seeds", k1_case),
    ]
    rng = _rng(seed, "init_centroids")
    for _ in range(n_random):
        N = int(rng.integers(2, 40))
        n = int(rng.integers(1, 6))
        K = int(rng.integers(1, N + 1))
        X = rng.permutation(_distinct_rows(N, n, offset=float(rng.integers(0, 50))))
        s = int(rng.integers(0, 2**31))
        cases.append((f"random: {N} points, {n} features, K={K}",
                      lambda X=X, K=K, s=s: distinct(X, call(X, K, s), K)))
    return runner.run(cases)


# ---------------------------------------------------------------------------
# find_closest_centroids
# ---------------------------------------------------------------------------


def _sq_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


# Known mistakes: (labels the mistake gives, hint). Tried in order.
_FIND_MISTAKES: list[tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], str]] = [
    (lambda X, C: _sq_distances(X, C).argmin(axis=1) + 1,
     "labels count from 0: the first centroid is label 0, so don't add 1 "
     "(np.argmin already returns 0-based positions)"),
    (lambda X, C: _sq_distances(X, C).argmax(axis=1),
     "the closest centroid has the smallest distance: use np.argmin, not np.argmax"),
    (lambda X, C: np.abs(X[:, None, :] - C[None, :, :]).sum(axis=2).argmin(axis=1),
     "use the squared Euclidean distance, the sum of squared differences ((x - mu) ** 2), "
     "not the sum of absolute differences"),
    (lambda X, C: ((X[:, None, :] - C[None, :, :]).sum(axis=2) ** 2).argmin(axis=1),
     "square each difference before summing: np.sum((x - mu) ** 2), not np.sum(x - mu) ** 2"),
    (lambda X, C: C.shape[0] - 1 - _sq_distances(X, C)[:, ::-1].argmin(axis=1),
     "on a tie keep the lowest index: np.argmin does, and a loop must switch only when a "
     "distance is strictly smaller (<, not <=)"),
    (lambda X, C: _sq_distances(X[:, :-1], C[:, :-1]).argmin(axis=1) if X.shape[1] > 1 else None,
     "sum the squared differences over every feature (all n columns); your labels ignore "
     "the last one"),
    (lambda X, C: _sq_distances(X[:, 1:], C[:, 1:]).argmin(axis=1) if X.shape[1] > 1 else None,
     "sum the squared differences over every feature (all n columns); your labels ignore "
     "the first one"),
    (lambda X, C: _sq_distances(X[:, :2], C[:, :2]).argmin(axis=1) if X.shape[1] > 2 else None,
     "sum the squared differences over every feature (all n columns), not only the first two"),
]


def _find_hint(X: np.ndarray, C: np.ndarray, expected: np.ndarray, got: np.ndarray) -> str:
    for mistake, hint in _FIND_MISTAKES:
        wrong = mistake(X, C)
        if wrong is not None and not np.array_equal(wrong, expected) and np.array_equal(wrong, got):
            return hint
    return "take the argmin over axis=1 of the (N, K) matrix of squared distances"


def _find_case(runner: _Runner, X: np.ndarray, C: np.ndarray, exact: bool) -> None:
    N, K = X.shape[0], C.shape[0]
    expected = _kmeans.find_closest_centroids(X.copy(), C.copy())
    got_raw = runner.call((X, C), ("X", "centroids"))
    _require_ndarray(runner, got_raw, "labels", expected, "the result of np.argmin(distances, axis=1)")
    got = _as_array(got_raw)
    if got is None or got.shape != (N,):
        hint = _none_hint(got_raw, "labels")
        if hint is None and got is not None:
            if got.shape == (K,) and K != N:
                hint = ("take the argmin over axis=1 (over the centroids), one label per point; "
                        "axis=0 gives one per centroid")
            elif got.shape == (N, K):
                hint = "you returned the (N, K) distances: return their argmin over axis=1"
            elif got.ndim == 0:
                hint = ("np.argmin without axis= flattens the (N, K) distances and returns one "
                        "number: take the argmin over axis=1, one label per point")
            elif got.size == N:
                hint = f"return a 1-D array of shape ({N},): one label per row of X"
        runner.fail(_expected_got("labels", expected, got if got is not None else got_raw),
                    hint or f"return one label per row of X: an array of shape ({N},)")
    d = _sq_distances(X, C)
    is_int = got.dtype != bool and np.issubdtype(got.dtype, np.integer)
    if np.issubdtype(got.dtype, np.number) and not np.issubdtype(got.dtype, np.complexfloating):
        with np.errstate(invalid="ignore"):
            as_int = np.where(np.isfinite(got), got, -1).astype(np.int64)
        valid = (as_int == got) & (as_int >= 0) & (as_int < K)
    else:
        as_int, valid = np.full(N, -1), np.zeros(N, dtype=bool)
    rows = np.arange(N)
    ok = valid & (as_int == expected)
    if not exact:  # random float data: a near-tie may fall either way
        chosen = d[rows, np.clip(as_int, 0, K - 1)]
        best = d[rows, expected]
        ok |= valid & (chosen - best <= 1e-9 * (1.0 + best))
    if ok.all():
        if not is_int:
            runner.fail(
                _expected_got("labels", expected, got),
                "labels index the centroids, so they must be integers: np.zeros(N) makes "
                "floats, use np.zeros(N, dtype=int), or return np.argmin(...) directly",
            )
        return
    lines = _expected_got("labels", expected, got)
    i = int(np.argmin(ok))
    e = int(expected[i])
    ties = np.flatnonzero(d[i] == d[i, e])
    if not valid[i]:
        lines.append(f"first mismatch at index {i}: labels must be integers from 0 to {K - 1} "
                     f"({K} centroids), got {got[i]}")
    elif len(ties) > 1 and int(as_int[i]) in ties:
        lines.append(f"first mismatch at index {i}: X[{i}] = {_row(X[i])} is at the same squared "
                     f"distance ({_num(d[i, e])}) from centroids {_and(ties)}: "
                     f"a tie goes to the lowest index, {e}")
    else:
        g = int(as_int[i])
        lines.append(f"first mismatch at index {i}: X[{i}] = {_row(X[i])} is closest to centroid "
                     f"{e} (squared distance {_num(d[i, e])}), not {g} ({_num(d[i, g])})")
    runner.fail(lines, _find_hint(X, C, expected, as_int if valid.all() else got))


_FIND_CASES: list[tuple[np.ndarray, np.ndarray, str]] = [
    (np.array([[0, 1], [4, 2], [4, 4], [1, 4], [0, 0]], float),
     np.array([[2, 0], [1, 2]], float), ""),
    (np.array([[2, 2, 3, 4], [0, 0, 4, 4], [1, 1, 4, 2], [1, 4, 1, 2], [3, 2, 0, 0],
               [4, 3, 4, 2]], float),
     np.array([[4, 1, 2, 3], [0, 1, 0, 2], [4, 0, 1, 2]], float), ""),
    (np.array([[0, 0, 0], [1, 1, 1], [4, 0, 0], [2, 2, -1], [3, -3, 1], [0, 4, 4]], float),
     np.array([[2, 2, 2], [4, 0, 0], [3, -3, 1], [0, 0, 5]], float), ""),
    (np.array([[1, 0, 0], [1, 1, 0], [0, 1, 5], [2, 2, 0], [3, 0, 1], [0, 3, 0], [1, 1, 4],
               [2, 1, 0]], float),
     np.array([[0, 0, 0], [2, 0, 0], [0, 2, 0]], float), ", with ties"),
    (np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8], [9, 7, 9, 3], [2, 3, 8, 4]], float),
     np.array([[2, 7, 1, 8]], float), ""),
    (np.array([[0.0], [3.0], [4.0], [7.0], [10.0], [-2.0], [5.5]]),
     np.array([[0.0], [5.0], [9.0]]), ""),
    ((np.arange(24 * 5).reshape(24, 5) * 7 % 11).astype(float),
     (np.arange(4 * 5).reshape(4, 5) * 5 % 11).astype(float), ""),
]


def check_find_closest_centroids(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``find_closest_centroids(X, centroids)``.

    The function must return the (N,) integer labels of the closest
    centroid of every row of X, by squared Euclidean distance, a tie going
    to the lowest index. The fixed cases have 1 to 5 features (chosen so
    that an L1 distance, ``np.sum(x - mu) ** 2``, argmax, or ignoring a
    feature give different labels), exact ties and K = 1.

    Parameters
    ----------
    func : callable
        The student's ``find_closest_centroids``.
    n_random : int, default=3
        Extra cases with random float data, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> import numpy as np
    >>> def find_closest_centroids(X, centroids):
    ...     distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    ...     return np.argmin(distances, axis=1)
    >>> check_find_closest_centroids(find_closest_centroids, n_random=5, seed=1)
    find_closest_centroids: 12/12 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("find_closest_centroids", func)
    cases = []
    for X, C, extra in _FIND_CASES:
        cases.append((f"{X.shape[0]} points, {C.shape[0]} centroid{'s' * (C.shape[0] > 1)}, "
                      f"{X.shape[1]} feature{'s' * (X.shape[1] > 1)}{extra}",
                      lambda X=X, C=C: _find_case(runner, X, C, exact=True)))
    rng = _rng(seed, "find_closest_centroids")
    for _ in range(n_random):
        N, K, n = int(rng.integers(5, 60)), int(rng.integers(2, 9)), int(rng.integers(3, 7))
        X = rng.normal(size=(N, n))
        C = rng.normal(size=(K, n))
        cases.append((f"random: {N} points, {K} centroids, {n} features",
                      lambda X=X, C=C: _find_case(runner, X, C, exact=False)))
    return runner.run(cases)


# ---------------------------------------------------------------------------
# compute_centroids
# ---------------------------------------------------------------------------


def _compute_hint(X, labels, C, expected, got) -> str:
    K = C.shape[0]
    counts = np.bincount(labels, minlength=K)
    filled = counts > 0
    sums = np.zeros_like(C)
    np.add.at(sums, labels, X)

    def same(a, rows=None):
        rows = np.ones(K, dtype=bool) if rows is None else rows
        return np.allclose(a[rows], got[rows], rtol=1e-7, atol=1e-9, equal_nan=True)

    if np.any(~filled) and same(expected, filled):
        empty = got[~filled]
        if np.isnan(empty).any():
            return ("a cluster with no points keeps its old centroid: the mean of an empty "
                    "selection is NaN, so copy centroids[k] when no label equals k")
        if np.all(empty == 0):
            return ("a cluster with no points keeps its old centroid centroids[k], not zeros: "
                    "start from new = centroids.copy() and fill only clusters that have points")
        return ("a cluster with no points keeps its row of centroids unchanged "
                "(start from new = centroids.copy())")
    if same(C, filled) and not same(expected, filled):
        return ("your result is the input centroids: fill row k with the mean of the points "
                "labelled k, X[labels == k].mean(axis=0)")
    if same(sums / K, filled):
        return ("divide by the number of points in cluster k (np.sum(labels == k)), not by K; "
                "or simply use X[labels == k].mean(axis=0)")
    if same(sums / X.shape[0], filled):
        return ("divide by the number of points in cluster k (np.sum(labels == k)), not by N; "
                "or simply use X[labels == k].mean(axis=0)")
    if same(sums, filled):
        return "take the mean of the points of each cluster, not their sum: X[labels == k].mean(axis=0)"
    if same(np.trunc(expected), filled) or same(np.floor(expected), filled):
        if not (np.issubdtype(X.dtype, np.floating) and np.issubdtype(C.dtype, np.floating)):
            return (f"X is {X.dtype} and centroids is {C.dtype} here: new = centroids.copy() "
                    "is then an integer array, and assigning a mean into it cuts off the "
                    "decimals; convert to float first: X = np.asarray(X, dtype=float) and "
                    "new = np.array(centroids, dtype=float)")
        return ("your means were rounded to integers: build the result with a float dtype, "
                "e.g. np.zeros((K, n)) or centroids.astype(float)")
    if same(np.broadcast_to(X.mean(axis=0), C.shape), filled):
        return "average only the points of cluster k: X[labels == k].mean(axis=0), not all of X"
    shifted = C.copy()
    for k in range(K):
        sel = labels == k + 1
        if sel.any():
            shifted[k] = X[sel].mean(axis=0)
    if same(shifted, filled):
        return "row k is the mean of the points with label k: labels count from 0, don't add 1"
    return "row k is the mean of the points labelled k, X[labels == k].mean(axis=0)"


def _compute_case(runner: _Runner, X: np.ndarray, labels: np.ndarray, C: np.ndarray) -> None:
    K, n = C.shape
    expected = _kmeans.compute_centroids(X.copy(), labels.copy(), C.copy())
    got_raw = runner.call((X, labels, C), ("X", "labels", "centroids"))
    _require_ndarray(runner, got_raw, "centroids", expected, "new = centroids.astype(float), filled row by row")
    got = _as_array(got_raw)
    if got is None or got.shape != (K, n):
        hint = _none_hint(got_raw, "centroids")
        if hint is None and got is not None:
            used = len(np.unique(labels))
            if got.shape == (n, K):
                hint = "one centroid a row: the result has shape (K, n), not (n, K)"
            elif got.shape == (used, n) and used < K:
                hint = ("keep one row per centroid, K rows, even for a cluster with no points "
                        "(loop over range(K), not over np.unique(labels))")
            else:
                hint = f"return one row per centroid: shape (K, n) = ({K}, {n})"
        runner.fail(_expected_got("centroids", expected, got if got is not None else got_raw),
                    hint or f"return one row per centroid: shape (K, n) = ({K}, {n})")
    numeric = np.issubdtype(got.dtype, np.number) and not np.issubdtype(got.dtype, np.complexfloating)
    close = numeric and np.allclose(got, expected, rtol=1e-9, atol=1e-12)
    if close and np.issubdtype(got.dtype, np.floating):
        return
    lines = _expected_got("centroids", expected, got)
    if close:
        runner.fail(lines, "centroids are means, so return floats: build the result with "
                           "np.zeros((K, n)) or centroids.astype(float)")
    if not numeric:
        runner.fail(lines, "return a numeric array of shape (K, n)")
    if _lower_precision(got) and np.allclose(got, expected, rtol=10 * np.finfo(got.dtype).eps,
                                             atol=10 * np.finfo(got.dtype).tiny):
        lines.append(f"your values match to {got.dtype} precision only (relative error up to "
                     f"{_num(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)))})")
        runner.fail(lines, _precision_hint(got.dtype, "e.g. new = np.array(centroids, dtype=float)"))
    bad = ~np.isclose(got, expected, rtol=1e-9, atol=1e-12)
    k = int(np.argmax(bad.any(axis=1)))
    members = np.flatnonzero(labels == k)
    if members.size == 0:
        lines.append(f"first mismatch at row {k}: cluster {k} has no points, so it keeps "
                     f"centroids[{k}] = {_row(C[k])}")
    else:
        shown = members.tolist() if members.size <= 6 else members[:6].tolist() + ["..."]
        lines.append(f"first mismatch at row {k}: the mean of the {members.size} point"
                     f"{'s' * (members.size > 1)} labelled {k} "
                     f"(X[{shown}]) is {_row(expected[k])}".replace("'", ""))
    runner.fail(lines, _compute_hint(X, labels, C, expected, got))


_COMPUTE_CASES: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = [
    (np.array([[0, 0], [4, 4], [2, 0], [9, 9], [6, 2], [1, 2]], float),
     np.array([0, 1, 0, 2, 1, 0]),
     np.array([[1, 1], [5, 5], [8, 8]], float), ""),
    (np.array([[1, 2, 0, 4], [3, 0, 1, 2], [5, 6, 7, 1], [2, 2, 2, 2], [0, 1, 3, 5],
               [7, 5, 6, 3], [4, 4, 1, 0]], float),
     np.array([0, 3, 1, 0, 3, 1, 0]),
     np.array([[1, 1, 1, 1], [6, 6, 6, 6], [7, -2, 5, 1], [2, 0, 2, 4]], float),
     ", cluster 2 empty"),
    (np.array([[1, 5, 2], [3, 1, 4], [2, 2, 2], [8, 0, 1], [0, 6, 6]], float),
     np.array([1, 0, 1, 0, 1]),
     np.array([[2, 2, 2], [1, 4, 3], [-3, 0.5, 9]], float),
     ", last cluster empty"),
    (np.array([[0.5], [1.5], [4.0], [10.0], [12.0], [11.0]]),
     np.array([2, 2, 0, 1, 1, 1]),
     np.array([[3.0], [9.0], [0.0]]), ""),
    (np.array([[2, 1, 4, 3, 5], [6, 1, 1, 0, 2], [3, 3, 3, 3, 3], [9, 8, 1, 2, 0]], float),
     np.array([1, 1, 1, 1]),
     np.array([[0, 0, 0, 0, 1], [5, 5, 5, 5, 5]], float), ", cluster 0 empty"),
    # Integer inputs (like 8-bit pixel values): the means are not integers, and
    # new = centroids.copy() would be an integer array that cuts them off.
    (np.array([[200, 10, 3], [101, 20, 4], [7, 255, 0], [0, 250, 1], [30, 40, 50]], np.int64),
     np.array([0, 0, 1, 1, 0]),
     np.array([[100, 100, 100], [5, 200, 1], [9, 9, 9]], np.int64),
     ", integer (int64) X and centroids, cluster 2 empty"),
]


def check_compute_centroids(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``compute_centroids(X, labels, centroids)``.

    The function must return the (K, n) float64 means of every cluster; a
    cluster with no points keeps its row of ``centroids``; no input is
    changed. The fixed cases have clusters of different sizes (so dividing
    by K or N, or summing, shows), empty clusters (first, middle, last)
    whose old centroid is not zero, 1 to 5 features, and integer (int64) X
    and centroids, whose means must not be cut to integers. A float32
    result is rejected with a hint about its precision.

    Parameters
    ----------
    func : callable
        The student's ``compute_centroids``.
    n_random : int, default=3
        Extra cases with random data (some with empty clusters), compared
        with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> import numpy as np
    >>> def compute_centroids(X, labels, centroids):
    ...     new = centroids.astype(float)
    ...     for k in range(len(centroids)):
    ...         if np.any(labels == k):
    ...             new[k] = X[labels == k].mean(axis=0)
    ...     return new
    >>> check_compute_centroids(compute_centroids)
    compute_centroids: 9/9 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("compute_centroids", func)
    cases = []
    for X, labels, C, extra in _COMPUTE_CASES:
        cases.append((f"{X.shape[0]} points, {C.shape[0]} clusters, {X.shape[1]} "
                      f"feature{'s' * (X.shape[1] > 1)}{extra}",
                      lambda X=X, labels=labels, C=C: _compute_case(runner, X, labels, C)))
    rng = _rng(seed, "compute_centroids")
    for _ in range(n_random):
        N, K, n = int(rng.integers(4, 60)), int(rng.integers(2, 8)), int(rng.integers(2, 6))
        X = rng.normal(size=(N, n))
        C = rng.normal(size=(K, n))
        labels = rng.integers(0, K, size=N)
        if rng.random() < 0.5:  # empty one cluster
            labels[labels == int(rng.integers(K))] = (int(rng.integers(K)) + 1) % K
        empty = K - len(np.unique(labels))
        extra = f", {empty} empty" if empty else ""
        cases.append((f"random: {N} points, {K} clusters, {n} features{extra}",
                      lambda X=X, labels=labels, C=C: _compute_case(runner, X, labels, C)))
    return runner.run(cases)


# ---------------------------------------------------------------------------
# run_kmeans
# ---------------------------------------------------------------------------


def _history(X: np.ndarray, C0: np.ndarray, rounds: int) -> list[np.ndarray]:
    """Centroids after 0, 1, ..., rounds rounds (reference steps)."""
    out = [C0.copy()]
    C = C0.copy()
    for _ in range(rounds):
        labels = _kmeans.find_closest_centroids(X, C)
        C = _kmeans.compute_centroids(X, labels, C)
        out.append(C)
    return out


def _run_case(runner: _Runner, X: np.ndarray, C0: np.ndarray, max_iters: int) -> None:
    K, n = C0.shape
    N = X.shape[0]
    exp_C, exp_labels = _kmeans.run_kmeans(X.copy(), C0.copy(), max_iters)
    got_raw = runner.call((X, C0, max_iters), ("X", "initial_centroids", "max_iters"))
    if not isinstance(got_raw, (tuple, list)) or len(got_raw) != 2:
        hint = _none_hint(got_raw, "centroids, labels") or "return both results: return centroids, labels"
        runner.fail([f"expected a pair (centroids, labels) of shapes ({K}, {n}) and ({N},)",
                     f"got {_describe(got_raw)}"], hint)
    _require_ndarray(runner, got_raw[0], "centroids", exp_C,
                     "the array compute_centroids returns")
    _require_ndarray(runner, got_raw[1], "labels", exp_labels,
                     "the array find_closest_centroids returns")
    got_C, got_labels = (_as_array(v) for v in got_raw)
    if got_C is not None and got_labels is not None and got_C.shape == (N,) and got_labels.shape == (K, n):
        runner.fail([f"expected a pair (centroids, labels) of shapes ({K}, {n}) and ({N},)",
                     f"got shapes {got_C.shape} and {got_labels.shape}"],
                    "return the centroids first, then the labels: return centroids, labels")
    if got_C is None or got_C.shape != (K, n):
        runner.fail(_expected_got("centroids", exp_C, got_C if got_C is not None else got_raw[0]),
                    f"the first result is the centroids, shape (K, n) = ({K}, {n})")
    if not np.issubdtype(got_C.dtype, np.number) or np.issubdtype(got_C.dtype, np.complexfloating):
        runner.fail(_expected_got("centroids", exp_C, got_C),
                    "the first result is the centroids, a float array of shape (K, n)")
    hist = _history(X, C0, max_iters + 1)
    if not np.allclose(got_C, exp_C, rtol=1e-9, atol=1e-12):
        lines = _expected_got(f"centroids after {max_iters} rounds", exp_C, got_C)
        bad = ~np.isclose(got_C, exp_C, rtol=1e-9, atol=1e-12)
        k = int(np.argmax(bad.any(axis=1)))
        lines.append(f"first mismatch at row {k}: after {max_iters} round"
                     f"{'s' * (max_iters != 1)} from these initial centroids, centroid {k} is at "
                     f"{_row(exp_C[k])}")

        def near(C):
            return np.allclose(got_C, C, rtol=1e-9, atol=1e-12)

        def rounds(r):
            return f"{r} round{'s' * (r != 1)}"

        early = [r for r in range(1, max_iters - 1) if near(hist[r])]
        if _lower_precision(got_C) and np.allclose(got_C, exp_C, rtol=10 * np.finfo(got_C.dtype).eps,
                                                   atol=10 * np.finfo(got_C.dtype).tiny):
            hint = _precision_hint(got_C.dtype, "centroids = np.array(initial_centroids, dtype=float)")
        elif near(hist[max_iters + 1]):
            hint = (f"you ran {rounds(max_iters + 1)} instead of max_iters = {max_iters}: "
                    "loop for i in range(max_iters)")
        elif max_iters >= 2 and near(hist[max_iters - 1]):
            hint = (f"you ran {rounds(max_iters - 1)} instead of max_iters = {max_iters}: "
                    "loop for i in range(max_iters)")
        elif max_iters >= 1 and near(hist[0]):
            hint = ("the centroids never move: loop for i in range(max_iters) and store each "
                    "update, centroids = compute_centroids(X, labels, centroids)")
        elif early:
            hint = (f"you stopped after {rounds(early[-1])} instead of max_iters = {max_iters}, "
                    "though the centroids were still moving: run every round, for i in "
                    "range(max_iters), with no cap on the number of rounds and no early stop "
                    "on a tolerance")
        else:
            hint = ("each round: labels = find_closest_centroids(X, centroids), then "
                    "centroids = compute_centroids(X, labels, centroids)")
        runner.fail(lines, hint)
    if got_labels is None or got_labels.shape != (N,):
        runner.fail(_expected_got("labels", exp_labels, got_labels if got_labels is not None else got_raw[1]),
                    f"the second result is the labels, one per point: shape ({N},)")
    if got_labels.dtype == bool or not np.issubdtype(got_labels.dtype, np.integer):
        runner.fail(_expected_got("labels", exp_labels, got_labels),
                    "labels index the centroids, so they must be integers (np.argmin returns "
                    "integers; np.zeros(N) makes floats)")
    if np.array_equal(got_labels, exp_labels):
        return
    lines = _expected_got("labels", exp_labels, got_labels)
    i = int(np.argmax(got_labels != exp_labels))
    d = _sq_distances(X[i:i + 1], exp_C)[0]
    lines.append(f"first mismatch at index {i}: X[{i}] = {_row(X[i])} is closest to returned "
                 f"centroid {int(exp_labels[i])} (squared distance {_num(d[exp_labels[i]])})"
                 + (f", not {int(got_labels[i])} ({_num(d[got_labels[i]])})"
                    if 0 <= got_labels[i] < K else ""))
    if max_iters >= 1 and np.array_equal(got_labels, _kmeans.find_closest_centroids(X, hist[max_iters - 1])):
        hint = ("your labels belong to the centroids before the last update: after the loop, "
                "assign again, labels = find_closest_centroids(X, centroids)")
    else:
        hint = ("the labels must be the assignment to the returned centroids: "
                "labels = find_closest_centroids(X, centroids) after the last update")
    runner.fail(lines, hint)


def _blobs(rng: np.random.Generator, N: int, K: int, n: int) -> np.ndarray:
    centres = rng.uniform(-5, 5, size=(K, n))
    return centres[rng.integers(0, K, size=N)] + rng.normal(scale=1.0, size=(N, n))


def _run_cases() -> list[tuple[np.ndarray, np.ndarray, int, str]]:
    rng = np.random.default_rng(7)
    X1 = _blobs(rng, 30, 3, 3)
    X2 = _blobs(rng, 40, 4, 4)
    # Cluster 1 has two points at first and none after the first update.
    X3 = np.array([[9, 6, 4], [9, 3, 7], [5, 8, 1], [8, 4, 5], [2, 0, 7], [3, 3, 9],
                   [7, 9, 2]], float)
    C3 = np.array([[9, 4, 4], [1, 5, 3], [7, 4, 9]], float)
    X4 = np.array([[0.0], [1.0], [10.0], [11.0], [20.0]])
    C4 = np.array([[0.0], [1.0], [100.0]])
    # Slow convergence: a grey ramp from black to white, the centroids start at
    # its black end and creep along it by less than 0.05 a round; they still
    # move at rounds 7, 8 and 9, so one round too many or too few, a cap on
    # the rounds, or an early stop on a loose tolerance all show.
    t = np.linspace(0.0, 1.0, 25)
    X5 = np.stack([t, t, t], axis=1)
    return [
        (X1, X1[[0, 1, 2]].copy(), 0, ", max_iters=0"),
        (X1, X1[[3, 7, 11]].copy(), 1, ", max_iters=1"),
        (X2, X2[[0, 5, 10, 15]].copy(), 4, ", max_iters=4"),
        (X3, C3, 3, ", a cluster empties"),
        (X4, C4, 2, ", a centroid never gets points"),
        (X1, X1[[5, 6, 7]].copy(), 10, ", max_iters=10"),
        (X5, X5[:3].copy(), 8, ", max_iters=8, a grey ramp: still moving at round 8"),
    ]


_RUN_CASES = _run_cases()


def check_run_kmeans(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``run_kmeans(X, initial_centroids, max_iters)``.

    The function must run ``max_iters`` rounds of assignment then update
    from ``initial_centroids`` and return ``(centroids, labels)``, the labels
    being the assignment to the returned centroids. Results are compared
    with the reference :func:`kmeans_lab.run_kmeans` from the same initial
    centroids, including ``max_iters=0``, clusters that empty, and a
    slowly converging case (centroids still moving at round ``max_iters``,
    so one round too many or too few, a cap or an early stop show). Calling
    the reference ``find_closest_centroids`` / ``compute_centroids`` is
    allowed; calling the reference ``run_kmeans`` or a library K-means
    (scikit-learn, SciPy) is not.

    Parameters
    ----------
    func : callable
        The student's ``run_kmeans``.
    n_random : int, default=3
        Extra cases with random blobs, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> from kmeans_lab import find_closest_centroids, compute_centroids
    >>> def run_kmeans(X, initial_centroids, max_iters):
    ...     centroids = initial_centroids.copy()
    ...     for _ in range(max_iters):
    ...         labels = find_closest_centroids(X, centroids)
    ...         centroids = compute_centroids(X, labels, centroids)
    ...     return centroids, find_closest_centroids(X, centroids)
    >>> check_run_kmeans(run_kmeans)
    run_kmeans: 10/10 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("run_kmeans", func)
    cases = []
    for X, C0, m, extra in _RUN_CASES:
        cases.append((f"{X.shape[0]} points, {C0.shape[0]} centroids, {X.shape[1]} "
                      f"feature{'s' * (X.shape[1] > 1)}{extra}",
                      lambda X=X, C0=C0, m=m: _run_case(runner, X, C0, m)))
    rng = _rng(seed, "run_kmeans")
    for _ in range(n_random):
        N, K, n = int(rng.integers(10, 60)), int(rng.integers(2, 6)), int(rng.integers(2, 5))
        X = _blobs(rng, N, K, n)
        C0 = X[rng.choice(N, size=K, replace=False)].copy()
        m = int(rng.integers(0, 8))
        cases.append((f"random: {N} points, {K} centroids, {n} features, max_iters={m}",
                      lambda X=X, C0=C0, m=m: _run_case(runner, X, C0, m)))
    return runner.run(cases)


# ---------------------------------------------------------------------------
# compressed_bits
# ---------------------------------------------------------------------------


def _index_bits(K: int) -> int:
    return (K - 1).bit_length()


def _bits_hint(n: int, K: int, got: Any) -> str:
    b = _index_bits(K)
    candidates: list[tuple[Callable[[], float], str]] = [
        (lambda: n * b, "add the palette: 24 bits (one RGB colour) for each of the K colours"),
        (lambda: 8 * K + n * b, "each palette colour is an RGB triple: 3 x 8 = 24 bits, not 8"),
        (lambda: 24 * K + n * math.log2(K),
         "an index is a whole number of bits: round log2(K) up, math.ceil(math.log2(K))"),
        (lambda: int(24 * K + n * math.log2(K)),
         "an index is a whole number of bits: round log2(K) up, math.ceil(math.log2(K)), "
         "before multiplying by n_pixels"),
        (lambda: 24 * K + n * math.floor(math.log2(K)),
         f"round the bits per index up (ceil), not down: {K} colours need {b} bits per index "
         f"(indices 0 to {K - 1}); floor(log2 K) and ceil(log2(K - 1)) give {b - 1}"),
        (lambda: 24 * K + n * math.ceil(math.log2(K - 1)) if K > 1 else None,
         f"the bits per index are ceil(log2 K), not ceil(log2(K - 1)): {K} colours need "
         f"{b} bit{'s' * (b != 1)}"),
        (lambda: 24 * K + n * max(1, b) if K == 1 else None,
         "with K = 1 every pixel has the same colour: 0 bits per index (log2 1 = 0)"),
        (lambda: 24 * K + n * K.bit_length(),
         f"the indices go from 0 to K - 1, so they need ceil(log2 K) = (K - 1).bit_length() "
         f"bits: {K} colours need {b}, not K.bit_length() = {K.bit_length()}"),
        (lambda: 24 * n + n * b, "the palette has K colours: 24 * K bits, not 24 * n_pixels"),
        (lambda: 24 * K * n, "compressed bits are 24 * K (palette) + n_pixels * ceil(log2 K) (indices)"),
    ]
    for value, hint in candidates:
        try:
            v = value()
        except (ValueError, OverflowError):
            continue
        if v is not None and v != 24 * K + n * b and math.isclose(float(got), float(v), rel_tol=1e-12):
            return hint
    return "compressed bits = 24 * K (palette) + n_pixels * ceil(log2 K) (one index per pixel)"


_BITS_CASES = [(100, 3), (16384, 16), (1000, 2), (100, 1), (50, 5), (10, 4), (7, 17), (1, 256),
               (300, 257), (640 * 480, 64)]


def check_compressed_bits(func: Callable, *, n_random: int = 3, seed: int = 0) -> CheckResult:
    """Check a student's ``compressed_bits(n_pixels, K)``.

    The function must return, as an int, ``24 * K + n_pixels * ceil(log2 K)``:
    the palette (24 bits a colour) plus one index per pixel (0 bits when
    K = 1). Cases include K = 1, powers of two and their neighbours.

    Parameters
    ----------
    func : callable
        The student's ``compressed_bits``.
    n_random : int, default=3
        Extra cases with random sizes, compared with the reference.
    seed : int, default=0
        Seed of the random cases.

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckFailure
        On the first failing case, with a hint.

    Examples
    --------
    >>> import math
    >>> check_compressed_bits(lambda n_pixels, K: 24 * K + n_pixels * math.ceil(math.log2(K)))
    compressed_bits: 13/13 checks passed
    """
    n_random, seed = _check_options(n_random, seed)
    runner = _Runner("compressed_bits", func)
    cases_in = list(_BITS_CASES)
    rng = _rng(seed, "compressed_bits")
    for _ in range(n_random):
        cases_in.append((int(rng.integers(1, 10**6)), int(rng.integers(1, 5000))))

    def body(n, K):
        expected = _compression.compressed_bits(n, K)
        got = runner.call((n, K), ("n_pixels", "K"))
        b = _index_bits(K)
        formula = f"24 * {K} + {n} * {b} = {expected} (int)"
        is_int = isinstance(got, (numbers.Integral,)) and not isinstance(got, (bool, np.bool_))
        if is_int and int(got) == expected:
            return
        lines = [f"expected {formula}", f"got      {_describe(got)}",
                 f"{K} colour{'s' * (K > 1)} need ceil(log2 {K}) = {b} bit{'s' * (b != 1)} per index"
                 + (f" (indices 0 to {K - 1})" if K > 1 else "")]
        if got is None:
            runner.fail(lines, "your function returns None: end it with return bits")
        if isinstance(got, (numbers.Real, np.generic)) and not isinstance(got, (bool, np.bool_)) \
                and np.isfinite(float(got)):
            if float(got) == expected:
                runner.fail(lines, "return an int: math.ceil returns an int but np.ceil and "
                                   "np.log2 give floats; convert with int(...)")
            runner.fail(lines, _bits_hint(n, K, got))
        runner.fail(lines, "return the number of bits as an int")

    cases = [(f"n_pixels={n}, K={K}", lambda n=n, K=K: body(n, K)) for n, K in cases_in]
    return runner.run(cases)


# ---------------------------------------------------------------------------
# student_or_reference
# ---------------------------------------------------------------------------

_CHECKS: dict[str, Callable[..., CheckResult]] = {
    "image_to_pixels": check_image_to_pixels,
    "pixels_to_image": check_pixels_to_image,
    "init_centroids": check_init_centroids,
    "find_closest_centroids": check_find_closest_centroids,
    "compute_centroids": check_compute_centroids,
    "run_kmeans": check_run_kmeans,
    "compressed_bits": check_compressed_bits,
}


def student_or_reference(func: Callable | None, name: str | None = None, *, verbose: bool = True) -> Callable:
    """Return the student's function if it passes its check, else the reference.

    Later cells of a notebook call this, so a notebook whose exercises are
    not all done (or not all right) still runs from top to bottom. It prints
    one line saying which function is used and why.

    Parameters
    ----------
    func : callable or None
        The student's function, e.g. ``find_closest_centroids``.
    name : str, optional
        The exercise; defaults to ``func.__name__``. One of
        :data:`EXERCISES`.
    verbose : bool, default=True
        Print the one-line explanation.

    Returns
    -------
    callable
        ``func`` when its check passes, otherwise the course's reference
        implementation (e.g. :func:`kmeans_lab.find_closest_centroids`).

    Raises
    ------
    ValueError
        If the exercise cannot be told from ``name`` or ``func.__name__``.

    Examples
    --------
    >>> def find_closest_centroids(X, centroids):
    ...     raise NotImplementedError()
    >>> f = student_or_reference(find_closest_centroids)
    using the reference find_closest_centroids: yours is not implemented yet
    >>> f.__module__
    'kmeans_lab.kmeans'
    """
    if name is None:
        name = getattr(func, "__name__", None)
    if name not in _CHECKS:
        raise ValueError(
            f"cannot tell which exercise {name!r} is; pass name=, one of {', '.join(EXERCISES)}"
        )
    reference = _REFERENCES[name]
    if func is None or not callable(func):
        if verbose:
            print(f"using the reference {name}: yours is not defined")
        return reference
    try:
        result = _CHECKS[name](func)
    except CheckFailure as failure:
        if verbose:
            print(f"using the reference {name}: yours {failure.reason}")
        return reference
    if verbose:
        print(f"using your {name}: it passes its check ({result.n_passed}/{result.n_total})")
    return func
