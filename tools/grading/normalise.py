"""A function reduced to what it computes: the form similarity and the copy test compare.

:func:`normalise` turns one function of a source into a tuple of tokens of
its syntax tree, after removing what a copier changes to hide a copy:

- **names**: every variable, parameter and function name becomes ``_``
  (attributes such as ``np.argmin`` and ``.sum`` stay: they are the work);
- **docstrings, comments, string contents and annotations**;
- **no-op statements**: ``pass``, bare constants and names, ``x = x``,
  ``x += 0``, ``x *= 1``, ``if False:`` blocks, and assignments to a variable
  the function never reads (``unused = 5``);
- **constant expressions**, folded (``2 ** 3`` is ``8``, ``-(1)`` is ``-1``);
- **the order of independent statements**: within each block, statements
  are put in a canonical order that keeps every dependency (a statement that
  reads or writes a name another writes stays after it), so swapping two
  independent lines changes nothing.

Examples
--------
>>> a = "def f(X):\\n    d = X * 2\\n    e = X + 1\\n    return d - e"
>>> b = "def g(P):\\n    '''mine'''\\n    b = P + 1\\n    pass\\n    a = P * (1 + 1)\\n    return a - b"
>>> normalise(a, "f") == normalise(b, "g")
True
"""

from __future__ import annotations

import ast
import copy
import math
import operator
import re

from .cells import UNREADABLE, parse

__all__ = ["normalise", "functions"]

_FOLD = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex, bool)


def _small_power(base, exponent) -> bool:
    """True when ``base ** exponent`` is cheap to compute (at most about 4096 bits)."""
    try:
        return abs(exponent) <= 64 and math.log2(abs(base) + 2) * abs(exponent) <= 4096
    except (TypeError, ValueError, OverflowError):
        return False


