"""The notebook executor of the grading sandbox (``kmeans_lab.grading.execute``).

Run here as a plain subprocess (no sandbox needed): a notebook's code cells
run in an IPython shell, and a frame per cell comes back on a pipe. The
grader's reading of the frames (``tools.grading.judge.read_sandbox_report``)
is tested on what comes back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from execute_helpers import execute
from nbformat.v4 import new_code_cell, new_markdown_cell

from kmeans_lab.grading.execute import read_frames

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("nbgrader")
from tools.grading.judge import read_sandbox_report  # noqa: E402


def code_indices(cells) -> list[int]:
    return [i for i, c in enumerate(cells) if c.cell_type == "code"]


def test_each_code_cell_sends_its_outputs_as_a_notebook_stores_them(tmp_path):
    cells = [
        new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\nprint('hello')"),
        new_markdown_cell("text"),
        new_code_cell("from kmeans_lab.checks import CheckResult\nCheckResult('f', 3, 3)"),
        new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2])\nax.set_title('a figure')"),
        new_code_cell(
            "from kmeans_lab.checks import check_compressed_bits\n"
            "check_compressed_bits(lambda n_pixels, K: 0)"
        ),
        new_code_cell("import sys\nsys.exit('bye')\n"),
        new_code_cell("print('still running')"),
    ]
    frames = read_frames(execute(tmp_path, cells))
    assert frames[-1][0] == {"format": 1, "done": True}
    by_cell = {d["cell"]: d["outputs"] for d, _ in frames[:-1]}
    assert sorted(by_cell) == code_indices(cells)
    assert by_cell[0] == [{"output_type": "stream", "name": "stdout", "text": "hello\n"}]
    (result,) = by_cell[2]
    assert result["output_type"] == "execute_result"
    assert result["data"]["text/plain"] == "f: 3/3 checks passed"
    assert "<strong>f</strong>" in result["data"]["text/html"]
    kinds = [o["output_type"] for o in by_cell[3]]
    assert "display_data" in kinds
    assert any("image/png" in o.get("data", {}) for o in by_cell[3])
    (error,) = [o for o in by_cell[4] if o["output_type"] == "error"]
    assert error["ename"] == "CheckFailure"
    assert error["traceback"][0].startswith(
        "compressed_bits: case 1 of"
    )  # the message, no traceback
    assert all("\x1b[" not in line for line in error["traceback"])
    assert by_cell[6] == [{"output_type": "stream", "name": "stdout", "text": "still running\n"}]


def test_a_cell_over_the_timeout_is_interrupted_and_the_next_one_runs(tmp_path):
    cells = [new_code_cell("while True:\n    pass"), new_code_cell("print('next')")]
    frames = read_frames(execute(tmp_path, cells, cell_timeout=2))
    first = frames[0][0]["outputs"]
    assert [o["ename"] for o in first if o["output_type"] == "error"] == ["CellTimeoutError"]
    assert frames[1][0]["outputs"][0]["text"] == "next\n"


def test_a_dying_process_keeps_the_frames_of_the_cells_before(tmp_path):
    cells = [
        new_code_cell("print(1)"),
        new_markdown_cell("m"),
        new_code_cell("print(2)"),
        new_code_cell("import os\nos._exit(3)"),
        new_code_cell("print(4)"),
    ]
    data = execute(tmp_path, cells)
    assert [d.get("cell") for d, _ in read_frames(data)] == [0, 2]
    report = read_sandbox_report(data, code_indices(cells), timed_out=False, overflowed=False)
    assert not report.done and report.died_in == 4  # cells count from 1, markdown included
    assert report.outputs[2][0]["text"] == "2\n"


def test_the_source_reported_at_the_check_cell_comes_in_its_frame_only(tmp_path):
    cells = [
        new_code_cell("STEP = 0\ndef compressed_bits(n_pixels, K):\n    return STEP"),
        new_code_cell(
            "from kmeans_lab.grading import hidden_check\n"
            "hidden_check('compressed_bits', compressed_bits)"
        ),
        # a later cell reports another function: not from the check cell, so ignored
        new_code_cell(
            "def compressed_bits(n_pixels, K):\n    return 1\n"
            "hidden_check('compressed_bits', compressed_bits)"
        ),
    ]
    data = execute(tmp_path, cells, env={"KMEANS_LAB_GRADING_ANSWERS": str(tmp_path / "answers")})
    frames = read_frames(data)
    sent = [sorted(arrays) for _, arrays in frames[:3]]
    assert sent == [[], ["source_compressed_bits"], ["source_compressed_bits"]]
    report = read_sandbox_report(
        data, [0, 1, 2], timed_out=False, overflowed=False, checks={1: "compressed_bits"}
    )
    assert report.done and report.sources == {
        "compressed_bits": "STEP = 0\n\n\ndef compressed_bits(n_pixels, K):\n    return STEP\n"
    }
    assert "sent to the grader" in report.outputs[1][0]["text"]
    assert not (tmp_path / "plans").exists()


def test_what_cannot_be_carried_over_is_reported_in_one_line(tmp_path):
    cells = [
        new_code_cell(
            "import numpy as np\ntable = np.arange(3)\n"
            "def compressed_bits(n_pixels, K):\n    return int(table[0])"
        ),
        new_code_cell(
            "from kmeans_lab.grading import hidden_check\n"
            "hidden_check('compressed_bits', compressed_bits)"
        ),
    ]
    data = execute(tmp_path, cells, env={"KMEANS_LAB_GRADING_ANSWERS": str(tmp_path / "answers")})
    report = read_sandbox_report(
        data, [0, 1], timed_out=False, overflowed=False, checks={1: "compressed_bits"}
    )
    assert report.sources == {}
    assert report.unsent == {
        "compressed_bits": "it uses table, a ndarray from your notebook, which cannot be saved "
        "with it: pass table as an argument, or create it inside the function"
    }


def test_garbage_written_on_the_result_pipe_ends_the_frames_read(tmp_path):
    cells = [
        new_code_cell("print('ok')"),
        new_code_cell(
            "import os, sys\nfd = int(sys.argv[sys.argv.index('--result-fd') + 1])\n"
            "os.write(fd, b'\\x00' * 7 + b'\\xff' + b'garbage' * 100)"
        ),
    ]
    data = execute(tmp_path, cells)
    report = read_sandbox_report(data, [0, 1], timed_out=False, overflowed=False)
    assert 0 in report.outputs and not report.done
