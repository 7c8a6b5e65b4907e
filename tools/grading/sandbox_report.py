"""What a notebook's sandbox sent back, read as untrusted data: outputs and reported sources.

The notebook's sandbox (:mod:`kmeans_lab.grading.execute`) writes one frame
per code cell: the cell's outputs and, at a check cell, the source of the
student's function (:mod:`kmeans_lab.grading.capture`). None of it is
trusted: :func:`read_sandbox_report` keeps the frames only while they come
one per code cell, in the staged notebook's order; rebuilds each output as
a valid nbformat output (or drops it); and takes an exercise's source from
its check cell's own frame only, the first time the cell ran. What it
returns, a :class:`SandboxReport`, is what :func:`.judge.judge` and the
fresh sandboxes (:mod:`.fresh`) work from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import nbformat

from kmeans_lab.grading.capture import MAX_SOURCE_CHARS
from kmeans_lab.grading.execute import read_frames

__all__ = ["SandboxReport", "read_sandbox_report"]


@dataclass
class SandboxReport:
    """What came back from a sandbox, read and validated."""

    outputs: dict[int, list]  #: outputs of each code cell that finished, by cell index
    sources: dict[str, str] = field(default_factory=dict)  #: each exercise's reported source
    #: why an exercise's function could not be sent (what cannot be carried over)
    unsent: dict[str, str] = field(default_factory=dict)
    done: bool = False  #: the notebook ran to its end
    died_in: int | None = None  #: number (from 1) of the cell that never finished
    timed_out: bool = False  #: stopped by the notebook's time limit
    problem: str | None = None  #: why not everything could be read


_FIELDS = {
    "stream": {"name": str, "text": str},
    "display_data": {"data": dict, "metadata": dict},
    "execute_result": {"data": dict, "metadata": dict},
    "error": {"ename": str, "evalue": str, "traceback": list},
}


def _clean_output(output) -> dict | None:
    """A valid nbformat output built from an untrusted one, or None."""
    if not isinstance(output, dict) or output.get("output_type") not in _FIELDS:
        return None
    kind = output["output_type"]
    fields = {}
    for name, kind_of in _FIELDS[kind].items():
        value = output.get(name)
        if not isinstance(value, kind_of):
            return None
        fields[name] = value
    if kind == "stream" and fields["name"] not in ("stdout", "stderr"):
        return None
    if kind == "error":
        fields["traceback"] = [str(line) for line in fields["traceback"]]
    if kind in ("display_data", "execute_result"):
        data = {}
        for mime, value in fields["data"].items():
            if isinstance(mime, str) and "/" in mime and isinstance(value, (str, dict, list)):
                data[mime] = value
        fields["data"] = data
        fields["metadata"] = {k: v for k, v in fields["metadata"].items() if isinstance(k, str)}
    if kind == "execute_result":
        count = output.get("execution_count")
        fields["execution_count"] = count if type(count) is int else None
    # what nbformat.v4.new_output builds, validated as part of a whole notebook: the same
    # schema, checked by nbformat's fast validator (fastjsonschema; new_output's check of
    # the node alone goes through jsonschema, twenty times slower, for the same verdict)
    new = nbformat.from_dict({"output_type": kind, **fields})
    try:
        nbformat.validate(_holding(new))
    except Exception:
        return None
    return new


def _holding(output) -> dict:
    """The smallest v4 notebook holding ``output``."""
    cell = {
        "cell_type": "code",
        "id": "output",
        "metadata": {},
        "source": "",
        "execution_count": None,
        "outputs": [output],
    }
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}


def _reported(array) -> dict | None:
    """``{"source": text}`` or ``{"problem": line}`` from a reported file, or None."""
    if array.dtype != "uint8" or array.ndim != 1 or array.size > 4 * MAX_SOURCE_CHARS:
        return None
    try:
        document = json.loads(array.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    source, problem = document.get("source"), document.get("problem")
    if isinstance(source, str) and len(source) <= MAX_SOURCE_CHARS:
        return {"source": source}
    if isinstance(problem, str):
        return {"problem": " ".join(problem.split())[:300]}
    return None


def read_sandbox_report(
    data: bytes,
    code_cells: list[int],
    *,
    timed_out: bool,
    overflowed: bool,
    checks: dict[int, str] | None = None,
) -> SandboxReport:
    """Read the frames a sandbox wrote (:mod:`kmeans_lab.grading.execute`), validating them.

    ``code_cells`` are the indices of the staged notebook's code cells, in
    order; ``checks`` maps each check cell's index to its exercise. The
    frames must come one per code cell, in that order (reading stops at the
    first that does not); an exercise's source is taken from its check
    cell's frame only: what any other cell reports is ignored.
    """
    report = SandboxReport({}, timed_out=timed_out)
    checks = checks or {}
    expected = iter(code_cells)
    for document, arrays in read_frames(data):
        if document.get("done") is True:
            report.done = True
            break
        index = document.get("cell")
        outputs = document.get("outputs")
        # the cells run once each, in order: a frame out of that order was not written by
        # the runner (a cell forged it), and nothing after it is read
        if index != next(expected, None) or not isinstance(outputs, list):
            report.problem = "the notebook's results could not be read"
            break
        report.outputs[index] = [o for o in map(_clean_output, outputs) if o is not None]
        exercise = checks.get(index)
        array = arrays.get(f"source_{exercise}")
        if exercise is None or array is None:
            continue
        reported = _reported(array)
        if reported is None:
            report.unsent[exercise] = "what your notebook sent could not be read"
        elif "source" in reported:
            report.sources[exercise] = reported["source"]
        else:
            report.unsent[exercise] = reported["problem"]
    if not report.done:
        unfinished = [i for i in code_cells if i not in report.outputs]
        report.died_in = unfinished[0] + 1 if unfinished else None
        if overflowed:
            report.problem = "the notebook wrote more results than the grader reads; it was stopped"
    return report
