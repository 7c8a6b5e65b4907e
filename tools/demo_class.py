"""A demo class: 30 synthetic submissions from the catalogue of student solutions, graded.

``make demo-class`` runs ``python -m tools.demo_class``: in ``demo-class/`` (a
course folder of its own, gitignored; the real ``course/`` is never touched)
it releases the assignment, writes one submission per student of the class
described by :data:`COMPOSITION`, grades them with the real tools and the real
sandbox (``tools.autograde``, a fixed seed, 10 s per cell), then writes the
grades CSV, the students' feedback and the class report
``demo-class/report/index.html``, a roster (:func:`write_roster`) and the
export for every LMS (``demo-class/export/``). A new instructor sees there what the report
of a real batch looks like; the tests build the same class
(``tests/test_report.py``).

Every answer is a function of the catalogue of student solutions
(:mod:`tools.catalogue`, one module per exercise: ``WRONG[exercise]`` and
``RIGHT[exercise]``), written into the released notebook's solution cell as a
student would: the imports and helper functions it uses, then the function
under the exercise's name (:func:`answer_source`). The catalogue lives with the
instructor's tools (it holds correct solutions: it is not in the ``kmeans_lab``
wheel students install), so this tool runs from a checkout of the repository.

The class (:data:`COMPOSITION`): for each exercise, how many students made
which mistake; the others wrote one of the catalogue's right solutions. A few
answers are not in the catalogue: the released stub left as it is
(:data:`NOT_ATTEMPTED`), a notebook not submitted (:data:`NOT_SUBMITTED`) or
not a notebook at all (:data:`UNREADABLE`), and a ``compute_centroids`` that
never ends on an empty cluster (:data:`LOOPS_FOREVER`, stopped by the cell
time limit). Which student made which mistake is drawn with a fixed seed.
Two students give the same uncommon ``compute_centroids`` (``divide_by_K``):
the grader flags them as a pair for review by hand; one calls the course's
own ``find_closest_centroids``.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import itertools
import os
import shutil
import subprocess
import sys
import textwrap
import time
import types
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from kmeans_lab.checks.registry import EXERCISES, REGISTRY

from .course_privacy import make_private_folder
from .grading.similarity import COMMON
from .nbgrader_course import ASSIGNMENT
from .submissions import filled

__all__ = [
    "COMPOSITION",
    "STUDENTS",
    "Answer",
    "answer_source",
    "class_answers",
    "notebooks_of",
    "write_class",
    "write_roster",
    "main",
]

REPO = Path(__file__).resolve().parents[1]
#: Where ``make demo-class`` builds the demo course.
FOLDER = REPO / "demo-class"
#: A file that marks a folder as a demo course (it may be deleted and rebuilt).
MARKER = ".demo-class"
#: The demo class's students.
STUDENTS = tuple(f"student{i:02d}" for i in range(1, 31))
#: The seed that decides which student made which mistake, and the grading run's seed.
SEED = 2024
#: Seconds a cell may run while grading the demo (the course default is 60).
CELL_TIMEOUT = 10

NOT_ATTEMPTED = "not attempted"  #: the released stub, left as it is
NOT_SUBMITTED = "not submitted"  #: the exercise's notebook is missing from the submission
UNREADABLE = "not a notebook"  #: the exercise's notebook is a Python script saved as .ipynb
LOOPS_FOREVER = "loops forever on an empty cluster"  #: stopped by the cell time limit

#: For each exercise, how many students gave which answer: a catalogue
#: mistake (``WRONG[exercise]`` by name) or one of the answers above. The other
#: students wrote a right solution (``RIGHT[exercise]``, in turn).
COMPOSITION: dict[str, dict[str, int]] = {
    "image_to_pixels": {"hard_coded_128": 2, "flat_vector": 1, "tolist": 1},
    "pixels_to_image": {"width_first": 3, "hard_coded_128": 1},
    "init_centroids": {
        "first_k_rows": 4,
        "with_replacement": 3,
        "global_np_random": 2,
        "shuffles_X_in_place": 1,
        NOT_ATTEMPTED: 1,
        UNREADABLE: 1,
    },
    "find_closest_centroids": {
        "argmax": 9,
        "argmin_axis_0": 3,
        "float_labels": 3,
        "l1_distance": 2,
        "loops": 1,
        "calls_reference": 1,
        NOT_ATTEMPTED: 1,
    },
    "compute_centroids": {
        "zero_for_empty_cluster": 6,
        "nan_for_empty_cluster": 4,
        "divide_by_K": 2,
        "modifies_centroids": 1,
        LOOPS_FOREVER: 1,
        NOT_ATTEMPTED: 1,
    },
    "run_kmeans": {
        "one_extra_round": 4,
        "labels_from_previous_centroids": 3,
        "swapped_results": 1,
        NOT_ATTEMPTED: 3,
    },
    "compressed_bits": {
        "no_palette": 4,
        "no_ceil": 3,
        "8_bits_per_colour": 1,
        NOT_ATTEMPTED: 1,
        NOT_SUBMITTED: 1,
    },
}

_NOT_CODE = (NOT_ATTEMPTED, NOT_SUBMITTED, UNREADABLE)

_LOOPS_FOREVER_SOURCE = """\
def compute_centroids(X, labels, centroids):
    new = centroids.astype(float)
    k = 0
    while k < len(centroids):
        members = X[labels == k]
        if len(members) == 0:
            continue  # an empty cluster keeps its centroid
        new[k] = members.mean(axis=0)
        k += 1
    return new
