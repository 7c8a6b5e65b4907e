"""The class report (``make report``), the verdicts beside the gradebook, and the demo class.

1. The demo class (:mod:`tools.demo_class`, 30 students whose composition the
   test knows) is graded in this process (``tests/demo_results.py``: the
   sandbox's step stood in for, about 15 s) and its report written by
   :mod:`tools.report`. Every number of the report is checked against the
   composition: e.g. the 9 students who wrote ``argmax`` make the top
   diagnosis of ``find_closest_centroids``, with count 9.
2. The page is opened in Debian's Chromium through Playwright, as in
   ``tests/test_browser.py``: no console error, every image loads, it fits a
   375 px wide screen and prints; screenshots go to ``test-artifacts/``.
3. A few of the same students are graded end to end with the real tools and
   sandbox (``tools.autograde``, ``grades``, ``feedback``, ``report``): their
   verdicts are the in-process ones, ``grades.csv`` keeps its columns, and
   each student's feedback shows the failing case and hint but no hidden
   test's seed, no reference code and nothing of another student.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from demo_results import grade_demo_class

from kmeans_lab.checks.registry import REGISTRY
from tools import demo_class
from tools.demo_class import COMPOSITION, LOOPS_FOREVER, NOT_ATTEMPTED, NOT_SUBMITTED, UNREADABLE
from tools.grading import verdicts
from tools.report import write_report
from tools.report.page import TOP
from tools.report.tables import LIMIT_KINDS, anonymise, mistake_of

pytestmark = pytest.mark.slow  # end to end: make test-quick skips this module

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ASSIGNMENT = "kmeans_lab"
FIND = "find_closest_centroids"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo class graded in this process, and its report."""
    course = tmp_path_factory.mktemp("demo") / "course"
    course.mkdir()
    grade_demo_class(course)
    page = write_report(course, generated="in the test")
    folder = page.parent

    def table(name):
        with open(folder / f"{name}.csv", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    return {
        "course": course,
        "answers": demo_class.class_answers(),
        "rows": verdicts.read(course),
        "page": page,
        "html": page.read_text(encoding="utf-8"),
        "table": table,
    }


def students_with(answers, exercise: str, name: str) -> list[str]:
    return sorted(s for s, given in answers.items() if given[exercise].name == name)


# --- 1. the report's numbers --------------------------------------------------------------


def test_argmax_is_the_top_diagnosis_of_find_closest_centroids_with_count_9(demo):
    assert len(students_with(demo["answers"], FIND, "argmax")) == 9
    top = [d for d in demo["table"]("diagnoses") if d["exercise"] == FIND][0]
    assert top["rank"] == "1" and top["students"] == "9" and top["share"] == "30%"
    assert top["kind"] == "wrong result"
    assert "use np.argmin, not np.argmax" in top["hint"]
    assert "np.argmax(" in top["example"]
    section = demo["html"].split(f'id="d-{FIND}"', 1)[1].split("<h3", 1)[0]
    first = section.split('<article class="diagnosis">', 2)[1]
    assert "9 students</span> (30% of the class)" in first
    assert "use np.argmin, not np.argmax" in first
    glance = demo["html"].split('id="glance"', 1)[1].split("</section>", 1)[0]
    items = glance.split("<li>")[1:]
    # the class's most frequent mistake: the empty cluster forgotten (zeros or NaN), 10 of 30
    assert "compute_centroids</code></a>:" in items[0]
    assert "most often, 10 students (33%): a cluster with no points" in items[0]
    (mine,) = [i for i in items if f"{FIND}</code></a>" in i]
    rows = [r for r in demo["rows"] if r["exercise"] == FIND]
    failed = sum(r["status"] == "failed" for r in rows)
    graded = failed + sum(r["status"] == "passed" for r in rows)
    assert (failed, graded) == (19, 29)  # 30 less the one who did not attempt it
    assert f"{FIND}</code></a>: 19 of 29 graded answers failed (66%); most often, 9 " in mine
    assert "9 students (30%): the closest centroid has" in mine


#: Mistakes of the composition that are one mistake: the same case, failed at the same place.
ONE_MISTAKE = {"compute_centroids": [("zero_for_empty_cluster", "nan_for_empty_cluster")]}


def test_every_mistake_of_the_composition_is_counted_with_its_hint(demo):
    catalogue = demo_class._catalogue()
    diagnoses = demo["table"]("diagnoses")
    for exercise, composition in COMPOSITION.items():
        mine = [d for d in diagnoses if d["exercise"] == exercise]
        mistakes = {
            n: c
            for n, c in composition.items()
            if n not in demo_class._NOT_CODE and n != LOOPS_FOREVER  # not graded: no diagnosis
        }
        # each mistake of the demo has its own diagnosis: one row per mistake, its count; the
        # empty cluster forgotten is one mistake whether the answer gave zeros or NaN there
        counts = dict(mistakes)
        for a, b in ONE_MISTAKE.get(exercise, ()):
            counts[a] += counts.pop(b)
        assert sorted(int(d["students"]) for d in mine) == sorted(counts.values()), exercise
        assert [int(d["rank"]) for d in mine] == list(range(1, len(mine) + 1))
        assert [int(d["students"]) for d in mine] == sorted(
            (int(d["students"]) for d in mine), reverse=True
        )
        assert not [d for d in mine if d["kind"] == "timeout"]
        merged = {b: a for a, b in ONE_MISTAKE.get(exercise, ())}
        for name in mistakes:
            entry = next(e for e in catalogue.WRONG[exercise] if e.name == name)
            if entry.hint:
                found = [int(d["students"]) for d in mine if entry.hint in d["hints"]]
                assert counts[merged.get(name, name)] in found, (exercise, name, found)
    (row,) = [d for d in diagnoses if d["exercise"] == "compute_centroids" and d["rank"] == "1"]
    assert row["students"] == "10" and row["share"] == "33%"
    assert "first mismatch at row 2: cluster 2 has no points" in row["evidence"]
    assert "6 x a cluster with no points" in row["hints"] and "4 x a cluster" in row["hints"]


def test_the_exercise_table_counts_passed_failed_and_not_attempted(demo):
    answers = demo["answers"]
    for row in demo["table"]("exercises"):
        exercise = row["exercise"]
        given = Counter(a[exercise].name for a in answers.values())
        right = sum(1 for a in answers.values() if a[exercise].right)
        not_attempted = given[NOT_ATTEMPTED] + given[NOT_SUBMITTED]
        assert int(row["students"]) == len(answers) == 30
        assert int(row["passed"]) == right, exercise
        assert int(row["not_attempted"]) == not_attempted, exercise
        not_graded = given[UNREADABLE] + given[LOOPS_FOREVER]  # a time limit: not graded
        assert int(row["not_graded"]) == not_graded, exercise
        assert int(row["failed"]) == 30 - right - not_attempted - not_graded, exercise
        assert row["max_points"] == str(REGISTRY[exercise].points)
    assert [r["exercise"] for r in demo["table"]("exercises")] == list(REGISTRY)


def test_scores_are_the_points_of_the_right_answers(demo):
    expected = {
        student: sum(REGISTRY[ex].points for ex, answer in given.items() if answer.right)
        for student, given in demo["answers"].items()
    }
    scores = {r["student"]: float(r["points"]) for r in demo["table"]("scores")}
    assert scores == {s: float(p) for s, p in expected.items()}
    assert {r["max_points"] for r in demo["table"]("scores")} == {"13"}
    points = sorted(expected.values())
    median = (points[14] + points[15]) / 2
    assert f"30 students; median {median:g}" in demo["html"]


def test_flagged_submissions_say_why(demo):
    answers = demo["answers"]
    copiers = students_with(answers, "compute_centroids", "divide_by_K")
    (caller,) = students_with(answers, FIND, "calls_reference")
    (looper,) = students_with(answers, "compute_centroids", LOOPS_FOREVER)
    review = {r["student"]: r["why"] for r in demo["table"]("review")}
    assert sorted(review) == sorted({*copiers, caller, looper})
    a, b = copiers
    assert f"compute_centroids matches {b}'s (100%)" in review[a]
    assert f"compute_centroids matches {a}'s (100%)" in review[b]
    assert "names the course's kmeans_lab.kmeans.find_closest_centroids" in review[caller]
    assert "compute_centroids: not graded: your function ran longer than" in review[looper]
    assert "(call 1 of " in review[looper] and "was running: X of shape (" in review[looper]
    section = demo["html"].split('id="review"', 1)[1].split("</section>", 1)[0]
    for student in review:
        assert student in section


def test_submissions_that_could_not_be_graded_are_listed(demo):
    (broken,) = students_with(demo["answers"], "init_centroids", UNREADABLE)
    grading = {r["student"]: r for r in demo["table"]("grading")}
    assert len(grading) == 30
    assert grading[broken]["status"] == "partial"
    assert "02_init_centroids.ipynb not a readable notebook" in grading[broken]["problems"]
    (looper,) = students_with(demo["answers"], "compute_centroids", LOOPS_FOREVER)
    assert sorted(s for s, r in grading.items() if r["problems"]) == sorted([broken, looper])
    # the timeout is one status everywhere: not graded in the tables, partial here, and why
    assert grading[looper]["status"] == "partial"
    (row,) = [
        r for r in demo["rows"] if r["student"] == looper and r["exercise"] == "compute_centroids"
    ]
    assert (row["status"], row["kind"], row["points"]) == ("not graded", "timeout", "0")
    # (the loop runs out its time where the function is graded, its fresh sandbox)
    problems = grading[looper]["problems"]
    assert "compute_centroids: not graded:" in problems and "ran longer than" in problems
    assert "ran longer than # s" not in demo["html"]
    section = demo["html"].split('id="grading"', 1)[1].split("</section>", 1)[0]
    assert broken in section and "not a readable notebook" in section
    assert (
        "30 students, 148 notebooks graded" in section
    )  # 5 each, less one unreadable, one missing


def test_verdicts_csv_holds_every_student_and_exercise(demo):
    rows = demo["rows"]
    with open(demo["course"] / verdicts.FILE_NAME, newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == verdicts.COLUMNS
    assert len(rows) == 30 * len(REGISTRY)
    assert {r["status"] for r in rows} == set(verdicts.STATUSES)
    (missing,) = students_with(demo["answers"], "compressed_bits", NOT_SUBMITTED)
    row = next(r for r in rows if r["student"] == missing and r["exercise"] == "compressed_bits")
    assert row["status"] == "not submitted" and row["points"] == "0"
    for row in rows:
        if row["status"] == "failed" and row["kind"] not in ("timeout", "not own work"):
            assert re.match(r"^\d+/\d+: \S", row["case"]), row
            assert row["hint"] and row["hint"] in row["message"]
        if row["kind"] in ("timeout", "not own work"):  # stopped before any case
            assert row["case"] == "", row
        if row["status"] == "passed":
            assert row["points"] == row["max_points"] and not row["kind"]


def test_the_page_is_self_contained(demo):
    text = demo["html"]
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) == 2 and all(i.startswith("data:image/png;base64,") for i in images)
    for name in re.findall(r'<a href="([^"#]+)"', text):
        assert (demo["page"].parent / name).is_file(), name
    for section in ("glance", "scores", "exercises", "diagnoses", "review", "grading", "data"):
        assert f'<section id="{section}">' in text


def test_no_student_id_appears_next_to_code(demo):
    text = demo["html"]
    students = sorted(demo["answers"])
    review = text.split('<section id="review">', 1)[1].split("</section>", 1)[0]
    grading = text.split('<section id="grading">', 1)[1].split("</section>", 1)[0]
    elsewhere = text.replace(review, "").replace(grading, "")
    # ids are named only where they must be: the review and the grading sections
    for student in students:
        assert student not in elsewhere, student
    # ... which show no code
    code_lines = {
        line.strip()
        for row in demo["rows"]
        for line in row["code"].splitlines()
        if len(line.strip()) >= 20
    }
    for section in (review, grading):
        assert "<pre" not in section
        unescaped = html.unescape(section)
        assert not [line for line in code_lines if line in unescaped]
    examples = re.findall(r"<pre><code>(.*?)</code></pre>", text, flags=re.S)
    shown = Counter()
    for d in demo["table"]("diagnoses"):
        shown[d["exercise"]] += 1
        if shown[d["exercise"]] <= TOP and d["example"]:
            shown["examples"] += 1
    assert len(examples) == shown["examples"] > 0
    for example in map(html.unescape, examples):
        assert not [line for line in example.splitlines() if line.lstrip().startswith("#")]


def test_the_report_shows_code_only_of_3_or_more_students_and_none_of_a_flagged_one(demo):
    flagged = {r["student"] for r in demo["table"]("review")}
    ids = sorted(demo["answers"])
    diagnoses = demo["table"]("diagnoses")
    small = [d for d in diagnoses if int(d["students"]) < 3]
    assert small and all(d["example"] == "" for d in small)  # e.g. the copied pair's card
    shown = [d for d in diagnoses if d["example"]]
    assert shown and all(int(d["students"]) >= 3 for d in shown)
    for d in shown:  # each example is also the code of a student nobody flagged
        writers = {
            r["student"]
            for r in demo["rows"]
            if r["exercise"] == d["exercise"] and anonymise(r["code"], ids) == d["example"]
        }
        assert writers - flagged, d["exercise"]
    # the cards of the flagged students' own mistakes show no code unless 3 others share them
    for student in flagged:
        for r in demo["rows"]:
            if r["student"] != student or r["status"] != "failed" or r["kind"] in LIMIT_KINDS:
                continue
            group = [
                o
                for o in demo["rows"]
                if o["exercise"] == r["exercise"]
                and o["status"] == "failed"
                and mistake_of(o) == mistake_of(r)
            ]
            (card,) = [
                d
                for d in diagnoses
                if d["exercise"] == r["exercise"]
                and int(d["students"]) == len(group)
                and d["diagnosis"] in {o["diagnosis"] or o["kind"] for o in group}
            ]
            if len({o["student"] for o in group} - flagged) < 3:
                assert card["example"] == "", (student, r["exercise"])


def test_anonymise_drops_comments_docstrings_and_ids():
    code = (
        "import numpy as np  # s1234, week 3\n"
        "def f(X):\n"
        '    """Written by S1234 (Ada)."""\n'
        "    # my own solution, s1234\n"
        "    return np.argmin(X, axis=1)  # TODO ask s98\n"
    )
    text = anonymise(code, ["s1234", "s98"])
    assert text == "import numpy as np\n\ndef f(X):\n    return np.argmin(X, axis=1)"
    assert anonymise("def f(:\n    # s98 broke it\n    pass  s98", ["s98"]) == (
        "def f(:\n    pass  student"
    )


def test_a_class_where_everything_passed_and_one_not_graded_yet(tmp_path):
    with pytest.raises(SystemExit, match="run `make autograde` first"):
        write_report(tmp_path)
    results = {
        "ada": {
            "graded_notebooks": [r.notebook for r in REGISTRY.values()],
            "notebooks": {
                r.notebook: {
                    "exercises": {
                        e.name: {"points": e.points, "max_points": e.points, "passed": True}
                        for e in REGISTRY.values()
                        if e.notebook == r.notebook
                    }
                }
                for r in REGISTRY.values()
            },
        }
    }
    rows = verdicts.rows_of("run-1", results, {"ada": {"status": "graded", "seconds": 4.0}})
    assert {r["status"] for r in rows} == {"passed"} and len(rows) == len(REGISTRY)
    verdicts.write(tmp_path, rows)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    for sentence in (
        "No graded answer failed.",
        "No submission was flagged.",
        "Every submission was graded in full.",
        "1 student; median 13, mean 13.0 out of 13 points; 1 with every point.",
    ):
        assert sentence in text


def test_the_demo_answers_are_the_catalogue_as_students_write_it(tmp_path):
    catalogue = demo_class._catalogue()
    import inspect

    for exercise in REGISTRY:
        for entry in catalogue.WRONG[exercise] + catalogue.RIGHT[exercise]:
            source = demo_class.answer_source(exercise, entry.func)
            assert "@catalogue" not in source and f"def {exercise}(" in source
            namespace = {}
            exec(compile(source, "<cell>", "exec"), namespace)
            assert inspect.signature(namespace[exercise]) == inspect.signature(entry.func)
    answers = demo_class.class_answers()
    assert sorted(answers) == list(demo_class.STUDENTS) and len(answers) == 30
    for exercise, composition in COMPOSITION.items():
        given = Counter(a[exercise].name for a in answers.values())
        assert all(given[name] == count for name, count in composition.items())
    (missing,) = students_with(answers, "compressed_bits", NOT_SUBMITTED)
    (broken,) = students_with(answers, "init_centroids", UNREADABLE)
    release = REPO / "notebooks" / "student"
    assert "05_compress_image" not in demo_class.notebooks_of(answers[missing], release)
    assert isinstance(demo_class.notebooks_of(answers[broken], release)["02_init_centroids"], str)
    (lazy, *_) = students_with(answers, "run_kmeans", NOT_ATTEMPTED)
    nb = demo_class.notebooks_of(answers[lazy], release)["04_compute_centroids"]
    cell = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "run_kmeans"
    )
    assert "raise NotImplementedError()" in cell.source


