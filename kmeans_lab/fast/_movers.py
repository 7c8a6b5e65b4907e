"""The centroids that moved most, kept out of Hamerly's lower bounds (private).

Hamerly's lower bound on a point's distance to every other centroid shrinks
each round by the largest move of any other centroid. With many centroids a
few of them move far more than the rest (on a 0.25 MP photo at K = 256, the
largest move of a round is 2 to 8 times the ninth largest), and they alone
make most points fail the test every round. So the ``m`` centroids that moved
most in a round (:data:`BIG_MOVERS`, at most K / 8) are left out of that
round's loosening, and each point whose bounds were last set in round
``rho`` is checked against the big movers of the rounds after ``rho``
instead, by the triangle inequality on the current centroids: a point within
``u`` of its centroid ``a`` is at least ``||c_a - c_j|| - u`` from centroid
``j``. Hamerly's own test (every other centroid, by its largest move) stays
valid as well, with the loosening left out since ``rho`` added back; a point
keeps its label if either proves it. :class:`Movers` keeps the rounds' big
movers and gives, for every ``rho`` and ``a``, the distance from ``c_a`` to
the nearest of them and the loosening left out since round ``rho``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: At most this many centroids (and K // 8) are left out of a round's loosening.
BIG_MOVERS = 8
#: Below this K, none: the test costs more passes over the points than it saves.
MIN_K = 64


class Movers:
    """The big movers of every round of one run of Lloyd's algorithm.

    Parameters
    ----------
    K : int
        Number of centroids.
    """

    def __init__(self, K: int):
        self.K = K
        self.m = min(BIG_MOVERS, K // 8) if K >= MIN_K else 0
        self.rounds: list[NDArray[np.intp]] = []
        # Hamerly's loosening less ours, summed over the rounds, after each round
        self.left_out = [np.zeros(K)]

    def drop(self, delta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Record a round's moves ``delta`` (K,); return the loosening of the
        lower bound of the points of each centroid: the largest move of
        another centroid that is not one of the round's big movers."""
        K, m = self.K, self.m
        order = np.argsort(delta)
        self.rounds.append(order[K - m :])
        rest = order[: K - m]
        drop = np.full(K, delta[rest[-1]])
        if rest.size > 1:
            drop[rest[-1]] = delta[rest[-2]]
        full = np.full(K, delta[order[-1]])  # Hamerly's: the largest other move
        if K > 1:
            full[order[-1]] = delta[order[-2]]
        self.left_out.append(self.left_out[-1] + (full - drop))
        return drop

    def left_out_since(self) -> NDArray[np.float64]:
        """(R + 1, K) after R rounds: row ``rho``, column ``a``, how much more
        Hamerly's loosening (the largest move of any other centroid) than
        :meth:`drop`'s took off the lower bound of the points of ``a`` in
        rounds ``rho + 1`` to ``R``."""
        return self.left_out[-1] - np.array(self.left_out)

    def reach(self, gaps: NDArray[np.float64]) -> NDArray[np.float64]:
        """(R + 1, K) after R rounds: row ``rho``, column ``a``, the distance
        from centroid ``a`` to the nearest other big mover of rounds ``rho +
        1`` to ``R`` (inf if none), from the (K, K) distances ``gaps``
        between the current centroids."""
        R = len(self.rounds)
        out = np.full((R + 1, self.K), np.inf)
        if self.m == 0:
            return out
        others = gaps.copy()
        np.fill_diagonal(others, np.inf)
        for q in range(R, 0, -1):
            np.minimum(out[q], others[:, self.rounds[q - 1]].min(axis=1), out=out[q - 1])
        return out


def round_dtype(max_iter: int):
    """Smallest unsigned dtype that holds round numbers 0..max_iter."""
    return np.uint8 if max_iter < 256 else np.uint16 if max_iter < 65536 else np.uint32
