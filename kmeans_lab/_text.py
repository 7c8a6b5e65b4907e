"""Words for counts in the library's messages, titles and captions (private).

One place decides "1 colour" but "2 colours", so no caption, title or
readout says "1 colours" or "after 1 rounds".
"""

from __future__ import annotations

__all__ = ["count_noun"]


def count_noun(n: int, singular: str, plural: str | None = None, *, thousands: bool = False) -> str:
    """``n`` and the noun in the number it needs: "1 colour", "0 colours", "2 colours".

    Parameters
    ----------
    n : int
        The count.
    singular : str
        The noun for one ("colour", "iteration").
    plural : str, optional
        The noun for any other count; ``singular + "s"`` if omitted.
    thousands : bool, default=False
        Write ``n`` with thousands separators ("16,384 pixels").

    Examples
    --------
    >>> count_noun(1, "colour"), count_noun(0, "colour"), count_noun(16, "colour")
    ('1 colour', '0 colours', '16 colours')
    >>> count_noun(1, "value of K", "values of K"), count_noun(16384, "pixel", thousands=True)
    ('1 value of K', '16,384 pixels')
    """
    word = singular if n == 1 else (plural if plural is not None else singular + "s")
    return f"{n:,} {word}" if thousands else f"{n} {word}"
