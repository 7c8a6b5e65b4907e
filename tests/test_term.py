"""An instructor's term, end to end, on three students of the demo class in the real sandbox.

One shared class (module fixture): released, graded with a late policy and
nbgrader-style ``timestamp.txt`` files, then each step of the term is run
with the course's own commands, and every output is compared with every
other: ``grades.csv``, ``report/scores.csv``, the four LMS exports, the explain
page. Slow (the sandbox grades 15 notebooks, then one student again).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kmeans_lab.checks.registry import REGISTRY
from tools import demo_class, lms

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ASSIGNMENT = "kmeans_lab"
FIND = "find_closest_centroids"
MAX = sum(r.points for r in REGISTRY.values())

pytestmark = pytest.mark.slow


def tool(module: str, course: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", f"tools.{module}", "--course", str(course), *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
        env=dict(os.environ, MPLBACKEND="Agg", KMEANS_LAB_CELL_TIMEOUT="10", WORKERS="2"),
    )
    if ok:
        assert result.returncode == 0, f"{module}:\n{result.stdout}\n{result.stderr}"
    return result


def table(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def totals(course: Path) -> dict[str, dict]:
    return {r["student"]: r for r in table(course / "grades.csv") if r["exercise"] == "total"}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no grading sandbox")
    answers = demo_class.class_answers()
    argmax = sorted(s for s, a in answers.items() if a[FIND].name == "argmax")[0]
    right = max(
        sorted(s for s in answers if s != argmax),
        key=lambda s: sum(x.right for x in answers[s].values()),
    )
    late = sorted(s for s, a in answers.items() if s not in (argmax, right) and a[FIND].right)[0]
    picked = {s: answers[s] for s in (argmax, right, late)}
    course = tmp_path_factory.mktemp("term") / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    tool("release", course, "--student-dir", str(course.parent / "student"))
    demo_class.write_class(course, course / "release" / ASSIGNMENT, picked)
    stamps = {
        argmax: "2025-12-01 17:59:00.000000 UTC",  # on time
        right: "not a time at all",  # unreadable: never trusted
        late: "2025-12-02 20:30:00.000000 UTC",  # 1 day 2 h 30 late: 2 days
    }
    for student, stamp in stamps.items():
        (course / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(stamp)
    (course / "late_policy.json").write_text(
        json.dumps({"deadline": "2025-12-01T18:00:00+00:00", "penalty_per_day": 0.1})
    )
    roster = ["student,name,email,lms_id,login,section"]
    roster += [
        f'{s},"Student, {s}",{s}@uni.example,{1000 + i},{s}x,A' for i, s in enumerate(picked)
    ]
    roster.append('absent,"Away, Ann",ann@uni.example,2000,annx,A')
    (course / "roster.csv").write_text("\n".join(roster) + "\n")
    tool("autograde", course, "--seed", str(demo_class.SEED))
    tool("grades", course)
    tool("report", course)
    return {"course": course, "argmax": argmax, "right": right, "late": late, "answers": picked}


def test_submission_times_and_the_late_policy_reach_grades_csv(term):
    course, final = term["course"], totals(term["course"])
    late_points = {
        r["exercise"]: float(r["points"])
        for r in table(course / "grades.csv")
        if r["student"] == term["late"] and r["exercise"] != "total"
    }
    raw = sum(late_points.values())
    assert (
        "after the deadline: -2.6 points (10% of 13 per day late, 2 days)"
        in final[term["late"]]["note"]
    )
    assert float(final[term["late"]]["points"]) == max(0.0, raw - 2.6)
    assert "submitted 2025-12-01 17:59 UTC" in final[term["argmax"]]["note"]
    assert "timestamp.txt is not a time" in final[term["right"]]["note"]
    assert "check by hand" in final[term["right"]]["note"]
    raw = sum(
        float(r["points"])
        for r in table(course / "grades.csv")
        if r["student"] == term["right"] and r["exercise"] != "total"
    )
    assert float(final[term["right"]]["points"]) == raw  # no penalty guessed
    scores = {r["student"]: r for r in table(course / "report" / "scores.csv")}
    assert {s: r["points"] for s, r in scores.items()} == {s: r["points"] for s, r in final.items()}


def test_an_override_then_every_output_agrees(term):
    course, student = term["course"], term["argmax"]
    before = totals(course)[student]
    result = tool(
        "overrides",
        course,
        "--student",
        student,
        "--exercise",
        FIND,
        "--points",
        "2",
        "--why",
        "appeal: argmax on distances of -1 times, accepted",
    )
    assert "override recorded" in result.stdout
    refused = tool(
        "overrides",
        course,
        "--student",
        student,
        "--exercise",
        FIND,
        "--points",
        "9",
        "--why",
        "x",
        ok=False,
    )
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    tool("grades", course)
    tool("feedback", course)
    tool("report", course)
    feedback = course / "feedback" / student / ASSIGNMENT / "03_find_closest_centroids.html"
    assert "appeal: argmax on distances of -1 times, accepted" in feedback.read_text()
    row = next(
        r for r in table(course / "grades.csv") if r["student"] == student and r["exercise"] == FIND
    )
    assert row["points"] == "2"
    assert (
        "appeal: argmax on distances of -1 times, accepted (graded 0: CheckFailure" in row["note"]
    )
    final = totals(course)[student]
    assert float(final["points"]) == float(before["points"]) + 2
    scores = {r["student"]: r for r in table(course / "report" / "scores.csv")}
    assert scores[student]["points"] == final["points"]
    for name in lms.FORMATS:
        tool("export", course, "--lms", name)
    canvas = list(csv.reader((course / "export" / "canvas.csv").open()))
    by_id = {r[1]: r for r in canvas[2:]}
    mine = by_id[str(1000 + list(term["answers"]).index(student))]
    assert mine[-1] == final["points"]
    assert by_id["2000"][-1] == "0"  # on the roster, no submission
    moodle = table(course / "export" / "moodle.csv")
    row = next(r for r in moodle if r["Email address"] == f"{student}@uni.example")
    assert row[f"kmeans_lab: {FIND} (Real)"] == "2"
    assert row["kmeans_lab total (Real)"] == final["points"]
    assert "appeal: argmax" in row["Feedback"]
    gradescope = table(course / "export" / "gradescope.csv")
    late = next(r for r in gradescope if r["Email"] == f"{term['late']}@uni.example")
    assert (
        late["Submission Time"] == "2025-12-02T20:30:00Z" and late["Lateness (H:M:S)"] == "26:30:00"
    )
    tool("explain", course, "--student", student)
    text = (course / "explain" / f"{student}.html").read_text()
    assert "appeal: argmax on distances of -1 times, accepted" in text
    assert f"{final['points']} of 13 points" in text


def test_regrade_one_student_end_to_end(term):
    course, student = term["course"], term["late"]
    path = course / "submitted" / student / ASSIGNMENT / "05_compress_image.ipynb"
    before = totals(course)[student]
    for name in lms.FORMATS:  # exported before the regrade
        tool("export", course, "--lms", name)
    path.unlink()  # the student's last notebook turns out to be missing: grade them again
    result = tool("regrade", course, "--student", student)
    after = totals(course)[student]
    # the exports already written follow: no LMS file is left behind grades.csv
    canvas = list(csv.reader((course / "export" / "canvas.csv").open()))
    mine = next(r for r in canvas[2:] if r[1] == str(1000 + list(term["answers"]).index(student)))
    assert float(mine[-1]) == float(after["points"]) != float(before["points"])
    gradescope = table(course / "export" / "gradescope.csv")
    row = next(r for r in gradescope if r["Email"] == f"{student}@uni.example")
    assert float(row["Total Score"]) == float(after["points"])
    assert f"regraded {student}: {before['points']}/13 -> {after['points']}/13" in result.stdout
    raw = sum(
        float(r["points"])
        for r in table(course / "grades.csv")
        if r["student"] == student and r["exercise"] != "total"
    )
    assert float(after["points"]) == round(max(0.0, raw - 2.6), 2)
    assert float(after["points"]) < float(before["points"])
    row = next(
        r
        for r in table(course / "grades.csv")
        if r["student"] == student and r["exercise"] == "compressed_bits"
    )
    assert row["points"] == "0" and "not submitted" in row["note"]
    scores = {r["student"]: r["points"] for r in table(course / "report" / "scores.csv")}
    assert scores[student] == after["points"]
    # the other students keep their grade and their override
    override = next(
        r
        for r in table(course / "grades.csv")
        if r["student"] == term["argmax"] and r["exercise"] == FIND
    )
    assert override["points"] == "2"
    assert (course / "feedback" / student / ASSIGNMENT).is_dir()


def test_the_explain_page_holds_everything_about_a_grade(term):
    course, student = term["course"], term["argmax"]
    tool("explain", course, "--student", student)
    page = course / "explain" / f"{student}.html"
    text = page.read_text()
    assert '<html lang="en">' in text and text.count("<h1>") == 1
    for exercise in REGISTRY:
        assert f'<h3 id="{exercise}">' in text
    verdict = next(
        r
        for r in table(course / "verdicts.csv")
        if r["student"] == student and r["exercise"] == FIND
    )
    import html as _html

    plain = _html.unescape(text)
    assert verdict["message"].splitlines()[0] in plain  # the failing case
    assert "expected labels" in plain and "got," in plain and "X = np.array([[" in plain
    assert "np.argmax(" in plain  # the code as graded
    assert "Changes by hand" in plain and "appeal: argmax" in plain
    assert "wall-clock time of each graded notebook" in plain
    refused = tool("explain", course, "--student", "nobody", ok=False)
    assert refused.returncode != 0 and "nobody" in refused.stderr
    if not CHROMIUM.exists():
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            view = browser.new_page(viewport={"width": 375, "height": 800})
            requests = []
            view.on("request", lambda r: requests.append(r.url))
            view.goto(page.resolve().as_uri(), wait_until="load")
            assert view.evaluate("document.documentElement.scrollWidth") <= 375
            assert view.evaluate("document.documentElement.lang") == "en"
            assert [u for u in requests if not u.startswith("file:")] == []
            from axe_helpers import axe_missing, describe, run_axe

            if axe_missing() is None or os.environ.get("KMEANS_LAB_REQUIRE_BROWSER") == "1":
                violations = run_axe(view)  # WCAG 2.1 A/AA, as every page the course makes
                assert not violations, describe(violations)
        finally:
            browser.close()


def test_rejudge_after_a_deliberate_change_in_a_check(term, monkeypatch):
    from kmeans_lab.checks import CheckFailure
    from tools import rejudge
    from tools.grading import judge
    from tools.sandbox import Sandbox

    course = term["course"]
    before = {s: r["points"] for s, r in totals(course).items()}
    passed = sorted(
        r["student"]
        for r in table(course / "verdicts.csv")
        if r["exercise"] == FIND and r["status"] == "passed"
    )
    assert passed and term["argmax"] not in passed
    original = judge.replay.replay

    def stricter(plan, answers, **options):  # a "bug" in the check: every answer fails
        result = original(plan, answers, **options)
        if result.exercise == FIND:
            raise CheckFailure(
                f"{FIND}: case 1 of 1 failed (a deliberately broken check)\n  hint: none",
                exercise=FIND,
                case="a deliberately broken check",
            )
        return result

    def no_sandbox(*args, **kwargs):
        raise AssertionError("make rejudge ran a notebook")

    monkeypatch.setattr(judge.replay, "replay", stricter)
    monkeypatch.setattr(Sandbox, "run", no_sandbox)
    changes, judged, kept = rejudge.rejudge(course)
    assert sorted(changes) == sorted(f"{s} {FIND}: 3 -> 0 points" for s in passed)
    assert judged >= 3 * 5 and kept >= 0

    def find_check_outputs(student):
        import nbformat

        from tools.grading.runs import load_run
        from tools.grading.stage import check_cells
        from tools.grading.worker import judged_folder

        path = judged_folder(load_run(course), student) / "03_find_closest_centroids.ipynb"
        nb = nbformat.read(path, as_version=4)
        index = next(i for i, e in check_cells(nb).items() if e == FIND)
        return nb.cells[index].outputs

    outputs = find_check_outputs(passed[0])
    assert outputs[0]["output_type"] == "error" and "deliberately broken" in outputs[0]["evalue"]
    assert outputs[1]["text"] == rejudge.REJUDGED_NOTE  # the notebook's own "passed" follows
    unchanged = find_check_outputs(term["argmax"])  # failed before, fails now: no note
    assert all(o.get("text") != rejudge.REJUDGED_NOTE for o in unchanged)
    monkeypatch.undo()
    # the check fixed again: the command judges again, merges, and every output follows
    out = tool("rejudge", course)
    assert f"{len(passed)} scores changed" in out.stdout or "1 score changed" in out.stdout
    for s in passed:
        assert f"{s} {FIND}: 0 -> 3 points" in out.stdout
    assert {s: r["points"] for s, r in totals(course).items()} == before
    scores = {r["student"]: r["points"] for r in table(course / "report" / "scores.csv")}
    assert scores == before
    outputs = find_check_outputs(passed[0])  # passed again: the note once, under the verdict
    assert outputs[0]["output_type"] == "stream" and "judged by the grader" in outputs[0]["text"]
    assert [o.get("text") for o in outputs].count(rejudge.REJUDGED_NOTE) == 1
    assert outputs[1]["text"] == rejudge.REJUDGED_NOTE
    feedback = course / "feedback" / passed[0] / ASSIGNMENT / "03_find_closest_centroids.html"
    assert "[judged again] this verdict was given again" in feedback.read_text()
