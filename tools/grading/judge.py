"""Judging a sandboxed notebook: its answers replayed through the real checks, outside.

The sandbox hands back an executed notebook and, for each check cell that
ran, the student's answers (:mod:`kmeans_lab.checks.remote`). None of it is
trusted: the executed notebook must have the structure of the notebook that
was staged, its outputs must be valid nbformat outputs, and the answers must
read back as plain data. The verdict of each exercise is what
:func:`kmeans_lab.checks.remote.replay` says, with the hidden inputs of this
run; when no answers came back, the verdict says why (the kernel died, the
cell timed out, the cell raised before the function ran, the notebook was
stopped).

Each check cell of the judged notebook keeps what the student's kernel
printed (errors shown as text), followed by the grader's verdict: a stream
when the exercise passed, an error output (``CheckFailure``) when it did
not, so nbgrader's ``SaveAutoGrades`` gives the points the grader decided.
"""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass

import nbformat

from kmeans_lab.checks import remote, transport
from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.checks.results import CheckFailure
from kmeans_lab.grading.execute import read_frames

from .runs import N_RANDOM, Run
from .stage import check_cells
from .student_files import printable, utf8_safe

__all__ = [
    "Verdict",
    "SandboxReport",
    "judge",
    "judge_answers",
    "read_sandbox_report",
    "describe_error",
]

TIMEOUT_ERRORS = ("CellTimeoutError", "KeyboardInterrupt")


@dataclass
class Verdict:
    """The grader's decision on one exercise."""

    exercise: str
    points: float
    max_points: float
    passed: bool
    message: str  #: the whole message (a check's result or failure)
    note: str  #: one line for the grades CSV ("" when passed)
    kind: str = ""  #: what went wrong: kmeans_lab.checks.results.KINDS or NOT_RUN_KINDS
    case: str = ""  #: the failing case's description
    diagnosis: str = ""  #: the hint with its numbers as "#": the same mistake, the same text


#: Kinds of a verdict on an exercise whose answers never came back, or could not be judged.
NOT_RUN_KINDS = ("timeout", "kernel died", "not run", "unreadable answers", "not judged")


@dataclass
class SandboxReport:
    """What came back from a sandbox, read and validated."""

    outputs: dict[int, list]  #: outputs of each code cell that finished, by cell index
    answers: dict[str, bytes]  #: the last answers recorded for each exercise
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
    try:
        new = nbformat.v4.new_output(kind, **fields)
        nbformat.validate(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[new])])
        )
    except Exception:
        return None
    return new


def read_sandbox_report(
    data: bytes, code_cells: list[int], *, timed_out: bool, overflowed: bool
) -> SandboxReport:
    """Read the frames a sandbox wrote (:mod:`kmeans_lab.grading.execute`), validating them.

    ``code_cells`` are the indices of the staged notebook's code cells, in order.
    """
    report = SandboxReport({}, {}, timed_out=timed_out)
    for document, arrays in read_frames(data):
        if document.get("done") is True:
            report.done = True
            break
        index = document.get("cell")
        outputs = document.get("outputs")
        if type(index) is not int or index not in code_cells or not isinstance(outputs, list):
            report.problem = "the notebook's results could not be read"
            break
        report.outputs[index] = [o for o in map(_clean_output, outputs) if o is not None]
        for key, array in arrays.items():
            name = key.removeprefix("answers_")
            if (
                key.startswith("answers_")
                and name in REGISTRY
                and array.dtype == "uint8"
                and array.ndim == 1
            ):
                report.answers[name] = array.tobytes()
    if not report.done:
        unfinished = [i for i in code_cells if i not in report.outputs]
        report.died_in = unfinished[0] + 1 if unfinished else None
        if overflowed:
            report.problem = "the notebook wrote more results than the grader reads; it was stopped"
    return report


def verdict_output(verdict: Verdict):
    """The grader's verdict as the first output of a check cell.

    nbgrader scores a check cell by its outputs, in order: an error (or a
    ``stderr`` stream) gives 0 points, and so on. The verdict comes first: an
    error output when the exercise failed, a ``stdout`` stream when it passed.
    """
    if verdict.passed:
        return nbformat.v4.new_output(
            "stream", name="stdout", text=f"hidden tests, judged by the grader: {verdict.message}\n"
        )
    return nbformat.v4.new_output(
        "error",
        ename="CheckFailure",
        evalue=verdict.message,
        traceback=verdict.message.splitlines(),
    )


def _harmless(output):
    """What the student's kernel showed in a check cell, in a form nbgrader never scores.

    Errors and ``stderr`` become ``stdout`` text, results become displays (an
    ``execute_result`` would be read as a partial score), so that only the
    verdict decides the points.
    """
    kind = output.get("output_type")
    if kind == "error":
        text = f"[in your notebook] {output.get('ename', 'Error')}: {output.get('evalue', '')}\n"
        return nbformat.v4.new_output("stream", name="stdout", text=text)
    if kind == "stream" and output.get("name") != "stdout":
        return nbformat.v4.new_output("stream", name="stdout", text=output.get("text", ""))
    if kind == "execute_result":
        return nbformat.v4.new_output(
            "display_data", data=output.get("data", {}), metadata=output.get("metadata", {})
        )
    return output


