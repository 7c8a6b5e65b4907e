"""Throughput of ``make autograde``: notebooks per hour, and a class of 200 projected.

Grades ``--students`` synthetic full submissions (every notebook with a check,
the solutions filled in, a third of them with a wrong answer) in a temporary
course, through the real tools and the real sandbox, once with one worker and
once with ``--workers`` workers (default: the number of cores), and prints:

- the time of each phase (the run's preparation, grading, the gradebook merge);
- notebooks graded per hour, sequential and parallel, and their ratio;
- the projected time for a class of 200 full submissions on this machine.

The merge (``--merge``: similarity over the class, then ``nbgrader autograde``
writing the gradebook) has a fixed cost (starting nbgrader, the database) and
a cost per student. It is timed on two class sizes, the graded students and a
class :data:`MERGE_COPIES` times as large (each graded student's result and
judged notebooks copied under new names, what nbgrader's autograde handles
like any other), each from the gradebook as grading left it, and projected as
``fixed + per student x 200`` from those two points: one small class would
count the fixed cost 50 times for 200 students, and two small ones (2 and 4
students) gave a slope that moved by a factor of 3 from run to run. The
similarity of 200 students' distinct functions is timed apart (copies are all
alike, which the similarity test handles fastest): a class of 200 drawn from
the catalogue of right and wrong answers (``tools/catalogue``). Grading is
projected as ``the tool's start and end + per student x 200``: every student is
graded alone, with the same run, and the start and end (imports, the
environment's fingerprint taken before and after, the sandbox's test) are paid
once per run, not once per student; they are the one-worker run's time less
the time each student's grading took (the result files say it). The
timings are wall-clock: on a shared machine run it when it is idle, and give
the load average beside the figures.

The old pipeline (nbgrader executing every notebook in the instructor's
process) no longer exists to be timed; the issue measured it at 2.3 s a
notebook on a 2-core machine (a class of 200: about an hour).

Run from the repository's root, as a module (it imports the repository's ``tools``):
``.venv/bin/python -m benchmarks.bench_autograde [--students 8] [--workers 2]``
(at least 2 students)
(``make bench`` runs it). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tools import submissions
from tools.submissions import grade_id

REPO = Path(__file__).resolve().parents[1]

ASSIGNMENT = "kmeans_lab"
FIND = "03_find_closest_centroids"
WRONG = (
    "def find_closest_centroids(X, centroids):\n    import numpy as np\n"
    "    return np.argmax(((X[:, None] - centroids[None]) ** 2).sum(2), axis=1)\n"
)


def filled(release: Path, name: str, wrong: bool):
    """A submission of notebook ``name``: the solutions, or a wrong find_closest_centroids."""
    return submissions.filled(release, name, {"find_closest_centroids": WRONG} if wrong else None)


def tool(course: Path, *args: str, workers: int = 1) -> float:
    env = dict(os.environ, MPLBACKEND="Agg", WORKERS=str(workers))
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "tools." + args[0], "--course", str(course), *args[1:]],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.monotonic() - started


#: How many times larger than the graded class the second merge's class is.
MERGE_COPIES = 5


def copy_results(course: Path, students: list[str], total: int) -> list[str]:
    """Students ``copy000..`` up to ``total``: copies of ``students``' results, judged notebooks
    and submissions, for timing the merge on a larger class; their names."""
    run_folder = course / "autograde"
    names = []
    for i in range(total):
        source, name = students[i % len(students)], f"copy{i:03d}"
        result = json.loads((run_folder / "results" / f"{source}.json").read_text())
        result["student"] = name
        (run_folder / "results" / f"{name}.json").write_text(json.dumps(result))
        shutil.copytree(run_folder / "judged" / source, run_folder / "judged" / name)
        shutil.copytree(course / "submitted" / source, course / "submitted" / name)
        names.append(name)
    return names


def similarity_seconds(students: int = 200, seed: int = 0) -> float:
    """CPU seconds of the similarity test over ``students`` functions per exercise, each
    drawn from the catalogue's right and wrong answers (so that few are alike)."""
    import inspect
    import random
    import re
    import textwrap

    from tools.catalogue import RIGHT, WRONG
    from tools.grading.similarity import find_matches

    rng = random.Random(seed)
    pools = {}
    for exercise in RIGHT:
        pools[exercise] = [
            re.sub(
                r"def \w+\(",
                f"def {exercise}(",
                textwrap.dedent(inspect.getsource(e.func)),
                count=1,
            )
            for e in [*RIGHT[exercise], *WRONG[exercise]]
        ]
    sources = {
        f"s{i:03d}": {e: rng.choice(pool) + f"\n# {i}\n" for e, pool in pools.items()}
        for i in range(students)
    }
    started = time.process_time()
    find_matches(sources)
    return time.process_time() - started


