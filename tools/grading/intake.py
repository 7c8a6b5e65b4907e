"""What the grader reads of one student's submitted folder, before anything runs.

:func:`inspect_submission` reads ``course/submitted/<student>/kmeans_lab/``
through an unprivileged reader (:mod:`.student_files`: no link followed, hard
links refused, never as root): the expected notebooks, parsed; nbgrader's
exchange files (:data:`EXCHANGE_FILES`, checked, or replaced when missing or
refused); and what was missing, ignored or refused, with a problem line for
each that the student's report shows. :mod:`.worker` grades what it returns.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from ..nbgrader_course import ASSIGNMENT
from .stage import MAX_NOTEBOOK_BYTES, parse_notebook
from .student_files import other_names, printable, read_submission_unprivileged

__all__ = ["inspect_submission", "EXCHANGE_FILES", "EXCHANGE_BYTES"]

#: nbgrader's exchange files (``nbgrader submit`` writes them, ``collect`` copies them):
#: carried to ``judged/``, so that nbgrader carries them to ``autograded/`` and ``feedback/``.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")
#: Most bytes read of an exchange file (nbgrader's secret is 128 hex digits).
EXCHANGE_BYTES = 1000


def inspect_submission(submitted: Path, student: str, expected: list[str]) -> dict:
    """Read a student's folder (:mod:`.student_files`: no link followed, hard links refused,
    and never as root: an unprivileged process reads it)."""
    found = {
        "readable": {},
        "unreadable": {},
        "missing": [],
        "ignored": [],
        "refused": [],
        "exchange": {},
        "problems": [],
    }
    wanted = {f"{name}.ipynb": MAX_NOTEBOOK_BYTES for name in expected}
    wanted.update({name: EXCHANGE_BYTES for name in EXCHANGE_FILES})
    listing = read_submission_unprivileged(submitted, [student, ASSIGNMENT], wanted)
    if listing.problem is not None:
        found["missing"] = list(expected)
        outer = read_submission_unprivileged(submitted, [student], {})
        if outer.problem is None and listing.problem.endswith(": missing"):
            names = ", ".join(printable(e.name) for e in outer.entries[:20])
            found["problems"].append(
                f"no {ASSIGNMENT}/ folder in the submission (found: {names or 'nothing'})"
            )
        else:
            found["problems"].append(f"{outer.problem or listing.problem}; nothing in it was read")
            found["refused"].append(outer.problem or listing.problem)
        return found

    def refuse(entry) -> str:
        reason = entry.refused
        if entry.inode is not None:
            others = [
                o
                for o in other_names(submitted, entry.inode, depth=3)
                if o != f"{student}/{ASSIGNMENT}/{entry.name}"
            ]
            if others:
                reason += "; also at " + ", ".join(printable(o) for o in others[:5])
        found["refused"].append(f"{printable(entry.name)}: {reason}")
        return reason

    for entry in listing.entries:
        path = Path(entry.name)
        if entry.name in EXCHANGE_FILES:
            if entry.refused is not None:
                refuse(entry)
            else:
                found["exchange"][entry.name] = entry.data
        elif entry.is_folder or path.suffix != ".ipynb" or path.stem not in expected:
            if entry.refused is not None:
                refuse(entry)
            else:
                found["ignored"].append(printable(entry.name))
        elif entry.refused is not None:
            reason = refuse(entry)
            found["unreadable"][path.stem] = reason
            found["problems"].append(f"{printable(entry.name)}: {reason}; scores 0")
        else:
            nb, reason = parse_notebook(entry.data)
            if nb is None:
                found["unreadable"][path.stem] = reason
                found["problems"].append(f"{printable(entry.name)}: {reason}; scores 0")
            else:
                found["readable"][path.stem] = nb
    found["exchange"] = _exchange_files(found)
    if found["ignored"]:
        found["problems"].append(
            "ignored (not graded, never run): "
            + ", ".join(found["ignored"][:10])
            + (" ..." if len(found["ignored"]) > 10 else "")
        )
    others = [r for r in found["refused"] if not r.split(":")[0].endswith(".ipynb")]
    if others:
        found["problems"].append(
            "refused: " + "; ".join(others[:5]) + (" ..." if len(others) > 5 else "")
        )
    submitted_names = set(found["readable"]) | set(found["unreadable"])
    found["missing"] = [n for n in expected if n not in submitted_names]
    return found


def _valid_exchange_file(name: str, data: bytes) -> str | None:
    """Why nbgrader could not use this exchange file, or None."""
    from nbgrader.utils import parse_utc

    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return "not ASCII text"
    if name == "timestamp.txt":
        try:
            parse_utc(text)
        except Exception:  # dateutil's errors vary: any is "not a timestamp"
            return "not a timestamp nbgrader can read"
        return None
    if not text or not text.replace("-", "").replace("_", "").isalnum():
        return "not a submission secret (letters and digits, as nbgrader writes it)"
    return None


def _exchange_files(found: dict) -> dict[str, bytes]:
    """nbgrader's exchange files to put beside the judged notebooks (see EXCHANGE_FILES).

    Each is copied as submitted when it is a valid one (never through a link:
    :func:`inspect_submission` read it). One that is missing (a submission copied by
    hand) or refused is replaced, so that ``nbgrader release_feedback``, which
    opens both for every student and stops at the first missing, releases the
    class's feedback: by an empty timestamp (nbgrader: no timestamp, so no late
    penalty, as without the file) or a fresh secret (nobody can fetch that
    feedback through the exchange: send it by hand). A refusal is a problem
    of the student's, flagged.
    """
    files = {}
    for name, data in list(found["exchange"].items()):
        reason = _valid_exchange_file(name, data)
        if reason is None:
            files[name] = data
        else:
            found["refused"].append(f"{name}: {reason}")
    refused = {r.split(":")[0] for r in found["refused"]}
    if "timestamp.txt" not in files:
        files["timestamp.txt"] = b""
        if "timestamp.txt" in refused:
            found["problems"].append(
                "timestamp.txt refused: graded as if submitted on time (no late penalty); "
                "check the submission time by hand"
            )
    if "submission_secret.txt" not in files:
        files["submission_secret.txt"] = secrets.token_hex(64).encode()
        if "submission_secret.txt" in refused:
            found["problems"].append(
                "submission_secret.txt refused: release_feedback gives this student's feedback "
                "a new secret they cannot fetch; send it by hand"
            )
    return files
