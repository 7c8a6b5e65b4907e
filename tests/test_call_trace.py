"""What a call did besides its result is measured alike on both sides of the grading wall.

The student's kernel (``kmeans_lab.checks.runner``) and the grader's fresh
sandbox (``kmeans_lab.grading.record``) count the lines of the student's code
a call runs, and notice a call that changed NumPy's global random state, with
the one leaf module ``kmeans_lab._call_trace`` (the fresh sandbox's allow-list
holds it, and no check). Here the same sources go through both and must give
the same facts; deliberately different sources must give different ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_lab import _call_trace
from kmeans_lab.checks.line_counter import students_code
from kmeans_lab.checks.runner import Runner
from kmeans_lab.grading import transport
from kmeans_lab.grading.record import read_plan, record, record_function

pytest.importorskip("nbgrader")  # tools.grading needs the instructor extra
from tools.grading import replay  # noqa: E402
from tools.grading.fresh import VIEW_FILES  # noqa: E402

VECTORISED = """import numpy as np
def find_closest_centroids(X, centroids):
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)
"""
LOOPING = """import numpy as np
def find_closest_centroids(X, centroids):
    labels = np.zeros(len(X), dtype=int)
    for i in range(len(X)):
        labels[i] = ((centroids - X[i]) ** 2).sum(axis=1).argmin()
    return labels
"""
GLOBAL_RANDOM = """import numpy as np
def find_closest_centroids(X, centroids):
    np.random.rand()  # the global state, not a Generator
    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)
"""


def _in_the_kernel(source: str, args: tuple):
    """The runner's call, on a function defined as a notebook cell defines it."""
    namespace: dict = {}
    exec(compile(source, "<ipython-input-1>", "exec"), namespace)
    runner = Runner("find_closest_centroids", namespace["find_closest_centroids"])
    return runner.invoke(tuple(np.copy(a) for a in args), count_lines=True)


def _in_the_fresh_sandbox(source: str):
    plan = replay.plan("find_closest_centroids", n_random=0, seed=1)
    document, _ = transport.load(record(plan, source))
    return plan, document["calls"]


@pytest.mark.parametrize("source", [VECTORISED, LOOPING, GLOBAL_RANDOM])
def test_the_kernel_and_the_fresh_sandbox_measure_a_call_alike(source):
    plan, recorded = _in_the_fresh_sandbox(source)
    _, calls, arrays = read_plan(plan)
    counted = [c for c in zip(calls, recorded) if c[0]["count_lines"]]
    assert counted, "the plan has no call that counts lines"
    for planned, call in counted:
        args = tuple(transport.decode(t, arrays) for t in planned["args"])
        outcome = _in_the_kernel(source, args)
        assert outcome.raised is None and call["raised"] is None
        assert outcome.lines == call["lines"] > 0
        assert outcome.global_random is call["global_random"] is (source is GLOBAL_RANDOM)


def test_a_loop_runs_more_lines_than_its_vectorised_twin_on_both_sides():
    _, vectorised = _in_the_fresh_sandbox(VECTORISED)
    _, looping = _in_the_fresh_sandbox(LOOPING)
    pairs = [(v["lines"], lo["lines"]) for v, lo in zip(vectorised, looping) if v["lines"]]
    assert pairs and all(lo > v for v, lo in pairs)


def test_the_recorder_counts_only_the_students_source():
    """A function defined elsewhere (not the student's source file) runs no counted line."""
    plan = replay.plan("find_closest_centroids", n_random=0, seed=1)

    def elsewhere(X, centroids):
        return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)

    document, _ = transport.load(record_function(plan, elsewhere))
    counts = [c["lines"] for c in document["calls"] if c["lines"] is not None]
    assert counts and set(counts) == {0}


def test_the_kernel_counts_the_notebooks_code_but_not_the_librarys():
    assert students_code("<ipython-input-3-abc>")
    assert students_code("/home/student/my_helpers.py")
    assert not students_code(np.__file__)
    assert not students_code(_call_trace.__file__)  # kmeans_lab itself
    assert not students_code("<frozen importlib._bootstrap>")