def tool_start_and_end(course: Path, students: list[str], wall: float) -> float:
    """Seconds of a one-worker grading run spent outside grading the students: ``wall`` less
    the time each student's grading took (their result files say it), paid once per run."""
    results = course / "autograde" / "results"
    graded = sum(json.loads((results / f"{s}.json").read_text())["seconds"] for s in students)
    return max(0.0, wall - graded)


def merge_cost(small: tuple[int, float], large: tuple[int, float]) -> tuple[float, float]:
    """``(fixed seconds, seconds per student)`` of the merge, from two (students, seconds).

    >>> merge_cost((2, 6.0), (4, 8.0))
    (4.0, 1.0)
    """
    (n1, t1), (n2, t2) = small, large
    per_student = max(0.0, (t2 - t1) / (n2 - n1))
    return max(0.0, t2 - per_student * n2), per_student


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.students < 2:
        parser.error("--students must be at least 2 (the merge is timed on two class sizes)")
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        shutil.copy2(REPO / "course" / "nbgrader_config.py", course)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tools.release",
                "--course",
                str(course),
                "--student-dir",
                str(Path(tmp) / "student"),
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        release = course / "release" / ASSIGNMENT
        graded = [
            p.stem
            for p in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
            if any(
                grade_id(c) and c.metadata["nbgrader"].get("grade")
                for c in nbformat.read(p, as_version=4).cells
            )
        ]
        students = [f"student{i:03d}" for i in range(args.students)]
        for i, student in enumerate(students):
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True)
            for name in graded:
                nbformat.write(filled(release, name, wrong=i % 3 == 2), folder / f"{name}.ipynb")
        notebooks = len(students) * len(graded)
        print(
            f"{len(students)} submissions of {len(graded)} graded notebooks ({notebooks} "
            f"notebooks), machine with {os.cpu_count()} cores"
        )
        rows, fixed_grading = [], None
        for workers in sorted({1, args.workers}):
            prepare = tool(course, "autograde", "--prepare", "--seed", "1")
            grading = tool(
                course, "autograde", *(f"--student={s}" for s in students), workers=workers
            )
            if fixed_grading is None:  # one worker: the students' times add up to the grading
                fixed_grading = tool_start_and_end(course, students, grading)
            per_student = (grading - fixed_grading) / len(students)
            rows.append((workers, prepare, grading, per_student))
        gradebook = (course / "gradebook.db").read_bytes()  # as grading left it
        small = (len(students), tool(course, "autograde", "--merge"))
        copies = copy_results(course, students, len(students) * (MERGE_COPIES - 1))
        (course / "gradebook.db").write_bytes(gradebook)
        shutil.rmtree(course / "autograded", ignore_errors=True)
        large = (len(students) + len(copies), tool(course, "autograde", "--merge"))
        fixed, per_student = merge_cost(small, large)
        similarity = similarity_seconds(200)
        merge_200 = fixed + per_student * 200 + similarity
        print(
            f"merge: {small[1]:.1f} s for {small[0]} students, {large[1]:.1f} s for {large[0]}: "
            f"{fixed:.1f} s fixed + {per_student:.2f} s a student; similarity of 200 distinct "
            f"students {similarity:.1f} s; 200 students: {merge_200 / 60:.1f} min"
        )
        print(
            f"grading: the tool's start and end (imports, the environment's fingerprint before "
            f"and after, the sandbox's test) {fixed_grading:.1f} s, once per run"
        )
        print(
            "| workers | prepare (s) | grading (s) | notebooks / hour | s / notebook "
            "| class of 200 (min) |"
        )
        print("|---|---|---|---|---|---|")
        for workers, prepare, grading, per_student in rows:
            class_200 = prepare + fixed_grading + per_student * 200 + merge_200
            per_notebook = per_student * len(students) / notebooks
            print(
                f"| {workers} | {prepare:.1f} | {grading:.1f} | {3600 / per_notebook:,.0f} "
                f"| {per_notebook:.2f} | {class_200 / 60:.1f} |"
            )
        if len(rows) == 2:
            print(f"parallel / sequential throughput: {rows[0][3] / rows[1][3]:.2f}x")
        print(
            "old in-kernel pipeline (measured in the issue, not runnable now): 2.3 s a "
            "notebook, a class of 200 in about 60 min"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
