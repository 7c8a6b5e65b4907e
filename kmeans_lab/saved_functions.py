"""Your functions from one notebook, in the next ones: saved when they pass their checks.

Each notebook runs in a kernel of its own, so the ``find_closest_centroids``
you write in notebook 03 does not exist in notebooks 04 and 05. This module
carries it over, and says out loud what it does:

- :func:`use_and_save`, in the cell after an exercise's check, checks your
  function again. If it passes, it saves it to ``my_functions/<name>.py``
  (beside the notebook) and returns it; if not, it saves nothing and
  returns the course's reference implementation.
- :func:`use_saved`, in a later notebook, loads ``my_functions/<name>.py``,
  checks the function again and returns it if it passes; otherwise (nothing
  saved, a file that no longer loads, a function that no longer passes) it
  returns the reference.

Both print one line: which function is used, and why. When the notebook
that saved a function now holds another version of it (you changed it after
saving), :func:`use_saved` adds a line that says so, and whether that version
passes: ``note: your find_closest_centroids was saved from
03_find_closest_centroids before your last change there; its current version
fails case 2 of 9 (this notebook uses the saved one)``. The notebook is read
from its file beside ``my_functions/``.

What is saved
-------------
The file is a small Python module: the imports and helpers your function
needs, then its source as you wrote it. What the function uses from the
notebook is saved with it:

- a module (``np``, ``math``) becomes an import line; so does a function
  imported from a module (``from scipy.spatial.distance import cdist``);
- a helper function you defined in the notebook is saved too (with what
  *it* uses);
- a constant (a number, a string, a tuple of them) becomes an assignment.

Another exercise's function is *not* saved with it: ``run_kmeans`` calls
``find_closest_centroids`` and ``compute_centroids``, and :func:`use_saved`
gives it your saved versions of those when they pass their checks, the
references otherwise. So in notebook 05, your ``run_kmeans`` runs on your
own steps. Anything else a function uses from the notebook (an array, an
object) cannot be saved, and the message says which name to pass as an
argument instead.

Every saved function runs in a namespace of its own: a helper or constant
in one file cannot clash with the names of another file or of the notebook
that loads it.

Where the files go
------------------
``my_functions/`` in the kernel's working directory, which Jupyter sets to
the notebook's folder; the environment variable ``KMEANS_LAB_MY_FUNCTIONS``
names another folder. A notebook run on its own (a fresh copy, the grading
sandbox) finds nothing saved and says that it uses the reference.

Changed your mind? Change the function in its notebook, then run its check
and the cell after it again: the file is rewritten. A version that fails is
not saved, and the file keeps the last version that passed (the message
says so). Delete the file to make the next notebooks use the reference.

Examples
--------
>>> import tempfile
>>> import numpy as np
>>> folder = tempfile.mkdtemp()
>>> def compressed_bits(n_pixels, K):
...     return 24 * K + n_pixels * int(np.ceil(np.log2(K)))
>>> bits = use_and_save(compressed_bits, folder=folder)  # doctest: +ELLIPSIS
using your compressed_bits: it passes its check (.../...); saved to .../compressed_bits.py ...
>>> bits = use_saved("compressed_bits", folder=folder)  # doctest: +ELLIPSIS
using your compressed_bits, saved by 05_compress_image: it passes its check (.../...)
>>> bits(16384, 16)
65920
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from ._current_version import stale_note
from ._function_module import CannotSave as _CannotSave
from ._function_module import exercise_name as _exercise
from ._function_module import function_source
from ._function_module import global_names as _global_names
from ._function_module import module_text as _module_text
from .checks.fallback import check_function
from .checks.registry import EXERCISES, REGISTRY
from .checks.results import CheckFailure

__all__ = [
    "use_and_save",
    "use_saved",
    "function_source",
    "saved_folder",
    "FOLDER_NAME",
    "FOLDER_VARIABLE",
]

#: The folder, beside the notebook, where the functions are saved.
FOLDER_NAME = "my_functions"
#: The environment variable that names another folder.
FOLDER_VARIABLE = "KMEANS_LAB_MY_FUNCTIONS"

_README = """\
Your functions, saved by the course notebooks when they pass their checks.