# --- 2. in a real browser -----------------------------------------------------------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def _look_at(browser, url: str, width: int, screenshot: Path) -> None:
    """Open the page ``width`` px wide: nothing fails, nothing is fetched, everything fits."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth,"
        " i.getBoundingClientRect().right])"
    )
    assert len(images) == 2
    assert all(done and natural > 0 and right <= width for done, natural, right in images), images
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    page.screenshot(path=str(screenshot), full_page=True)
    assert not errors, errors
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    page.close()


def test_the_report_in_a_real_browser_on_a_desktop_a_phone_and_paper(demo):
    if not CHROMIUM.exists():
        if os.environ.get("KMEANS_LAB_REQUIRE_BROWSER") == "1":
            pytest.fail("KMEANS_LAB_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("/usr/bin/chromium not found; install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(demo["page"], ARTIFACTS / "demo-class-report.html")
    url = demo["page"].resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            _look_at(browser, url, 1280, ARTIFACTS / "report.png")
            _look_at(browser, url, 375, ARTIFACTS / "report-375px.png")
            page = browser.new_page()
            page.goto(url, wait_until="load")
            page.emulate_media(media="print")
            assert (
                page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
            )
            page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4")
            assert (ARTIFACTS / "report.pdf").stat().st_size > 10_000
        finally:
            browser.close()


# --- 3. end to end, in the sandbox --------------------------------------------------------

CELL_TIMEOUT = 5


def run_tool(module: str, *args: str, **env) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", f"tools.{module}", *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
        env=dict(os.environ, MPLBACKEND="Agg", KMEANS_LAB_CELL_TIMEOUT=str(CELL_TIMEOUT), **env),
    )
    assert result.returncode == 0, f"{module} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def sandboxed(tmp_path_factory, demo):
    """Four students of the demo class graded with the real tools, sandbox and nbgrader.

    Each submits only the notebook of the answer they were picked for (a run in
    the sandbox costs about a second a notebook).
    """
    if shutil.which("bwrap") is None and os.environ.get("KMEANS_LAB_REQUIRE_SANDBOX") != "1":
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no grading sandbox")
    answers = demo["answers"]
    picked: dict[str, set[str]] = {}
    for exercise, name in (
        (FIND, "argmax"),
        (FIND, "calls_reference"),
        ("compute_centroids", LOOPS_FOREVER),
        ("init_centroids", UNREADABLE),
    ):
        student = students_with(answers, exercise, name)[0]
        picked.setdefault(student, set()).add(REGISTRY[exercise].notebook)
    course = tmp_path_factory.mktemp("sandboxed") / "course"
    course.mkdir()
    shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
    run_tool("release", "--course", str(course), "--student-dir", str(course.parent / "student"))
    release = course / "release" / ASSIGNMENT
    demo_class.write_class(course, release, {s: answers[s] for s in picked})
    for student, notebooks in picked.items():
        for path in (course / "submitted" / student / ASSIGNMENT).glob("*.ipynb"):
            if path.stem not in notebooks:
                path.unlink()
    run_tool("autograde", "--course", str(course), "--seed", str(demo_class.SEED), WORKERS="2")
    run_tool("grades", "--course", str(course))
    run_tool("feedback", "--course", str(course))
    out = run_tool("report", "--course", str(course))
    return {"course": course, "picked": picked, "answers": answers, "report_out": out.stdout}


def test_the_sandbox_gives_the_verdicts_of_the_in_process_grading(sandboxed, demo):
    got = verdicts.read(sandboxed["course"])
    picked = sandboxed["picked"]
    assert sorted({r["student"] for r in got}) == sorted(picked)
    want = {(r["student"], r["exercise"]): r for r in demo["rows"]}
    for row in got:
        if row["notebook"] not in picked[row["student"]]:
            assert row["status"] == "not submitted"
            continue
        mine = want[(row["student"], row["exercise"])]
        for column in ("status", "points", "kind", "case", "diagnosis", "hint", "code"):
            assert row[column] == mine[column], (row["student"], row["exercise"], column)


def test_grades_csv_keeps_its_columns_and_the_report_is_written(sandboxed):
    course = sandboxed["course"]
    with open(course / "grades.csv", newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["student", "notebook", "exercise", "points", "max_points", "note"]
    page = (course / "report" / "index.html").read_text(encoding="utf-8")
    assert "use np.argmin, not np.argmax" in page
    assert f"report: {course / 'report' / 'index.html'}" in sandboxed["report_out"]
    report = json.loads((course / "autograde_report.json").read_text())
    for entry in report["students"].values():
        assert set(entry["notebook_seconds"]) == set(entry["graded_notebooks"])


def _feedback_text(course: Path, student: str) -> str:
    texts = []
    for path in sorted((course / "feedback" / student / ASSIGNMENT).glob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", text)
        texts.append(html.unescape(re.sub(r"<[^>]+>", "", text)))
    return "\n".join(texts)


def _lines(path: Path) -> set[str]:
    """The stripped lines of a notebook's cells (of the file, if it is not a notebook)."""
    try:
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    except Exception:
        text = path.read_text(encoding="utf-8")
    return {line.strip() for line in text.splitlines()}


