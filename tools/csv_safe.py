"""Every CSV the tools write, written one way: no cell a spreadsheet would run as a formula.

The CSVs (``grades.csv``, ``verdicts.csv``, ``report/*.csv``) carry what
students wrote: their code, their exception messages, their file names. A
spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some treat a leading tab or carriage return the same way) as a formula:
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` in a student's code would run
on the instructor's machine. OWASP's rule ("CSV Injection"): such a cell is
written with a ``'`` in front, which spreadsheets show as text. Numbers
(``-1``, ``+2.5``, ``1e-3``) are not formulas and are kept as they are. A
cell that already starts with ``'`` gets one more, so that :func:`restore`
gives back exactly what was written.

Write every CSV with :func:`write_csv` (and read one this package wrote with
:func:`read_csv`); a new export should too.

Examples
--------
>>> neutralise("=1+1"), neutralise("-1"), neutralise("'quoted"), neutralise("plain")
("'=1+1", '-1', "''quoted", 'plain')
>>> all(restore(neutralise(t)) == t for t in ["=1+1", "-1", "'quoted", "'", "@x", ""])
True
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["FORMULA_STARTS", "neutralise", "restore", "write_csv", "read_csv"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> str:
    """The text of a CSV cell that no spreadsheet runs (see the module docstring).

    Parameters
    ----------
    value : object
        The cell's value; ``None`` is an empty cell, anything else its ``str``.

    Returns
    -------
    str
    """
    text = "" if value is None else str(value)
    if text.startswith("'") or (text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The value :func:`neutralise` was given, from the cell it wrote."""
    if text.startswith("'") and text[1:2] and (text[1] == "'" or text[1] in FORMULA_STARTS):
        return text[1:]
    return text


def write_csv(path: Path, columns: list[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``rows`` (dicts by column) to ``path`` with a header, every cell neutralised.

    The file is written beside ``path`` and moved in place, so a reader never
    sees half of it. Returns ``path``.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([neutralise(c) for c in columns])
        for row in rows:
            writer.writerow([neutralise(row.get(c, "")) for c in columns])
    partial.replace(path)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV written by :func:`write_csv`, each cell restored."""
    with open(path, newline="", encoding="utf-8") as f:
        return [{restore(k): restore(v or "") for k, v in row.items()} for row in csv.DictReader(f)]
