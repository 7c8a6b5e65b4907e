"""The fresh sandbox of one exercise: the student's source runs where no answer is.

The notebook's sandbox only reports, at each check cell, the source of the
student's function (:mod:`kmeans_lab.grading.capture`). The graded answers
come from here: one new process per exercise, in a sandbox of its own, that
receives that source, the planned inputs of that exercise only
(:mod:`.replay`), and sees an **allow-list** of code:

- Python's standard library (every ``site-packages``/``dist-packages``
  folder of the interpreter and of the system is an empty folder);
- the libraries of :data:`PROVIDED_LIBRARIES`, each without the modules
  the registry forbids to any exercise (``forbidden_modules``: a module
  doing one step of K-means for one exercise is a route to the answer of
  the others); scikit-learn is not there at all;
- of ``kmeans_lab``, only :data:`VIEW_FILES`: the recorder, its transport,
  the argument checks (``_validation``), what a call did besides its
  result (``_call_trace``: lines run, NumPy's global random state, measured
  as the checks measure them), and the server that records a student's
  exercises one fresh child each (``record_serve``, ``forks``); no reference, no fast engine,
  no compression, no check and none of its helpers or mistake variants;
- for an exercise that builds on others (``run_kmeans`` calls
  ``find_closest_centroids`` and ``compute_centroids``: the registry's
  ``uses``), the source of those references, which the grader extracts
  itself.

Whatever source came out of the notebook, it can only score by computing
the answers itself. What the process writes back is read as plain data and
replayed through the real check outside (:func:`.replay.replay`).
"""

from __future__ import annotations

import compileall
import functools
import glob
import importlib.util
import json
import os
import shutil
import stat
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kmeans_lab.checks.provenance import PACKAGE_DIR
from kmeans_lab.checks.registry import EXERCISES, REGISTRY
from kmeans_lab.saved_functions import function_source

from ..sandbox import Limits, Sandbox, SandboxResult
from ..sandbox_streams import run_notebooks

__all__ = [
    "PROVIDED_LIBRARIES",
    "VIEW_FILES",
    "hidden_modules",
    "build_view",
    "dependencies",
    "FreshSandbox",
    "Job",
    "record_in_fresh_sandboxes",
    "MISSING_MODULE_LINE",
]

#: Third-party libraries a student's function may import where it is graded:
#: NumPy for everything, SciPy for distance helpers (``scipy.spatial.distance.cdist``).
PROVIDED_LIBRARIES: tuple[str, ...] = ("numpy", "scipy")

#: The files of ``kmeans_lab`` the fresh process sees (every package's
#: ``__init__.py`` there is an empty stand-in): none computes an answer.
VIEW_FILES: tuple[str, ...] = (
    "_validation.py",
    "_call_trace.py",
    "grading/record.py",
    "grading/transport.py",
    "grading/forks.py",
    "grading/record_serve.py",
)


def hidden_modules() -> tuple[str, ...]:
    """Modules of the provided libraries that no graded function sees (from the registry).

    Examples
    --------
    >>> hidden_modules()
    ('scipy.cluster',)
    """
    found = {
        module
        for exercise in REGISTRY.values()
        for module in exercise.forbidden_modules
        if module.split(".")[0] in PROVIDED_LIBRARIES and _is_module(module)
    }
    return tuple(sorted(found))


def _is_module(dotted: str) -> bool:
    """``dotted`` names a module (``scipy.cluster``), not a class in one (``scipy.spatial.KDTree``:
    hiding it would hide its whole module, ``cdist`` included; the replay names it instead)."""
    import importlib.util

    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError, AttributeError):
        return False


#: What a ``ModuleNotFoundError`` says in the fresh process, after the module's name.
MISSING_MODULE_LINE = (
    "where the grader runs your function there is only Python's standard library, "
    + ", ".join(PROVIDED_LIBRARIES)
    + (f" (without {', '.join(hidden_modules())})" if hidden_modules() else "")
    + ": compute the answer with those"
)

_STUB = '"""A stand-in: the grader\'s fresh sandbox sees only a few files of kmeans_lab."""\n'


