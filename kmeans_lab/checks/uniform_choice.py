"""The statistics behind ``init_centroids``' distribution cases: is every choice equally likely?

The check of ``init_centroids`` calls the student's function with many seeds
and counts how often each row of X comes out; these functions turn the counts
into Pearson chi-square statistics, and the constants give the limits a uniform
choice exceeds with probability :data:`CHI2_ALPHA`.

Examples
--------
>>> import numpy as np
>>> uniform_statistic(np.full(12, 100), M=400, K=3)
0.0
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CHI2_N",
    "CHI2_K",
    "CHI2_DRAWS",
    "CHI2_ALPHA",
    "CHI2_LIMIT",
    "CHI2_LIMIT_COLOURS",
    "COLOURS",
    "MULTIPLICITY",
    "duplicate_rows",
    "uniform_statistic",
    "colour_statistic",
]

# The distribution test: CHI2_DRAWS calls with K of N rows.
CHI2_N, CHI2_K, CHI2_DRAWS = 12, 3, 400
CHI2_ALPHA = 1e-6
#: scipy.stats.chi2.isf(1e-6, df=11): a uniform choice exceeds it with probability 1e-6.
CHI2_LIMIT = 48.8656

#: Colours of the duplicate-rows case and how many rows of X hold each.
COLOURS = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.5], [0.6, 0.3, 0.7], [0.1, 0.5, 0.2]])
MULTIPLICITY = (6, 3, 2, 1)
#: scipy.stats.chi2.isf(1e-6, df=3): the duplicate-rows case's limit.
CHI2_LIMIT_COLOURS = 30.6636


def duplicate_rows() -> np.ndarray:
    """12 rows of X holding 4 colours 6, 3, 2 and 1 times, in a mixed order."""
    rows = np.repeat(COLOURS, MULTIPLICITY, axis=0)
    return rows[np.random.default_rng(12).permutation(len(rows))]


def uniform_statistic(counts: np.ndarray, M: int, K: int) -> float:
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


def colour_statistic(counts: np.ndarray, M: int) -> float:
    """Pearson's statistic of colour counts over M draws of K = 1 position of
    :func:`duplicate_rows`, against every position being equally likely
    (chi-square with 3 degrees of freedom)."""
    expect = M * np.array(MULTIPLICITY) / sum(MULTIPLICITY)
    return float(((counts - expect) ** 2 / expect).sum())
