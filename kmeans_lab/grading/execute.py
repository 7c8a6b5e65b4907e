"""Run one notebook inside the grading sandbox and stream its results back as plain data.

The grader starts this module in the sandbox, as an unprivileged user that
sees only a copy of the package and the staged notebook (no planned input,
no expected value, no seed)::

    python -m kmeans_lab.grading.execute NOTEBOOK --answers DIR --result-fd N [--cell-timeout S]

The code cells run one after the other in an IPython shell of this process
(the one the Jupyter kernel uses, without the kernel's messaging: the
sandbox needs no network, and starting takes a fraction of a second). Each
cell runs under the cell timeout: a cell that runs longer is interrupted
with a ``CellTimeoutError`` and the next cell runs. Outputs are collected as
a notebook stores them (streams, rich displays, inline figures, results,
errors) and long ones are cut (:mod:`.settings` says how long).

After each code cell, one **frame** goes to file descriptor ``N``: the cell's
number and outputs, and the sources the hidden tests reported while it ran
(:mod:`kmeans_lab.grading.capture`, files ``DIR/<exercise>.source``). A last
frame says the notebook ended. When the process dies (``os._exit``, a signal,
a memory limit), the frames already written stand: the grader knows which
cell never finished, and the checks before it keep their sources. The grader
reads the frames with a size limit, takes an exercise's source only from its
check cell's own frame, and runs it elsewhere: nothing written here is a grade.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
from pathlib import Path

import numpy as np

from . import settings, transport

__all__ = [
    "main",
    "run_notebook",
    "Executor",
    "cap_outputs",
    "read_frames",
    "CellTimeoutError",
    "MAX_OUTPUTS",
]

#: Most outputs kept per cell.
MAX_OUTPUTS = 50


class CellTimeoutError(KeyboardInterrupt):
    """A cell ran longer than the cell timeout and was interrupted."""


def cap_outputs(cell) -> None:
    """Cut a code cell's text outputs and the number of its outputs (in place).

    Streams and ``text/*`` values are cut, as nbgrader's path cuts them
    (``tools/preprocessors/limit_output_size.py``); other data (a figure's
    ``image/png``) is kept whole: cut, it would be a broken image in the
    feedback. The whole notebook's results are bounded by the sandbox's
    result limit.
    """
    outputs = cell.get("outputs", [])
    if len(outputs) > MAX_OUTPUTS:
        del outputs[MAX_OUTPUTS:]
    for output in outputs:
        settings.cut_output_texts(output)
        if output.get("output_type") == "error":
            output["traceback"] = [
                settings.cut_text(str(line)) for line in output.get("traceback", [])[:100]
            ]


# -- the shell ---------------------------------------------------------------------


class _Sink:
    """Where the current cell's outputs go."""

    def __init__(self) -> None:
        self.outputs: list[dict] = []

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            if len(last["text"]) <= 4 * settings.MAX_OUTPUT_CHARS:
                last["text"] += text
            return
        if len(self.outputs) < 4 * MAX_OUTPUTS:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output: dict) -> None:
        if len(self.outputs) < 4 * MAX_OUTPUTS:
            self.outputs.append(output)


class _Stream(io.TextIOBase):
    def __init__(self, sink: _Sink, name: str):
        self.sink, self.name_ = sink, name

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.sink.stream(self.name_, text)
        return len(text)


def _json_safe(data: dict) -> dict:
    out = {}
    for mime, value in (data or {}).items():
        if isinstance(value, bytes):
            value = value.decode("ascii", errors="replace")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = str(value)
        out[str(mime)] = value
    return out


def _make_shell(sink: _Sink):
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(
            self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs
        ):
            sink.add(
                {
                    "output_type": "display_data",
                    "data": _json_safe(data),
                    "metadata": _json_safe(metadata or {}),
                }
            )

        def clear_output(self, wait=False):
            sink.outputs.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            sink.add(
                {
                    "output_type": "execute_result",
                    "data": _json_safe(format_dict),
                    "metadata": _json_safe(md_dict or {}),
                    "execution_count": self.shell.execution_count,
                }
            )

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        display_pub_class = Type(Publisher)
        displayhook_class = Type(Hook)

        def enable_gui(self, gui=None):  # %matplotlib inline: no event loop to start
            pass

        def enable_matplotlib(self, gui=None):
            # A cell's figures are drawn once, by the inline backend's flush_figures (it
            # shows and closes them). pyplot's own post_execute hook, registered before it,
            # would first draw every stale figure for nothing: the same pixels, twice the time.
            result = super().enable_matplotlib(gui)
            hooks = self.events.callbacks["post_execute"]
            flush = [h for h in hooks if getattr(h, "__name__", "") == "flush_figures"]
            hooks[:] = flush + [h for h in hooks if h not in flush]
            return result

        def _showtraceback(self, etype, evalue, stb):
            sink.add(
                {
                    "output_type": "error",
                    "ename": getattr(etype, "__name__", "Error"),
                    "evalue": str(evalue),
                    "traceback": [str(line) for line in stb],
                }
            )

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "nocolor"
    return Shell.instance(config=config)


class Executor:
    """Runs the code cells of a notebook (a dict) one by one in an IPython shell."""

    def __init__(self, cell_timeout: int):
        self.cell_timeout = cell_timeout
        self.sink = _Sink()
        self.shell = _make_shell(self.sink)

    def _alarm(self, signum, frame):
        raise CellTimeoutError(
            f"the cell ran longer than {self.cell_timeout} s and was interrupted"
        )

    def run_cell(self, source: str) -> list[dict]:
        """Run one cell's source; return its outputs."""
        self.sink.outputs = []
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Stream(self.sink, "stdout"), _Stream(self.sink, "stderr")
        previous = signal.signal(signal.SIGALRM, self._alarm)
        signal.setitimer(signal.ITIMER_REAL, self.cell_timeout)
        try:
            self.shell.run_cell(source, store_history=True)
        except CellTimeoutError:  # interrupted outside the cell's own code
            self.sink.add(
                {
                    "output_type": "error",
                    "ename": "CellTimeoutError",
                    "evalue": f"the cell ran longer than {self.cell_timeout} s",
                    "traceback": [],
                }
            )
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.stdout, sys.stderr = out, err
        cell = {"outputs": self.sink.outputs}
        cap_outputs(cell)
        return cell["outputs"]


# -- frames ------------------------------------------------------------------------


def _write_frame(fd: int, document: dict, arrays: dict) -> None:
    try:
        data = transport.dump(document, arrays)
    except transport.TransportError as exc:  # an output that is not plain JSON (NaN ...)
        document = dict(
            document,
            outputs=[
                {
                    "output_type": "error",
                    "ename": "UnreadableOutput",
                    "evalue": f"this cell's outputs could not be written ({exc})",
                    "traceback": [],
                }
            ],
        )
        data = transport.dump(document, arrays)
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_frames(data: bytes) -> list[tuple[dict, dict]]:
    """The frames of a result stream, up to the first one that cannot be read."""
    frames, at = [], 0
    while at + 8 <= len(data):
        n = int.from_bytes(data[at : at + 8], "big")
        if n > len(data) - at - 8:
            break
        try:
            frames.append(transport.load(bytes(data[at + 8 : at + 8 + n])))
        except transport.TransportError:
            break
        at += 8 + n
    return frames


def _new_sources(folder: Path, seen: dict[str, int]) -> dict[str, np.ndarray]:
    found = {}
    for path in sorted(folder.glob("*.source")):
        try:
            stamp = path.stat().st_mtime_ns
            if seen.get(path.stem) != stamp:
                seen[path.stem] = stamp
                found[f"source_{path.stem}"] = np.frombuffer(path.read_bytes(), dtype=np.uint8)
        except OSError:
            continue
    return found


def run_notebook(
    notebook: str, fd: int, answers: str, cell_timeout: int, executor: Executor | None = None
) -> None:
    """Run the code cells of ``notebook`` one by one, writing a frame per cell to ``fd``.

    The last frame says the notebook ended. ``answers`` is the folder the check
    cells report the student's sources to; ``executor``, a new one where no cell
    has run yet (:mod:`.serve` builds it before forking), else one is made here.
    """
    os.set_inheritable(fd, False)  # processes the notebook starts do not get it
    folder = Path(answers)
    folder.mkdir(parents=True, exist_ok=True)
    with open(notebook, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    executor = executor or Executor(cell_timeout)
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        outputs = executor.run_cell(source)
        _write_frame(
            fd, {"format": 1, "cell": index, "outputs": outputs}, _new_sources(folder, seen)
        )
    _write_frame(fd, {"format": 1, "done": True}, {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.grading.execute")
    parser.add_argument("notebook")
    parser.add_argument("--answers", required=True, help="the folder hidden_check writes to")
    parser.add_argument("--result-fd", type=int, required=True)
    parser.add_argument("--cell-timeout", type=int, default=settings.CELL_TIMEOUT[1])
    args = parser.parse_args(argv)
    run_notebook(args.notebook, args.result_fd, args.answers, args.cell_timeout)
    os.close(args.result_fd)
    sys.stdout.flush()
    os._exit(0)  # nothing the notebook left behind (threads, handlers) may hold the exit


if __name__ == "__main__":  # pragma: no cover - run by the grader in the sandbox
    sys.exit(main())
