"""The course notebooks follow the course's layout, and their navigation links are current.

- ``tools/nav.py --check`` passes on the repository, and it does notice a
  stale, missing or misplaced link (tested on temporary copies);
- every course notebook (``notebooks/NN_*.ipynb``) has a title, a purpose
  line, an **Objectives** list, maths in LaTeX and a seeded Setup cell;
- every exercise is an nbgrader solution cell with ``### BEGIN SOLUTION`` /
  ``### END SOLUTION`` that does not delegate to the course library, has
  progressive ``<details>`` hints, and is followed by its locked, graded
  check cell (with hidden tests);
- the solution notebooks are stored executed, top to bottom, without errors
  and without output that cannot be compared (memory addresses).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kmeans_lab.checks import EXERCISES

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
COURSE = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

#: Points of each exercise's check cell (13 in all).
POINTS = {
    "image_to_pixels": 1,
    "pixels_to_image": 1,
    "init_centroids": 2,
    "find_closest_centroids": 3,
    "compute_centroids": 3,
    "run_kmeans": 2,
    "compressed_bits": 1,
}

SOLUTION_META = {
    "grade": False,
    "locked": False,
    "schema_version": 3,
    "solution": True,
    "task": False,
}
CHECK_META = {"grade": True, "locked": True, "schema_version": 3, "solution": False, "task": False}


def read(path: Path):
    return nbformat.read(path, as_version=4)


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_nav(cell) -> bool:
    return cell.cell_type == "markdown" and cell.metadata.get("nav") is True


def body(nb) -> list:
    """The cells of a notebook without its navigation cells."""
    return [c for c in nb.cells if not is_nav(c)]


def exercises(nb) -> list[tuple[int, object]]:
    """(index in body, cell) of every nbgrader solution cell."""
    return [(i, c) for i, c in enumerate(body(nb)) if nbgrader(c).get("solution")]


def run_nav(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.nav", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


ids = [p.stem for p in COURSE]


def test_course_notebooks_exist():
    names = [p.name for p in COURSE]
    for name in [
        "00_index.ipynb",
        "01_load_and_reshape.ipynb",
        "02_init_centroids.ipynb",
        "03_find_closest_centroids.ipynb",
        "04_compute_centroids.ipynb",
        "05_compress_image.ipynb",
    ]:
        assert name in names


# ---------------------------------------------------------------------------
# navigation links
# ---------------------------------------------------------------------------


def test_nav_links_are_current():
    result = run_nav("--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_nav_cells_link_previous_contents_next(path):
    nb = read(path)
    first, last = nb.cells[0], nb.cells[-1]
    assert is_nav(first) and is_nav(last)
    assert first.source == last.source
    assert "[Contents](00_index.ipynb)" in first.source
    i = COURSE.index(path)
    if i > 0:
        assert first.source.startswith("< [") and f"({COURSE[i - 1].name})" in first.source
    if i < len(COURSE) - 1:
        assert first.source.endswith(f"({COURSE[i + 1].name}) >")
        next_title = next(
            line[2:]
            for c in body(read(COURSE[i + 1]))
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if line.startswith("# ")
        )
        assert f"[{next_title}]" in first.source


@pytest.fixture
def copies(tmp_path):
    """A temporary copy of the course notebooks."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in COURSE:
        shutil.copy(path, folder / path.name)
    return folder


def nav_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run_nav("--notebooks", str(folder), *args)


def test_nav_check_names_a_notebook_with_a_stale_link_and_update_fixes_it(copies):
    target = copies / "02_init_centroids.ipynb"
    nb = read(target)
    nb.cells[0].source = "< [Old title](01_load_and_reshape.ipynb) | [Contents](00_index.ipynb)"
    nbformat.write(nb, target)

    result = nav_in(copies, "--check")
    assert result.returncode == 1
    assert "02_init_centroids.ipynb" in result.stderr
    assert "01_load_and_reshape.ipynb" not in result.stderr  # only the stale one is listed
    assert read(target).cells[0].source.startswith("< [Old title]")  # --check changes nothing

    assert nav_in(copies).returncode == 0
    assert read(target).cells[0].source == read(COURSE[2]).cells[0].source
    assert nav_in(copies, "--check").returncode == 0


