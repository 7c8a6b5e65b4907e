"""Refuse to grade when the students' kernels ran another kmeans_lab than this clone.

On a JupyterHub the students' kernels run the hub image's install of the
package, while ``make autograde`` grades with the instructor's clone. If they
differ, the checks the students saw and the ones that grade them differ too.
Every passing check saves, in its output's metadata, which package ran it: its
version and a fingerprint of its files (:mod:`kmeans_lab._stamp`). Before
grading, :func:`version_problem` reads those stamps from the submitted
notebooks and returns one line naming both versions when the class ran another
version (no student graded carries this clone's stamp, and most carry another);
``make autograde`` prints it and exits 1 without grading.

Notebooks are read as plain JSON, with a size limit; a notebook that cannot be
read or carries no stamp (no check passed) is skipped here (the grader reports
unreadable notebooks itself). A stamp is a claim made by a file a student could
edit, so one student (or a few) cannot stop a class's grading with it: when
only some notebooks carry another stamp, :func:`version_warning` names those
students in one line and grading goes on. ``--ignore-student-version`` grades
anyway.
"""

from __future__ import annotations

import json
from pathlib import Path

from kmeans_lab._stamp import STAMP_KEY, package_stamp

from .nbgrader_course import ASSIGNMENT

#: Submitted notebooks larger than this are not read here (the grader reports them).
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
#: Students named per stamp in the refusal line.
NAMES_SHOWN = 5


def notebook_stamps(path: Path) -> set[tuple[str, str]]:
    """The (version, fingerprint) pairs saved in one notebook's outputs.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> output = {"output_type": "execute_result", "data": {}, "execution_count": 1,
    ...           "metadata": {"kmeans_lab": {"version": "0.1.0", "fingerprint": "ab12"}}}
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [output]}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> _ = path.write_text(json.dumps(nb))
    >>> notebook_stamps(path)
    {('0.1.0', 'ab12')}
    """
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return set()
        return stamps_in(path.read_bytes())
    except OSError:
        return set()


def stamps_in(data: bytes) -> set[tuple[str, str]]:
    """:func:`notebook_stamps` of a notebook's bytes (nothing when they are not a notebook)."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
        return set()
    stamps = set()
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        for output in outputs if isinstance(outputs, list) else []:
            metadata = output.get("metadata") if isinstance(output, dict) else None
            stamp = metadata.get(STAMP_KEY) if isinstance(metadata, dict) else None
            if isinstance(stamp, dict):
                version, print_ = stamp.get("version"), stamp.get("fingerprint")
                if isinstance(version, str) and isinstance(print_, str):
                    stamps.add((version[:40], print_[:40]))
    return stamps


def submitted_stamps(course: Path, students: list[str]) -> dict[tuple[str, str], list[str]]:
    """{(version, fingerprint): students whose submitted notebooks carry it}.

    The notebooks are read as the grader reads a submission
    (:func:`~tools.grading.student_files.read_submission_unprivileged`): never
    through a link or a second name, never a FIFO or device, and by a root
    grader only as an unprivileged uid.
    """
    from .grading.student_files import read_submission_unprivileged

    submitted = Path(course) / "submitted"
    found: dict[tuple[str, str], list[str]] = {}
    for student in students:
        parts = [student, ASSIGNMENT]
        listing = read_submission_unprivileged(submitted, parts, {})
        names = [
            e.name
            for e in listing.entries
            if e.name.endswith(".ipynb") and not e.is_folder and not e.refused
        ]
        if names:
            wanted = dict.fromkeys(names, MAX_NOTEBOOK_BYTES)
            listing = read_submission_unprivileged(submitted, parts, wanted)
        stamps = set()
        for name in names:
            entry = listing.get(name)
            if entry is not None and entry.data is not None and not entry.refused:
                stamps |= stamps_in(entry.data)
        for stamp in stamps:
            found.setdefault(stamp, []).append(student)
    return found


def _describe(stamp: tuple[str, str], students: list[str]) -> str:
    names = ", ".join(students[:NAMES_SHOWN]) + (", ..." if len(students) > NAMES_SHOWN else "")
    count = f"{len(students)} student{'s' * (len(students) != 1)}"
    return f"kmeans-lab {stamp[0]} (files {stamp[1]}; {count}: {names})"


def _others(course: Path, students: list[str], ours: dict[str, str] | None):
    ours = ours or package_stamp()
    mine = (ours["version"], ours["fingerprint"])
    found = submitted_stamps(course, students)
    others = {s: names for s, names in found.items() if s != mine}
    return mine, others, found.get(mine, [])


def _theirs(mine: tuple[str, str], others: dict) -> str:
    theirs = "; ".join(_describe(s, names) for s, names in sorted(others.items()))
    same_number = all(s[0] == mine[0] for s in others)
    return theirs + (" (same version number, different files)" if same_number else "")


def version_problem(
    course: Path, students: list[str], ours: dict[str, str] | None = None
) -> str | None:
    """One line refusing to grade when the class ran another kmeans_lab than ``ours``, or None.

    The class ran another version when no student graded carries this clone's
    stamp and more than half of them carry another (a hub image at another
    version than the clone). A stamp is a claim a student could edit: one
    student, or a few, with another stamp is not a reason to stop a whole
    class's grading; :func:`version_warning` names them instead.

    Parameters
    ----------
    course : path
        The course folder (``course/submitted/<student>/kmeans_lab/``).
    students : list of str
        The students about to be graded.
    ours : dict, optional
        ``{"version", "fingerprint"}`` of the package that grades (default:
        this process's ``kmeans_lab``, the instructor's clone).

    Returns
    -------
    str or None
    """
    mine, others, matching = _others(course, students, ours)
    stamped_other = {name for names in others.values() for name in names}
    if matching or not others or len(stamped_other) * 2 <= len(students):
        return None
    return (
        f"make autograde: refused: the students' notebooks ran {_theirs(mine, others)}, but "
        f"this clone is kmeans-lab {mine[0]} (files {mine[1]}): grade with the version the "
        "hub image runs (check it out here and `make install`), or install this clone's "
        "version in the hub image and have the students run their checks again; "
        "`python -m tools.autograde --ignore-student-version` grades anyway"
    )


def version_warning(
    course: Path, students: list[str], ours: dict[str, str] | None = None
) -> str | None:
    """One line naming the students whose notebooks ran another kmeans_lab, when grading goes on.

    None when every stamp matches, or when :func:`version_problem` refuses.
    """
    mine, others, _ = _others(course, students, ours)
    if not others or version_problem(course, students, ours) is not None:
        return None
    return (
        f"make autograde: note: some notebooks ran {_theirs(mine, others)}, not this clone's "
        f"kmeans-lab {mine[0]} (files {mine[1]}); they are graded with this clone's checks"
    )
