"""Hints are facts or proved diagnoses (issue 19), tested on implementations nobody tuned for.

Every hint a check gives must be either

- a **fact** about the failing case, which :func:`hint_facts.verify` computes again
  from the case's inputs and from what the implementation returns on them, or
- a **diagnosis** naming a known mistake, given only when the implementation
  behaves like that mistake on every probe of its exercise, which
  :func:`hint_facts.behaves_like` checks again by calling both.

The implementations are the catalogue's wrong ones and random perturbations of the
reference (off-by-one, wrong axis, swapped argument, wrong divisor, wrong base,
dropped term, sign flip, dtype change, tuple return, in-place mutation).
"""

from __future__ import annotations

import itertools
import math
import re

import hint_facts
import numpy as np
import pytest

from kmeans_lab import compression, image_io
from kmeans_lab import kmeans as ref
from kmeans_lab.checks import CheckFailure
from kmeans_lab.checks.diagnosis import Raised, signature_of
from kmeans_lab.checks.fallback import check_function
from kmeans_lab.checks.registry import REGISTRY
from tools.catalogue import WRONG

#: The exercises whose hints this file holds to the rule.
STRICT = (
    "image_to_pixels",
    "pixels_to_image",
    "init_centroids",
    "find_closest_centroids",
    "compute_centroids",
    "run_kmeans",
    "compressed_bits",
)


def _module(exercise):
    return hint_facts._module(exercise)


def assert_true_hint(exercise: str, func, failure: CheckFailure) -> None:
    """The rule: a proved diagnosis, or a fact verified on the case's numbers."""
    if failure.claim == "diagnosis":
        assert hint_facts.behaves_like(exercise, func, failure.mistake), (
            f"the hint names {failure.mistake!r}, but the function does not behave like it on "
            f"every probe:\n{failure}"
        )
    else:
        assert hint_facts.verify(exercise, func, failure), (
            f"a hint that is no verified fact:\n{failure}"
        )


# -- the probes ------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", [e for e in STRICT if hasattr(_module(e), "MISTAKES")])
def test_every_mistake_has_its_own_signature_on_the_probes(exercise):
    module = _module(exercise)
    probes = module.probes()
    reference = REGISTRY[exercise].reference_function()
    signatures = {m.name: signature_of(m.wrong, probes) for m in module.MISTAKES}
    signatures["reference"] = signature_of(reference, probes)

    def same(a, b):
        return all(
            x == y if isinstance(x, Raised) or isinstance(y, Raised) else hint_facts._equal(x, y)
            for x, y in zip(a, b)
        )

    for (a, sa), (b, sb) in itertools.combinations(signatures.items(), 2):
        assert not same(sa, sb), f"{exercise}: {a} and {b} give the same outputs on every probe"


def test_one_matching_output_is_not_a_proof():
    # labels sorted per column of the centroids: on the first case they equal what the
    # "square of the sum" mistake gives, but not on the other probes
    def find_closest_centroids(X, centroids):
        C = np.sort(centroids, axis=0)
        return np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)

    with pytest.raises(CheckFailure) as info:
        check_function("find_closest_centroids")(find_closest_centroids)
    assert info.value.claim == "fact" and "square each difference" not in info.value.hint
    assert "the squared distances from X[0]" in info.value.hint
    assert_true_hint("find_closest_centroids", find_closest_centroids, info.value)


# -- the catalogue ---------------------------------------------------------------------


CATALOGUED = [
    pytest.param(ex, w, id=f"{ex}-{w.name}")
    for ex in STRICT
    for w in WRONG[ex]
    if not w.accepted_by
]


@pytest.mark.parametrize("exercise, wrong", CATALOGUED)
def test_catalogued_mistakes_get_true_hints(exercise, wrong):
    with pytest.raises(CheckFailure) as info:
        check_function(exercise)(wrong.func)
    assert_true_hint(exercise, wrong.func, info.value)


# -- random perturbations of the reference ----------------------------------------------