def test_nav_check_notices_a_renamed_title_in_the_neighbours(copies):
    target = copies / "03_find_closest_centroids.ipynb"
    nb = read(target)
    heading = body(nb)[0]
    heading.source = heading.source.replace(
        "# Find the closest centroids", "# The assignment step", 1
    )
    nbformat.write(nb, target)

    result = nav_in(copies, "--check")
    assert result.returncode == 1
    stale = result.stderr.splitlines()[0]
    assert "02_init_centroids.ipynb" in stale and "04_compute_centroids.ipynb" in stale
    assert "03_find_closest_centroids.ipynb" not in stale
    nav_in(copies)
    assert (
        "[The assignment step](03_find_closest_centroids.ipynb)"
        in read(copies / "02_init_centroids.ipynb").cells[0].source
    )


def test_nav_creates_missing_cells_and_changes_nothing_else(copies):
    target = copies / "04_compute_centroids.ipynb"
    nb = read(target)
    original_body = body(nb)
    nb.cells = original_body[:5] + [nb.cells[0]] + original_body[5:]  # a stray nav cell inside
    nbformat.write(nb, target)
    assert nav_in(copies, "--check").returncode == 1

    assert nav_in(copies).returncode == 0
    fixed = read(target)
    assert is_nav(fixed.cells[0]) and is_nav(fixed.cells[-1])
    assert sum(is_nav(c) for c in fixed.cells) == 2
    assert body(fixed) == original_body  # sources, metadata and outputs untouched
    assert fixed.metadata == nb.metadata

    # without any nav cell
    nb = read(target)
    nb.cells = body(nb)
    nbformat.write(nb, target)
    nav_in(copies)
    assert read(target).cells == read(COURSE[4]).cells


def test_nav_is_idempotent(copies):
    nav_in(copies)
    before = {p.name: p.read_bytes() for p in copies.iterdir()}
    result = nav_in(copies)
    assert result.returncode == 0 and "0 notebook(s)" in result.stdout
    assert {p.name: p.read_bytes() for p in copies.iterdir()} == before


def test_nav_only_touches_the_files_named(copies):
    for name in ["01_load_and_reshape.ipynb", "02_init_centroids.ipynb"]:
        nb = read(copies / name)
        nb.cells = body(nb)
        nbformat.write(nb, copies / name)
    assert nav_in(copies, str(copies / "01_load_and_reshape.ipynb")).returncode == 0
    assert is_nav(read(copies / "01_load_and_reshape.ipynb").cells[0])
    assert not is_nav(read(copies / "02_init_centroids.ipynb").cells[0])
    result = nav_in(copies, "--check")
    assert result.returncode == 1 and "02_init_centroids.ipynb" in result.stderr


def test_nav_refuses_a_notebook_without_title(copies):
    target = copies / "05_compress_image.ipynb"
    nb = read(target)
    for cell in body(nb):
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("# ", "## ")
    nbformat.write(nb, target)
    result = nav_in(copies, "--check")
    assert result.returncode == 2
    assert "05_compress_image.ipynb: no title found" in result.stderr


# ---------------------------------------------------------------------------
# layout of every notebook
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_title_purpose_and_objectives(path):
    cells = body(read(path))
    first = cells[0]
    assert first.cell_type == "markdown"
    lines = [line for line in first.source.splitlines() if line.strip()]
    assert lines[0].startswith("# ") and len(lines[0]) > 4, (
        "the first cell starts with a '# ' title"
    )
    assert not lines[1].startswith(("#", "-", "*")), "a one-line purpose follows the title"
    objectives = [
        c.source for c in cells if c.cell_type == "markdown" and "**Objectives**" in c.source
    ]
    assert objectives, "an **Objectives** list"
    after = objectives[0].split("**Objectives**", 1)[1]
    assert len(re.findall(r"^- \S", after, flags=re.M)) >= 2, "at least two objectives, as a list"


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_maths_in_latex(path):
    markdown = "\n".join(c.source for c in body(read(path)) if c.cell_type == "markdown")
    assert re.search(r"\$[^$\n]*\\[A-Za-z]+[^$\n]*\$", markdown), "a LaTeX formula with a command"


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_setup_cell_seeds_the_randomness(path):
    code = [c.source for c in body(read(path)) if c.cell_type == "code"]
    assert any(re.search(r"^SEED = \d+", s, flags=re.M) for s in code), "a Setup cell defining SEED"
    legacy = re.findall(r"np\.random\.(?!default_rng\b|Generator\b)\w+\(", "\n".join(code))
    assert not legacy, f"randomness goes through np.random.default_rng(seed), not {legacy}"


# ---------------------------------------------------------------------------
# exercises, hints and checks
# ---------------------------------------------------------------------------


