"""The grader's own environment, verified unchanged after every batch.

Student code never runs outside its sandbox, and the sandbox sees the
package and the environment read-only; this is the check that it stayed so.
:func:`fingerprint` hashes the ``kmeans_lab`` package the grader imports and
every file of the environment's ``site-packages`` (names, sizes, times; the
content of ``.pth`` and ``sitecustomize`` files, which run at start-up).
:func:`compare` lists what changed; ``make autograde`` aborts, before it
writes any grade, when anything did.
"""

from __future__ import annotations

import hashlib
import os
import site
import sysconfig
from pathlib import Path

from kmeans_lab.checks.provenance import PACKAGE_DIR

__all__ = ["fingerprint", "compare", "watched_folders"]


def watched_folders() -> list[Path]:
    """The folders whose files the fingerprint covers."""
    folders = {Path(PACKAGE_DIR)}
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            folders.add(Path(path))
    for path in site.getsitepackages():
        folders.add(Path(path))
    return sorted(f.resolve() for f in folders if f.is_dir())


def _entry(path: Path) -> str:
    info = path.stat()
    if (
        path.suffix == ".pth"
        or path.stem in ("sitecustomize", "usercustomize")
        or PACKAGE_DIR in path.parents
    ):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{info.st_size}:{info.st_mtime_ns}"


def fingerprint() -> dict[str, str]:
    """``{file path: content hash or size and time}`` of the watched folders."""
    found = {}
    for folder in watched_folders():
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                if name.endswith(".pyc"):
                    continue
                path = Path(root) / name
                try:
                    found[str(path)] = _entry(path)
                except OSError:
                    found[str(path)] = "unreadable"
    return found


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per file added, removed or changed."""
    lines = [f"added: {p}" for p in sorted(set(after) - set(before))]
    lines += [f"removed: {p}" for p in sorted(set(before) - set(after))]
    lines += [f"changed: {p}" for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return lines
