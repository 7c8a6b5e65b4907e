"""Reading a cell for the grader's policy: on its syntax tree, or token by token.

:func:`findings` reports what a student's cell names of :mod:`.policy`,
with the line and the reason. A cell is read as its kernel runs it (magics
and ``!`` escapes rewritten by IPython, :func:`.cells.python_source`):

- when it parses, on its **syntax tree**: every name and attribute chain is
  resolved through the notebook's imports and the cell's own aliases
  (``g = kl.grading``, ``getattr(kl, "gra" + "ding")``, constant strings
  folded), so ``kmeans_lab . checks``, ``import kmeans_lab as kl;
  kl.grading`` and ``from kmeans_lab import grading as g`` all resolve to
  ``kmeans_lab.grading``;
- when it does not (a broken cell, a magic IPython leaves as it is), on its
  **tokens**: the same rules on dotted chains of names, whatever the spacing.

Examples
--------
>>> [f.why for f in findings("import kmeans_lab as kl\\nkl . grading . capture", {})]
['names kmeans_lab.grading']
>>> findings("labels = np.argmin(distances, axis=1)", {"np": "numpy"})
[]
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import unicodedata
from dataclasses import dataclass

from . import policy
from .cells import UNREADABLE, parse, python_source

__all__ = ["Finding", "findings", "aliases_of"]


@dataclass(frozen=True)
class Finding:
    """One thing of the policy a cell names: its line (from 1), the line's text, why."""

    line: int
    text: str
    why: str


def _under(dotted: str, prefixes) -> str | None:
    for prefix in prefixes:
        if dotted == prefix or dotted.startswith(prefix + "."):
            return prefix
    return None


def _star_problem(module: str) -> str | None:
    """Why ``from module import *`` is flagged, or None.

    A course module's names are read from the module (the grader's own
    package); any other module is flagged when something forbidden lies under it
    (``from os import *`` brings ``_exit`` and ``system``).
    """
    if hit := _under(module, policy.FORBIDDEN):
        return f"names {hit}"
    if module.split(".")[0] == "kmeans_lab":
        try:
            names = getattr(importlib.import_module(module), "__all__", None)
        except Exception:
            names = None
        if names is not None:
            bad = [
                n
                for n in names
                if n in policy.PROTECTED or _under(f"{module}.{n}", policy.FORBIDDEN)
            ]
            return f"imports {bad[0]} with everything from {module}" if bad else None
    if any(p.startswith(module + ".") for p in policy.FORBIDDEN):
        return f"imports everything from {module}"
    return None


def aliases_of(source: str) -> dict[str, str]:
    """``{local name: dotted name}`` bound by the imports of a cell (empty if it does not parse)."""
    return dict(_aliases(source))


@functools.lru_cache(maxsize=512)
def _aliases(source: str) -> tuple[tuple[str, str], ...]:
    tree = parse(source)
    if tree is None:
        return {}
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                names[alias.asname or root] = alias.name if alias.asname else root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return tuple(names.items())


