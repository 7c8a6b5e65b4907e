"""The grader's policy: what asks for a look by hand, and when two functions are too alike.

This lives with the grader, outside the students' package: nothing a
notebook imports holds it. Every entry is read by :mod:`.reading` on the
syntax tree (or, for a cell that does not parse, on its tokens), never on
lines of text, so spacing (``kmeans_lab . checks``), aliases
(``import kmeans_lab as kl; kl.grading``), attribute chains and
``getattr(kl, "grading")`` name the same thing.

A flag never changes points (except the copies of the reference, see
:mod:`.own_work`): it puts ``review by hand`` in the student's total row.
"""

from __future__ import annotations

import sys

from kmeans_lab.checks.registry import REGISTRY

#: Dotted names (and everything under them) a student's cell has no business naming:
#: the grader's modules, the interpreter's machinery, processes, signals, databases.
FORBIDDEN: tuple[str, ...] = (
    "kmeans_lab.checks",
    "kmeans_lab.grading",
    "sys.modules",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.settrace",
    "sys.setprofile",
    "sys.gettrace",
    "sys.getprofile",
    "sys._getframe",
    "sys.addaudithook",
    "importlib",
    "imp",
    "runpy",
    "builtins",
    "inspect.stack",
    "inspect.currentframe",
    "inspect.getouterframes",
    "inspect.getsource",
    "inspect.trace",
    "types.CodeType",
    "types.FunctionType",
    "marshal",
    "pickle",
    "_pickle",
    "copyreg",
    "shelve",
    "threading",
    "_thread",
    "ctypes",
    "gc",
    "atexit",
    "signal",
    "subprocess",
    "pty",
    "multiprocessing",
    "socket",
    "sqlite3",
    "site",
    "sysconfig",
    "resource",
    "os.environ",
    "os.getenv",
    "os.putenv",
    "os.system",
    "os.popen",
    "os.fork",
    "os.forkpty",
    "os.setsid",
    "os.kill",
    "os.killpg",
    "os._exit",
    "os.posix_spawn",
    "os.posix_spawnp",
    *(f"os.exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
    *(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
)

#: Attributes that reach stack frames, code objects or a module's insides.
ATTRIBUTES: frozenset[str] = frozenset(
    {
        "f_back",
        "f_locals",
        "f_globals",
        "f_builtins",
        "f_code",
        "f_trace",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "tb_frame",
        "tb_next",
        "co_code",
        "co_consts",
        "__code__",
        "__globals__",
        "__closure__",
        "__builtins__",
        "__subclasses__",
        "__dict__",
        "__file__",
        "__loader__",
        "__spec__",
        "__import__",
    }
)

#: Names that run text as code, reach the interpreter's namespaces, or bind attributes by name.
NAMES: frozenset[str] = frozenset(
    {
        "__import__",
        "__builtins__",
        "__file__",
        "exec",
        "eval",
        "compile",
        "globals",
        "locals",
        "vars",
        "breakpoint",
        "setattr",
        "delattr",
    }
)

#: Magics that run other programs, files or installers, or replay cells
#: (``%matplotlib``, ``%time`` ... are fine). Any other use of ``get_ipython()``
#: (its events, its namespace, ``run_cell``) is flagged too.
SHELL_MAGICS: frozenset[str] = frozenset(
    {"system", "getoutput", "bash", "sh", "script", "perl", "ruby", "python", "python2"}
    | {"python3", "pypy", "writefile", "file", "run", "load", "sx", "sc", "env", "alias"}
    | {"store", "pip", "conda", "mamba", "load_ext", "reload_ext", "rerun", "macro"}
)

#: Pieces of a string literal that point at the grader's files or settings.
STRINGS: tuple[str, ...] = (
    "kmeans_lab.checks",
    "kmeans_lab.grading",
    "KMEANS_LAB_",
    "gradebook",
    "submitted/",
    "autograde",
    ".answers",
    ".plan",
    "site-packages",
    "dist-packages",
    ".pth",
    "sitecustomize",
    "usercustomize",
    "/proc/",
)

#: The course's import conventions, read as if every notebook imported them (a cell that
#: uses ``np`` without importing it still means numpy).
CONVENTIONS: dict[str, str] = {"np": "numpy", "kl": "kmeans_lab", "plt": "matplotlib.pyplot"}

#: Top-level names read as modules even when no cell imports them.
MODULES: frozenset[str] = frozenset(sys.stdlib_module_names) | {
    "kmeans_lab",
    "numpy",
    "scipy",
    "sklearn",
    "matplotlib",
}

#: The only module whose attributes a cell may set: the course's top-level namespace
#: (``kl.find_closest_centroids = mine`` only changes what later cells call ``kl.``).
PATCHABLE: frozenset[str] = frozenset({"kmeans_lab"})

#: The recorder under its names: its own, and the alias the grader's copy of each check
#: cell binds it to (``tools/grading/stage.py`` ``execution_copy``).
RECORDERS: frozenset[str] = frozenset({"hidden_check", "_record_for_the_grader"})
#: Names of the grader's entry points: rebinding one is flagged; the recorder is
#: flagged wherever a student's cell names it.
PROTECTED: frozenset[str] = frozenset({e.check_name for e in REGISTRY.values()}) | RECORDERS

# --- similarity (:mod:`.similarity`) ------------------------------------------------

#: Similarity (0 to 1) from which two functions are a close match.
THRESHOLD = 0.92
#: Shortest normalised function compared (tokens of its dumped syntax tree).
MIN_TOKENS = 300  # about 55 syntax-tree nodes: a one-line answer is too short to tell
#: Students writing the same normalised function that make it a common solution.
COMMON = 3
