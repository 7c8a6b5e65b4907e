"""Submission times from nbgrader's timestamp.txt (never trusted blindly) and the late policy."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tools.late import lateness, read_policy, submission_time

DEADLINE = "2025-12-01T18:00:00+00:00"


def stamp(course, student, text):
    folder = course / "submitted" / student / "kmeans_lab"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_bytes(text if isinstance(text, bytes) else text.encode())


def policy(course, **given):
    data = {"deadline": DEADLINE, "penalty_per_day": 0.1, **given}
    (course / "late_policy.json").write_text(json.dumps(data))
    return read_policy(course)


def test_nbgrader_s_own_format_and_an_offset_are_read_in_utc(tmp_path):
    stamp(tmp_path, "a", "2025-12-01 17:02:11.424242 UTC")
    stamp(tmp_path, "b", "2025-12-01 18:02:11.424242 Europe/Berlin\n")
    when, problem = submission_time(tmp_path, "a")
    assert problem == "" and when == datetime(2025, 12, 1, 17, 2, 11, 424242, timezone.utc)
    assert submission_time(tmp_path, "b")[0] == datetime(
        2025, 12, 1, 17, 2, 11, 424242, timezone.utc
    )
    assert submission_time(tmp_path, "nobody") == (None, "")


@pytest.mark.parametrize(
    "text, why",
    [
        ("yesterday, honest", "not a time"),
        ("2025-12-01 17:00:00 UTC\n2025-11-01 17:00:00 UTC", "not a time"),
        ("2099-01-01 00:00:00 UTC", "in the future"),
        ("1970-01-01 00:00:00 UTC", "before any release"),
        ("2025-12-01 17:00:00 UTC" + " " * 300, "too long"),
        (b"\xff\xfe2026", "not a time"),
        ("", "not a time"),
    ],
)
def test_a_timestamp_that_is_not_believable_gives_no_time_and_no_penalty(tmp_path, text, why):
    stamp(tmp_path, "s", text)
    when, problem = submission_time(tmp_path, "s")
    assert when is None and why in problem
    late = lateness(tmp_path, "s", 10, 13, policy(tmp_path))
    assert late.penalty == 0 and "check by hand" in late.note


def test_the_penalty_is_a_share_of_the_points_per_day_or_part_of_one(tmp_path):
    rules = policy(tmp_path)
    stamp(tmp_path, "on_time", "2025-12-01 17:59:59.000000 UTC")
    stamp(tmp_path, "one_minute", "2025-12-01 18:01:00.000000 UTC")
    stamp(tmp_path, "two_days", "2025-12-03 17:00:00.000000 UTC")
    stamp(tmp_path, "four_days", "2025-12-05 17:00:00.000000 UTC")
    assert lateness(tmp_path, "on_time", 10, 13, rules).penalty == 0
    one = lateness(tmp_path, "one_minute", 10, 13, rules)
    assert one.penalty == 1.3 and "-1.3 points (10% of 13 per day late, 1 day)" in one.note
    assert lateness(tmp_path, "two_days", 10, 13, rules).penalty == 2.6
    assert lateness(tmp_path, "four_days", 4, 13, rules).penalty == 4  # never below 0
    assert lateness(tmp_path, "two_days", 10, 13, None).penalty == 0  # no policy


@pytest.mark.parametrize(
    "given, why",
    [
        ({"deadline": "2025-12-01T18:00:00"}, "time zone"),
        ({"deadline": "next friday"}, "expected"),
        ({"penalty_per_day": 2}, "between 0 and 1"),
        ({"penalty_per_day": "ten"}, "expected"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_problem(tmp_path, given, why):
    with pytest.raises(ValueError, match=why):
        policy(tmp_path, **given)
