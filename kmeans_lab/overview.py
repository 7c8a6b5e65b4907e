"""Where you stand in the course: every exercise, whether it passes, is saved, and what is used.

:func:`progress` reads your notebooks as you last saved them and your saved
functions (``my_functions/``), and gives one line per exercise, in course order:

- in its notebook: **passes** its check, **fails** it (which case), **not started**
  (the exercise's cell is as handed out), or cannot be checked here (the cell
  uses something defined in another cell of its notebook);
- **saved** for the later notebooks, or not (and whether the saved copy is older
  than what the notebook holds now);
- what the later notebooks **use**: your saved function, or the course's reference.

Call it in any notebook (``kmeans_lab.progress()``), or run ``kmeans-lab progress``
in a terminal at the root of the repository. The text says everything in words
(no colours, no symbols), one exercise a line, so a screen reader reads it as it is.

Examples
--------
>>> import tempfile
>>> print(progress(tempfile.mkdtemp()))  # doctest: +ELLIPSIS
Your progress in ... (the notebooks as last saved; saved functions in .../my_functions/)
01_load_and_reshape (notebook not found):
  image_to_pixels: not found; not saved; later notebooks use the reference.
...
0 of 7 exercises pass in their notebook; 0 saved.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

from . import _current_version as current
from .checks.registry import EXERCISES, REGISTRY
from .exercise_cells import CellError, read_notebook
from .saved_functions import FOLDER_NAME, FOLDER_VARIABLE, _load, _shown

__all__ = ["ExerciseProgress", "Progress", "progress"]


@dataclass(frozen=True)
class ExerciseProgress:
    """One exercise's line of :class:`Progress`.

    Attributes
    ----------
    name, notebook : str
        The exercise and its notebook (without ``.ipynb``).
    state : str
        Its cell in the notebook: ``"passes"``, ``"fails"``, ``"not started"``,
        ``"cannot be run on its own"``, ``"no exercise cell"`` or ``"no notebook"``.
    why : str
        The check's reason when it fails (``"fails case 2 of 9"``), else what
        stopped the check, else empty.
    saved : str
        ``"saved"``, ``"saved, an older version"`` (the notebook now holds
        another one), ``"not saved"``.
    uses : str
        ``"yours"`` or ``"the reference"``: what the later notebooks use;
        ``"no later notebook"`` for an exercise its notebook does not save
        (``compressed_bits``; ``saved`` is then empty).
    """

    name: str
    notebook: str
    state: str
    why: str
    saved: str
    uses: str

    @property
    def status(self) -> str:
        """The state in words, e.g. ``"passes its check (13/13)"``, ``"fails case 2 of 9"``."""
        if self.state == current.PASSES:
            return f"passes its check ({self.why})"
        if self.state == current.FAILS:  # "fails case 2 of 9", "raises ValueError in case 6 of 14"
            return self.why if self.why.startswith("fails") else f"fails its check: {self.why}"
        if self.state == current.NOT_RUN:
            return f"cannot be checked here ({self.why})"
        if self.state == current.NO_NOTEBOOK:
            return "not found"
        return self.state

    def line(self) -> str:
        """``name: status; saved; later notebooks use ...``."""
        if self.uses == "no later notebook":
            return f"{self.name}: {self.status}; no later notebook uses it."
        uses = "yours (saved)" if self.uses == "yours" else "the reference"
        return f"{self.name}: {self.status}; {self.saved}; later notebooks use {uses}."


@dataclass(frozen=True)
class Progress:
    """Every exercise's :class:`ExerciseProgress`; shows as plain text (and an HTML table).

    Attributes
    ----------
    folder, saved_folder : Path
        Where the notebooks and the saved functions were read.
    exercises : tuple of ExerciseProgress
        In course order.
    """

    folder: Path
    saved_folder: Path
    exercises: tuple[ExerciseProgress, ...]

    @property
    def n_passed(self) -> int:
        """Exercises whose notebook's version passes its check."""
        return sum(e.state == current.PASSES for e in self.exercises)

    @property
    def n_saved(self) -> int:
        """Exercises with a saved function that the later notebooks use."""
        return sum(e.uses == "yours" for e in self.exercises)

    def __str__(self) -> str:
        lines = [
            f"Your progress in {_shown(self.folder)} (the notebooks as last saved; "
            f"saved functions in {_shown(self.saved_folder)})"
        ]
        notebook = None
        for exercise in self.exercises:
            if exercise.notebook != notebook:
                notebook = exercise.notebook
                missing = " (notebook not found)" if exercise.state == current.NO_NOTEBOOK else ""
                lines.append(f"{notebook}{missing}:")
            lines.append("  " + exercise.line())
        lines.append(
            f"{self.n_passed} of {len(self.exercises)} exercises pass in their notebook; "
            f"{self.n_saved} saved."
        )
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + f'<th scope="row">{html.escape(e.name)}</th>'
            + "".join(
                f"<td>{html.escape(text)}</td>"
                for text in (
                    e.notebook,
                    e.status,
                    e.saved or "not needed",
                    {"yours": "yours (saved)", "no later notebook": "none uses it"}.get(
                        e.uses, "the reference"
                    ),
                )
            )
            + "</tr>"
            for e in self.exercises
        )
        head = "".join(
            f'<th scope="col">{text}</th>'
            for text in (
                "exercise",
                "notebook",
                "in its notebook",
                "saved",
                "later notebooks use",
            )
        )
        caption = (
            f"Your progress: {self.n_passed} of {len(self.exercises)} exercises pass in their "
            f"notebook, {self.n_saved} saved (notebooks as last saved, in "
            f"{html.escape(_shown(self.folder))})"
        )
        return (
            f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )


def progress(
    folder: str | os.PathLike | None = None, *, saved: str | os.PathLike | None = None
) -> Progress:
    """Where you stand: every exercise, whether it passes, is saved, and what later notebooks use.

    Parameters
    ----------
    folder : str or path-like, optional
        The folder of your notebooks; default the working directory (in
        Jupyter, the notebook's folder).
    saved : str or path-like, optional
        The folder of your saved functions; default ``$KMEANS_LAB_MY_FUNCTIONS``
        if set, else ``my_functions`` inside ``folder``.

    Returns
    -------
    Progress
        Shows itself as one line per exercise (``print`` it, or leave it as a
        cell's last expression).

    Raises
    ------
    ValueError
        If ``folder`` is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> report = progress(tempfile.mkdtemp())  # a folder without the course's notebooks
    >>> report.n_passed, report.exercises[0].line()
    (0, 'image_to_pixels: not found; not saved; later notebooks use the reference.')
    """
    folder = Path(os.getcwd() if folder is None else folder)
    if not folder.is_dir():
        raise ValueError(
            f"no folder '{folder}': give the folder of your notebooks (my-course/ at the root "
            "of the repository, made by 'kmeans-lab workspace')"
        )
    if saved is None:
        saved = os.environ.get(FOLDER_VARIABLE) or folder / FOLDER_NAME
    saved = Path(saved)
    return Progress(folder, saved, tuple(_exercise(name, folder, saved) for name in EXERCISES))


def _stale(name: str, folder: Path, saved_file: Path) -> bool:
    """The notebook, written after the save, no longer holds the saved version in any cell."""
    notebook_file = current.notebook_path(name, folder)
    if not current.saved_before(notebook_file, saved_file):
        return False
    try:
        notebook = read_notebook(notebook_file)
        return not current.holds_saved(notebook, name, saved_file.read_text(encoding="utf-8"))
    except (CellError, OSError, UnicodeDecodeError):
        return False


def _carried(name: str, folder: Path) -> bool:
    """Whether the exercise's notebook saves it for the later ones (``use_and_save(name)``)."""
    try:
        return f"use_and_save({name}" in current.notebook_path(name, folder).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return True  # no notebook to tell: as the course does for every other exercise


def _exercise(name: str, folder: Path, saved: Path) -> ExerciseProgress:
    now = current.current_version(name, folder)
    loaded = _load(name, saved, ())
    path = saved / f"{name}.py"
    if not path.is_file() and not _carried(name, folder):
        return ExerciseProgress(
            name, REGISTRY[name].notebook, now.state, now.passed or now.why, "", "no later notebook"
        )
    if not path.is_file():
        saved_text = "not saved"
    elif not loaded.yours:
        saved_text = "saved, but the saved copy does not pass its check"
    elif now.source and _stale(name, folder, path):
        saved_text = "saved, an older version than the notebook's"
    else:
        saved_text = "saved"
    why = now.passed if now.state == current.PASSES else now.why
    return ExerciseProgress(
        name,
        REGISTRY[name].notebook,
        now.state,
        why,
        saved_text,
        "yours" if loaded.yours else "the reference",
    )
