"""What an update of the student's folder did, and the one line that says it.

:func:`kmeans_lab.workspace.update_workspace` fills an :class:`UpdateReport`
file by file; ``kmeans-lab workspace`` and ``make lab`` print its
:meth:`~UpdateReport.summary`, e.g.
``my-course: 2 notebooks refreshed (03, 05), 1 kept with your changes (04), 1 new (08)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["UpdateReport", "display_path"]


@dataclass
class UpdateReport:
    """What :func:`update_workspace` did, file by file (paths relative to the folder).

    Attributes
    ----------
    folder : Path
        The student's folder.
    source : Path
        The course folder it was updated from.
    created : bool
        True when the folder did not exist before.
    new, refreshed, restored : list of str
        Course files copied in: new in the course, a new version of a file the
        student had not changed, a file the student had deleted.
    kept : list of str
        Files the student changed, of which the course has a new version (kept as
        the student left them; reported once per new version).
    yours : list of str
        Every other course file the student has changed (nothing new for them).
    renamed : list of tuple of str
        ``(name, new name)`` of the student's own files moved aside for a course file.
    retired : list of str
        Files no longer in the course, left in the folder as they are.
    unchanged : list of str
        Course files already up to date.
    """

    folder: Path
    source: Path
    created: bool = False
    new: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    yours: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def course_files(self) -> list[str]:
        """Every course file, sorted."""
        return sorted(
            self.new
            + self.refreshed
            + self.restored
            + self.kept
            + self.yours
            + self.unchanged
            + [old for old, _ in self.renamed]
        )

    def summary(self) -> str:
        """One line: the folder, then what was refreshed, kept, added, restored, renamed."""
        head = f"{display_path(self.folder)}:"
        files = self.course_files
        if self.created:
            return f"{head} created with {_count(files)} from {display_path(self.source)} ({_labels(files)})"
        parts = []
        for names, first, later in (
            (self.refreshed, "{n} refreshed", "{k} refreshed"),
            (self.kept, "{n} kept with your changes", "{k} kept with your changes"),
            (self.new, "{k} new {noun}", "{k} new"),
            (self.restored, "{n} restored", "{k} restored"),
            (
                self.retired,
                "{n} no longer in the course, left in your folder",
                "{k} no longer in the course, left in your folder",
            ),
        ):
            if names:
                template = later if parts else first
                text = template.format(n=_count(names), k=len(names), noun=_noun(names))
                parts.append(f"{text} ({_labels(names)})")
        for old, new in self.renamed:
            parts.append(f"your own {old} renamed {new} to make room for the course's")
        if not parts:
            yours = f", your changes in {_labels(self.yours)}" if self.yours else ""
            return f"{head} up to date ({_count(files)}{yours})"
        line = f"{head} {', '.join(parts)}"
        if self.kept:
            line += "; to get the new version of a notebook you changed, rename or delete yours and run this again"
        return line


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when inside it, else as it is."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return str(path)
    return path.as_posix()


def _noun(names: list[str]) -> str:
    notebooks = all(name.endswith(".ipynb") for name in names)
    return ("notebook" if notebooks else "file") + ("" if len(names) == 1 else "s")


def _count(names: list[str]) -> str:
    return f"{len(names)} {_noun(names)}"


def _labels(names: list[str]) -> str:
    """``03_find_closest_centroids.ipynb`` -> ``03``; other names as they are."""
    labels = []
    for name in names:
        match = re.fullmatch(r"(\d+)_[^/]*\.ipynb", name)
        labels.append(match.group(1) if match else name)
    return ", ".join(labels)