def _fold(node: ast.AST) -> object:
    """The value of a constant expression of strings and numbers, or None."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mult | ast.Mod):
        left, right = _fold(node.left), _fold(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Mult) and any(
            type(v) is int and abs(v) > 10_000 for v in (left, right)
        ):
            return None  # "x" * 10**9 would build a gigabyte of text here
        try:
            value = {ast.Add: lambda: left + right, ast.Mult: lambda: left * right}.get(
                type(node.op), lambda: left % right
            )()
        except Exception:
            return None
        return value if not isinstance(value, str) or len(value) < 10_000 else None
    if isinstance(node, ast.JoinedStr):
        parts = [_fold(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
        return "".join(map(str, parts)) if all(p is not None for p in parts) else None
    return None


#: What IPython rewrites a magic into (the magic's name is judged, :data:`.policy.SHELL_MAGICS`).
_MAGIC_CALLS = ("run_line_magic", "run_cell_magic")


class _Reader(ast.NodeVisitor):
    def __init__(self, aliases: dict[str, str], lines: list[str]):
        self.aliases = policy.CONVENTIONS | dict(aliases)
        self.modules = set(self.aliases) | policy.MODULES  # names bound to modules
        self.lines = lines
        self.found: list[Finding] = []
        self.local: set[str] = set()  # names the cell binds itself: variables, not modules
        self.shell: set[int] = set()  # get_ipython names judged with the attribute they call

    def visit_Module(self, node: ast.Module) -> None:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                self.local.add(inner.id)
            elif isinstance(inner, ast.arg):
                self.local.add(inner.arg)
        self.local -= set(self.aliases)
        self.generic_visit(node)

    def flag(self, node: ast.AST, why: str) -> None:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.found.append(Finding(line, text, why))

    def dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in self.local and node.id not in self.aliases:
                return None  # a variable of the cell (signal = ...; signal.mean())
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            if node.func.id == "getattr" and len(node.args) >= 2:
                name, base = _fold(node.args[1]), self.dotted(node.args[0])
                return f"{base}.{name}" if base and isinstance(name, str) else None
            if node.func.id == "__import__":
                name = _fold(node.args[0])
                return name.split(".")[0] if isinstance(name, str) else None
        return None

    def check_dotted(self, node: ast.AST, dotted: str | None) -> None:
        if dotted and (hit := _under(dotted, policy.FORBIDDEN)):
            self.flag(node, f"names {hit}")

    # imports -----------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.check_dotted(node, alias.name)
            root = alias.name.split(".")[0]
            self.aliases[alias.asname or root] = alias.name if alias.asname else root
            self.modules.add(alias.asname or root)
            self.check_binding(node, alias.asname or root)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                if why := _star_problem(module):
                    self.flag(node, why)
                continue
            self.check_dotted(node, f"{module}.{alias.name}")
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
            self.modules.add(alias.asname or alias.name)
            self.check_binding(node, alias.asname or alias.name)

    # names ---------------------------------------------------------------------
    def check_binding(self, node: ast.AST, name: str) -> None:
        if name in policy.PROTECTED:
            self.flag(node, f"rebinds the grader's {name}")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "get_ipython" and id(node) not in self.shell:
            self.flag(node, "uses the IPython shell")
        if node.id in policy.NAMES:
            self.flag(node, f"uses {node.id}")
        elif node.id in policy.RECORDERS and isinstance(node.ctx, ast.Load):
            self.flag(node, f"calls the grader's recorder {node.id}")
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.check_binding(node, node.id)
        else:
            self.check_dotted(node, self.aliases.get(node.id))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in policy.ATTRIBUTES:
            self.flag(node, f"reaches .{node.attr}")
        dotted = self.dotted(node)
        self.check_dotted(node, dotted)
        if isinstance(node.ctx, ast.Store | ast.Del) and self.is_module(node.value):
            base = self.dotted(node.value)
            if base not in policy.PATCHABLE:
                self.flag(node, f"changes the module {base}")
        if (
            isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "get_ipython"
        ):
            self.shell.add(id(node.value.func))  # judged here, not as a bare get_ipython
            if node.attr not in _MAGIC_CALLS:  # a magic is judged by visit_Call
                self.flag(node, f"uses the IPython shell's .{node.attr}")
        self.generic_visit(node)

    def is_module(self, node: ast.AST) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self.modules

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.check_binding(node, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        dotted = self.dotted(node.value)
        for target in node.targets:  # g = kl.grading: g is kmeans_lab.grading from now on
            if (
                isinstance(target, ast.Name)
                and dotted
                and dotted.split(".")[0] in {d.split(".")[0] for d in self.aliases.values()}
            ):
                self.aliases[target.id] = dotted
                self.modules.add(target.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
            if not isinstance(_fold(node.args[1]), str):
                self.flag(node, "reads an attribute whose name is computed")
            else:
                self.check_dotted(node, self.dotted(node))
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _MAGIC_CALLS
            and node.args
            and _fold(node.args[0]) in policy.SHELL_MAGICS
        ):
            self.flag(node, f"runs the magic %{_fold(node.args[0])}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.check_string(node, node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        folded = _fold(node)
        if isinstance(folded, str):
            self.check_string(node, folded)
        self.generic_visit(node)

    def check_string(self, node: ast.AST, text: str) -> None:
        for piece in policy.STRINGS:
            if piece in text:
                self.flag(node, f"a string names {piece}")
                return


# --- token by token, for a cell that does not parse ------------------------------------

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
    | (?P<string>[rRbBuUfF]{0,2}(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'[^'\n]*'|"[^"\n]*"))
    | (?P<name>[^\W\d]\w*)
    | (?P<number>\d[\w.]*)
    | (?P<op>==|!=|<=|>=|:=|->|\*\*=?|//=?|[-+*/%&|^@]=|\S)
    """,
    re.VERBOSE,
)


def _tokens(source: str) -> list[tuple[str, str, int]]:
    found = []
    line, counted = 1, 0
    for match in _TOKEN.finditer(source):
        line += source.count("\n", counted, match.start())
        counted = match.start()
        if match.lastgroup == "name":  # Python reads identifiers NFKC-normalised
            found.append(("name", unicodedata.normalize("NFKC", match.group()), line))
        elif match.lastgroup != "comment":
            found.append((match.lastgroup, match.group(), line))
    return found