class _Fold(ast.NodeTransformer):
    """Constant expressions of numbers folded into one constant."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = _FOLD.get(type(node.op))
        if op and _number(node.left) and _number(node.right):
            if isinstance(node.op, ast.Pow) and not _small_power(node.left.value, node.right.value):
                return node
            try:
                return ast.copy_location(ast.Constant(op(node.left.value, node.right.value)), node)
            except (ArithmeticError, ValueError, TypeError):
                return node
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        op = _UNARY.get(type(node.op))
        if op and _number(node.operand):
            return ast.copy_location(ast.Constant(op(node.operand.value)), node)
        return node


def _pure(node: ast.AST) -> bool:
    """An expression that only reads (no call, no assignment expression, no yield)."""
    return not any(
        isinstance(n, ast.Call | ast.NamedExpr | ast.Yield | ast.YieldFrom | ast.Await | ast.Lambda)
        for n in ast.walk(node)
    )


def _no_op(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and _pure(stmt.value):
        return True  # a docstring, a bare constant or name
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and ast.dump(stmt.targets[0]).replace("Store", "Load") == ast.dump(stmt.value)
    ):
        return True  # x = x
    if isinstance(stmt, ast.AugAssign) and _number(stmt.value):
        neutral = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1, ast.Pow: 1}
        return neutral.get(type(stmt.op), object()) == stmt.value.value
    return False


def _names(node: ast.AST, ctx) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}


def _writes(stmt: ast.stmt) -> set[str]:
    written = _names(stmt, ast.Store | ast.Del)
    for node in ast.walk(stmt):  # a[i] = v and a.x = v change a
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        for target in targets:
            while isinstance(target, ast.Subscript | ast.Attribute):
                target = target.value
            if isinstance(target, ast.Name):
                written.add(target.id)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            written.add(node.name)
    return written


_BARRIERS = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)


def _barrier(stmt: ast.stmt) -> bool:
    return any(
        isinstance(n, _BARRIERS + (ast.Yield, ast.YieldFrom, ast.Await)) for n in ast.walk(stmt)
    )


class _Simplify(ast.NodeTransformer):
    """No-op statements and dead stores removed, independent statements in canonical order."""

    def __init__(self, read: set[str], order: bool):
        self.read = read
        self.order = order  # put independent statements in canonical order (the last pass)
        self.changed = False  # a statement was removed or replaced

    def block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        kept = []
        for stmt in body:
            stmt = self.visit(stmt)
            if stmt is None or _no_op(stmt):
                self.changed = True
                continue
            if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Constant):
                kept.extend(stmt.body if stmt.test.value else stmt.orelse)
                self.changed = True
                continue
            if isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant):
                if not stmt.test.value:
                    kept.extend(stmt.orelse)
                    self.changed = True
                    continue
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and all(
                isinstance(t, ast.Name) and t.id not in self.read
                for t in getattr(stmt, "targets", None) or [stmt.target]
            ):
                self.changed = True
                continue  # a store nobody reads
            kept.append(stmt)
        return _canonical(kept) if self.order else kept

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, field, None), list) and all(
                isinstance(s, ast.stmt) for s in getattr(node, field)
            ):
                setattr(node, field, self.block(getattr(node, field)))
        for handler in getattr(node, "handlers", []):
            handler.body = self.block(handler.body)
        return node


def _canonical(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """The statements in the smallest order (by their dump) that keeps every dependency."""
    if len(stmts) < 2:
        return stmts
    facts = [(_names(s, ast.Load), _writes(s), _barrier(s), _key(s)) for s in stmts]
    after: list[set[int]] = [set() for _ in stmts]  # after[j]: statements j must follow
    for j, (reads_j, writes_j, barrier_j, _) in enumerate(facts):
        for i in range(j):
            reads_i, writes_i, barrier_i, _ = facts[i]
            if barrier_i or barrier_j or writes_i & (reads_j | writes_j) or reads_i & writes_j:
                after[j].add(i)
    done: list[int] = []
    left = set(range(len(stmts)))
    while left:
        ready = [j for j in left if not (after[j] & left)]
        pick = min(ready, key=lambda j: (facts[j][3], j))
        done.append(pick)
        left.remove(pick)
    return [stmts[j] for j in done]


class _Anonymise(ast.NodeTransformer):
    def visit_FunctionDef(self, node):
        node.name = "_"
        node.returns = None
        node.decorator_list = []
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)

    def visit_arg(self, node):
        node.arg = "_"
        node.annotation = None
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, str | bytes):
            return ast.copy_location(ast.Constant(value=""), node)
        return node


def _key(stmt: ast.stmt) -> str:
    return ast.dump(_Anonymise().visit(copy.deepcopy(stmt)), annotate_fields=False)


_TOKEN = re.compile(r"[A-Za-z_]+|\d+(?:\.\d+)?(?:e-?\d+)?|[^\sA-Za-z_\d]")


def _tokens_of(function: ast.FunctionDef) -> tuple[str, ...]:
    node = copy.deepcopy(function)
    node = _Fold().visit(node)
    for _ in range(8):  # dead stores, until none is left (a store read only by a dead one)
        simplify = _Simplify(_names(node, ast.Load), order=False)
        node = simplify.visit(node)
        if not simplify.changed:
            break
    node = _Simplify(_names(node, ast.Load), order=True).visit(node)
    node.body = node.body or [ast.Pass()]
    node = _Anonymise().visit(node)
    text = ast.dump(node, annotate_fields=False, include_attributes=False)
    return tuple(_TOKEN.findall(text))


def functions(source: str) -> list[tuple[str, tuple[str, ...]]]:
    """``[(name, tokens)]`` of every function defined in ``source``, normalised."""
    tree = parse(source)
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            try:
                found.append((node.name, _tokens_of(node)))
            except UNREADABLE:  # nested too deep to normalise: not compared
                continue
    return found


def normalise(source: str, name: str) -> tuple[str, ...] | None:
    """The normalised tokens of function ``name`` in ``source`` (its last definition), or None."""
    tree = parse(source)
    if tree is None:
        return None
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    found = found or [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name
    ]
    try:
        return _tokens_of(found[-1]) if found else None
    except UNREADABLE:  # nested too deep to normalise: not compared
        return None
