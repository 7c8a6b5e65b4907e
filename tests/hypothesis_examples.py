"""How many examples a property test (hypothesis) tries: all of them in ``make test``, fewer in ``make test-quick``.

``tests/conftest.py`` loads the hypothesis profile that ``HYPOTHESIS_PROFILE``
names (``full``, the default, or ``quick``, which ``make test-quick`` sets)
before any test module is imported, so a test's decorator reads it::

    @settings(max_examples=examples(300), deadline=None)

A test that gives no count gets the profile's own (hypothesis's 100, or 20 under ``quick``).
"""

from __future__ import annotations

from hypothesis import settings

#: What the ``quick`` profile keeps of a test's count (at least :data:`QUICK_MIN`).
QUICK_SHARE = 5
QUICK_MIN = 10


def examples(full: int) -> int:
    """``full`` under the ``full`` profile; a fifth of it (at least 10) under ``quick``."""
    if settings.get_current_profile_name() == "quick":
        return max(QUICK_MIN, full // QUICK_SHARE)
    return full
