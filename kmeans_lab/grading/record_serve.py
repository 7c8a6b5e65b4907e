"""One Python per student's graded functions: NumPy imported once, a fresh child per exercise.

The grader starts this module in a student's fresh sandbox (the allow-list of
``tools/grading/fresh.py``), with every exercise's job staged in a folder of
its own (``plan`` and ``function.json``, as :mod:`.record` reads them)::

    python -S -m kmeans_lab.grading.record_serve JOB... --hide DIR --home-bytes H
        --tmp-bytes T --control-fd C --result-fds A,B,...

The server imports NumPy and the recorder, reads no job and runs no student
code. For each job in turn it forks a child (:mod:`.forks`) that makes its
own namespaces, reads **its own job only**, then mounts an empty folder over
``DIR`` (the folder holding every job: no other exercise's inputs or source
can be read from there), gets a new home and ``/tmp``, drops its capabilities,
and records the student's function on the planned inputs (:func:`.record.record`)
into its own result pipe. A line ``kmeans-lab-recorder: job <exercise>`` on
stderr (:data:`.record.JOB`) opens each job's progress lines, so that the
grader, when one job is stopped, reads the call that was running from that
job's lines only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import forks, record

__all__ = ["main"]


def _read_job(folder: str) -> tuple[bytes, dict]:
    with open(os.path.join(folder, "plan"), "rb") as f:
        plan = f.read()
    with open(os.path.join(folder, "function.json"), encoding="utf-8") as f:
        return plan, json.load(f)


def _record(plan: bytes, job: dict, fd: int) -> None:
    exercise = str(job.get("exercise", ""))
    sys.__stderr__.write(f"\n{record.JOB}{exercise}\n")
    sys.__stderr__.flush()
    record.hand_over(
        record.record(plan, job["source"], job.get("deps") or {}, missing=job.get("missing", "")),
        fd,
    )


def _child(folder: str, fd: int, others: list[int], control: int, files, args) -> None:
    """The forked child of one job. Never returns."""
    for other in others:
        os.close(other)
    plan, job = forks.isolate(
        control,
        files,
        args.home_bytes,
        args.tmp_bytes,
        hide=(args.hide,),
        before_hiding=lambda: _read_job(folder),
    )
    forks.run_in_reaper(lambda: _record(plan, job, fd), fd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.grading.record_serve")
    parser.add_argument("jobs", nargs="+", help="one folder per exercise")
    parser.add_argument("--hide", required=True, help="the folder holding every job")
    parser.add_argument("--home-bytes", type=int, required=True)
    parser.add_argument("--tmp-bytes", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--result-fds", required=True, help="one per job, comma-separated")
    args = parser.parse_args(argv)
    control = args.control_fd
    fds, files = forks.start_server(control, args.result_fds, len(args.jobs), "job")
    forks.serve_children(
        control, fds, lambda i, fd, others: _child(args.jobs[i], fd, others, control, files, args)
    )
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":  # pragma: no cover - run by the grader in its fresh sandbox
    sys.exit(main())
