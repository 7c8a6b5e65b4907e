"""One sandbox for a student's notebooks: a result pipe and a time limit for each.

:func:`run_notebooks` starts :mod:`kmeans_lab.grading.serve` in one
:class:`~tools.sandbox.Sandbox` (same view, uid, limits and cgroup as a
notebook's own sandbox) with every notebook of one student staged. The server
imports the notebooks' libraries once and runs each notebook in a fresh child
with namespaces and folders of its own; this side reads each notebook's frames
from its own pipe (at most :attr:`Limits.result_bytes` each) and its progress
from a control pipe (``start I``, ``end I CODE``), and keeps each notebook to
the notebook time limit: a notebook over it, or over its result limit, stops
the whole sandbox, and the notebooks after it are not run there (``None``:
the caller runs them in a new sandbox). What comes back per notebook is the
:class:`~tools.sandbox.SandboxResult` a sandbox of its own would have given.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import Sandbox, SandboxResult, _kill

__all__ = ["StreamsOutcome", "run_notebooks"]


@dataclass
class StreamsOutcome:
    """What one server sandbox gave: a result per notebook it started, ``None`` for the rest."""

    results: list[SandboxResult | None]
    unavailable: str | None = None  #: why the server could not give a child its namespaces
    stderr: str = ""


@dataclass
class _Stream:
    chunks: list = field(default_factory=list)
    size: int = 0
    started: float | None = None
    ended: float | None = None
    code: int | None = None
    timed_out: bool = False
    overflowed: bool = False


def run_notebooks(
    sandbox: Sandbox, input_dir: Path, argv: list[str], count: int, *, env: dict[str, str]
) -> StreamsOutcome:
    """Run the server command ``argv`` (``count`` notebooks) in ``sandbox``; see the module docstring.

    ``argv`` gets ``--control-fd N --result-fds A,B,...``. Each notebook may
    take ``sandbox.limits.wall_seconds``, and so may the server's start.
    """

    def body(uid, cgroup) -> StreamsOutcome:
        outcome = _popen(sandbox, input_dir, argv, count, env, uid, cgroup)
        for result in outcome.results:
            if result is not None:
                result.cgroup_unavailable = cgroup.unavailable
        return outcome

    return sandbox.leased(body)


def _popen(sandbox, input_dir, argv, count, env, uid, cgroup) -> StreamsOutcome:
    control_r, control_w = os.pipe()
    pipes = [os.pipe() for _ in range(count)]
    writers = (control_w, *(w for _, w in pipes))
    fds = ["--control-fd", str(control_w), "--result-fds", ",".join(str(w) for _, w in pipes)]
    try:
        proc = sandbox.start(input_dir, argv + fds, env, uid, cgroup, writers)
    except BaseException:
        for fd in [control_r, *(r for r, _ in pipes)]:
            os.close(fd)
        raise
    return _collect(sandbox, proc, control_r, [r for r, _ in pipes])


def _collect(sandbox, proc, control_r, readers) -> StreamsOutcome:
    limits = sandbox.limits
    streams = [_Stream() for _ in readers]
    selector = selectors.DefaultSelector()
    selector.register(control_r, selectors.EVENT_READ, "control")
    for index, fd in enumerate(readers):
        selector.register(fd, selectors.EVENT_READ, index)
    selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
    control, stderr = b"", b""
    outcome = StreamsOutcome([])
    clock = time.monotonic()  # when the current step began: the server's start, then each notebook
    current: int | None = None
    killed = False
    while selector.get_map():
        if not killed and time.monotonic() - clock > limits.wall_seconds:
            killed = True
            _kill(proc)
            if current is not None:
                streams[current].timed_out = True
        for key, _ in selector.select(timeout=0.5):
            what = key.data
            try:
                chunk = os.read(key.fd, 1 << 16) if what != "stderr" else proc.stderr.read1(1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                selector.unregister(key.fileobj)
                if what != "stderr":
                    os.close(key.fd)
                continue
            if what == "stderr":
                stderr = (stderr + chunk)[-8000:]
            elif what == "control":
                control += chunk[:4096]
                while b"\n" in control:
                    line, control = control.split(b"\n", 1)
                    current, clock = _control_line(line, streams, outcome, current, clock)
            else:
                stream = streams[what]
                if stream.size + len(chunk) > limits.result_bytes:
                    stream.overflowed = True
                    if not killed:
                        killed = True
                        _kill(proc)
                    continue
                stream.size += len(chunk)
                stream.chunks.append(chunk)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.wait()
    proc.stderr.close()
    outcome.stderr = stderr.decode(errors="replace")[-4000:]
    outcome.results = [_result(s, proc, outcome.stderr) for s in streams]
    return outcome


def _control_line(line: bytes, streams, outcome, current, clock):
    """Apply one control line; return the current notebook and when its clock started."""
    words = line.decode("ascii", errors="replace").split(" ", 2)
    now = time.monotonic()
    if words[0] == "start" and len(words) == 2 and words[1].isdigit():
        index = int(words[1])
        if index < len(streams) and streams[index].started is None:
            streams[index].started = now
            return index, now
    elif words[0] == "end" and len(words) == 3 and words[1].isdigit():
        index = int(words[1])
        if index < len(streams) and streams[index].started is not None:
            streams[index].ended = now
            streams[index].code = int(words[2]) if words[2].lstrip("-").isdigit() else None
            return None, now
    elif words[0] == "unavailable":
        outcome.unavailable = " ".join(words[1:])[:300] or "no reason given"
        if current is not None:
            streams[current].started = None  # not run: the caller runs it elsewhere
        return None, now
    return current, clock


def _result(stream: _Stream, proc, stderr: str) -> SandboxResult | None:
    if stream.started is None:
        return None
    end = stream.ended if stream.ended is not None else time.monotonic()
    return SandboxResult(
        returncode=stream.code if stream.ended is not None else proc.returncode,
        data=b"".join(stream.chunks),
        timed_out=stream.timed_out,
        overflowed=stream.overflowed,
        seconds=end - stream.started,
        stderr=stderr,
    )
