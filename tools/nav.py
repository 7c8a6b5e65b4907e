"""Write the navigation links at the top and bottom of every course notebook.

Every ``notebooks/NN_*.ipynb`` (two digits, then ``_``), in name order, gets a
first and a last markdown cell, marked with ``"nav": true`` in their metadata::

    < [Previous title](NN_prev.ipynb) | [Contents](00_index.ipynb) | [Next title](NN_next.ipynb) >

Titles are read from each notebook's first ``# `` heading. Existing nav
cells (wherever they are) are replaced, missing ones are created; no other
cell, output or metadata is changed, and a notebook whose links are already
current is not rewritten at all, so running the script twice changes nothing.
Notebooks are read and written as plain JSON in the layout Jupyter itself
writes (indent 1, sorted keys), so nothing else in the file moves; the script
needs only the standard library.

Usage::

    python -m tools.nav            # update the notebooks in place
    python -m tools.nav --check    # exit 1 and list the notebooks whose links are stale
    python -m tools.nav notebooks/05_compress_image.ipynb   # update only the files named

``--notebooks DIR`` works on another folder (the tests use a temporary copy).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
PATTERN = "[0-9][0-9]_*.ipynb"
INDEX = "00_index.ipynb"
NAV_IDS = ("nav-top", "nav-bottom")


class NavError(Exception):
    """A notebook cannot get navigation links (no title, unreadable file)."""


def is_nav_cell(cell: dict) -> bool:
    """True for a cell this script wrote: markdown with ``"nav": true`` metadata."""
    return cell.get("cell_type") == "markdown" and cell.get("metadata", {}).get("nav") is True


def source(cell: dict) -> str:
    """A cell's source as one string (on disk it is usually a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def course_notebooks(folder: Path) -> list[Path]:
    """The course notebooks of ``folder`` in order: ``NN_*.ipynb``, sorted by name."""
    return sorted(p for p in folder.glob(PATTERN) if p.is_file())


def notebook_title(nb: dict, path: Path) -> str:
    """Text of the first ``# `` heading in the notebook's (non-nav) markdown cells."""
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown" or is_nav_cell(cell):
            continue
        for line in source(cell).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    raise NavError(
        f"{path.name}: no title found; the first markdown cell should start "
        "with a level-1 heading such as '# Load an image'"
    )


def nav_text(i: int, names: list[str], titles: list[str], index: str) -> str:
    """The links of notebook ``i``: previous, contents, next (ends omitted)."""
    parts = []
    if i > 0:
        parts.append(f"< [{titles[i - 1]}]({names[i - 1]})")
    parts.append(f"[Contents]({index})")
    if i < len(names) - 1:
        parts.append(f"[{titles[i + 1]}]({names[i + 1]}) >")
    return " | ".join(parts)


def _read(path: Path) -> dict:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NavError(f"{path.name}: cannot read the notebook ({exc})") from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise NavError(
            f"{path.name}: not a version 4 Jupyter notebook; open and save it in "
            "JupyterLab to upgrade it"
        )
    return nb


def _write(nb: dict, path: Path) -> None:
    # the same layout as nbformat.write / JupyterLab, so other cells stay byte-identical
    path.write_text(
        json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _nav_cell(nb: dict, text: str, cell_id: str) -> dict:
    cell = {
        "cell_type": "markdown",
        "metadata": {"nav": True},
        "source": text.splitlines(keepends=True),
    }
    if nb.get("nbformat_minor", 0) >= 5:  # cell ids exist from nbformat 4.5 on
        cell["id"] = cell_id
    return cell


def is_current(nb: dict, text: str) -> bool:
    """True if the first and last cells are nav cells with ``text`` and no other cell is."""
    cells = nb["cells"]
    if len(cells) < 2 or not (is_nav_cell(cells[0]) and is_nav_cell(cells[-1])):
        return False
    if any(is_nav_cell(c) for c in cells[1:-1]):
        return False
    return source(cells[0]) == text and source(cells[-1]) == text


def with_nav(nb: dict, text: str) -> dict:
    """Return ``nb`` with its nav cells removed and fresh ones put first and last."""
    body = [c for c in nb["cells"] if not is_nav_cell(c)]
    nb["cells"] = [_nav_cell(nb, text, NAV_IDS[0]), *body, _nav_cell(nb, text, NAV_IDS[1])]
    return nb


def update(folder: Path, check: bool, only: list[str] | None = None) -> list[str]:
    """Update (or only check) the course notebooks of ``folder``.

    The links always take every notebook of ``folder`` into account; ``only``
    (file names) limits which notebooks are checked or rewritten. Returns the
    names of the notebooks that were stale (rewritten unless ``check``).
    """
    paths = course_notebooks(folder)
    if not paths:
        raise NavError(f"no notebooks matching {PATTERN} in {folder}")
    notebooks = [_read(p) for p in paths]
    names = [p.name for p in paths]
    titles = [notebook_title(nb, p) for nb, p in zip(notebooks, paths)]
    index = INDEX if INDEX in names else names[0]
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise NavError(
            f"not course notebooks of {folder}: {', '.join(unknown)} "
            f"(course notebooks are named like {PATTERN})"
        )
    stale = []
    for i, (path, nb) in enumerate(zip(paths, notebooks)):
        if only and path.name not in only:
            continue
        text = nav_text(i, names, titles, index)
        if is_current(nb, text):
            continue
        stale.append(path.name)
        if not check:
            _write(with_nav(nb, text), path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if any notebook's links are stale",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=NOTEBOOKS,
        help=f"folder of the notebooks (default: {NOTEBOOKS})",
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="only these notebooks (of the folder); default: all of them",
    )
    args = parser.parse_args(argv)
    try:
        stale = update(args.notebooks, check=args.check, only=[f.name for f in args.files])
    except NavError as exc:
        print(f"nav.py: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if stale:
            print(
                "navigation links are stale in: "
                + ", ".join(stale)
                + "\nrun `python tools/nav.py` to update them",
                file=sys.stderr,
            )
            return 1
        checked = len(args.files) or len(course_notebooks(args.notebooks))
        print(f"navigation links are current in {checked} notebook(s)")
        return 0
    print(
        f"updated navigation links in {len(stale)} notebook(s)"
        + (": " + ", ".join(stale) if stale else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