def test_every_checked_exercise_is_in_exactly_one_notebook():
    found = [nbgrader(c)["grade_id"] for p in COURSE for _, c in exercises(read(p))]
    assert sorted(found) == sorted(EXERCISES)
    assert set(POINTS) == set(EXERCISES)
    assert sum(POINTS.values()) == 13


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_grade_ids_are_unique(path):
    grade_ids = [nbgrader(c)["grade_id"] for c in read(path).cells if nbgrader(c)]
    assert len(grade_ids) == len(set(grade_ids))


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_exercise_cells(path):
    for _, cell in exercises(read(path)):
        meta = nbgrader(cell)
        name = meta["grade_id"]
        assert cell.cell_type == "code"
        assert {k: meta[k] for k in SOLUTION_META} == SOLUTION_META, name
        assert re.search(rf"^def {name}\(", cell.source, flags=re.M), f"the cell defines {name}"
        assert (
            cell.source.count("### BEGIN SOLUTION") == 1
            and cell.source.count("### END SOLUTION") == 1
        )
        begin = cell.source.index("### BEGIN SOLUTION")
        end = cell.source.index("### END SOLUTION")
        solution = cell.source[begin:end]
        assert solution.strip() != "### BEGIN SOLUTION", f"{name}: empty solution"
        assert not re.search(r"\bkl\.|kmeans_lab", solution), (
            f"{name}: the solution delegates to the library"
        )
        assert '"""' in cell.source[:begin], f"{name}: the student keeps a docstring"


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_hints_then_check_follow_each_exercise(path):
    cells = body(read(path))
    for i, cell in exercises(read(path)):
        name = nbgrader(cell)["grade_id"]
        following = cells[i + 1 :]
        j = next(k for k, c in enumerate(following) if c.cell_type == "code")
        between = "\n".join(c.source for c in following[:j])
        hints = re.findall(
            r"<details><summary>Hint (\d+)</summary>(.*?)</details>", between, flags=re.S
        )
        assert 2 <= len(hints) <= 3, f"{name}: 2 or 3 hints between the exercise and its check"
        assert [int(n) for n, _ in hints] == list(range(1, len(hints) + 1))
        assert all(text.strip() for _, text in hints)
        assert re.search(r"[Ee]xpect", between), f"{name}: say what the check should print"

        check = following[j]
        meta = nbgrader(check)
        assert meta.get("grade_id") == f"check_{name}", f"{name}: the next code cell is its check"
        assert {k: meta[k] for k in CHECK_META} == CHECK_META
        assert meta["points"] == POINTS[name]
        assert "raises-exception" in check.metadata.get("tags", [])
        assert check.source.splitlines()[0] == f"check_{name}({name})"
        hidden = re.search(
            r"### BEGIN HIDDEN TESTS\n(.*?)\n### END HIDDEN TESTS$", check.source, flags=re.S
        )
        assert hidden, f"{name}: the check cell ends with a hidden-tests block"
        # the hidden tests run a pristine copy of the checks (kmeans_lab.grading)
        assert re.fullmatch(
            rf"from kmeans_lab\.grading import hidden_check\n"
            rf'hidden_check\("{name}", {name}, n_random=\d+, seed=\d+\)',
            hidden.group(1),
        ), f"{name}: hidden tests must call hidden_check"

        imports = [c for c in cells[:i] if c.cell_type == "code" and f"check_{name}" in c.source]
        assert imports and nbgrader(imports[0]).get("locked"), (
            f"check_{name} imported in a locked cell"
        )


# ---------------------------------------------------------------------------
# stored outputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_executed_in_order_without_errors(path):
    code = [c for c in read(path).cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert None not in counts, "every code cell is executed"
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom in one kernel"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", cell.source[:80]
            if output.output_type == "stream":
                assert output.name == "stdout", f"no warnings in stored output: {output.text[:200]}"


@pytest.mark.parametrize("path", COURSE, ids=ids)
def test_outputs_are_comparable(path):
    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            text = output.get("text", "") + output.get("data", {}).get("text/plain", "")
            assert not re.search(r" at 0x[0-9a-fA-F]+", text), f"a memory address in: {text[:120]}"
            assert not re.match(r"(\[<|<)(Axes|matplotlib)", text), f"an object repr: {text[:120]}"
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            comments = [line for line in cell.source.splitlines() if line.lstrip().startswith("#")]
            assert any("not compared" in line for line in comments), (
                "say why the output is not compared"
            )
            # in words a student reads: no grader vocabulary (the tag says it for the tests)
            assert not any("nbval" in line for line in comments), cell.source[:80]
