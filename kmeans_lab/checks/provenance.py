"""Is it the student's own work? Recognising the course's code while a function runs.

A check fails a student's function that *is*, or *calls*, the course's
reference implementation of its exercise (or another course function doing
the same job), or that runs a forbidden module (the course's fast quantizer,
a library K-means). The course's functions are recognised by **where their
code was defined**: the file, first line and name of the code object
(:func:`code_key`). Every copy of a function shares that place, including a
copy made by ``importlib.reload`` or by re-executing the module's file, so a
wrapper around such a copy is recognised too.

This module is the only implementation of that rule: the visible checks and
the hidden tests (:mod:`kmeans_lab.grading`) both use it.

Examples
--------
>>> from kmeans_lab import kmeans
>>> keys = forbidden_keys(("kmeans_lab.kmeans.find_closest_centroids",))
>>> code_key(kmeans.find_closest_centroids.__code__) in keys
True
"""

from __future__ import annotations

import functools
import os
import sys
import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .registry import LIBRARIES, Exercise, resolve

__all__ = [
    "PACKAGE_DIR",
    "Watch",
    "code_key",
    "forbidden_keys",
    "module_file",
    "same_code",
    "source_code",
    "identity_failure",
    "provenance_failure",
]

#: The folder of the installed ``kmeans_lab`` package (whose files hold the references).
PACKAGE_DIR = Path(__file__).resolve().parents[1]

Key = tuple[str, int, str]


def code_key(code: types.CodeType) -> Key:
    """Where a function's code was defined: ``(real path, first line, name)``.

    The same for every copy of the function, even one made by
    ``importlib.reload`` (which creates new code objects).
    """
    return (_real_path(code.co_filename), code.co_firstlineno, code.co_name)


#: ``os.path.realpath``, remembered per file name: the watch asks it at every call of a
#: function named like a forbidden one (the student's own ``init_centroids``, a thousand
#: calls a check), and it reads the file system each time.
_real_path = functools.lru_cache(maxsize=1024)(os.path.realpath)


def module_file(module: str) -> Path:
    """The source file of a ``kmeans_lab`` module: ``kmeans_lab.kmeans`` -> ``.../kmeans.py``."""
    parts = module.split(".")
    if parts[0] != "kmeans_lab" or len(parts) < 2:
        raise ValueError(f"not a kmeans_lab module: {module!r}")
    return PACKAGE_DIR.joinpath(*parts[1:]).with_suffix(".py")


@functools.lru_cache(maxsize=32)
def _compiled(path: str, mtime_ns: int) -> dict[str, types.CodeType]:
    with open(path, encoding="utf-8") as f:
        code = compile(f.read(), path, "exec")
    return {c.co_name: c for c in code.co_consts if isinstance(c, types.CodeType)}