The cell after an exercise's check, use_and_save(...), writes one file here;
later notebooks load it with use_saved("<name>"), check it again, and use it
if it passes (the course's reference otherwise). To change a function, change
it in its notebook and run its check and the cell after it again. Delete a
file to make the next notebooks use the reference.
"""


# ---------------------------------------------------------------- public


def saved_folder(folder: str | os.PathLike | None = None) -> Path:
    """The folder of the saved functions.

    Parameters
    ----------
    folder : str or path-like, optional
        Use this folder. Otherwise ``$KMEANS_LAB_MY_FUNCTIONS`` if set, else
        ``my_functions`` in the working directory (the notebook's folder in
        Jupyter).

    Returns
    -------
    pathlib.Path
        Not created until a function is saved.

    Examples
    --------
    >>> saved_folder("elsewhere")
    PosixPath('elsewhere')
    """
    if folder is not None:
        return Path(folder)
    return Path(os.environ.get(FOLDER_VARIABLE) or FOLDER_NAME)


def use_and_save(
    func: Callable | None,
    name: str | None = None,
    *,
    folder: str | os.PathLike | None = None,
    verbose: bool = True,
) -> Callable:
    """Use your function if it passes its check, and save it for the next notebooks.

    Call it in the cell after an exercise's check. It runs the check again;
    if your function passes, it is saved to ``my_functions/<name>.py`` and
    returned. If it does not, nothing is saved (an earlier file, saved when
    a previous version passed, stays) and the course's reference is
    returned, so the rest of the notebook still runs.

    Parameters
    ----------
    func : callable or None
        Your function, e.g. ``find_closest_centroids``.
    name : str, optional
        The exercise; defaults to ``func.__name__``. One of
        :data:`~kmeans_lab.checks.EXERCISES`.
    folder : str or path-like, optional
        Where to save; see :func:`saved_folder`.
    verbose : bool, default=True
        Print one line: which function is used, why, and what was saved.

    Returns
    -------
    callable
        ``func`` when it passes its check, otherwise the reference
        implementation (e.g. :func:`kmeans_lab.find_closest_centroids`).

    Raises
    ------
    ValueError
        If the exercise cannot be told from ``name`` or ``func.__name__``.

    See Also
    --------
    use_saved : the other half, in a later notebook.
    kmeans_lab.checks.student_or_reference : the same choice, without saving.
    """
    name = _exercise(func, name)
    reference = REGISTRY[name].reference_function()
    path = saved_folder(folder) / f"{name}.py"
    if func is None or not callable(func):
        _say(verbose, f"using the reference {name}: yours is not defined ({_not_saved(path)})")
        return reference
    try:
        result = check_function(name)(func)
    except CheckFailure as failure:
        _say(verbose, f"using the reference {name}: yours {failure.reason} ({_not_saved(path)})")
        return reference
    try:
        text = _module_text(func, name, result)
        _check_copy(_load_text(text, name, path, {}), name)
        _write(path, text)
    except _CannotSave as why:
        _say(
            verbose,
            f"using your {name}: it passes its check ({result.n_passed}/{result.n_total}), "
            f"but it could not be saved for the next notebooks: {why}",
        )
        return func
    _say(
        verbose,
        f"using your {name}: it passes its check ({result.n_passed}/{result.n_total}); "
        f"saved to {_shown(path)} for the next notebooks",
    )
    return func


def use_saved(
    name: str, *, folder: str | os.PathLike | None = None, verbose: bool = True
) -> Callable:
    """Your function saved by an earlier notebook if it still passes its check, else the reference.

    Loads ``my_functions/<name>.py`` (written by :func:`use_and_save`), runs
    the exercise's check on the function again, and returns it if it passes.
    The other exercises it calls (``run_kmeans`` calls
    ``find_closest_centroids`` and ``compute_centroids``) are your saved
    versions when they pass their checks, the references otherwise. In every
    other case (nothing saved, a file that no longer loads, a function that
    no longer passes) the reference is returned.

    When the notebook beside the folder (``03_find_closest_centroids.ipynb``
    next to ``my_functions/``) now defines the function differently from the
    saved copy, a second line says so and what its current version does
    (:func:`kmeans_lab._current_version.stale_note`); the saved copy is still
    the one used.

    Parameters
    ----------
    name : str
        The exercise, one of :data:`~kmeans_lab.checks.EXERCISES`.
    folder : str or path-like, optional
        Where the functions were saved; see :func:`saved_folder`.
    verbose : bool, default=True
        Print one line: which function is used, and why.

    Returns
    -------
    callable

    Raises
    ------
    ValueError
        If ``name`` is not an exercise.

    Examples
    --------
    >>> import tempfile
    >>> f = use_saved("find_closest_centroids", folder=tempfile.mkdtemp())  # doctest: +ELLIPSIS
    using the reference find_closest_centroids: none saved in ... (03_find_closest_centroids saves yours once it passes its check)
    >>> f.__module__
    'kmeans_lab.kmeans'
    """
    if name not in REGISTRY:
        raise ValueError(f"{name!r} is not an exercise; use one of {', '.join(EXERCISES)}")
    loaded = _load(name, saved_folder(folder), ())
    _say(verbose, "\n  ".join((loaded.line,) + loaded.notes))
    return loaded.func


# -------------------------------------------------------------- loading


class _Loaded(NamedTuple):
    """What :func:`_load` found: the function, the line that explains it, notes."""

    func: Callable
    line: str
    yours: bool
    #: lines about saved functions their notebook now holds another version of
    notes: tuple[str, ...] = ()


def _load(name: str, folder: Path, loading: tuple[str, ...]) -> _Loaded:
    """The function to use for ``name``, why, and whether it is the student's."""
    reference = REGISTRY[name].reference_function()
    path = folder / f"{name}.py"
    if name in loading:  # two saved files that call each other
        return _Loaded(
            reference, f"using the reference {name}: it calls itself through other files", False
        )
    if not path.is_file():
        return _Loaded(
            reference,
            f"using the reference {name}: none saved in {_shown(folder)} "
            f"({REGISTRY[name].notebook} saves yours once it passes its check)",
            False,
        )
    try:
        text = path.read_text(encoding="utf-8")
        needs = _global_names(compile(text, str(path), "exec")) & set(REGISTRY) - {name}
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError) as exc:
        return _Loaded(reference, f"using the reference {name}: {_cannot_read(path, exc)}", False)
    deps, built_on, notes = {}, [], []
    for dep in sorted(needs, key=EXERCISES.index):
        loaded = _load(dep, folder, loading + (name,))
        deps[dep] = loaded.func
        built_on.append(f"{'your' if loaded.yours else 'the reference'} {dep}")
        notes += [note for note in loaded.notes if note not in notes]
    try:
        func = _load_text(text, name, path, deps)
    except _CannotSave as why:
        return _Loaded(reference, f"using the reference {name}: {why}", False)
    try:
        result = check_function(name)(func)
    except CheckFailure as failure:
        return _Loaded(
            reference,
            f"using the reference {name}: your saved one ({_shown(path)}) {failure.reason}",
            False,
        )
    on = f" and built on {' and '.join(built_on)}" if built_on else ""
    note = stale_note(name, folder.parent, path, text, func)
    return _Loaded(
        func,
        f"using your {name}, saved by {REGISTRY[name].notebook}{on}: "
        f"it passes its check ({result.n_passed}/{result.n_total})",
        True,
        tuple(([note] if note else []) + notes),
    )


