"""Start one exercise over: its cell back to the course's starting version, the rest kept.

``kmeans-lab reset 03 find_closest_centroids`` (or :func:`reset_exercise`) puts the
exercise cell of ``my-course/03_find_closest_centroids.ipynb`` back to what the
course handed out (``notebooks/student/``), and changes nothing else:

- every other cell of the notebook, and every other file, is left as it is;
- the code it replaces is first written to a new file in ``my-course/backups/``
  (never over an existing one), and the message says where;
- the cell's outputs go (they were the old code's);
- your saved copy in ``my_functions/`` is not touched: later notebooks keep using
  it while it passes its check (delete it to make them use the reference).

If the notebook is open in JupyterLab, close it first (or reload it from disk
afterwards: *File > Reload Notebook from Disk*), or JupyterLab's next save puts
your old cell back.

Examples
--------
>>> import tempfile, shutil, json
>>> from pathlib import Path
>>> mine = Path(tempfile.mkdtemp())
>>> course = Path("notebooks/student")
>>> _ = shutil.copy(course / "05_compress_image.ipynb", mine)
>>> reset_exercise("05", folder=mine, source=course).changed  # already as handed out
False
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .checks.registry import REGISTRY
from .exercise_cells import CellError, cell_source, exercise_cell_index, read_notebook
from .workspace import DEFAULT_FOLDER, DEFAULT_SOURCE

__all__ = ["BACKUP_FOLDER", "Reset", "ResetError", "reset_exercise"]

#: Where the replaced code is kept, inside the student's folder.
BACKUP_FOLDER = "backups"


class ResetError(ValueError):
    """The exercise cannot be reset; the message says why and what to do, in one line."""


@dataclass(frozen=True)
class Reset:
    """What :func:`reset_exercise` did.

    Attributes
    ----------
    notebook : Path
        The student's notebook.
    exercise : str
        The exercise whose cell was reset.
    changed : bool
        False when the cell already was the starting version (nothing written).
    backup : Path or None
        The file that keeps the replaced code.
    """

    notebook: Path
    exercise: str
    changed: bool
    backup: Path | None = None

    def summary(self) -> str:
        """One line: what was reset and where the old code is."""
        if not self.changed:
            return (
                f"{self.notebook.name}: the {self.exercise} cell already is the course's "
                "starting version; nothing changed"
            )
        return (
            f"{self.notebook.name}: the {self.exercise} cell is back to the course's starting "
            f"version, the rest of the notebook unchanged; your code is kept in {self.backup}. "
            "If the notebook is open in JupyterLab, reload it from disk (File > Reload Notebook "
            "from Disk) before you save it"
        )


def reset_exercise(
    notebook: str,
    exercise: str | None = None,
    *,
    folder: str | os.PathLike = DEFAULT_FOLDER,
    source: str | os.PathLike = DEFAULT_SOURCE,
    now: float | None = None,
) -> Reset:
    """Put one exercise cell of your notebook back to the course's starting version.

    Parameters
    ----------
    notebook : str
        The notebook: its number (``"03"``), its name, or its file name.
    exercise : str, optional
        The exercise (``"find_closest_centroids"``); may be left out when the
        notebook has only one.
    folder : path, default ``"my-course"``
        Your folder.
    source : path, default ``"notebooks/student"``
        The course's student notebooks (the starting versions).
    now : float, optional
        The time used in the backup's name.

    Returns
    -------
    Reset
        ``.summary()`` is the line to show.

    Raises
    ------
    ResetError
        An unknown notebook or exercise, a notebook that cannot be read, or an
        exercise cell that is missing: the message says which and what to do.
    """
    folder, source = Path(folder), Path(source)
    name = _notebook_name(notebook, folder)
    exercise = _exercise(name, exercise)
    path = folder / f"{name}.ipynb"
    try:
        mine = read_notebook(path)
        start = read_notebook(source / f"{name}.ipynb")
    except CellError as exc:
        raise ResetError(str(exc)) from None
    start_index = exercise_cell_index(start, exercise)
    if start_index is None:
        raise ResetError(f"the course's {name} has no {exercise} cell (is {source} the course?)")
    index = exercise_cell_index(mine, exercise)
    if index is None:
        raise ResetError(
            f"your {name} has no {exercise} cell any more: rename or delete the notebook and "
            "run 'kmeans-lab workspace' to get the course's version"
        )
    old, new = cell_source(mine["cells"][index]), cell_source(start["cells"][start_index])
    if old == new:
        return Reset(path, exercise, False)
    backup = _backup(folder, name, exercise, old, time.time() if now is None else now)
    cell = mine["cells"][index]
    cell["source"] = start["cells"][start_index]["source"]
    if cell.get("cell_type") == "code":
        cell["outputs"], cell["execution_count"] = [], None
    text = json.dumps(mine, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # as Jupyter does
    partial = path.with_name(f".{path.name}.kmeans-lab-tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return Reset(path, exercise, True, backup)


def _notebook_name(notebook: str, folder: Path) -> str:
    """``"03"`` -> ``"03_find_closest_centroids"``: a notebook of the course with exercises."""
    names = sorted({e.notebook for e in REGISTRY.values()})
    wanted = notebook.removesuffix(".ipynb")
    found = [
        n
        for n in names
        if n == wanted or (re.fullmatch(r"\d+", wanted) and n.split("_")[0] == wanted.zfill(2))
    ]
    if not found:
        raise ResetError(
            f"no notebook {notebook!r} with an exercise; the notebooks with exercises are "
            + ", ".join(names)
        )
    if not (folder / f"{found[0]}.ipynb").is_file():
        raise ResetError(
            f"no {found[0]}.ipynb in {folder}: run 'kmeans-lab workspace' to hand it out again"
        )
    return found[0]


def _exercise(notebook: str, exercise: str | None) -> str:
    here = [e.name for e in REGISTRY.values() if e.notebook == notebook]
    if exercise is None and len(here) == 1:
        return here[0]
    if exercise not in here:
        said = "which exercise" if exercise is None else f"no exercise {exercise!r} in {notebook}"
        raise ResetError(f"{said}: {notebook}'s exercises are {', '.join(here)}")
    return exercise


def _backup(folder: Path, notebook: str, exercise: str, code: str, now: float) -> Path:
    """Write ``code`` to a new file of ``folder/backups`` (never over another); return it."""
    backups = folder / BACKUP_FOLDER
    backups.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    header = f"# {exercise} from {notebook}.ipynb, as it was before 'kmeans-lab reset' ({stamp})\n"
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        path = backups / f"{notebook}-{exercise}-{stamp}{suffix}.py"
        try:
            with open(path, "x", encoding="utf-8") as f:  # "x": fails if it exists
                f.write(header + code + ("" if code.endswith("\n") else "\n"))
            return path
        except FileExistsError:
            number += 1
