"""Submission times, from nbgrader's ``timestamp.txt``, and the optional late policy.

``nbgrader submit`` writes ``timestamp.txt`` beside a student's notebooks
(``course/submitted/<student>/kmeans_lab/timestamp.txt``, e.g.
``2026-12-01 17:02:11.424242 UTC``). The file travels with the submission,
so it is read as evidence, not trusted blindly (:func:`submission_time`): at
most 200 bytes, one timestamp nbgrader's own parser reads, not in the future
and not before 2000. Anything else gives no time and a reason, and the
student's grade says the lateness could not be decided (check by hand): no
penalty is guessed.

The late policy is optional: ``course/late_policy.json``, e.g. ::

    {"deadline": "2026-12-01T18:00:00+00:00", "penalty_per_day": 0.1}

``deadline`` is an ISO 8601 time with its time zone; ``penalty_per_day`` the
share of the assignment's points taken off per day late or part of one
(0.1: 10 %), never more than the points scored. Without the file nobody is
penalised and ``grades.csv`` still shows each submission's time.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .nbgrader_course import ASSIGNMENT

__all__ = ["LatePolicy", "read_policy", "submission_time", "Lateness", "lateness", "POLICY_NAME"]

POLICY_NAME = "late_policy.json"
_MAX_BYTES = 200
_EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class LatePolicy:
    """A deadline and the share of the points taken off per day late (see the module docstring)."""

    deadline: datetime
    penalty_per_day: float


def read_policy(course: Path) -> LatePolicy | None:
    """The course's late policy, ``None`` without one; ``ValueError`` naming what is wrong."""
    path = Path(course) / POLICY_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8")[:10_000])
        deadline = datetime.fromisoformat(str(data["deadline"]))
        rate = float(data["penalty_per_day"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f'{path}: expected {{"deadline": "2026-12-01T18:00:00+00:00", '
            f'"penalty_per_day": 0.1}} ({type(exc).__name__}: {exc})'
        ) from None
    if deadline.tzinfo is None:
        raise ValueError(f"{path}: the deadline {data['deadline']!r} needs its time zone (+00:00)")
    if not 0.0 <= rate <= 1.0 or math.isnan(rate):
        raise ValueError(f"{path}: penalty_per_day must be between 0 and 1, not {rate}")
    return LatePolicy(deadline.astimezone(timezone.utc), rate)


def submission_time(course: Path, student: str, *, now: datetime | None = None):
    """``(time, problem)``: the submission's UTC time from its ``timestamp.txt``, or why not.

    ``(None, "")`` when there is no ``timestamp.txt`` (a submission copied by
    hand); ``(None, reason)`` when the file is there but not believable.
    """
    from nbgrader.utils import parse_utc

    path = Path(course) / "submitted" / student / ASSIGNMENT / "timestamp.txt"
    if not os.path.lexists(path):
        return None, ""
    try:  # a student's file: never through a link, never another file's second name
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None, "timestamp.txt refused (a link, or not readable)"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            return None, "timestamp.txt refused (not a regular file with one name)"
        raw = os.read(fd, _MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > _MAX_BYTES:
        return None, "timestamp.txt is too long to be a timestamp"
    try:
        text = raw.decode("utf-8").strip()
        if not text or "\n" in text:
            raise ValueError("not one line")
        when = parse_utc(text).replace(tzinfo=timezone.utc)
    except Exception:  # dateutil raises several kinds: all mean "not a timestamp"
        return None, "timestamp.txt is not a time nbgrader reads"
    now = now or datetime.now(timezone.utc)
    if when > now + timedelta(minutes=5):
        return None, f"timestamp.txt says {when:%Y-%m-%d %H:%M} UTC, in the future"
    if when < _EARLIEST:
        return None, f"timestamp.txt says {when:%Y-%m-%d}, before any release"
    return when, ""


@dataclass(frozen=True)
class Lateness:
    """How late a submission was and what that costs; ``note`` says it in words."""

    when: datetime | None
    seconds: float
    penalty: float
    note: str


def _duration(seconds: float) -> str:
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days} d {hours} h" if days else f"{hours} h {rest // 60} min"


def lateness(
    course: Path, student: str, points: float, max_points: float, policy: LatePolicy | None
) -> Lateness:
    """The lateness of ``student``'s submission and its penalty on ``points``."""
    when, problem = submission_time(course, student)
    if problem:
        return Lateness(None, 0.0, 0.0, f"{problem}: lateness not decided, check by hand")
    if when is None:
        return Lateness(None, 0.0, 0.0, "")
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    if policy is None or when <= policy.deadline:
        return Lateness(when, 0.0, 0.0, f"submitted {stamp}")
    seconds = (when - policy.deadline).total_seconds()
    days = math.ceil(seconds / 86400)
    penalty = min(points, round(policy.penalty_per_day * days * max_points, 2))
    note = (
        f"submitted {stamp}, {_duration(seconds)} after the deadline: -{penalty:g} points "
        f"({policy.penalty_per_day:.0%} of {max_points:g} per day late, {days} day"
        f"{'s' * (days != 1)})"
    )
    return Lateness(when, seconds, penalty, note)
