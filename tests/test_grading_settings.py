"""The grading settings are read in one place (``kmeans_lab.grading.settings``).

Changing one setting changes every reader: the grader's worker
(``tools.grading.worker.Settings``, whose cell timeout goes to the notebook's
sandbox), the notebook's sandbox itself (``kmeans_lab.grading.execute`` cuts
long outputs), and nbgrader (``course/nbgrader_config.py``'s ``Execute.timeout``
and ``LimitOutputSize.max_chars``, and the ``LimitOutputSize`` preprocessor).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")  # the instructor extra (make install installs it)

from traitlets.config.loader import PyFileConfigLoader  # noqa: E402

from kmeans_lab.grading import execute, settings  # noqa: E402
from tools.grading.worker import Settings  # noqa: E402
from tools.preprocessors import LimitOutputSize  # noqa: E402

COURSE = Path(__file__).resolve().parents[1] / "course"


def course_config():
    """``course/nbgrader_config.py`` as nbgrader loads it (by path)."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()


def stream_cell(text: str) -> dict:
    return {
        "cell_type": "code",
        "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
    }


def test_the_defaults_are_the_same_for_the_worker_and_nbgrader(monkeypatch):
    monkeypatch.delenv("KMEANS_LAB_CELL_TIMEOUT", raising=False)
    monkeypatch.delenv("KMEANS_LAB_NOTEBOOK_TIMEOUT", raising=False)
    config = course_config()
    assert Settings().cell_timeout == config.Execute.timeout == 60
    assert Settings().notebook_timeout == 600
    assert config.LimitOutputSize.max_chars == LimitOutputSize().max_chars == 20_000


def test_the_cell_timeout_changes_the_worker_and_the_nbgrader_config_together(monkeypatch):
    monkeypatch.setenv("KMEANS_LAB_CELL_TIMEOUT", "7")
    assert Settings().cell_timeout == 7
    assert course_config().Execute.timeout == 7


@pytest.mark.parametrize(
    "raw, message",
    [
        ("1.5", "KMEANS_LAB_CELL_TIMEOUT must be a whole number of seconds, got '1.5'"),
        ("0", "KMEANS_LAB_CELL_TIMEOUT must be at least 1, got 0"),
    ],
)
def test_a_bad_cell_timeout_is_refused_alike_by_every_reader(monkeypatch, raw, message):
    monkeypatch.setenv("KMEANS_LAB_CELL_TIMEOUT", raw)
    with pytest.raises(SystemExit, match=rf"^{message}$"):
        Settings()
    with pytest.raises(ValueError, match=rf"^{message}$"):
        course_config()


def test_the_output_cap_changes_the_sandbox_and_the_nbgrader_path_together(monkeypatch):
    monkeypatch.setattr(settings, "MAX_OUTPUT_CHARS", 10)
    text = "0123456789ABC"
    expected = "0123456789\n... Output truncated (3 more characters) ...\n"

    sandboxed = stream_cell(text)
    execute.cap_outputs(sandboxed)  # the notebook's sandbox
    assert sandboxed["outputs"][0]["text"] == expected

    config = course_config()  # nbgrader, configured by the course
    assert config.LimitOutputSize.max_chars == 10
    preprocessor = LimitOutputSize(config=config)
    assert preprocessor.truncate(text) == expected
    assert LimitOutputSize().truncate(text) == expected  # and its own default


def test_a_figure_is_kept_whole_and_text_cut_alike_in_the_sandbox_and_nbgrader(monkeypatch):
    monkeypatch.setattr(settings, "MAX_OUTPUT_CHARS", 10)
    png, html = "iVBORw0KGgo" + "A" * 40, "<img src='data:...'>" + "B" * 40

    def figure_cell():
        data = {"image/png": png, "text/html": html, "text/plain": "Figure. " + "C" * 20}
        return {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": data}]}

    sandboxed = figure_cell()
    execute.cap_outputs(sandboxed)
    by_nbgrader = nbformat.from_dict(figure_cell())
    LimitOutputSize(max_chars=10).preprocess_cell(by_nbgrader, {}, 0)
    for cell in (sandboxed, by_nbgrader):
        data = cell["outputs"][0]["data"]
        assert data["image/png"] == png  # a cut PNG is a broken image in the feedback
        assert (
            data["text/html"].startswith("<img src='") and "Output truncated" in data["text/html"]
        )
        assert data["text/plain"] == settings.cut_text("Figure. " + "C" * 20)
    assert sandboxed["outputs"][0]["data"] == dict(by_nbgrader["outputs"][0]["data"])


def test_cut_text_keeps_short_text_whole_and_joins_lines():
    assert settings.cut_text("abc", max_chars=3) == "abc"
    assert settings.cut_text(["ab", "cd"], max_chars=3) == "abc" + (
        "\n... Output truncated (1 more characters) ...\n"
    )