def _perturbations(rng: np.random.Generator) -> dict[str, list]:
    """exercise -> [(name, function)]: the reference with one thing changed, drawn with rng."""
    k = int(rng.integers(1, 4))  # an offset
    dtype = rng.choice(["float32", "int64", "uint8", "float16"])
    base = float(rng.choice([math.e, 10.0, 3.0]))
    div = int(rng.integers(2, 5))

    def as_tuple(f):
        return lambda *a: (f(*a), "extra")

    def mutating(f, index):
        def wrapped(*a):
            out = f(*a)
            a[index][...] = 0
            return out

        return wrapped

    d2 = lambda X, C: ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)  # noqa: E731

    def draw(X, K, r):  # a right init_centroids of the test's own
        return X[r.choice(X.shape[0], size=K, replace=False)]

    def seeds_global(X, K, r):
        np.random.seed(int(r.integers(2**31)))
        return X[np.random.choice(X.shape[0], size=K, replace=False)]

    def weighted(X, K, r):
        w = 1.0 + k * (np.arange(X.shape[0]) == 0)  # row 0 k + 1 times as likely
        return X[r.choice(X.shape[0], size=K, replace=False, p=w / w.sum())]

    def block(X, K, r):
        start = int(r.integers(0, X.shape[0] - K + 1))
        return X[start : start + K].copy()

    out = {
        "init_centroids": [
            ("off_by_one_range", lambda X, K, r: X[r.permutation(X.shape[0] - k)[:K]]),
            ("with_replacement", lambda X, K, r: X[r.integers(0, X.shape[0], size=K)]),
            ("first_rows", lambda X, K, r: X[:K].copy()),
            ("sign_flip", lambda X, K, r: -draw(X, K, r)),
            ("dtype", lambda X, K, r: draw(X, K, r).astype(dtype)),
            ("positions", lambda X, K, r: r.choice(X.shape[0], size=K, replace=False)),
            ("tuple", as_tuple(draw)),
            ("in_place", mutating(draw, 0)),
            ("divided", lambda X, K, r: draw(X, K, r) / div),
            ("dropped_feature", lambda X, K, r: draw(X, K, r)[:, :-1]),
            ("wrong_axis", lambda X, K, r: np.sort(draw(X, K, r), axis=0)),
            ("global_random", seeds_global),
            ("own_seed", lambda X, K, r: draw(X, K, np.random.default_rng(k))),
            ("one_too_few", lambda X, K, r: draw(X, K, r)[: K - 1]),
            ("weighted", weighted),
            ("block", block),
        ],
        "find_closest_centroids": [
            ("off_by_one", lambda X, C: d2(X, C).argmin(axis=1) + k),
            (
                "wrong_axis",
                lambda X, C: (np.abs(X[:, None, :] - C[None]) ** 2).sum(axis=1).argmin(1),
            ),
            ("swapped_arguments", lambda X, C: d2(C, X).argmin(axis=0)),
            ("sign_flip", lambda X, C: (d2(X, C) - 2 * (X @ C.T) * k).argmin(axis=1)),
            ("dropped_term", lambda X, C: (-2 * X @ C.T + (X**2).sum(1)[:, None]).argmin(1)),
            ("dtype", lambda X, C: d2(X.astype(dtype), C.astype(dtype)).argmin(axis=1)),
            ("tuple", as_tuple(lambda X, C: d2(X, C).argmin(axis=1))),
            ("in_place", mutating(lambda X, C: d2(X, C).argmin(axis=1), 1)),
            ("divided", lambda X, C: (d2(X, C) / np.arange(1, len(C) + 1) ** k).argmin(1)),
        ],
        "compute_centroids": [
            ("wrong_divisor", lambda X, L, C: _means(X, L, C, lambda m: len(m) + k)),
            ("divided_again", lambda X, L, C: _means(X, L, C, lambda m: len(m) * div)),
            ("off_by_one_label", lambda X, L, C: _means(X, L + k, C, len)),
            ("sign_flip", lambda X, L, C: -ref.compute_centroids(X, L, C)),
            ("dtype", lambda X, L, C: ref.compute_centroids(X, L, C).astype(dtype)),
            ("dropped_feature", lambda X, L, C: _drop_last(ref.compute_centroids(X, L, C), C)),
            ("tuple", as_tuple(ref.compute_centroids)),
            ("in_place", mutating(ref.compute_centroids, 2)),
            ("swapped_arguments", lambda X, L, C: _means(X, L, C, len, empty_from_x=True)),
        ],
        "compressed_bits": [
            ("wrong_base", lambda n, K: 24 * K + n * math.ceil(math.log(K, base))),
            ("off_by_one", lambda n, K: 24 * K + n * ((K - 1).bit_length() + k)),
            ("dropped_term", lambda n, K: n * (K - 1).bit_length() + 24),
            ("sign_flip", lambda n, K: 24 * K - n * (K - 1).bit_length()),
            ("swapped_arguments", lambda n, K: 24 * n + K * (n - 1).bit_length()),
            ("wrong_divisor", lambda n, K: (24 * K + n * (K - 1).bit_length()) // div),
            ("dtype", lambda n, K: float(24 * K + n * (K - 1).bit_length())),
            ("tuple", as_tuple(compression.compressed_bits)),
        ],
        "image_to_pixels": [
            ("wrong_axis", lambda im: im.transpose(1, 0, 2).reshape(-1, im.shape[2])),
            ("off_by_one", lambda im: np.roll(im.reshape(-1, im.shape[2]), k, axis=0)),
            ("dtype", lambda im: im.reshape(-1, im.shape[2]).astype(dtype)),
            ("sign_flip", lambda im: -im.reshape(-1, im.shape[2])),
            ("dropped_row", lambda im: im.reshape(-1, im.shape[2])[:-1]),
            ("tuple", as_tuple(image_io.image_to_pixels)),
            ("in_place", mutating(image_io.image_to_pixels, 0)),
            ("divided", lambda im: im.reshape(-1, im.shape[2]) / div),
        ],
        "pixels_to_image": [
            ("wrong_order", lambda p, s: p.reshape((s[0], s[1], p.shape[1]), order="F")),
            ("swapped_sizes", lambda p, s: p.reshape(s[1], s[0], p.shape[1])),
            ("off_by_one", lambda p, s: np.roll(p, k, axis=0).reshape(s[0], s[1], p.shape[1])),
            ("dtype", lambda p, s: p.reshape(s[0], s[1], p.shape[1]).astype(dtype)),
            ("tuple", as_tuple(image_io.pixels_to_image)),
            ("in_place", mutating(image_io.pixels_to_image, 0)),
        ],
        "run_kmeans": [
            ("off_by_one", lambda X, C0, m: ref.run_kmeans(X, C0, m + k)),
            ("fewer_rounds", lambda X, C0, m: ref.run_kmeans(X, C0, max(m - k, 0))),
            ("dtype", lambda X, C0, m: _cast_first(ref.run_kmeans(X, C0, m), dtype)),
            ("tuple_of_three", lambda X, C0, m: (*ref.run_kmeans(X, C0, m), "extra")),
            ("swapped_results", lambda X, C0, m: ref.run_kmeans(X, C0, m)[::-1]),
            ("in_place", mutating(lambda X, C0, m: ref.run_kmeans(X, C0, m), 1)),
            ("stale_labels", lambda X, C0, m: _stale(X, C0, m)),
        ],
    }
    return out


def _means(X, labels, C, divisor, empty_from_x=False):
    new = C.astype(float)
    for j in range(len(C)):
        members = X[labels == j]
        if len(members):
            new[j] = members.sum(axis=0) / divisor(members)
        elif empty_from_x:
            new[j] = X[j % len(X)]
    return new


def _drop_last(means, C):
    out = means.copy()
    out[:, -1] = C[:, -1]
    return out


def _cast_first(pair, dtype):
    return pair[0].astype(dtype), pair[1]


def _stale(X, C0, m):
    C, labels = C0.copy(), ref.find_closest_centroids(X, C0)
    for _ in range(m):
        labels = ref.find_closest_centroids(X, C)
        C = ref.compute_centroids(X, labels, C)
    return C, labels


PERTURBED = [
    pytest.param(seed, exercise, name, id=f"{exercise}-{name}-seed{seed}")
    for seed in (0, 1)
    for exercise, entries in _perturbations(np.random.default_rng(seed)).items()
    for name, _ in entries
]


@pytest.mark.parametrize("seed, exercise, name", PERTURBED)
def test_perturbed_references_get_true_hints(seed, exercise, name):
    func = dict(_perturbations(np.random.default_rng(seed))[exercise])[name]
    try:
        check_function(exercise)(func)
    except CheckFailure as failure:
        assert_true_hint(exercise, func, failure)


# -- the verifier is no rubber stamp -----------------------------------------------------


#: Numbers a fact about rng holds for whatever their value: a Generator's seed (the
#: function ignores rng, or changes NumPy's global state, with any seed).
_ANY_SEED = r"(?<!default_rng\()\b\d+"


def _one_number_changed(hint: str) -> str:
    first = re.search(_ANY_SEED, hint)
    return hint[: first.start()] + str(int(first.group()) + 1) + hint[first.end() :]


def test_an_init_centroids_hint_with_one_number_changed_is_not_verified():
    altered_hints = 0
    for wrong in [w for w in WRONG["init_centroids"] if not w.accepted_by]:
        with pytest.raises(CheckFailure) as info:
            check_function("init_centroids")(wrong.func)
        failure = info.value
        assert hint_facts.verify("init_centroids", wrong.func, failure), failure.hint
        if failure.kind in (*hint_facts.OBSERVED, "wrong parameters") or not re.search(
            _ANY_SEED, failure.hint
        ):
            continue  # no number whose change would make this kind of hint false
        hint = _one_number_changed(failure.hint)
        altered = CheckFailure(
            str(failure).replace(failure.hint, hint),
            exercise="init_centroids",
            reason=failure.reason,
            hint=hint,
            kind=failure.kind,
            case=failure.case,
        )
        assert not hint_facts.verify("init_centroids", wrong.func, altered), hint
        altered_hints += 1
    assert altered_hints >= 15
