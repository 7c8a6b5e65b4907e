"""Judging a sandboxed notebook: its functions' answers replayed through the real checks, outside.

The notebook's sandbox hands back an executed notebook and, for each check
cell that ran, the source of the student's function, read and validated by
:mod:`.sandbox_report` (outputs rebuilt as valid nbformat outputs, a source
taken only from its check cell's own frame, the first time it ran). Each
source was then run in a fresh sandbox of its own (:mod:`.fresh`), which
handed back what the function returned on the run's planned inputs: read
as plain data and trusted as nothing more. The verdict of each exercise is
what :func:`.replay.replay` says, with the hidden inputs of this run; when
no answers came back, the verdict says why (the kernel died, the cell timed
out, the cell raised before the function ran, the function cannot run on
its own, the notebook was stopped).

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

from kmeans_lab.checks.registry import REGISTRY
from kmeans_lab.checks.results import CheckFailure
from kmeans_lab.grading import transport
from kmeans_lab.grading.record import JOB, PROGRESS, read_plan

from ..sandbox import SandboxResult
from . import replay
from .runs import N_RANDOM, Run
from .sandbox_report import SandboxReport, read_sandbox_report  # read_sandbox_report: re-exported
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


def _running_call(exercise: str, run: Run | None, stderr: str) -> str:
    """``" (call 3 of 35 was running: X of shape (16384, 3), K = 16, rng a Generator)"``.

    The call's number is the last one the recorder announced on stderr
    (:data:`kmeans_lab.grading.record.PROGRESS`); its inputs are read from the
    run's own plan, never from the sandbox. ``""`` when that cannot be told.
    """
    if JOB in stderr:  # one server recorded several exercises: this one's lines only
        opened = f"{JOB}{exercise}\n"
        stderr = stderr.rpartition(opened)[2].partition(JOB)[0] if opened in stderr else ""
    numbers = re.findall(rf"^{re.escape(PROGRESS)}(\d{{1,6}})/(\d{{1,6}})$", stderr, re.M)
    if not numbers or run is None:
        return ""
    number, total = int(numbers[-1][0]), int(numbers[-1][1])
    try:
        _, calls, arrays = read_plan(run.plan_file(exercise).read_bytes())
        args = [transport.decode(tag, arrays) for tag in calls[number - 1]["args"]]
    except (OSError, IndexError, transport.TransportError):
        return ""
    if total != len(calls) or number < 1:
        return ""
    described = []
    for name, value in zip(REGISTRY[exercise].params, args):
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            described.append(f"{name} of shape {tuple(value.shape)}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            described.append(f"{name} = {value}")
        else:
            described.append(f"{name} a {type(value).__name__}")
    return f" (call {number} of {total} was running: {', '.join(described)})"


def _from_fresh_sandbox(
    result: SandboxResult, cell_timeout: int, exercise: str = "", run: Run | None = None
) -> tuple[bytes | None, str]:
    """``(recording, "")``, or ``(None, why not)`` for what a fresh sandbox handed back."""
    if result.timed_out:
        running = _running_call(exercise, run, result.stderr) if exercise else ""
        return None, (
            f"not graded: your function ran longer than {cell_timeout} s on the grader's "
            f"inputs and was stopped{running}"
        )
    if result.overflowed:
        return None, "not graded: your function's answers were larger than the grader reads"
    if not result.data:
        return None, (
            "not graded: the grader's process running your function stopped before it "
            f"answered (exit status {result.returncode})"
        )
    return result.data, ""


def _verdict(
    exercise: str, answers: bytes | None, run: Run, reason: str, source: str | None = None
) -> Verdict:
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
        result = replay.replay(
            plan, answers, n_random=N_RANDOM[exercise], seed=run.seeds[exercise], source=source
        )
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
    except (transport.TransportError, replay.PlanError) as exc:
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


def judge_answers(
    exercise: str, answers: bytes | None, run: Run, reason: str, source: str | None = None
) -> Verdict:
    """The verdict on one exercise's answers, whatever they are: never raises.

    Any failure of the grader while judging them (an answer no check foresaw,
    a message it cannot print ...) becomes a verdict "not graded: the grader
    could not judge this answer (<reason>)", kind ``not judged``, 0 points; the
    batch goes on. Every text of the verdict can be written as UTF-8.
    """
    try:
        verdict = _verdict(exercise, answers, run, reason, source)
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


def judge(
    staged,
    report: SandboxReport,
    run: Run,
    *,
    cell_timeout: int,
    recordings: dict[str, SandboxResult] | None = None,
    refused: dict[str, str] | None = None,
):
    """The judged notebook and the verdict of each of its exercises.

    Parameters
    ----------
    staged : NotebookNode
        The sanitized notebook (trusted structure and sources).
    report : SandboxReport
        What came back from the notebook's sandbox.
    run : Run
    cell_timeout : int
    recordings : dict of str to SandboxResult
        What each exercise's fresh sandbox handed back (:mod:`.fresh`).
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
        answers = None
        if exercise in report.unsent:
            reason = (
                "not graded: the grader cannot run your function on its own: "
                f"{report.unsent[exercise]}"
            )
        elif exercise in (recordings or {}):
            answers, reason = _from_fresh_sandbox(recordings[exercise], cell_timeout, exercise, run)
        if refused and exercise in refused:
            verdict = refused_verdict(exercise, refused[exercise])
        else:
            verdict = judge_answers(exercise, answers, run, reason, report.sources.get(exercise))
        verdicts.append(verdict)
        cell.outputs = [verdict_output(verdict)] + [_harmless(o) for o in cell.outputs]
    return nbformat.from_dict(utf8_safe(judged)), verdicts


def verdict_dict(verdict: Verdict) -> dict:
    """A verdict as JSON-able data."""
    return asdict(verdict)
