"""The rule "no Python loop over the points", checked by counting lines.

Some exercises ask for whole-array NumPy code (``image_to_pixels``,
``find_closest_centroids``, ``compute_centroids``). :func:`check_no_loop`
calls the student's function on a small and a large input and counts the
lines of the student's own Python code each call runs (the library's code
does not count). Whole-array code runs about as many lines for both; a loop
over the points runs at least one more line per extra point, and is reported
with the counts as evidence. Loops over something that does not grow with
the points (the K clusters, the features, fixed-size blocks) are fine.
"""

from __future__ import annotations

from .runner import Runner

__all__ = ["check_no_loop"]


def check_no_loop(
    runner: Runner, small: tuple, big: tuple, n_small: int, n_big: int, what: str, hint: str
) -> None:
    """Fail the case if the lines run grow by at least one per extra ``what`` (e.g. "points")."""
    runner.call(*small, count_lines=True)
    lines_small = runner.last_lines
    runner.call(*big, count_lines=True)
    lines_big = runner.last_lines
    if lines_small is None or lines_big is None:
        return
    extra = lines_big - lines_small
    if extra >= n_big - n_small:
        runner.fail(
            [
                f"expected whole-array code: about as many Python lines for {n_big} {what} "
                f"as for {n_small}",
                f"got {lines_small} lines of your code run for {n_small} {what} and "
                f"{lines_big} for {n_big}: {extra} more lines for {n_big - n_small} more {what}, "
                f"so your code loops over the {what} in Python",
            ],
            hint,
            show_call=False,
            kind="Python loop",
        )