def _string_value(token: str) -> str:
    try:
        value = ast.literal_eval(token)
    except (SyntaxError, ValueError):
        return token
    return value if isinstance(value, str) else token


def _token_findings(source: str, aliases: dict[str, str]) -> list[Finding]:
    lines = source.splitlines()
    found: list[Finding] = []
    tokens = _tokens(source)
    aliases = policy.CONVENTIONS | dict(aliases)
    modules = set(aliases) | policy.MODULES

    def flag(line: int, why: str) -> None:
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        found.append(Finding(line, text, why))

    def chain_at(i: int) -> tuple[list[str], int]:
        chain, j = [tokens[i][1]], i + 1
        while j + 1 < len(tokens) and tokens[j][1] == "." and tokens[j + 1][0] == "name":
            chain.append(tokens[j + 1][1])
            j += 2
        return chain, j

    def check(dotted: str, line: int) -> None:
        if hit := _under(dotted, policy.FORBIDDEN):
            flag(line, f"names {hit}")

    i = 0
    while i < len(tokens):
        kind, text, line = tokens[i]
        if kind == "string":
            value = _string_value(text)
            piece = next((p for p in policy.STRINGS if p in value), None)
            if piece:
                flag(line, f"a string names {piece}")
        if kind != "name" or text == "import":
            i += 1
            continue
        if text == "from" and i + 1 < len(tokens) and tokens[i + 1][0] == "name":
            module_chain, k = chain_at(i + 1)
            module = ".".join(module_chain)
            check(module, line)
            if k < len(tokens) and tokens[k][1] == "import":
                k += 1
                parens = k < len(tokens) and tokens[k][1] == "("
                while k < len(tokens) and (parens or tokens[k][2] == line):
                    name = tokens[k][1]
                    if name == ")":
                        k += 1
                        break
                    if name == "*" and (why := _star_problem(module)):
                        flag(line, why)
                    elif tokens[k][0] == "name" and name != "as" and tokens[k - 1][1] != "as":
                        check(f"{module}.{name}", tokens[k][2])
                    k += 1
            i = k
            continue
        chain, j = chain_at(i)
        check(".".join([aliases.get(chain[0], chain[0])] + chain[1:]), line)
        for name in chain[1:]:
            if name in policy.ATTRIBUTES:
                flag(line, f"reaches .{name}")
        if chain[0] in policy.NAMES:
            flag(line, f"uses {chain[0]}")
        if chain[0] in policy.RECORDERS:
            flag(line, f"calls the grader's recorder {chain[0]}")
        following = tokens[j][1] if j < len(tokens) else ""
        assigns = following == "=" or (
            following.endswith("=") and following not in ("==", "!=", "<=", ">=")
        )
        if assigns:
            if len(chain) == 1 and chain[0] in policy.PROTECTED:
                flag(line, f"rebinds the grader's {chain[0]}")
            base = ".".join([aliases.get(chain[0], chain[0])] + chain[1:-1])
            if len(chain) > 1 and chain[0] in modules and base not in policy.PATCHABLE:
                flag(line, f"changes the module {base}")
        if chain[0] == "getattr" and following == "(":
            rest = tokens[j + 1 : j + 8]
            commas = [k for k, t in enumerate(rest) if t[1] == ","]
            if not commas or commas[0] + 1 >= len(rest) or rest[commas[0] + 1][0] != "string":
                flag(line, "reads an attribute whose name is computed")
        i = j
    return found


def findings(source: str, aliases: dict[str, str]) -> list[Finding]:
    """What a cell names of the grader's policy, one finding per line and reason.

    Parameters
    ----------
    source : str
        The cell as written (magics included).
    aliases : dict
        ``{name: dotted name}`` bound by the notebook's imports (:func:`aliases_of`).

    Returns
    -------
    list of Finding
        In line order, without repeats.
    """
    python = python_source(source)
    tree = parse(source)
    try:
        if tree is None:
            raise SyntaxError
        reader = _Reader(aliases, python.splitlines())
        reader.visit(tree)
        found = reader.found
    except UNREADABLE:  # broken, or nested too deep for a syntax tree: read its tokens
        found = _token_findings(python, aliases)
    written = source.splitlines()
    if len(written) == len(python.splitlines()):  # show a magic's line as the student wrote it
        found = [Finding(f.line, written[f.line - 1].strip(), f.why) for f in found]
    unique: dict[tuple[int, str], Finding] = {}
    for finding in found:
        unique.setdefault((finding.line, finding.why), finding)
    return sorted(unique.values(), key=lambda f: f.line)
