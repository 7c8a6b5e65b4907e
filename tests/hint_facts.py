"""Verifying a check's hint on its own: is it a fact about the case, or a proved diagnosis?

Used by the hint audit (:mod:`hint_audit`) and the property tests of
``tests/test_hints.py``. Nothing here trusts the check's own reasoning:

- :func:`behaves_like` calls the implementation and the named mistake on every
  probe of the exercise and compares the outputs itself;
- :func:`verify` reads the numbers a fact hint states (with the regular
  expressions of :data:`FACTS`), computes them again from the failing case's
  inputs (:func:`kmeans_lab.checks.case_inputs`) and from what the
  implementation returns on them, and says whether every one is true.

A hint that matches no pattern is not verified: it counts as neither.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from kmeans_lab import kmeans as _kmeans
from kmeans_lab.checks import case_inputs
from kmeans_lab.checks.registry import REGISTRY

__all__ = ["behaves_like", "verify", "outputs", "FACTS"]


def _module(exercise: str):
    return importlib.import_module(f"kmeans_lab.checks.{exercise}")


def _copies(args: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def outputs(func: Callable, args: tuple) -> Any:
    """What ``func`` returns on copies of ``args``, or the class name of what it raised."""
    try:
        return func(*_copies(args))
    except Exception as exc:
        return ("raised", type(exc).__name__)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and a[:1] == ("raised",):
        return a == b
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return False
        if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
            return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
        return bool(np.array_equal(a, b))
    if a is None or b is None:
        return a is b
    try:
        return bool(np.isclose(float(a), float(b), rtol=1e-12, atol=0))
    except (TypeError, ValueError):
        return a == b


def behaves_like(exercise: str, func: Callable, mistake: str) -> bool:
    """True when ``func`` gives the output of the mistake named ``mistake`` on every probe."""
    module = _module(exercise)
    known = {m.name: m for m in getattr(module, "MISTAKES", ())}
    if mistake not in known:
        return False
    return all(
        _equal(outputs(func, args), outputs(known[mistake].wrong, args)) for args in module.probes()
    )


# -- facts -------------------------------------------------------------------------------


def _numbers(text: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?|nan", text)])


def _close(stated: np.ndarray, true: Any, rel: float = 1e-5) -> bool:
    """Numbers printed with 4 to 6 significant digits against the true ones."""
    true = np.asarray(true, dtype=float).ravel()
    return stated.shape == true.shape and bool(
        np.allclose(stated, true, rtol=rel, atol=1e-4, equal_nan=True)
    )


def _case_number(failure) -> int | None:
    match = re.search(r": case (\d+) of \d+", str(failure).splitlines()[0])
    return int(match.group(1)) if match else None


def _find(m, args, got) -> bool:
    X, C = args
    i, e, g = int(m["i"]), int(m["e"]), int(m["g"])
    d = ((X[i] - C) ** 2).sum(axis=1)
    return (
        int(m["K"]) == len(C)
        and _close(_numbers(m["d"]), d)
        and e == int(np.argmin(d))
        and int(np.asarray(got)[i]) == g
    )


def _find_tie(m, args, got) -> bool:
    X, C = args
    i, e, g = int(m["i"]), int(m["e"]), int(m["g"])
    d = ((X[i] - C) ** 2).sum(axis=1)
    ties = [int(v) for v in re.findall(r"\d+", m["ties"])]
    return (
        ties == np.flatnonzero(d == d.min()).tolist()
        and e == ties[0]
        and _close(_numbers(m["d"]), d.min())
        and int(np.asarray(got)[i]) == g
    )


def _find_invalid(m, args, got) -> bool:
    X, C = args
    i = int(m["i"])
    value = np.asarray(got)[i]
    return (
        int(m["K"]) == len(C)
        and str(value) == m["v"]
        and not (float(value).is_integer() and 0 <= value < len(C))
    )


def _compute(m, args, got) -> bool:
    X, labels, C = args
    k, count = int(m["k"]), int(m["m"])
    members = X[labels == k]
    got = np.asarray(got, dtype=float)
    ok = (
        len(members) == count
        and _close(_numbers(m["mean"]), members.mean(axis=0))
        and _close(_numbers(m["yours"]), got[k])
    )
    if m["sum"]:
        divisor = float(m["div"] or 1)
        ok = ok and np.allclose(members.sum(axis=0) / divisor, got[k], rtol=1e-9)
    return ok


def _compute_empty(m, args, got) -> bool:
    X, labels, C = args
    k = int(m["k"])
    return (
        not np.any(labels == k)
        and _close(_numbers(m["old"]), C[k])
        and _close(_numbers(m["yours"]), np.asarray(got, dtype=float)[k])
    )


def _bits(m, args, got) -> bool:
    n, K = args
    b = (K - 1).bit_length()
    ok = (int(m["palette"]), int(m["n"]), int(m["b"]), int(m["total"])) == (
        24 * K,
        n,
        b,
        24 * K + n * b,
    ) and m["yours"].startswith(repr(got))
    if m["per"]:
        ok = ok and np.isclose(24 * K + n * float(m["per"]), float(got), rtol=1e-5)
    return ok


def _history(X, C0, rounds):
    out, C = [C0.copy()], C0.copy()
    for _ in range(rounds):
        C = _kmeans.compute_centroids(X, _kmeans.find_closest_centroids(X, C), C)
        out.append(C)
    return out


def _run_rounds(m, args, got) -> bool:
    X, C0, max_iters = args
    r = 0 if m["r"] is None else int(m["r"])
    hist = _history(X, C0, max(r, max_iters) + 1)
    return int(m["m"]) == max_iters and np.allclose(got[0], hist[r], rtol=1e-9, atol=1e-12)


def _run_other(m, args, got) -> bool:
    X, C0, max_iters = args
    k, last = int(m["k"]), int(m["last"])
    hist = _history(X, C0, last)
    mine = np.asarray(got[0], dtype=float)
    return (
        int(m["m"]) == max_iters
        and _close(_numbers(m["at"]), hist[max_iters][k])
        and _close(_numbers(m["yours"]), mine[k])
        and not any(np.allclose(mine, h, rtol=1e-9, atol=1e-12) for h in hist)
    )


def _tuple(m, args, got) -> bool:
    return isinstance(got, tuple) and len(got) == int(m["n"])


def _shape(m, args, got) -> bool:
    return tuple(np.shape(got)) == tuple(int(v) for v in re.findall(r"\d+", m["shape"]))


def _own_shape(m, args, got) -> bool:
    return np.shape(got) == np.shape(args[0])


def _vector(m, args, got) -> bool:
    return np.ndim(got) == 1 and np.size(got) == int(m["n"]) == np.size(args[0])


def _reordered(m, args, got) -> bool:
    return np.array_equal(np.sort(got, axis=None), np.sort(args[0], axis=None))


def _foreign(m, args, got) -> bool:
    return not np.array_equal(np.sort(got, axis=None), np.sort(args[0], axis=None))


def _none(m, args, got) -> bool:
    return got is None


def _list(m, args, got) -> bool:
    return isinstance(got, list) or (
        isinstance(got, tuple) and any(isinstance(v, list) for v in got)
    )


def _integer_means(m, args, got) -> bool:
    X, labels, C = args
    expected = _kmeans.compute_centroids(X, labels, C)
    got = np.asarray(got, dtype=float)
    return (
        (str(X.dtype), str(C.dtype)) == (m["x"], m["c"])
        and np.all(got == np.round(got))
        and not np.all(expected == np.round(expected))
    )


def _run_stale_labels(m, args, got) -> bool:
    X, C0, max_iters = args
    r, returned = int(m["r"]), int(m["m"])
    hist = _history(X, C0, max_iters)
    return (
        returned == max_iters
        and np.array_equal(got[1], _kmeans.find_closest_centroids(X, hist[r]))
        and np.allclose(got[0], hist[max_iters], rtol=1e-9, atol=1e-12)
    )


def _run_not_closest(m, args, got) -> bool:
    X, C0, max_iters = args
    i, e = int(m["i"]), int(m["e"])
    d = ((X[i] - np.asarray(got[0], dtype=float)) ** 2).sum(axis=1)
    return (
        e == int(np.argmin(d))
        and _close(_numbers(m["d"]), d[e])
        and int(got[1][i]) == int(m["g"])
        and int(got[1][i]) != e
    )


def _run_pair_shapes(m, args, got) -> bool:
    shape = lambda text: tuple(int(v) for v in re.findall(r"\d+", text))  # noqa: E731
    return np.shape(got[0]) == shape(m["a"]) and np.shape(got[1]) == shape(m["b"])


def _run_not_pair(m, args, got) -> bool:
    if m["shape"]:
        return isinstance(got, np.ndarray) and got.shape == tuple(
            int(v) for v in re.findall(r"\d+", m["shape"])
        )
    return type(got).__name__ == m["type"]


def _dtype(m, args, got) -> bool:
    which = m.groupdict().get("which")
    if isinstance(got, tuple):
        got = got[1] if which == "labels" else got[0]
    return str(np.asarray(got).dtype) == m["dtype"]


def _precision(m, args, got) -> bool:
    return _dtype(m, args, got) and np.finfo(m["dtype"]).precision == int(m["digits"])


def _same_values_dtype(m, args, got) -> bool:
    got = np.asarray(got)
    return _dtype(m, args, got) and np.array_equal(
        np.sort(got, axis=None), np.sort(args[0].astype(got.dtype), axis=None)
    )


def _foreign_dtype(m, args, got) -> bool:
    return _dtype(m, args, got) and not np.array_equal(
        np.sort(np.asarray(got, dtype=float), axis=None),
        np.sort(np.asarray(args[0], dtype=float), axis=None),
    )


def _right_but_type(m, args, got) -> bool:
    reference = REGISTRY["compressed_bits"].reference_function()
    return type(got).__name__ == m["t"] and float(got) == reference(*args)


_NUM = r"-?[\d.e+-]+"

#: (pattern of a fact hint, function(match, case arguments, returned value) -> true?).
FACTS: list[tuple[str, Callable]] = [
    (
        r"^your (?P<which>result|labels|centroids) (?:is|are) (?P<dtype>float\d+), which keeps "
        r"only about (?P<digits>\d+) significant digits",
        _precision,
    ),
    (
        r"the squared distances from X\[(?P<i>\d+)\] to the (?P<K>\d+) centroids are "
        r"(?P<d>\[[^\]]*\]): the smallest is centroid (?P<e>\d+)'s, your function returned "
        r"(?P<g>\d+)",
        _find,
    ),
    (
        r"X\[(?P<i>\d+)\] is at the same squared distance \((?P<d>[^)]*)\) from centroids "
        r"(?P<ties>[\d, and]+): a tie goes to the lowest index, (?P<e>\d+); your function "
        r"returned (?P<g>\d+)",
        _find_tie,
    ),
    (
        r"label (?P<v>\S+) at index (?P<i>\d+) is not the position of a centroid: with "
        r"(?P<K>\d+) centroids",
        _find_invalid,
    ),
    (
        r"row (?P<k>\d+) should be the mean of the (?P<m>\d+) points? labelled \d+, "
        r"\((?P<mean>[^)]*)\); yours is \((?P<yours>[^)]*)\)(?P<sum>, their sum"
        r"(?: divided by (?P<div>\d+))?)?$",
        _compute,
    ),
    (
        r"no point has label (?P<k>\d+), so row \d+ stays centroids\[\d+\] = "
        r"\((?P<old>[^)]*)\); yours is \((?P<yours>[^)]*)\)$",
        _compute_empty,
    ),
    (
        r"the palette's (?P<palette>\d+) bits \(24 a colour\) plus (?P<n>\d+) pixels? x "
        r"(?P<b>\d+) bits? make (?P<total>\d+); yours is (?P<yours>.+?)"
        r"(?:, which is \d+ \+ \d+ x (?P<per>" + _NUM + r"))?$",
        _bits,
    ),
    (
        r"^your centroids are (?:the initial centroids \(the algorithm's after 0 rounds\)|the "
        r"algorithm's centroids after (?P<r>\d+) rounds? from these initial centroids); "
        r"max_iters = (?P<m>\d+) asks for",
        _run_rounds,
    ),
    (
        r"^after (?P<m>\d+) rounds? from these initial centroids centroid (?P<k>\d+) is at "
        r"(?P<at>\[[^\]]*\]), yours at (?P<yours>\[[^\]]*\]), and your centroids are not the "
        r"algorithm's after any number of rounds from 0 to (?P<last>\d+)$",
        _run_other,
    ),
    (r"^your function returned a tuple of (?P<n>\d+) value", _tuple),
    (
        r"^your function returned (?:an array of shape (?P<shape>\([\d, ]*\))|a (?P<type>\w+)); "
        r"the exercise returns 2 values",
        _run_not_pair,
    ),
    (
        r"^X is (?P<x>\w+) and centroids is (?P<c>\w+) here, and your means are whole numbers",
        _integer_means,
    ),
    (
        r"^your labels are the assignment to the centroids after (?P<r>\d+) rounds?, not to "
        r"the centroids you returned \(after (?P<m>\d+) rounds?\)$",
        _run_stale_labels,
    ),
    (
        r"^your labels are not the closest of the centroids you returned: X\[(?P<i>\d+)\] is "
        r"nearest to centroid (?P<e>\d+) \(squared distance (?P<d>[^)]*)\), your label is "
        r"(?P<g>-?\d+)",
        _run_not_closest,
    ),
    (
        r"^your first result has shape (?P<a>\([\d, ]*\)) and your second (?P<b>\([\d, ]*\))",
        _run_pair_shapes,
    ),
    (r"^your function returns None", _none),
    (r"not a Python list", _list),
    (r"^your result has shape (?P<shape>\([\d, ]*\))", _shape),
    (r"^your result has shape \([A-Z *,]+\) = (?P<shape>\([\d, ]*\))", _shape),
    (r"^your result has the (?:image|pixels)'s? own shape", _own_shape),
    (r"^your result is one long vector of H \* W \* C = (?P<n>\d+) values", _vector),
    (r"^your (?:rows hold the image's values|image holds the pixels) in another order", _reordered),
    (
        r"^your (?:rows hold values that are not in the image|image holds values that are not)",
        _foreign,
    ),
    (r"the dtype (?:is )?(?P<dtype>\w+)", _dtype),
    (r"^your values are the input's, in dtype (?P<dtype>\w+)", _same_values_dtype),
    (
        r"^your result's values are not the input's values, and its dtype is (?P<dtype>\w+)",
        _foreign_dtype,
    ),
    (r"^your number is right but a (?P<t>\w+)", _right_but_type),
    (r"^your (?P<which>result|labels|centroids) (?:is|are) (?P<dtype>float\d+|int\d+)\b", _dtype),
]

# -- init_centroids: facts about one call or many, verified by calling again -------------
#
# Its result is random, so a fact is checked by calling the function again: with the
# Generator the message shows (``np.random.default_rng(<seed>)``), or over many calls
# (with the check's own seeds where a count is stated, with other seeds where a row or a
# pair is said never to come out: a function that truly never gives it never does).


def _shown_seed(failure) -> int | None:
    seeds = re.findall(r"default_rng\((\d+)\)", str(failure))
    return int(seeds[-1]) if seeds else None


def _init_call(func, X, K, seed):
    return outputs(func, (X, K, np.random.default_rng(seed)))


def _row_in(rows: np.ndarray, r: np.ndarray) -> int:
    return int(np.all(np.asarray(rows) == r, axis=1).sum())


def _init_global(m, func, X, K, failure) -> bool:
    state = np.random.get_state()
    try:
        _init_call(func, X, K, int(m["s"]))
        after = np.random.get_state()
    finally:
        np.random.set_state(state)
    return not all(np.array_equal(a, b) for a, b in zip(state, after))


def _init_not_a_row(m, func, X, K, failure) -> bool:
    got = np.asarray(_init_call(func, X, K, _shown_seed(failure)), dtype=float)
    r = got[int(m["i"])]
    ok = _close(_numbers(m["r"]), r, rel=1e-3) and _row_in(X, r) == 0
    if m["cols"]:
        ok = ok and all(np.isin(r[j], X[:, j]) for j in range(X.shape[1]))
    return ok


def _init_position_twice(m, func, X, K, failure) -> bool:
    got = np.asarray(_init_call(func, X, K, _shown_seed(failure)))
    return int(m["n"]) > 1 and _row_in(got, X[int(m["p"])]) == int(m["n"])


def _init_row_too_often(m, func, X, K, failure) -> bool:
    got = np.asarray(_init_call(func, X, K, _shown_seed(failure)))
    r = _numbers(m["r"])
    return _row_in(got, r) == int(m["n"]) > int(m["m"]) == _row_in(X, r)


def _init_rng_unused(m, func, X, K, failure) -> bool:
    rng = np.random.default_rng(int(m["s"]))
    before = rng.bit_generator.state
    got = outputs(func, (X, K, rng))
    ok = rng.bit_generator.state == before
    if m["first"]:
        ok = ok and np.array_equal(np.asarray(got), X[:K])
    return ok


def _init_same_seed(m, func, X, K, failure) -> bool:
    s = int(m["s"])
    return not _equal(_init_call(func, X, K, s), _init_call(func, X, K, s))


def _init_same_for_all(m, func, X, K, failure) -> bool:
    results = [_init_call(func, X, K, s) for s in range(int(m["n"]))]
    return all(_equal(results[0], r) for r in results[1:])


def _init_misses(m, func, X, K, failure) -> bool:
    got = np.asarray(_init_call(func, X, int(m["N"]), _shown_seed(failure)))
    return int(m["N"]) == len(X) and _row_in(got, X[int(m["k"])]) == 0


def _positions(X, got) -> list[int]:
    return [i for i in range(len(X)) if _row_in(got, X[i])]


def _init_never(m, func, X, K, failure) -> bool:
    K = 1 if m["k1"] else K
    k = int(m["k"])
    if m["last"] and k != len(X) - 1:
        return False
    return all(
        k not in _positions(X, np.asarray(_init_call(func, X, K, s))) for s in range(int(m["M"]))
    )


def _init_never_together(m, func, X, K, failure) -> bool:
    i, j = int(m["i"]), int(m["j"])
    for s in range(int(m["M"])):
        chosen = _positions(X, np.asarray(_init_call(func, X, K, s)))
        if i in chosen and j in chosen:
            return False
    return int(m["K"]) == K


def _check_seeds(case_key: int, M: int) -> list[int]:
    """The seeds the visible check (seed 0) gives its many calls of one case."""
    from kmeans_lab.checks.init_centroids_calls import call_seed

    return [call_seed(0, case_key, k) for k in range(M)]


def _init_count(m, func, X, K, failure) -> bool:
    M, k = int(m["M"]), int(m["k"])
    counts = np.zeros(len(X), dtype=int)
    for s in _check_seeds(6, M):
        counts[_positions(X, np.asarray(_init_call(func, X, K, s)))] += 1
    return counts[k] == int(m["c"]) and round(M * K / len(X)) == int(m["e"])


def _init_colours(m, func, X, K, failure) -> bool:
    colours = np.unique(X, axis=0)
    order = [tuple(c) for c in colours]
    counts = {c: 0 for c in order}
    for s in _check_seeds(10, int(m["M"])):
        counts[tuple(np.asarray(_init_call(func, X, 1, s))[0])] += 1
    stated = [int(v) for v in re.findall(r"\d+", m["c"])]
    # the hint lists the colours in the order of the check's COLOURS, most frequent first
    held = {c: _row_in(X, np.array(c)) for c in order}
    by_frequency = sorted(order, key=lambda c: -held[c])
    return stated == [counts[c] for c in by_frequency] and int(m["n"]) == len(colours)


#: (pattern of an init_centroids fact, function(match, func, X, K, failure) -> true?).
INIT_FACTS: list[tuple[str, Callable]] = [
    (
        r"^NumPy's global random state changed during the call with rng = "
        r"np.random.default_rng\((?P<s>\d+)\)",
        _init_global,
    ),
    (
        r"^row (?P<i>\d+) of your result, (?P<r>\[[^\]]*\]), is not a row of X"
        r"(?P<cols>, though each of its values is in its column of X)?",
        _init_not_a_row,
    ),
    (r"^your result holds X\[(?P<p>\d+)\] (?P<n>\d+) times", _init_position_twice),
    (
        r"^your result holds the row (?P<r>\[[^\]]*\]) (?P<n>\d+) times, but X holds it only "
        r"(?P<m>\d+) times?",
        _init_row_too_often,
    ),
    (
        r"^(?:with K = 1, )?rng = np.random.default_rng\((?P<s>\d+)\) is in the same state after "
        r"the call as before: nothing was drawn from it(?P<first>, and your centroids are the first "
        r"K rows of X)?",
        _init_rng_unused,
    ),
    (
        r"^two calls with np.random.default_rng\((?P<s>\d+)\) returned different centroids",
        _init_same_seed,
    ),
    (
        r"^(?P<n>\d+) Generators with different seeds all gave the same centroids",
        _init_same_for_all,
    ),
    (r"^with K = N = (?P<N>\d+), your result misses row (?P<k>\d+)", _init_misses),
    (
        r"^(?P<k1>with K = 1, )?row (?P<k>\d+)(?P<last>, the last row of X,)? never came out in "
        r"(?P<M>\d+) calls",
        _init_never,
    ),
    (
        r"^rows (?P<i>\d+) and (?P<j>\d+) never came out together in (?P<M>\d+) calls: any "
        r"(?P<K>\d+) rows",
        _init_never_together,
    ),
    (
        r"^row (?P<k>\d+) came out (?P<c>\d+) times in (?P<M>\d+) calls, where a uniform choice "
        r"gives about (?P<e>\d+)",
        _init_count,
    ),
    (
        r"^with K = 1 the (?P<n>\d+) colours came out (?P<c>\[[^\]]*\]) times in (?P<M>\d+) calls",
        _init_colours,
    ),
]


#: Failure kinds whose hint rests on an observation the message itself reports (the
#: forbidden call the profiler saw, the line counts): verified by their kind.
OBSERVED = ("not own work", "Python loop")


def _changed(func: Callable, args: tuple) -> bool:
    fresh = _copies(args)
    try:
        func(*fresh)
    except Exception:
        pass
    return any(
        isinstance(a, np.ndarray)
        and not (a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
        for a, b in zip(args, fresh)
    )


def verify(exercise: str, func: Callable, failure) -> bool:
    """True when ``failure``'s hint is a fact this function verifies on the failing case."""
    if failure.kind in OBSERVED:
        return True
    params = REGISTRY[exercise].params
    if failure.kind == "wrong parameters":
        try:
            names = tuple(inspect.signature(func).parameters)[: len(params)]
            inspect.signature(func).bind(*params)
        except TypeError:
            return True
        return names != params and sorted(names) == sorted(params)
    number = _case_number(failure)
    if failure.kind == "not implemented":
        args = case_inputs(exercise, 1)
        return outputs(func, args) == ("raised", "NotImplementedError")
    if number is None:
        return False
    args = case_inputs(exercise, number)
    if failure.kind == "changed its input":
        return _changed(func, args)
    if exercise == "init_centroids" and failure.kind == "wrong result":
        X, K = args[0], args[1]
        for pattern, check in INIT_FACTS:
            match = re.search(pattern, failure.hint)
            if match:
                try:
                    return bool(check(match, func, X, K, failure))
                except (IndexError, ValueError, TypeError, KeyError):
                    return False
    got = outputs(func, args)
    if failure.kind == "exception":
        raised = re.search(r" raised (\w+) \(", str(failure).splitlines()[0])
        if not (raised and got == ("raised", raised.group(1))):
            return False
        words = re.search(r"in this case (.*?)(?:;|:|$)", failure.hint)
        return words is None or all(
            f"{name} has shape {np.shape(a)}" in words.group(1)
            for name, a in zip(params, args)
            if isinstance(a, np.ndarray)
        )
    for pattern, check in FACTS:
        match = re.search(pattern, failure.hint)
        if match:
            try:
                return bool(check(match, args, got))
            except (IndexError, ValueError, TypeError):
                return False
    return False