def build_view(folder: Path) -> Path:
    """Write the ``kmeans_lab`` the fresh sandboxes see into ``folder/kmeans_lab``; return it."""
    root = Path(folder) / "kmeans_lab"
    root.mkdir(parents=True)
    for name in VIEW_FILES:
        target = root / name
        for package in [root, *[p for p in target.parents if root in p.parents]]:
            package.mkdir(exist_ok=True)
            init = package / "__init__.py"
            if not init.exists():
                init.write_text(_STUB, encoding="utf-8")
        shutil.copyfile(PACKAGE_DIR / name, target)
    # bytecode, compiled once here: a sandbox writes none, so each of the seven fresh
    # sandboxes of a student compiled these modules again (about 20 ms each)
    compileall.compile_dir(str(root), quiet=2)
    for path in [Path(folder), *Path(folder).rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return root


def _exercise_name(dotted: str) -> str | None:
    name = dotted.rpartition(".")[2]
    return name if name in REGISTRY and REGISTRY[name].reference == dotted else None


def _allowed_dependencies(exercise: str) -> tuple[str, ...]:
    """The exercises whose references ``exercise`` may call (its registry ``uses``)."""
    record = REGISTRY[exercise]
    names = (_exercise_name(d) for d in record.uses if d not in record.forbidden)
    return tuple(n for n in names if n is not None and n != exercise)


@functools.cache
def _reference_source(exercise: str) -> str:
    return function_source(REGISTRY[exercise].reference_function(), exercise)


def dependencies(exercise: str) -> dict[str, str]:
    """``{name: source}`` of the references ``exercise``'s function may call there."""
    return {name: _reference_source(name) for name in _allowed_dependencies(exercise)}


@dataclass
class Job:
    """One exercise to record: its plan and the student's source."""

    exercise: str
    plan: bytes
    source: str


@functools.cache
def _library_folders() -> dict[str, str]:
    """``{name: folder}`` of each provided library and the wheels' vendored libraries."""
    found = {}
    for name in PROVIDED_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = os.path.realpath(list(spec.submodule_search_locations)[0])
        found[name] = folder
        vendored = os.path.join(os.path.dirname(folder), f"{name}.libs")
        if os.path.isdir(vendored):
            found[f"{name}.libs"] = os.path.realpath(vendored)
    return found


def _package_folders(prefixes: list[str]) -> list[str]:
    """Every folder of installed packages an interpreter under ``prefixes`` could import from."""
    found = set()
    for prefix in prefixes:
        for pattern in (
            "lib*/python3*/site-packages",
            "lib*/python3*/dist-packages",
            "lib/python3/dist-packages",
        ):
            found.update(os.path.realpath(p) for p in glob.glob(os.path.join(prefix, pattern)))
    return sorted(p for p in found if os.path.isdir(p))


class FreshSandbox(Sandbox):
    """A :class:`~tools.sandbox.Sandbox` that sees the allow-list of the module docstring."""

    LIBS = "/opt/libs"

    def __post_init__(self) -> None:
        super().__post_init__()
        # the interpreter itself, not a virtual environment (whose packages are not wanted)
        self.python = os.path.realpath(sys.executable)
        self.prefix = self.base_prefix

    def _binds(self, input_dir: Path) -> list[str]:
        args = super()._binds(input_dir)
        for folder in _package_folders([self.base_prefix, "/usr", "/usr/local"]):
            args += ["--tmpfs", folder]  # empty: nothing installed there is importable
        args += ["--perms", "0755", "--dir", self.LIBS]
        libraries = _library_folders()
        for name, folder in sorted(libraries.items()):
            args += ["--ro-bind", folder, f"{self.LIBS}/{name}"]
        for module in hidden_modules():
            top, *rest = module.split(".")
            if top in libraries and os.path.isdir(os.path.join(libraries[top], *rest)):
                args += ["--tmpfs", f"{self.LIBS}/{'/'.join([top, *rest])}"]  # empty there
        return args

    def environment(self, extra: dict[str, str]) -> dict[str, str]:
        env = super().environment(extra)
        env["PYTHONPATH"] = f"{self.PACKAGE}:{self.LIBS}"
        return env


def _stage(job: Job, folder: Path | None = None) -> Path:
    """``job``'s files in ``folder`` (a new one if None), readable by the sandbox."""
    folder = Path(tempfile.mkdtemp(prefix="kmeans-lab-fresh-")) if folder is None else folder
    folder.mkdir(exist_ok=True)
    (folder / "plan").write_bytes(job.plan)
    document = {
        "exercise": job.exercise,
        "source": job.source,
        "deps": dependencies(job.exercise),
        "missing": MISSING_MODULE_LINE,
    }
    (folder / "function.json").write_text(json.dumps(document), encoding="utf-8")
    _readable(folder)
    return folder


def _readable(folder: Path) -> None:
    readable = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    os.chmod(folder, readable | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IWUSR)
    for path in folder.iterdir():
        if path.is_file():
            os.chmod(path, readable)


def _record_one(job: Job, view: Path, limits: Limits, slot: int) -> SandboxResult:
    folder = _stage(job)
    try:
        sandbox = FreshSandbox(view, limits, slot)
        return sandbox.run(folder, ["-S", "-m", "kmeans_lab.grading.record", Sandbox.INPUT])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: Why this process records each exercise in a sandbox of its own (empty: one server each).
_ONE_SANDBOX_EACH: list[str] = []


def _record_in_one_server(
    jobs: list[Job], view: Path, limits: Limits, slot: int
) -> dict[str, SandboxResult]:
    """``{exercise: result}`` of the jobs one server sandbox recorded (the others: not there)."""
    folder = Path(tempfile.mkdtemp(prefix="kmeans-lab-fresh-"))
    try:
        for index, job in enumerate(jobs):
            _stage(job, folder / str(index))
        _readable(folder)
        outcome = run_notebooks(
            FreshSandbox(view, limits, slot),
            folder,
            [
                "-S",
                "-m",
                "kmeans_lab.grading.record_serve",
                *(f"{Sandbox.INPUT}/{index}" for index in range(len(jobs))),
                "--hide",
                Sandbox.INPUT,
                "--home-bytes",
                str(limits.scratch_bytes),
                "--tmp-bytes",
                str(limits.tmp_bytes),
            ],
            len(jobs),
            env={},
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if outcome.unavailable:
        _ONE_SANDBOX_EACH.append(outcome.unavailable)
    return {j.exercise: r for j, r in zip(jobs, outcome.results) if r is not None}


def record_in_fresh_sandboxes(
    jobs: list[Job], view: Path, *, seconds: float, slot: int = 0
) -> dict[str, SandboxResult]:
    """Run each job in a fresh sandbox of its own; ``{exercise: result}``.

    ``view`` is the folder holding the ``kmeans_lab`` of :func:`build_view`;
    each job is stopped after ``seconds``. One server sandbox
    (:mod:`kmeans_lab.grading.record_serve`) imports NumPy and the recorder
    once and records each job in a fresh child with namespaces and folders of
    its own, which sees its own job only; the jobs it did not record (one
    before them was stopped, or no child gets namespaces of its own here) each
    get a fresh sandbox of their own, side by side.
    """
    limits = Limits(wall_seconds=seconds)
    jobs = sorted(jobs, key=lambda j: EXERCISES.index(j.exercise))
    if not jobs:
        return {}
    results: dict[str, SandboxResult] = {}
    if not _ONE_SANDBOX_EACH:
        try:
            results = _record_in_one_server(jobs, view, limits, slot)
        except Exception:  # noqa: BLE001 - e.g. no uid free: each job tries, and says why, alone
            results = {}
    rest = [j for j in jobs if j.exercise not in results]
    if rest:
        with ThreadPoolExecutor(max_workers=len(rest)) as pool:
            futures = {j.exercise: pool.submit(_record_one, j, view, limits, slot) for j in rest}
            results.update({name: future.result() for name, future in futures.items()})
    return {j.exercise: results[j.exercise] for j in jobs}
