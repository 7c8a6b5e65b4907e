"""What a check looks at of a returned value: its data, never its class's behaviour.

A student's function may return an ndarray subclass that redefines
``__eq__``, ``__array_ufunc__`` or ``__array_function__``, so that every
comparison the check makes answers "equal". :func:`plain` views such an
array as a plain ``numpy.ndarray`` (the same data, none of the overrides)
before any check looks at it, in the notebook and in the grader alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plain"]


def plain(value: Any) -> Any:
    """``value`` with every ndarray subclass (in it, or in a tuple or list it is) a plain ndarray.

    A subclass can redefine ``__eq__``, ``__array_ufunc__`` or
    ``__array_function__`` so that the check's comparisons say what it likes;
    its data, viewed as a plain array, cannot.

    Examples
    --------
    >>> class AlwaysEqual(np.ndarray):
    ...     def __eq__(self, other):
    ...         return True
    >>> type(plain((np.zeros(2).view(AlwaysEqual), 1))[0]).__name__
    'ndarray'
    """
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        return np.ndarray.view(value, np.ndarray)
    if type(value) in (tuple, list):
        return type(value)(plain(v) for v in value)
    return value