def test_the_fresh_sandbox_sees_the_leaf_and_no_check():
    assert "_call_trace.py" in VIEW_FILES
    assert not any(name.startswith("checks/") for name in VIEW_FILES)
    source = open(_call_trace.__file__, encoding="utf-8").read()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == [
        "from __future__ import annotations",
        "import ctypes",
        "import sys",
        "from collections.abc import Callable",
        "from typing import Any",
        "import numpy as np",
    ]


def test_same_random_state_tells_a_used_global_state_apart():
    before = np.random.get_state()
    try:
        np.random.rand()
        assert not _call_trace.same_random_state(before, np.random.get_state())
    finally:
        np.random.set_state(before)
    assert _call_trace.same_random_state(before, np.random.get_state())


# -- GlobalRandom: the raw bytes of the generator, read instead of the whole state ------

MOVES = {
    "np.random.rand()": lambda: np.random.rand(),
    "np.random.randint(5)": lambda: np.random.randint(5),
    "np.random.choice(10, 3, replace=False)": lambda: np.random.choice(10, 3, replace=False),
    "np.random.shuffle(a list)": lambda: np.random.shuffle([1, 2, 3, 4]),
    "np.random.permutation(7)": lambda: np.random.permutation(7),
    "np.random.seed(12345)": lambda: np.random.seed(12345),
    "np.random.set_state(another state)": lambda: np.random.set_state(
        np.random.RandomState(99).get_state()
    ),
    "624 draws (the position comes round again)": lambda: np.random.random(624),
    "np.random.set_bit_generator(another)": lambda: np.random.set_bit_generator(
        np.random.MT19937(5)
    ),
}
KEEPS = {
    "nothing": lambda: None,
    "a Generator's draws": lambda: np.random.default_rng(1).random(100),
    "np.random.get_state()": lambda: np.random.get_state(),
    "a RandomState of its own": lambda: np.random.RandomState(3).rand(10),
}


@pytest.fixture
def restored_global_state():
    generator = np.random.get_bit_generator()
    state = np.random.get_state()
    yield
    np.random.set_bit_generator(generator)
    np.random.set_state(state)


@pytest.mark.parametrize("what", MOVES)
def test_global_random_sees_every_move_and_puts_the_state_back(what, restored_global_state):
    watch = _call_trace.GlobalRandom()
    generator, before = np.random.get_bit_generator(), np.random.get_state()
    mark = watch.mark()
    MOVES[what]()
    assert watch.changed(mark) is True
    assert np.random.get_bit_generator() is generator
    assert _call_trace.same_random_state(before, np.random.get_state())


@pytest.mark.parametrize("what", KEEPS)
def test_global_random_says_unchanged_when_nothing_drew(what, restored_global_state):
    watch = _call_trace.GlobalRandom()
    for _ in range(3):  # the second mark reuses the first reading: still right
        before = np.random.get_state()
        mark = watch.mark()
        KEEPS[what]()
        assert watch.changed(mark) is False
        assert _call_trace.same_random_state(before, np.random.get_state())


def test_global_random_agrees_with_the_whole_state_over_a_random_walk(restored_global_state):
    """Moves and keeps in a random order, one watch throughout, as a check's calls go."""
    rng = np.random.default_rng(7)
    watch = _call_trace.GlobalRandom()
    steps = {**MOVES, **KEEPS}
    names = list(steps)
    for _ in range(200):
        name = names[rng.integers(len(names))]
        before = np.random.get_state()
        mark = watch.mark()
        steps[name]()
        after = np.random.get_state()
        moved = np.random.get_bit_generator() is not mark[0] or not (
            _call_trace.same_random_state(before, after)
        )
        assert watch.changed(mark) is moved, name
        assert _call_trace.same_random_state(before, np.random.get_state()), name


def test_global_random_reads_the_whole_state_where_the_raw_bytes_do_not_match(
    monkeypatch, restored_global_state
):
    """Another layout of NumPy's struct: the bytes are ignored, the whole state compared."""
    monkeypatch.setattr(_call_trace, "_raw_state", lambda generator: b"\0" * 2500)
    watch = _call_trace.GlobalRandom()
    mark = watch.mark()
    assert mark[1] is None  # the bytes did not match the state NumPy reports
    assert watch.changed(mark) is False
    mark = watch.mark()
    np.random.rand()
    assert watch.changed(mark) is True