def _submitted_lines(course: Path, student: str) -> set[str]:
    folder = course / "submitted" / student / ASSIGNMENT
    return set().union(*(_lines(p) for p in sorted(folder.glob("*.ipynb"))))


def test_feedback_shows_the_failing_case_and_the_hint_but_no_hidden_test(sandboxed):
    course = sandboxed["course"]
    student = students_with(sandboxed["answers"], FIND, "argmax")[0]
    path = course / "feedback" / student / ASSIGNMENT / "03_find_closest_centroids.html"
    text = _feedback_text(course, student)
    assert path.exists()
    for piece in (
        "find_closest_centroids: case 1 of",
        "this case, to run in a new cell:",
        "X = np.array([[",
        "expected labels, shape (5,), int64:",
        "got,",
        "hint: the closest centroid has the smallest distance: use np.argmin, not np.argmax",
    ):
        assert piece in text, piece
    seeds = json.loads((course / "autograde" / "run.json").read_text())["seeds"]
    (broken,) = students_with(sandboxed["answers"], "init_centroids", UNREADABLE)
    with_feedback = sorted(p.parent.name for p in (course / "feedback").glob(f"*/{ASSIGNMENT}"))
    assert with_feedback == sorted(set(sandboxed["picked"]) - {broken})  # a notebook, graded
    for student in with_feedback:
        text = _feedback_text(course, student)
        assert "hidden_check" not in text and "HIDDEN TESTS" not in text
        for exercise in REGISTRY.values():
            assert f"seed={exercise.hidden_seed})" not in text
        assert not [s for s in seeds.values() if re.search(rf"\b{s}\b", text)]


