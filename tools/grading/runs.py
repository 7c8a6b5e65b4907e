"""A grading run: secret seeds, planned inputs, and the package copies the sandboxes see.

Everything lives in ``course/autograde/`` (gitignored, instructor-only; no
sandbox ever sees it)::

    course/autograde/
        run.json                 the run: id, seeds per exercise (secret), settings
        package/kmeans_lab/      the read-only package copy mounted in the notebooks' sandboxes
                                 (compiled to bytecode once, here)
        recorder/kmeans_lab/     the few files of it the fresh sandboxes see (tools.grading.fresh)
        home/                    files copied into each notebook's sandbox home: matplotlib's
                                 font list, built once in a sandbox (not 0.5-1 s per notebook)
        plans/<exercise>.plan    the hidden tests' planned calls (inputs only; no sandbox
                                 sees another exercise's plan, no notebook sees any)
        results/<student>.json   one student's result (tools.grading.worker)
        results/<student>/<notebook>.ipynb   the judged notebooks
        log.txt                  written as grading goes

A run is made once per ``make autograde`` with fresh seeds; ``--seed N``
makes a reproducible one (to re-grade exactly, or to test). Running
``--student S`` alone reuses the current run, so a class split over many
machines is graded with the same hidden inputs (README "For instructors").
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kmeans_lab.checks.provenance import PACKAGE_DIR
from kmeans_lab.checks.registry import EXERCISES, REGISTRY

from ..course_privacy import make_private_file, make_private_folder
from ..sandbox import Limits, Sandbox, SandboxUnavailable
from . import integrity
from .fresh import build_view
from .replay import plan

__all__ = ["Run", "prepare_run", "load_run", "compile_environment", "RUN_FOLDER", "N_RANDOM"]

#: The run's folder, inside the course folder.
RUN_FOLDER = "autograde"
#: Random cases of every hidden test (the registry's ``hidden_n_random``).
N_RANDOM = {name: exercise.hidden_n_random for name, exercise in REGISTRY.items()}


@dataclass(frozen=True)
class Run:
    """A prepared grading run (see the module docstring)."""

    folder: Path
    run_id: str
    seeds: dict[str, int]
    package_hash: str

    @property
    def package(self) -> Path:
        return self.folder / "package"

    @property
    def recorder(self) -> Path:
        """The folder holding the ``kmeans_lab`` the fresh sandboxes see."""
        return self.folder / "recorder"

    @property
    def plans(self) -> Path:
        return self.folder / "plans"

    @property
    def results(self) -> Path:
        return self.folder / "results"

    def plan_file(self, exercise: str) -> Path:
        return self.plans / f"{exercise}.plan"

    @property
    def home_files(self) -> dict[str, Path]:
        """``{path relative to the sandbox's home: file}`` copied into each notebook's sandbox."""
        home = self.folder / "home"
        if not home.is_dir():
            return {}
        return {str(p.relative_to(home)): p for p in sorted(home.rglob("*")) if p.is_file()}


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):  # the bytecode too: it is what the sandboxes run
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _packages_hash(folder: Path) -> str:
    """One hash of both package copies of a run."""
    parts = [_tree_hash(folder / "package" / "kmeans_lab"), _tree_hash(folder / "recorder")]
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


#: What the font-list builder prints: matplotlib's caches, ``{file name: text}``.
_FONT_LIST_SCRIPT = """
import json, os, sys
import matplotlib.font_manager
folder = os.environ["MPLCONFIGDIR"]
names = [n for n in os.listdir(folder) if n.endswith(".json")]
data = json.dumps({n: open(os.path.join(folder, n), encoding="utf-8").read() for n in names})
view = memoryview(data.encode())
while view:
    view = view[os.write(int(sys.argv[2]), view):]
"""
_CACHE_NAME = re.compile(r"[A-Za-z0-9_.-]+\.json")


def build_home(folder: Path, package: Path) -> dict[str, Path]:
    """Build matplotlib's font list in a notebook sandbox, once, into ``folder``.

    Every notebook's sandbox starts with an empty home, where ``import
    matplotlib.pyplot`` would scan the system's fonts again (0.5-1 s of each
    notebook). The list built here, by the same matplotlib in the same
    sandbox (so it names the same font files), is copied into each one
    (:attr:`Run.home_files`). Where no sandbox starts (``--prepare`` on
    another machine), nothing is built and each notebook builds its own.

    Returns ``{path relative to the home: file}`` of what was written.
    """
    sandbox = Sandbox(package, Limits(wall_seconds=120, result_bytes=16 << 20))
    config = os.path.relpath(sandbox.environment({})["MPLCONFIGDIR"], Sandbox.HOME)
    empty = Path(folder) / "empty"
    empty.mkdir(parents=True)
    try:
        result = sandbox.run(empty, ["-c", _FONT_LIST_SCRIPT])
        files = json.loads(result.data) if result.returncode == 0 else {}
    except (SandboxUnavailable, RuntimeError, OSError, ValueError):
        files = {}
    finally:
        empty.rmdir()
    written = {}
    for name, text in files.items() if isinstance(files, dict) else ():
        if isinstance(text, str) and _CACHE_NAME.fullmatch(name):
            target = Path(folder) / config / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written[str(target.relative_to(folder))] = target
    return written


def _seeds(seed: int | None) -> dict[str, int]:
    if seed is None:
        return {name: secrets.randbelow(2**31) for name in EXERCISES}
    rng = np.random.default_rng(seed)
    return {name: int(rng.integers(0, 2**31)) for name in EXERCISES}


def compile_environment() -> None:
    """Bytecode for the environment the sandboxes import (NumPy, IPython, matplotlib ...).

    ``uv`` installs without it (pip compiles at install) and a sandbox sees the
    environment read-only, so without it every sandboxed Python compiles each
    module it imports again: about a second a start, for every notebook and every
    exercise. Compiled here, once (a later run only finds it done); a folder the
    grader cannot write is left as it is. The environment's fingerprint skips
    bytecode (:mod:`.integrity`), so this changes nothing it watches.
    """
    for folder in integrity.watched_folders():
        if os.access(folder, os.W_OK):
            compileall.compile_dir(str(folder), quiet=2)


def prepare_run(course: Path, *, seed: int | None = None) -> Run:
    """Make a new run in ``course/autograde/``: seeds, plans and the package copies.

    Earlier results are removed (a new run grades everyone again).
    """
    folder = Path(course) / RUN_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "plans").mkdir(parents=True)
    (folder / "results").mkdir()
    package = folder / "package" / "kmeans_lab"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # compiled once here: the sandboxes write no bytecode, so each would compile it again
    compileall.compile_dir(str(package), quiet=2)
    compile_environment()
    for path in [folder / "package", *package.rglob("*"), package]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)  # readable by the sandbox's user
    build_view(folder / "recorder")
    make_private_folder(folder)  # the sandbox sees the package by a bind mount, never this path
    build_home(folder / "home", folder / "package")
    seeds = _seeds(seed)
    for name in EXERCISES:
        bundle = plan(name, n_random=N_RANDOM[name], seed=seeds[name])
        (folder / "plans" / f"{name}.plan").write_bytes(bundle)
    run = Run(
        folder,
        f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}",
        seeds,
        _packages_hash(folder),
    )
    (folder / "run.json").touch(mode=0o600)  # private before the seeds are in it
    (folder / "run.json").write_text(
        json.dumps(
            {
                "run": run.run_id,
                "seeds": seeds,
                "reproducible": seed is not None,
                "package_hash": run.package_hash,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    make_private_file(folder / "run.json")  # whatever the umask
    return run


def load_run(course: Path) -> Run:
    """The current run of ``course`` (made by :func:`prepare_run`), verified unchanged."""
    folder = Path(course) / RUN_FOLDER
    try:
        data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SystemExit(
            f"no grading run in {folder}: run `make autograde` "
            "(or `python -m tools.autograde --prepare`) first"
        ) from None
    run = Run(
        folder, data["run"], {k: int(v) for k, v in data["seeds"].items()}, data["package_hash"]
    )
    if _packages_hash(folder) != run.package_hash:
        raise SystemExit(
            f"the package copies in {run.package} and {run.recorder} changed since the run was "
            "prepared: prepare a new run (make autograde)"
        )
    return run
