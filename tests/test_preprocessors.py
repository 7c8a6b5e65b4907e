"""The course's nbgrader preprocessors (``tools/preprocessors/``), without the nbgrader CLI.

- ``LimitOutputSize`` truncates streams and ``text/*`` data longer than
  ``max_chars`` with the marker autograding has always written, leaves short
  text, images and markdown alone, and honours a configured ``max_chars``;
- ``ExecuteUntilKernelDies`` runs a small notebook in a real kernel: the cell
  that calls ``os._exit`` and every later code cell get a ``DeadKernelError``
  output, the cells before keep theirs;
- ``course/nbgrader_config.py`` loads, in place and as a copy in another
  folder (what ``release --check`` and test_grading do), and wires both in.

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
if str(REPO) not in sys.path:  # `python -m pytest` from the repository root has it already
    sys.path.insert(0, str(REPO))

pytest.importorskip("nbgrader")  # the instructor extra (make install installs it)

from traitlets.config import Config  # noqa: E402

from tools.preprocessors import ExecuteUntilKernelDies, LimitOutputSize  # noqa: E402


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


# --- ExecuteUntilKernelDies ---------------------------------------------------------------


def test_execute_until_kernel_dies_fails_the_dying_cell_and_every_later_code_cell(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell("x = 6 * 7\nprint(x)"),  # cell 1: runs
            new_markdown_cell("Some text."),  # cell 2
            new_code_cell("import os\nos._exit(1)"),  # cell 3: kills the kernel
            new_code_cell("print('after')"),  # cell 4: not run
            new_markdown_cell("More text."),  # cell 5
            new_code_cell("   \n"),  # cell 6: empty, untouched
            new_code_cell("x", outputs=[new_output("stream", name="stdout", text="old")]),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    pre = ExecuteUntilKernelDies(
        timeout=60, extra_arguments=["--HistoryManager.hist_file=:memory:"]
    )
    nb, _ = pre.preprocess(nb, {"metadata": {"path": str(tmp_path)}})

    assert [o.get("text") for o in nb.cells[0].outputs] == ["42\n"]
    assert nb.cells[1].source == "Some text." and "outputs" not in nb.cells[1]

    def errors(cell):
        return [(o.output_type, o.ename, o.evalue, o.traceback) for o in cell.outputs]

    died = "the kernel died while running this cell"
    assert errors(nb.cells[2]) == [("error", "DeadKernelError", died, [f"DeadKernelError: {died}"])]
    not_run = "not run: the kernel died in cell 3"
    for index in (3, 6):
        assert errors(nb.cells[index]) == [
            ("error", "DeadKernelError", not_run, [f"DeadKernelError: {not_run}"])
        ]
    assert "outputs" not in nb.cells[4]
    assert nb.cells[5].outputs == []


# --- course/nbgrader_config.py --------------------------------------------------------------


LOAD_CONFIG = """
import sys
from traitlets.config.loader import PyFileConfigLoader
config = PyFileConfigLoader("nbgrader_config.py", sys.argv[1]).load_config()
pre = config.Autograde.autograde_preprocessors
print(pre[0].__module__, pre[0].__name__, sys.modules["tools"].__file__)
print(*(p.__name__ for p in pre))
print(config.LimitOutputSize.max_chars, config.CourseDirectory.root)
"""


@pytest.mark.parametrize("where", ["course", "copy"])
def test_course_config_loads_the_preprocessors_of_this_repository(where, tmp_path):
    """As nbgrader does: a fresh process, elsewhere, loads the config file by path."""
    folder = REPO / "course"
    if where == "copy":  # a temporary course, as `release --check` and test_grading make
        folder = tmp_path / "course"
        folder.mkdir()
        shutil.copy2(REPO / "course" / "nbgrader_config.py", folder)
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CONFIG, str(folder)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    first, names, settings = result.stdout.splitlines()
    assert first == (
        "tools.preprocessors.execute_until_kernel_dies ExecuteUntilKernelDies "
        + str(REPO / "tools" / "__init__.py")
    )
    assert names.split() == [
        "ExecuteUntilKernelDies",
        "IgnorePattern",
        "ClearMetadataPreprocessor",
        "LimitOutput",
        "LimitOutputSize",
        "SaveAutoGrades",
        "AssignLatePenalties",
        "CheckCellMetadata",
    ]
    assert settings == f"20000 {folder}"
