"""Values as plain data: what crosses the sandbox wall when a notebook is graded.

When a submission is graded, the student's function runs in a sandbox and
the check that judges it runs outside (``tools/grading/replay.py``). The arguments of every
call go in, and what the function returned comes out, as **plain data**: a
JSON document of tagged values plus NumPy arrays saved without pickle. Nothing
is ever unpickled or evaluated on the way back, and every value read is
checked (its tag, its type, its size) before it is rebuilt.

:func:`encode` turns a value into a JSON-able tag (arrays go into a dict of
named arrays); :func:`decode` rebuilds an equivalent value: the same type for
arrays, lists, tuples, numbers, strings, ``None`` and NumPy Generators. Any
other object comes back as a stand-in that has the same class name and
``repr`` (all a check says of such a value), but none of its behaviour.

Examples
--------
>>> import numpy as np
>>> arrays = {}
>>> tag = encode([1, 2.5, np.arange(3)], arrays)
>>> value = decode(tag, arrays)
>>> value[0], value[1], value[2].dtype == np.arange(3).dtype
(1, 2.5, True)
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from typing import Any

import numpy as np

__all__ = ["TransportError", "encode", "decode", "dump", "load", "MAX_ITEMS", "MAX_BYTES"]

#: Most list/tuple items (all levels together) kept of one value.
MAX_ITEMS = 1_000_000
#: Most bytes of one saved bundle (JSON + arrays) read back.
MAX_BYTES = 256 << 20
#: Longest string kept (longer ones are cut).
MAX_STR = 2_000
#: Deepest nesting of lists and tuples kept.
MAX_DEPTH = 32


class TransportError(ValueError):
    """A value could not be written or read back as plain data."""


class _Budget:
    """Counts items and nesting while a value is written or read."""

    def __init__(self) -> None:
        self.items = 0
        self.depth = 0

    def take(self, n: int = 1) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise TransportError(f"the value has more than {MAX_ITEMS} items")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TransportError(f"the value is nested more than {MAX_DEPTH} levels deep")


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a student's __repr__ may raise
        text = f"<{type(value).__name__} whose repr raised {type(exc).__name__}>"
    return str(text)[:200]


def _put(arrays: dict[str, np.ndarray], array: np.ndarray) -> str:
    key = f"a{len(arrays)}"
    arrays[key] = array
    return key


def encode(value: Any, arrays: dict[str, np.ndarray], _budget: _Budget | None = None) -> dict:
    """A JSON-able tag for ``value``; arrays are added to ``arrays`` by name."""
    budget = _budget or _Budget()
    budget.take()
    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, np.random.Generator):
        return {"t": "generator", "state": value.bit_generator.state}
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            budget.take(value.size)
            return {
                "t": "objarray",
                "shape": list(value.shape),
                "items": [encode(v, arrays, budget) for v in value.ravel().tolist()],
            }
        return {"t": "ndarray", "a": _put(arrays, np.ascontiguousarray(value))}
    if isinstance(value, np.generic):
        if isinstance(value, np.object_) or np.asarray(value).dtype.hasobject:
            return {"t": "other", "type": type(value).__name__, "repr": _safe_repr(value)}
        return {"t": "npscalar", "a": _put(arrays, np.asarray(value))}
    if type(value) is int:
        return {"t": "int", "v": str(value)}
    if type(value) is float:
        return {"t": "float", "v": repr(value)}
    if type(value) is complex:
        return {"t": "complex", "re": repr(value.real), "im": repr(value.imag)}
    if type(value) is str:
        return {"t": "str", "v": value[:MAX_STR]}
    if type(value) in (list, tuple):
        budget.take(len(value))
        budget.enter()
        items = [encode(v, arrays, budget) for v in value]
        budget.depth -= 1
        return {"t": type(value).__name__, "items": items}
    return {"t": "other", "type": type(value).__name__, "repr": _safe_repr(value)}


_STANDINS: dict[str, type] = {}


def _standin(type_name: str, text: str) -> Any:
    """An object whose class is named ``type_name`` and whose repr is ``text``."""
    name = type_name if type_name.isidentifier() else "object"
    cls = _STANDINS.get(name)
    if cls is None:
        cls = type(name, (), {"__repr__": lambda self: self._text, "__module__": "student"})
        _STANDINS[name] = cls
    obj = cls()
    obj._text = text
    return obj


def _need(condition: bool, what: str) -> None:
    if not condition:
        raise TransportError(f"unreadable value: {what}")


def _float(text: Any) -> float:
    _need(isinstance(text, str) and len(text) < 40, "a float")
    try:
        return float(text)
    except ValueError:
        raise TransportError("unreadable value: a float") from None


def decode(tag: Any, arrays: dict[str, np.ndarray], _budget: _Budget | None = None) -> Any:
    """Rebuild the value a tag of :func:`encode` describes; TransportError if malformed."""
    budget = _budget or _Budget()
    budget.take()
    _need(isinstance(tag, dict) and isinstance(tag.get("t"), str), "not a tagged value")
    t = tag["t"]
    if t == "none":
        return None
    if t == "bool":
        _need(isinstance(tag.get("v"), bool), "a bool")
        return tag["v"]
    if t == "int":
        text = tag.get("v")
        _need(isinstance(text, str) and 0 < len(text) <= 4000, "an int")
        try:
            return int(text)
        except ValueError:
            raise TransportError("unreadable value: an int") from None
    if t == "float":
        return _float(tag.get("v"))
    if t == "complex":
        return complex(_float(tag.get("re")), _float(tag.get("im")))
    if t == "str":
        _need(isinstance(tag.get("v"), str), "a string")
        return tag["v"][:MAX_STR]
    if t in ("list", "tuple"):
        items = tag.get("items")
        _need(isinstance(items, list), "a sequence")
        budget.take(len(items))
        budget.enter()
        values = [decode(v, arrays, budget) for v in items]
        budget.depth -= 1
        return values if t == "list" else tuple(values)
    if t in ("ndarray", "npscalar"):
        key = tag.get("a")
        _need(isinstance(key, str) and key in arrays, "a missing array")
        array = arrays[key]
        _need(isinstance(array, np.ndarray) and not array.dtype.hasobject, "an array")
        if t == "npscalar":
            _need(array.ndim == 0, "a scalar")
            return array[()]
        return array.copy()
    if t == "objarray":
        shape, items = tag.get("shape"), tag.get("items")
        _need(
            isinstance(shape, list)
            and all(type(n) is int and n >= 0 for n in shape)
            and isinstance(items, list)
            and len(items) == math.prod(shape),
            "an object array",
        )
        budget.take(len(items))
        out = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            out[i] = decode(item, arrays, budget)
        return out.reshape(shape)
    if t == "generator":
        state = tag.get("state")
        _need(isinstance(state, dict) and state.get("bit_generator") == "PCG64", "a Generator")
        rng = np.random.Generator(np.random.PCG64())
        try:
            rng.bit_generator.state = state
        except (TypeError, ValueError, KeyError):
            raise TransportError("unreadable value: a Generator state") from None
        return rng
    if t == "other":
        name, text = tag.get("type"), tag.get("repr")
        _need(isinstance(name, str) and isinstance(text, str), "an object")
        return _standin(name[:100], text[:200])
    raise TransportError(f"unreadable value: unknown tag {t!r}")


def dump(document: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """One bundle of bytes: a JSON document and its arrays (``.npz``, no pickle)."""
    try:
        text = json.dumps(document, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise TransportError(f"cannot write the document: {exc}") from None
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    body = buffer.getvalue()
    return len(text).to_bytes(8, "big") + text + body


def _check_archive(data: bytes) -> None:
    """Refuse an archive that is not what :func:`dump` writes (stored members, bounded sizes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TransportError("unreadable bundle: its arrays are not an archive") from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.compress_type != zipfile.ZIP_STORED or total > MAX_BYTES:
            raise TransportError("unreadable bundle: compressed or oversized arrays")


def load(data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Read a bundle of :func:`dump`: ``(document, arrays)``; TransportError if malformed."""
    if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_BYTES or len(data) < 8:
        raise TransportError("unreadable bundle: missing, empty or too large")
    n = int.from_bytes(data[:8], "big")
    if n > len(data) - 8:
        raise TransportError("unreadable bundle: truncated")
    try:
        document = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError):
        raise TransportError("unreadable bundle: its document is not JSON") from None
    if not isinstance(document, dict):
        raise TransportError("unreadable bundle: its document is not an object")
    arrays: dict[str, np.ndarray] = {}
    rest = bytes(data[8 + n :])
    if rest:
        _check_archive(rest)
        try:
            with zipfile.ZipFile(io.BytesIO(rest)) as archive:
                for info in archive.infolist():
                    key = info.filename.removesuffix(".npy")
                    arrays[key] = _read_npy(archive.read(info))
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise TransportError(f"unreadable bundle: its arrays ({exc})") from None
    return document, arrays


#: The header :func:`numpy.save` writes for an array of a simple dtype (a one-string ``descr``).
_NPY_HEADER = re.compile(
    r"\{'descr': '([^'\\]{1,40})', 'fortran_order': (True|False), 'shape': \(([0-9, ]{0,200})\), \} *\n"
)


def _read_npy(data: bytes) -> np.ndarray:
    """One ``.npy`` member, as ``np.load(..., allow_pickle=False)`` reads it.

    NumPy's reader parses each header with ``ast.literal_eval`` (about 90 µs, and
    a plan holds a thousand arrays); the header :func:`numpy.save` writes for a
    simple dtype is read here with one pattern instead. Any other header (a
    structured dtype, another version) goes to NumPy's reader.
    """
    match = None
    if data[:6] == b"\x93NUMPY" and data[6] in (1, 2, 3) and len(data) >= 12:
        size, start = (2, 8) if data[6] == 1 else (4, 8)
        length = int.from_bytes(data[start : start + size], "little")
        begin = start + size
        header = data[begin : begin + length].decode("latin1")
        match = _NPY_HEADER.fullmatch(header)
    if match is None:
        return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    try:
        dtype = np.dtype(match.group(1))
    except TypeError:
        raise ValueError(f"descr is not a valid dtype descriptor: {match.group(1)!r}") from None
    if dtype.hasobject:
        raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
    shape = tuple(int(n) for n in match.group(3).split(",") if n.strip())
    body = data[begin + length :]
    count = math.prod(shape)
    if len(body) != count * dtype.itemsize:
        raise ValueError(f"an array of shape {shape} and dtype {dtype} holds {len(body)} bytes")
    flat = np.frombuffer(bytearray(body), dtype=dtype, count=count)
    if match.group(2) == "True":
        return flat.reshape(shape[::-1]).transpose()
    return flat.reshape(shape)