def _load_text(text: str, name: str, path: Path, deps: dict[str, Callable]) -> Callable:
    """Run a saved file's text in a namespace of its own; return its function ``name``.

    ``deps`` gives the other exercises it calls; those missing are the references.
    """
    try:
        code = compile(text, str(path), "exec")
    except (SyntaxError, ValueError) as exc:
        raise _CannotSave(_cannot_read(path, exc)) from None
    namespace: dict = {
        "__name__": f"{FOLDER_NAME}.{name}",
        "__file__": str(path),
        "__builtins__": builtins,
    }
    for other in _global_names(code) & set(REGISTRY) - {name}:
        namespace[other] = deps.get(other) or REGISTRY[other].reference_function()
    try:
        exec(code, namespace)
    except Exception as exc:  # noqa: BLE001 - anything a saved file may raise
        raise _CannotSave(
            f"{_shown(path)} could not be loaded ({type(exc).__name__}: {exc})"
        ) from None
    func = namespace.get(name)
    if not callable(func):
        raise _CannotSave(f"{_shown(path)} does not define {name}")
    return func


def _check_copy(copy: Callable, name: str) -> None:
    """The saved copy must pass the check too (nothing it needs was left behind)."""
    try:
        check_function(name)(copy)
    except CheckFailure as failure:
        raise _CannotSave(
            f"the copy to be saved {failure.reason} (does your function use something "
            "from the notebook that is not saved with it?)"
        ) from None


def _cannot_read(path: Path, exc: Exception) -> str:
    return f"{_shown(path)} could not be read ({type(exc).__name__}: {exc})"


# --------------------------------------------------------------- saving


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` at once (a reader never sees half a file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        readme = path.parent / "README.txt"
        if not readme.exists():
            readme.write_text(_README, encoding="utf-8")
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise _CannotSave(f"writing {_shown(path)} failed ({exc.strerror or exc})") from None


# ---------------------------------------------------------------- helpers


def _not_saved(path: Path) -> str:
    if path.is_file():
        return f"not saved: the next notebooks use the version you saved before, {_shown(path)}"
    return "not saved: the next notebooks use the reference too"


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is inside it, with / separators."""
    try:
        shown = Path(os.path.relpath(path))
        if shown.parts and shown.parts[0] == os.pardir:
            shown = Path(os.path.abspath(path))
    except ValueError:  # another drive (Windows)
        shown = Path(os.path.abspath(path))
    text = shown.as_posix()
    return text + "/" if path.is_dir() or path.suffix == "" else text


def _say(verbose: bool, line: str) -> None:
    if verbose:
        print(line)
