"""Notebook demos that must show their lesson whatever correct function a student wrote.

Notebook 04's several-starts demo draws its ten starts with the course's
``init_centroids`` (issue 19): a correct ``init_centroids`` that draws another way
(a permutation, a Fisher-Yates shuffle) gave ten equally good starts, so the
"worst" and "kept" panels showed the same run. The demo's cell is run here, as
the notebook runs it, with such an ``init_centroids`` in the notebook's names.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import kmeans_lab as kl

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_compute_centroids.ipynb"


def init_by_permutation(X, K, rng):
    return X[rng.permutation(X.shape[0])[:K]].copy()


def init_by_fisher_yates(X, K, rng):
    order = list(range(X.shape[0]))
    for i in range(len(order) - 1, 0, -1):
        j = int(rng.integers(0, i + 1))
        order[i], order[j] = order[j], order[i]
    return X[order[:K]].copy()


def _demo_cell() -> str:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    found = [
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and "".join(c["source"]).startswith("runs = []")
    ]
    assert len(found) == 1
    return found[0]


def _toy_data() -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = np.array([[2.0, 2.0], [6.0, 3.0], [4.0, 6.0]])
    return np.concatenate([c + 0.8 * rng.standard_normal((100, 2)) for c in centres])


@pytest.mark.parametrize("init", [init_by_permutation, init_by_fisher_yates, kl.init_centroids])
def test_worst_and_kept_starts_differ_for_every_correct_init(init, capsys):
    names = {"np": np, "kl": kl, "X_toy": _toy_data(), "my_run_kmeans": kl.run_kmeans}
    names["init_centroids"] = init
    exec(_demo_cell(), names)
    worst, best = names["worst"], names["best"]
    assert worst["seed"] != best["seed"]
    assert not np.array_equal(worst["start"], best["start"])
    assert worst["J"] > 2 * best["J"]  # a local minimum, as the text says
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("with your init_centroids, seeds 0 to 9: J from ")