def _why_not_recorded(index: int, outputs: list, report: SandboxReport, cell_timeout: int) -> str:
    number = index + 1
    if report.died_in is not None and report.died_in <= number:
        where = "in this cell" if report.died_in == number else f"in cell {report.died_in}"
        if report.timed_out:
            return (
                f"not graded: the notebook reached its time limit {where} and was stopped, "
                "before your function could be run"
            )
        if report.problem:
            return f"not graded: {report.problem}"
        return f"not graded: the kernel died {where}, before your function could be run"
    for output in outputs:
        if output.get("output_type") == "error":
            name = output.get("ename", "Error")
            if name in TIMEOUT_ERRORS:
                return (
                    f"not graded: the check cell ran longer than {cell_timeout} s and "
                    "was interrupted"
                )
            evalue = str(output.get("evalue", "")).strip().splitlines()
            first = evalue[0][:200] if evalue else ""
            return f"not graded: the check cell raised {name}: {first}, before your function could be run"
    if report.problem:
        return f"not graded: {report.problem}"
    return "not graded: the check cell did not run"


def _verdict(exercise: str, answers: bytes | None, run: Run, reason: str) -> Verdict:
    points = float(REGISTRY[exercise].points)
    if answers is None:
        kind = (
            "timeout"
            if "longer than" in reason or "time limit" in reason
            else "kernel died"
            if "kernel died" in reason
            else "not run"
        )
        return Verdict(
            exercise,
            0.0,
            points,
            False,
            f"{exercise}: {reason}",
            reason,
            kind,
            diagnosis=re.sub(r"\d+", "#", reason),
        )
    plan = run.plan_file(exercise).read_bytes()
    try:
        result = remote.replay(plan, answers, n_random=N_RANDOM[exercise], seed=run.seeds[exercise])
    except CheckFailure as failure:
        first = str(failure).splitlines()[0]
        return Verdict(
            exercise,
            0.0,
            points,
            False,
            str(failure),
            f"CheckFailure: {first}",
            failure.kind,
            failure.case,
            failure.diagnosis,
        )
    except (transport.TransportError, remote.PlanError) as exc:
        note = f"not graded: the grader could not read your function's answers ({exc})"
        return Verdict(
            exercise,
            0.0,
            points,
            False,
            f"{exercise}: {note}",
            note,
            "unreadable answers",
            diagnosis="the grader could not read the answers",
        )
    return Verdict(exercise, points, points, True, str(result), "")


def refused_verdict(exercise: str, message: str) -> Verdict:
    """The verdict of an exercise the grader refused before judging its answers (0 points)."""
    first = message.splitlines()[0]
    return Verdict(
        exercise,
        0.0,
        float(REGISTRY[exercise].points),
        False,
        message,
        f"CheckFailure: {first}",
        "not own work",
        diagnosis=re.sub(r"\d+", "#", first),
    )


def describe_error(exc: BaseException) -> str:
    """``"<type>: <first line of the message>"``, printable, even if the message raises."""
    try:
        text = str(exc).strip().splitlines()
    except Exception:  # a message whose __str__ raises
        text = []
    first = text[0][:200] if text else ""
    return printable(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)


def judge_answers(exercise: str, answers: bytes | None, run: Run, reason: str) -> Verdict:
    """The verdict on one exercise's answers, whatever they are: never raises.

    Any failure of the grader while judging them (an answer no check foresaw,
    a message it cannot print ...) becomes a verdict "not graded: the grader
    could not judge this answer (<reason>)", kind ``not judged``, 0 points; the
    batch goes on. Every text of the verdict can be written as UTF-8.
    """
    try:
        verdict = _verdict(exercise, answers, run, reason)
    except Exception as exc:
        note = f"not graded: the grader could not judge this answer ({describe_error(exc)})"
        verdict = Verdict(
            exercise,
            0.0,
            float(REGISTRY[exercise].points),
            False,
            f"{exercise}: {note}",
            note,
            "not judged",
            diagnosis="the grader could not judge the answer",
        )
    return Verdict(**utf8_safe(asdict(verdict)))


def judge(staged, report: SandboxReport, run: Run, *, cell_timeout: int, refused=None):
    """The judged notebook and the verdict of each of its exercises.

    Parameters
    ----------
    staged : NotebookNode
        The sanitized notebook (trusted structure and sources).
    report : SandboxReport
        What came back from the sandbox.
    run : Run
    refused : mapping of str to str, optional
        ``{exercise: message}`` of exercises that score 0 whatever their answers
        (a copy of the reference: :mod:`.own_work`).

    Returns
    -------
    (NotebookNode, list of Verdict)
    """
    judged = copy.deepcopy(staged)
    verdicts = []
    checks = check_cells(staged)
    for index, cell in enumerate(judged.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs = list(report.outputs.get(index, []))
        cell.execution_count = None
        if report.died_in is not None and index + 1 >= report.died_in and cell.source.strip():
            what = (
                "the notebook was stopped at its time limit"
                if report.timed_out
                else "the kernel died"
            )
            message = (
                f"{what} while running this cell"
                if index + 1 == report.died_in
                else f"not run: {what} in cell {report.died_in}"
            )
            cell.outputs = [
                nbformat.v4.new_output(
                    "error", ename="DeadKernelError", evalue=message, traceback=[message]
                )
            ]
        exercise = checks.get(index)
        if exercise is None:
            continue
        reason = _why_not_recorded(index, cell.outputs, report, cell_timeout)
        if refused and exercise in refused:
            verdict = refused_verdict(exercise, refused[exercise])
        else:
            verdict = judge_answers(exercise, report.answers.get(exercise), run, reason)
        verdicts.append(verdict)
        cell.outputs = [verdict_output(verdict)] + [_harmless(o) for o in cell.outputs]
    return nbformat.from_dict(utf8_safe(judged)), verdicts


def verdict_dict(verdict: Verdict) -> dict:
    """A verdict as JSON-able data."""
    return asdict(verdict)
