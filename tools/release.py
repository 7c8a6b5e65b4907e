"""Generate the student notebooks from the solution notebooks with nbgrader.

``make release`` runs ``python -m tools.release``:

1. copies every course notebook ``notebooks/[0-9][0-9]_*.ipynb`` (the solution
   versions) into ``course/source/kmeans_lab/``;
2. runs ``nbgrader generate_assignment kmeans_lab --force`` in ``course/``:
   solutions are replaced by ``raise NotImplementedError()``, hidden tests are
   stripped, outputs cleared, check cells locked, and the gradebook
   (``course/gradebook.db``) records every cell autograding will restore;
3. writes the result, normalised, to ``notebooks/student/`` (committed: the
   folder students open) and removes student notebooks whose solution is gone.

``python -m tools.release --graded`` (``make release GRADED=1``) is the release
for a graded assignment: the same steps 1 and 2, then the collapsed hints that
give an exercise's whole answer (:mod:`tools.answer_hints`: their code passes
the exercise's check) are removed from ``course/release/kmeans_lab/`` (what
``nbgrader release_assignment`` hands out); ``notebooks/student/``, the
self-study copies with every hint, is left as it is.

``python -m tools.release --check`` does the same in a temporary copy of the
course and fails (exit 1, naming the files) if the committed student notebooks
differ from freshly generated ones; it changes nothing. The output is
deterministic: nbgrader keeps each cell's id and its checksums depend only on
the source, and the notebook is written with sorted keys.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from .answer_hints import without_answer_hints
from .course_privacy import make_private_file, warn_if_shared
from .nbgrader_course import (
    ASSIGNMENT,
    NOTEBOOKS,
    STUDENT_NOTEBOOKS,
    add_course_argument,
    check_course,
    run_nbgrader,
    solution_notebooks,
)


def normalise(text: str) -> str:
    """Canonical text of a student notebook.

    No outputs, no run timestamps, widget state or Python version (so that
    re-running the solution notebooks does not make the student versions
    stale), keys sorted, one trailing newline.
    """
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        # nbclient's timestamps of the solution notebook's last run
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    # saved widget state and the Python version that last ran the solutions
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    return nbformat.writes(nb).rstrip("\n") + "\n"


def generate(course: Path, notebooks: list[Path]) -> dict[str, str]:
    """Run nbgrader's generate_assignment in ``course``; return {name: normalised text}.

    Raises
    ------
    SystemExit
        If there is no notebook, or nbgrader fails (its log is printed).
    """
    if not notebooks:
        raise SystemExit("no course notebooks (notebooks/[0-9][0-9]_*.ipynb) to release")
    source = course / "source" / ASSIGNMENT
    if source.exists():
        shutil.rmtree(source)
    source.mkdir(parents=True)
    for path in notebooks:
        shutil.copy2(path, source / path.name)
    result = run_nbgrader(["generate_assignment", ASSIGNMENT, "--force"], course)
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        raise SystemExit(f"nbgrader generate_assignment failed (exit {result.returncode})")
    release = course / "release" / ASSIGNMENT
    return {
        path.name: normalise((release / path.name).read_text(encoding="utf-8"))
        for path in notebooks
    }


def write(generated: dict[str, str], student_dir: Path) -> None:
    """Write the student notebooks; delete stale ones (no solution any more)."""
    student_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(set(p.name for p in solution_notebooks(student_dir)) - set(generated)):
        (student_dir / stale).unlink()
        print(f"removed {student_dir / stale} (no solution notebook)")
    for name, text in generated.items():
        target = student_dir / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")


def strip_answer_hints(release: Path) -> list[str]:
    """Remove the hints that give an answer from the notebooks in ``release``; say which."""
    removed = []
    for path in solution_notebooks(release):
        nb = nbformat.read(path, as_version=4)
        gone = without_answer_hints(nb)
        if gone:
            nbformat.write(nb, path)
            removed += [f"{path.name}: {what}" for what in gone]
    return removed


def compare(generated: dict[str, str], student_dir: Path) -> list[str]:
    """Differences between generated and committed student notebooks (empty: current)."""
    problems = []
    committed = {p.name for p in solution_notebooks(student_dir)}
    for name in sorted(committed - set(generated)):
        problems.append(f"{student_dir / name}: no solution notebook generates it")
    for name, text in generated.items():
        path = student_dir / name
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        current = path.read_text(encoding="utf-8")
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1
            )
            problems.append(f"{path}: out of date\n" + "\n".join(list(diff)[:30]))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="only verify that the committed student notebooks are current",
    )
    parser.add_argument(
        "--graded",
        action="store_true",
        help="a graded release: leave out the hints that give an answer (course/release only)",
    )
    add_course_argument(parser)
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=NOTEBOOKS,
        help="folder of the solution notebooks (default: notebooks/)",
    )
    parser.add_argument(
        "--student-dir",
        type=Path,
        default=STUDENT_NOTEBOOKS,
        help="folder of the student notebooks (default: notebooks/student/)",
    )
    args = parser.parse_args(argv)
    course = check_course(args.course)
    notebooks = solution_notebooks(args.notebooks)

    if args.graded and args.check:
        parser.error(
            "--graded and --check do not go together (--check is about notebooks/student/)"
        )
    if args.graded:
        generated = generate(course, notebooks)
        release = course / "release" / ASSIGNMENT
        removed = strip_answer_hints(release)
        for line in removed:
            print(f"left out {line}")
        print(
            f"graded release of {len(generated)} notebooks in {release}, without the "
            f"{len(removed)} hints or examples that give an answer ({args.student_dir} unchanged)"
        )
        return 0
    if not args.check:
        warn_if_shared(course, "make release")
        generated = generate(course, notebooks)
        make_private_file(course / "gradebook.db")
        write(generated, args.student_dir)
        print(
            f"released {len(generated)} notebooks: {course / 'release' / ASSIGNMENT} "
            f"and {args.student_dir}"
        )
        return 0

    with tempfile.TemporaryDirectory(prefix="kmeans-lab-release-") as tmp:
        tmp_course = Path(tmp) / "course"
        tmp_course.mkdir()
        shutil.copy2(course / "nbgrader_config.py", tmp_course / "nbgrader_config.py")
        generated = generate(tmp_course, notebooks)
    problems = compare(generated, args.student_dir)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            "the student notebooks are out of date: run `make release` and commit "
            "notebooks/student/",
            file=sys.stderr,
        )
        return 1
    print(f"{len(generated)} student notebooks in {args.student_dir} are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
