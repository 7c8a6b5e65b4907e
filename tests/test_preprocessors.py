"""The course's nbgrader preprocessors (``tools/preprocessors/``), without the nbgrader CLI.

- ``LimitOutputSize`` truncates streams and ``text/*`` data longer than
  ``max_chars`` with the marker autograding has always written, leaves short
  text, images and markdown alone, and honours a configured ``max_chars``;
- ``ApplyJudgedNotebook`` copies the grader's judged outputs onto the notebook
  nbgrader sanitized, and marks every check cell of a notebook without a
  judged copy as not graded (never keeping the submission's own outputs);
- ``course/nbgrader_config.py`` loads, in place and as a copy in another
  folder (what ``release --check`` and test_grading do), and wires both in
  with the environment the tools give nbgrader; without it (nbgrader run by
  hand in ``course/``), it loads too and imports nothing from ``tools``.

tests/test_grading.py runs them end to end through ``nbgrader autograde``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("nbgrader")  # the instructor extra (make install installs it)

from traitlets.config import Config  # noqa: E402

from tools.nbgrader_course import nbgrader_env  # noqa: E402
from tools.preprocessors import ApplyJudgedNotebook, LimitOutputSize  # noqa: E402


def marker(dropped: int) -> str:
    """What LimitOutputSize appends after the text it keeps."""
    return f"\n... Output truncated ({dropped} more characters) ...\n"


# --- LimitOutputSize ----------------------------------------------------------------------


def limit(cell, **options):
    return LimitOutputSize(**options).preprocess_cell(cell, {}, 0)[0]


def test_limit_output_size_truncates_a_long_stream_and_keeps_its_start():
    cell = new_code_cell(
        "print('x' * 25_000)",
        outputs=[new_output("stream", name="stdout", text="a" * 20_000 + "b" * 5_000)],
    )
    text = limit(cell).outputs[0]["text"]
    assert text == "a" * 20_000 + marker(5_000)


def test_limit_output_size_joins_and_truncates_a_stream_stored_as_lines():
    cell = new_code_cell(
        "", outputs=[new_output("stream", name="stdout", text=["x" * 15_000 + "\n", "y" * 10_000])]
    )
    text = limit(cell).outputs[0]["text"]
    assert text == "x" * 15_000 + "\n" + "y" * 4_999 + marker(5_001)


def test_limit_output_size_truncates_every_text_mime_type_and_leaves_images_alone():
    png = "iVBORw0KGgo" * 5_000  # 55 000 characters of base64, not text
    cell = new_code_cell(
        "",
        outputs=[
            new_output(
                "execute_result",
                execution_count=1,
                data={
                    "text/plain": "p" * 20_001,
                    "text/html": "<b>" + "h" * 30_000 + "</b>",
                    "image/png": png,
                },
            )
        ],
    )
    data = limit(cell).outputs[0]["data"]
    assert data["text/plain"] == "p" * 20_000 + marker(1)
    assert data["text/html"] == ("<b>" + "h" * 30_000)[:20_000] + marker(30_007 - 20_000)
    assert data["image/png"] == png


def test_limit_output_size_leaves_short_outputs_and_markdown_alone():
    exactly = "z" * 20_000
    cell = new_code_cell(
        "",
        outputs=[
            new_output("stream", name="stderr", text=exactly),
            new_output("display_data", data={"text/plain": "short"}),
            new_output("error", ename="ValueError", evalue="v" * 30_000, traceback=["tb"]),
        ],
    )
    out = limit(cell).outputs
    assert out[0]["text"] == exactly
    assert out[1]["data"]["text/plain"] == "short"
    assert out[2]["evalue"] == "v" * 30_000  # tracebacks are nbgrader's LimitOutput's job
    markdown = new_markdown_cell("m" * 30_000)
    assert limit(markdown).source == "m" * 30_000


def test_limit_output_size_honours_a_configured_max_chars():
    assert LimitOutputSize().max_chars == 20_000
    config = Config()
    config.LimitOutputSize.max_chars = 10
    cell = new_code_cell("", outputs=[new_output("stream", name="stdout", text="0123456789AB")])
    out = LimitOutputSize(config=config).preprocess_cell(cell, {}, 0)[0].outputs[0]
    assert out["text"] == "0123456789" + marker(2)
    assert limit(
        new_code_cell("", outputs=[new_output("stream", name="stdout", text="abc")]), max_chars=2
    ).outputs[0]["text"] == "ab" + marker(1)


# --- ApplyJudgedNotebook -------------------------------------------------------------------


def _graded_notebook(outputs):
    check = new_code_cell("check_f(f)", outputs=outputs)
    check.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "check_f",
        "points": 1,
        "locked": True,
        "solution": False,
        "schema_version": 3,
    }
    return new_notebook(cells=[new_markdown_cell("text"), new_code_cell("x = 1"), check])


def _apply(nb, judged_directory):
    resources = {"nbgrader": {"student": "s1", "assignment": "kmeans_lab", "notebook": "nb"}}
    return ApplyJudgedNotebook(judged_directory=str(judged_directory)).preprocess(nb, resources)[0]


def test_apply_judged_notebook_copies_the_judged_outputs(tmp_path):
    import nbformat

    verdict = new_output(
        "error",
        ename="CheckFailure",
        evalue="f: case 1 of 3 failed",
        traceback=["f: case 1 of 3 failed"],
    )
    judged = _graded_notebook([verdict])
    judged.cells[1].outputs = [new_output("stream", name="stdout", text="from the sandbox")]
    folder = tmp_path / "s1" / "kmeans_lab"
    folder.mkdir(parents=True)
    nbformat.write(judged, folder / "nb.ipynb")
    submitted = _graded_notebook([new_output("stream", name="stdout", text="all passed!")])
    nb = _apply(submitted, tmp_path)
    assert nb.cells[1].outputs[0]["text"] == "from the sandbox"
    assert [o["ename"] for o in nb.cells[2].outputs] == ["CheckFailure"]


def test_apply_judged_notebook_never_keeps_the_submissions_own_outputs(tmp_path):
    faked = [new_output("stream", name="stdout", text="find: 32/32 checks passed")]
    nb = _apply(_graded_notebook(faked), tmp_path)  # no judged copy in tmp_path
    (output,) = nb.cells[2].outputs
    assert output["output_type"] == "error" and output["ename"] == "NotGraded"
    assert "run make autograde" in output["evalue"]


# --- course/nbgrader_config.py --------------------------------------------------------------


LOAD_CONFIG = """
import sys
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item
config = PyFileConfigLoader("nbgrader_config.py", sys.argv[1]).load_config()
pre = [import_item(p) if isinstance(p, str) else p for p in config.Autograde.autograde_preprocessors]
print(pre[0].__module__, pre[0].__name__, sys.modules["tools"].__file__)
print(*(p.__name__ for p in pre))
print(config.LimitOutputSize.max_chars, config.CourseDirectory.root)
"""

LOAD_CONFIG_BY_HAND = """
import sys
from traitlets.config.loader import PyFileConfigLoader
config = PyFileConfigLoader("nbgrader_config.py", sys.argv[1]).load_config()
print(config.CourseDirectory.course_id, config.Execute.timeout, "tools" in sys.modules)
print(*config.Autograde.autograde_preprocessors[:2])
"""


def _load_config(script: str, folder: Path, cwd: Path, env: dict) -> list[str]:
    """Run ``script`` (it loads ``folder``'s config) in a fresh Python; its output lines."""
    result = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("where", ["course", "copy"])
def test_course_config_loads_the_preprocessors_of_this_repository(where, tmp_path):
    """As nbgrader does: a fresh process, elsewhere, loads the config file by path."""
    folder = REPO / "course"
    if where == "copy":  # a temporary course, as `release --check` and test_grading make
        folder = tmp_path / "course"
        folder.mkdir()
        shutil.copy2(REPO / "course" / "nbgrader_config.py", folder)
    # nbgrader_env(): what tools.nbgrader_course.run_nbgrader gives nbgrader
    first, names, settings = _load_config(LOAD_CONFIG, folder, tmp_path, nbgrader_env())
    assert first == (
        "tools.preprocessors.apply_judged_notebook ApplyJudgedNotebook "
        + str(REPO / "tools" / "__init__.py")
    )
    assert names.split() == [
        "ApplyJudgedNotebook",
        "IgnorePattern",
        "ClearMetadataPreprocessor",
        "LimitOutput",
        "LimitOutputSize",
        "SaveAutoGrades",
        "AssignLatePenalties",
        "CheckCellMetadata",
    ]
    assert settings == f"20000 {folder}"


def test_course_config_loads_by_hand_without_the_tools(tmp_path):
    """``cd course && nbgrader release_assignment``: no PYTHONPATH, nothing from ``tools``."""
    env = {
        k: v
        for k, v in nbgrader_env().items()
        if k not in ("PYTHONPATH", "KMEANS_LAB_CELL_TIMEOUT")
    }
    assert _load_config(LOAD_CONFIG_BY_HAND, REPO / "course", tmp_path, env) == [
        "kmeans-lab 60 False",
        "tools.preprocessors.ApplyJudgedNotebook nbgrader.preprocessors.IgnorePattern",
    ]