def source_code(dotted: str) -> types.CodeType | None:
    """The code object of a top-level function as compiled from its file on disk.

    Unlike the live function, a cell cannot have replaced it.
    """
    module, _, name = dotted.rpartition(".")
    path = module_file(module)
    try:
        functions = _compiled(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None
    return functions.get(name)


def same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """True when two code objects are the same function of the same source."""
    return (
        a.co_code == b.co_code
        and a.co_names == b.co_names
        and a.co_firstlineno == b.co_firstlineno
        and [c for c in a.co_consts if not isinstance(c, types.CodeType)]
        == [c for c in b.co_consts if not isinstance(c, types.CodeType)]
    )


def forbidden_keys(dotted_names: Iterable[str]) -> dict[Key, str]:
    """``{code_key: dotted name}`` of course functions, from their files and live objects."""
    keys: dict[Key, str] = {}
    for dotted in dotted_names:
        code = source_code(dotted)
        if code is not None:
            keys[(os.path.realpath(code.co_filename), code.co_firstlineno, code.co_name)] = dotted
        live = getattr(resolve(dotted), "__code__", None)
        module = dotted.rpartition(".")[0]
        # the live function counts only if it is the module's own (a cell may have put its
        # own function in the module's place: that function is not the reference)
        if live is not None and os.path.realpath(live.co_filename) == os.path.realpath(
            module_file(module)
        ):
            keys.setdefault(code_key(live), dotted)
    return keys


#: Prefix of a hit on a *copy* of a course function: the same code, defined elsewhere.
COPY = "copy of "


def forbidden_bodies(dotted_names: Iterable[str]) -> dict[bytes, tuple[tuple[str, ...], str]]:
    """``{bytecode: (global names, dotted name)}`` of course functions, from their files.

    A function with the same bytecode and global names is the same code, whatever
    file or name it was defined under (the module's text re-executed elsewhere).
    """
    bodies: dict[bytes, tuple[tuple[str, ...], str]] = {}
    for dotted in dotted_names:
        code = source_code(dotted)
        if code is not None:
            bodies[code.co_code] = (code.co_names, dotted)
    return bodies


def match(
    code: types.CodeType,
    keys: Mapping[Key, str],
    bodies: Mapping[bytes, tuple[tuple[str, ...], str]],
) -> str | None:
    """The course function ``code`` is (``dotted``) or copies (``copy of dotted``), if any."""
    if code.co_name in {key[2] for key in keys}:
        hit = keys.get(code_key(code))
        if hit is not None:
            return hit
    body = bodies.get(code.co_code)
    if body is not None and body[0] == code.co_names:
        return COPY + body[1]
    return None


def _under(dotted: str, prefix: str) -> bool:
    return dotted == prefix or dotted.startswith(prefix + ".")


def defined_as(dotted: str) -> str | None:
    """Where the object a public dotted name names was defined, if already imported.

    ``sklearn.metrics.pairwise_distances_argmin`` -> ``sklearn.metrics.pairwise.
    pairwise_distances_argmin``; a module gives its own name. None while its
    package is not imported (then none of its code has run).
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is not None:
            break
    else:
        return None
    obj: Any = module
    for name in parts[cut:]:  # a module's own names only: a lazy __getattr__ would import
        obj = vars(obj).get(name) if isinstance(obj, types.ModuleType) else getattr(obj, name, None)
        if obj is None:
            return None
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    where, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    return f"{where}.{qualname}" if isinstance(where, str) and isinstance(qualname, str) else None


class Watch:
    """A profile function (:func:`sys.setprofile`): notes the first forbidden frame.

    Installed only while the student's function runs, so the checker's own
    calls of the reference (for expected values) are never seen. Once it has
    seen a forbidden frame it puts ``previous`` back, so the rest of the call
    runs unwatched (and fast); it always passes events on to ``previous``.

    ``modules`` are the exercise's forbidden modules and library calls
    (:attr:`~.registry.Exercise.forbidden_modules`): a module prefix
    (``scipy.cluster``) forbids every function defined under it; a function or
    class under its public name (``sklearn.metrics.pairwise_distances_argmin``,
    ``scipy.spatial.KDTree``) forbids that function, or the class's methods,
    wherever the library defines them. A hit is reported as the name declared.
    """

    def __init__(
        self,
        keys: Mapping[Key, str],
        modules: tuple[str, ...],
        previous: Any,
        bodies: Mapping[bytes, tuple[tuple[str, ...], str]] | None = None,
    ):
        self.keys = dict(keys)
        self.names = {key[2] for key in self.keys}
        self.bodies = dict(bodies or {})
        self.modules = modules
        self.tops = {m.split(".")[0] for m in modules}
        self.defined: dict[str, str] = {}  # declared name -> where it was defined
        self.previous = previous
        self.hit: str | None = None

    def library_hit(self, module: str, qualname: str) -> str | None:
        """The declared entry that code of ``module`` named ``qualname`` belongs to, if any."""
        where = f"{module}.{qualname}"
        for entry in self.modules:
            if _under(module, entry) or _under(where, entry):
                return entry
            if entry not in self.defined and (found := defined_as(entry)) is not None:
                self.defined[entry] = found
            if entry in self.defined and _under(where, self.defined[entry]):
                return entry
        return None

    def __call__(self, frame, event, arg):
        if event == "call" and self.hit is None:
            code = frame.f_code
            if code.co_name in self.names and code_key(code) in self.keys:
                self.hit = self.keys[code_key(code)]
            elif code.co_code in self.bodies and self.bodies[code.co_code][0] == code.co_names:
                self.hit = COPY + self.bodies[code.co_code][1]
            elif self.modules and code.co_name != "<module>":
                module = frame.f_globals.get("__name__", "") or ""
                if isinstance(module, str) and module.split(".")[0] in self.tops:
                    qualname = getattr(code, "co_qualname", code.co_name)
                    self.hit = self.library_hit(module, qualname)
            if self.hit is not None:
                sys.setprofile(self.previous)
        if self.previous is not None:
            self.previous(frame, event, arg)


def identity_failure(exercise: Exercise, hit: str) -> tuple[str, list[str], str, str]:
    """(first line, lines, hint, reason) for a function that *is* the reference ``hit``."""
    if hit.startswith(COPY):
        return _copy_failure(exercise, hit[len(COPY) :])
    return (
        f"{exercise.name}: this is the course's reference implementation {hit}, "
        "not your own; write your own",
        [],
        f"define {exercise.name} yourself in the cell above instead of importing it "
        "from kmeans_lab; later notebooks provide the reference",
        "is the course's reference implementation itself",
    )


def _copy_failure(exercise: Exercise, dotted: str) -> tuple[str, list[str], str, str]:
    return (
        f"{exercise.name}: your function runs a copy of the course's reference implementation "
        f"{dotted} (the same code, defined elsewhere); write your own",
        [],
        f"remove the copied code of {dotted} and write the code yourself; later notebooks "
        "provide the reference",
        "runs a copy of the course's reference implementation",
    )


def provenance_failure(exercise: Exercise, hit: str) -> tuple[str, list[str], str, str]:
    """(first line, lines, hint, reason) for a function that ran ``hit`` (a name or module)."""
    if hit.startswith(COPY):
        return _copy_failure(exercise, hit[len(COPY) :])
    library = LIBRARIES.get(hit.split(".")[0])
    if library is not None and exercise.uses:  # a step built on the course's steps: K-means
        return (
            f"{exercise.name}: your function uses {hit} ({library}'s clustering), a library "
            "implementation of K-means; write your own",
            [],
            "write the loop yourself: each round assigns the points, then moves the centroids, "
            "with your functions of notebooks 03 and 04",
            "calls a library K-means",
        )
    if library is not None:
        return (
            f"{exercise.name}: your function uses {hit} ({library}), a library call that does "
            f"the whole job of {exercise.name}; this exercise is to write it yourself",
            [],
            f"write {exercise.name} with NumPy array operations of your own, without {hit}",
            "calls a library function that does the whole exercise",
        )
    return (
        f"{exercise.name}: your function calls the course's reference implementation "
        f"{hit}; write your own",
        [],
        f"remove the call to {hit} and write the code yourself; later notebooks provide "
        "the reference",
        "calls the course's reference implementation",
    )