def test_feedback_holds_nothing_of_another_student_nor_the_reference(sandboxed):
    import inspect

    course = sandboxed["course"]
    released = set().union(*map(_lines, (course / "release" / ASSIGNMENT).glob("*.ipynb")))
    secret = {  # the reference implementations and the solutions' code
        line.strip()
        for exercise in REGISTRY.values()
        for line in inspect.getsource(exercise.reference_function()).splitlines()
    }
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if "### BEGIN SOLUTION" in cell.source:
                inside = cell.source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION")[0]
                secret |= {line.strip() for line in inside.splitlines()}
    secret = {line for line in secret if len(line) >= 25 and not line.startswith("#")}
    assert len(secret) > 20
    for student in sandboxed["picked"]:
        text = _feedback_text(course, student)
        own = _submitted_lines(course, student) | released
        own_text = "\n".join(own)  # a line of theirs may be part of a line of ours
        for other in sandboxed["picked"]:
            if other == student:
                continue
            assert other not in text, (student, other)
            theirs = {line for line in _submitted_lines(course, other) if len(line) >= 20}
            assert theirs - own, (student, other)  # they did write something else
            leaked = [line for line in theirs - own if line in text and line not in own_text]
            assert leaked == [], (student, other, leaked[:3])
        shown = [line for line in secret - own if line in text and line not in own_text]
        assert shown == [], (student, shown[:3])
