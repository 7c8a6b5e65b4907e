"""Which kmeans_lab ran a check: its version and a fingerprint of its files.

A passing check shows a :class:`~kmeans_lab.checks.results.CheckResult`,
whose display output carries this stamp in its metadata (key ``kmeans_lab``).
The stamp is saved in the notebook with the output, so a submitted notebook
tells which package the student's kernel ran; ``make autograde`` refuses to
grade with a clone whose stamp differs (``tools/student_version.py``), as on
a JupyterHub whose image runs another version than the instructor's clone.

The fingerprint covers the package's source files (``*.py``) and its bundled
data (``data/``): what a wheel or an editable install of the same commit has
alike. Two commits with the same version number but different checks have
different fingerprints.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

#: Key of the stamp in a display output's metadata.
STAMP_KEY = "kmeans_lab"

PACKAGE_DIR = Path(__file__).resolve().parent


def _package_files(package_dir: Path) -> list[Path]:
    """The files the fingerprint covers, sorted: ``*.py`` and ``data/*``."""
    files = [p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts]
    data = package_dir / "data"
    if data.is_dir():
        files += [p for p in data.iterdir() if p.is_file()]
    return sorted(set(files))


def fingerprint(package_dir: str | Path = PACKAGE_DIR) -> str:
    """The first 16 hex digits of a SHA-256 over the package's files and their names.

    Parameters
    ----------
    package_dir : path
        The ``kmeans_lab`` folder (default: this package's).

    Returns
    -------
    str
        16 hexadecimal digits; equal for two folders whose ``*.py`` and
        ``data/`` files have the same relative names and contents.

    Examples
    --------
    >>> len(fingerprint())
    16
    """
    package_dir = Path(package_dir)
    digest = hashlib.sha256()
    for path in _package_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def package_stamp() -> dict[str, str]:
    """This package's ``{"version": ..., "fingerprint": ...}`` (computed once per process).

    Examples
    --------
    >>> sorted(package_stamp())
    ['fingerprint', 'version']
    """
    from . import __version__

    return {"version": __version__, "fingerprint": fingerprint()}