"""


@dataclass(frozen=True)
class Answer:
    """One student's answer to one exercise."""

    exercise: str
    name: str  #: the catalogue entry's name, or one of the answers above
    right: bool  #: a right solution of the catalogue
    source: str | None  #: the solution cell's code (None: the stub, or no notebook)


# --- A catalogue function as a student's solution cell --------------------------------


def _catalogue():
    """The catalogue of student solutions (:mod:`tools.catalogue`)."""
    from . import catalogue

    return catalogue


def _global_names(func) -> set[str]:
    """Names ``func``'s code reads that are globals of its module."""
    node = ast.parse(textwrap.dedent(inspect.getsource(func))).body[0]
    node.decorator_list = []
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return {name for name in names if name in func.__globals__}


def _function_source(func, name: str | None = None) -> str:
    """The source of ``func`` without its decorators, renamed to ``name``."""
    source = textwrap.dedent(inspect.getsource(func))
    node = ast.parse(source).body[0]
    lines = source.splitlines()[node.lineno - 1 :]
    if name is not None:
        lines[0] = lines[0].replace(f"def {func.__name__}(", f"def {name}(", 1)
    return "\n".join(lines) + "\n"


def _imports_binding(module: types.ModuleType, names: set[str]) -> list[str]:
    """The module's absolute import statements that bind any of ``names``, as source."""
    found = []
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.Import):
            bound = {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            bound = {a.asname or a.name for a in node.names}
        else:
            continue
        if bound & names:
            found.append(ast.unparse(node))
    return found


def answer_source(exercise: str, func) -> str:
    """A catalogue function as a student's solution cell of ``exercise``.

    The cell holds the imports and the catalogue's helper functions that
    ``func`` uses, then ``func`` itself under the exercise's name, without
    the catalogue's decorator.
    """
    package = _catalogue().__name__
    imports: list[str] = []
    helpers: dict[str, str] = {}
    todo = [func]
    seen = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        module = sys.modules[current.__module__]
        wanted = set()
        for name in sorted(_global_names(current)):
            value = current.__globals__[name]
            module_name = getattr(value, "__module__", None) or ""
            is_helper = isinstance(value, types.FunctionType) and (
                module_name == package or module_name.startswith(package + ".")
            )
            if is_helper:
                if value is not func:
                    helpers.setdefault(value.__name__, _function_source(value))
                    todo.append(value)
            else:
                wanted.add(name)
        statements = _imports_binding(module, wanted)
        bound = set()
        for statement in statements:
            for alias in ast.parse(statement).body[0].names:
                bound.add(alias.asname or alias.name.split(".")[0])
        if wanted - bound:
            raise ValueError(f"{current.__qualname__} uses {sorted(wanted - bound)}: not imported")
        imports += [s for s in statements if s not in imports]
    parts = ["\n".join(imports)] if imports else []
    parts += [helpers[name] for name in sorted(helpers)]
    parts.append(_function_source(func, exercise))
    return "\n\n".join(part.rstrip("\n") for part in parts) + "\n"


# --- The class -------------------------------------------------------------------------


def class_answers(students=STUDENTS, seed: int = SEED) -> dict[str, dict[str, Answer]]:
    """``{student: {exercise: Answer}}``: the class of :data:`COMPOSITION`.

    For each exercise, the answers of the composition, then right solutions
    for the other students, are dealt in an order drawn with ``seed``. The
    right solutions are the catalogue's first few, each given to at least
    :data:`~tools.grading.similarity.COMMON` students: a common solution,
    which the similarity check never flags. (Two students of the composition
    share an uncommon ``compute_centroids``: the copied pair it flags.)
    """
    catalogue = _catalogue()
    rng = np.random.default_rng(seed)
    answers: dict[str, dict[str, Answer]] = {s: {} for s in students}
    for exercise in EXERCISES:
        wrong = {e.name: e for e in catalogue.WRONG[exercise]}
        dealt: list[Answer] = []
        for name, count in COMPOSITION.get(exercise, {}).items():
            if name in _NOT_CODE:
                answer = Answer(exercise, name, False, None)
            elif name == LOOPS_FOREVER:
                answer = Answer(exercise, name, False, _LOOPS_FOREVER_SOURCE)
            else:
                answer = Answer(exercise, name, False, answer_source(exercise, wrong[name].func))
            dealt += [answer] * count
        if len(dealt) > len(students):
            raise ValueError(f"{exercise}: {len(dealt)} answers for {len(students)} students")
        rest = len(students) - len(dealt)
        rights = catalogue.RIGHT[exercise][: max(1, rest // COMMON)]
        for entry, _ in zip(itertools.cycle(rights), range(rest)):
            dealt.append(Answer(exercise, entry.name, True, answer_source(exercise, entry.func)))
        for student, position in zip(students, rng.permutation(len(students))):
            answers[student][exercise] = dealt[position]
    return answers


def notebooks_of(answers: dict[str, Answer], release: Path) -> dict[str, object]:
    """``{notebook: NotebookNode or str}``: one student's submission (a str: not a notebook)."""
    submission: dict[str, object] = {}
    by_notebook: dict[str, list[Answer]] = {}
    for answer in answers.values():
        by_notebook.setdefault(REGISTRY[answer.exercise].notebook, []).append(answer)
    for notebook, given in sorted(by_notebook.items()):
        if any(a.name == NOT_SUBMITTED for a in given):
            continue
        unreadable = [a for a in given if a.name == UNREADABLE]
        if unreadable:
            submission[notebook] = (
                f"# {notebook}.py: my answers, copied out of the notebook\n"
                + REGISTRY[unreadable[0].exercise].signature()
                + "\n    pass\n"
            )
            continue
        code = {a.exercise: a.source for a in given if a.source is not None}
        stubs = [a.exercise for a in given if a.name == NOT_ATTEMPTED]
        nb = filled(release, notebook, code)
        if stubs:  # the released stub stays
            released = nbformat.read(Path(release) / f"{notebook}.ipynb", as_version=4)
            stub = {
                c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in released.cells
            }
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in stubs:
                    cell.source = stub[gid]
        submission[notebook] = nb
    return submission


def write_class(course: Path, release: Path, answers: dict[str, dict[str, Answer]]) -> None:
    """Write every student's submission in ``course/submitted/<student>/kmeans_lab/``."""
    for student, given in answers.items():
        folder = Path(course) / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        for notebook, content in notebooks_of(given, release).items():
            path = folder / f"{notebook}.ipynb"
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8")
            else:
                nbformat.write(content, path)


# --- make demo-class -------------------------------------------------------------------


def write_roster(course: Path, students=STUDENTS) -> Path:
    """``course/roster.csv`` for the demo class: made-up names, e-mails, LMS ids and logins."""
    lines = ["student,name,email,lms_id,login,section"]
    for number, student in enumerate(students, 1):
        section = "A" if number <= len(students) // 2 else "B"
        lines.append(
            f'{student},"Demo, Student {number:02d}",{student}@demo.example,'
            f"{10000 + number},{student},{section}"
        )
    path = Path(course) / "roster.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tool(module: str, course: Path, *args: str, env: dict | None = None) -> None:
    started = time.monotonic()
    print(f"$ python -m tools.{module} --course {course} {' '.join(args)}".rstrip(), flush=True)
    result = subprocess.run(
        [sys.executable, "-m", f"tools.{module}", "--course", str(course), *args],
        cwd=REPO,
        env=dict(os.environ, MPLBACKEND="Agg", **(env or {})),
        capture_output=True,
        text=True,
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    for line in lines[-3:]:
        print(f"    {line}")
    if result.returncode != 0:
        raise SystemExit(f"tools.{module} failed (exit {result.returncode}):\n" + "\n".join(lines))
    print(f"    ({time.monotonic() - started:.0f} s)", flush=True)


def _fresh_folder(folder: Path) -> None:
    if folder.exists():
        if not (folder / MARKER).exists():
            raise SystemExit(f"{folder} exists and is not a demo class: move it away first")
        shutil.rmtree(folder)
    make_private_folder(folder)  # a course folder: the instructor's alone (tools.course_privacy)
    (folder / MARKER).write_text("built by python -m tools.demo_class; deleted when rebuilt\n")


def build(folder: Path) -> Path:
    """A new demo course in ``folder``: released, with the class's submissions. Returns it."""
    _fresh_folder(folder)
    shutil.copy2(REPO / "course" / "nbgrader_config.py", folder)
    _tool("release", folder, "--student-dir", str(folder / "student"))
    write_class(folder, folder / "release" / ASSIGNMENT, class_answers())
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--folder",
        type=Path,
        default=FOLDER,
        help="the demo course's folder (default: demo-class/)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="write the submissions; grade nothing"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    course = build(args.folder.resolve())
    print(f"{len(STUDENTS)} submissions in {course / 'submitted'}")
    if args.build_only:
        return 0
    timeout = {
        "KMEANS_LAB_CELL_TIMEOUT": os.environ.get("KMEANS_LAB_CELL_TIMEOUT", str(CELL_TIMEOUT))
    }
    _tool("autograde", course, "--seed", str(SEED), env=timeout)
    _tool("grades", course)
    _tool("feedback", course)
    _tool("report", course)
    write_roster(course)
    for lms in ("canvas", "moodle", "blackboard", "gradescope"):
        _tool("export", course, "--lms", lms)
    print(
        f"the demo class's report: {course / 'report' / 'index.html'} "
        f"({time.monotonic() - started:.0f} s in all)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
