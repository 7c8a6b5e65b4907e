"""The parts of the sandboxed grader that need no sandbox: plain data, replay, flags, similarity.

- :mod:`kmeans_lab.grading.transport` rebuilds every kind of value a student's
  function may return, and refuses malformed or oversized data;
- plan -> record -> replay (``tools.grading.replay``, :mod:`kmeans_lab.grading.record`):
  every implementation of the catalogue, carried over as its source
  (:func:`kmeans_lab.saved_functions.function_source`), gets the same message
  as from the check itself, and a recording that does not belong to its plan,
  or names an unknown forbidden call, is refused;
- ``tools.grading.sandbox_report`` reads a sandbox's frames defensively, and
  ``tools.grading.judge`` puts the verdict first in a check cell, as nbgrader
  scores it;
- ``tools.grading.similarity`` and ``tools.grading.flags`` raise the flags
  the README promises, and no others;
- ``tools.grading.integrity`` sees a file added to site-packages.
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kmeans_lab.checks.fallback import check_function
from kmeans_lab.checks.registry import EXERCISES
from kmeans_lab.checks.results import CheckFailure
from kmeans_lab.grading import transport
from kmeans_lab.grading.record import record
from kmeans_lab.saved_functions import function_source
from tools.catalogue import RIGHT, WRONG

REPO = Path(__file__).resolve().parents[1]

pytest.importorskip("nbgrader")
from tools.grading import cells, flags, integrity, replay, similarity  # noqa: E402
from tools.grading.judge import Verdict, verdict_dict, verdict_output  # noqa: E402
from tools.grading.sandbox_report import read_sandbox_report  # noqa: E402

# --- transport ------------------------------------------------------------------------


class Odd:
    def __repr__(self):
        return "Odd(42)"


VALUES = [
    None,
    True,
    7,
    -(2**80),
    2.5,
    float("nan"),
    float("-inf"),
    1 + 2j,
    "text",
    np.int32(4),
    np.float32(1.5),
    np.bool_(True),
    np.arange(6).reshape(2, 3),
    np.array(["a", "bc"]),
    np.zeros((0, 3)),
    np.array([1.0, np.nan]),
    [1, [2.0, (3, "x")]],
    (np.arange(3), np.arange(3.0)),
    [],
    np.array([None, 1], dtype=object),
    {"a": 1},
    Odd(),
    np.random.default_rng(3),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_values_come_back_with_their_type_and_contents(value):
    arrays = {}
    document, back = transport.load(transport.dump({"v": transport.encode(value, arrays)}, arrays))
    got = transport.decode(document["v"], back)
    if isinstance(value, np.random.Generator):
        assert got.bit_generator.state == value.bit_generator.state
    elif isinstance(value, np.ndarray) and value.dtype != object:
        assert got.dtype == value.dtype and got.shape == value.shape
        assert np.array_equal(got, value, equal_nan=value.dtype.kind == "f")
    elif isinstance(value, (dict, Odd)) or (isinstance(value, np.ndarray)):
        assert repr(got) == repr(value) and type(got).__name__ == type(value).__name__
    elif isinstance(value, float) and math.isnan(value):
        assert type(got) is float and math.isnan(got)
    else:
        assert type(got) is type(value) and repr(got) == repr(value)


@pytest.mark.parametrize(
    "tag",
    [
        [],
        {"t": "int", "v": "12a"},
        {"t": "int", "v": "9" * 5000},
        {"t": "float", "v": 3},
        {"t": "ndarray", "a": "missing"},
        {"t": "list", "items": "no"},
        {"t": "wat"},
        {"t": "generator", "state": {"bit_generator": "MT19937"}},
        {"t": "objarray", "shape": [3], "items": []},
    ],
)
def test_malformed_tags_are_refused(tag):
    with pytest.raises(transport.TransportError):
        transport.decode(tag, {})


def test_too_deep_or_too_large_values_are_refused():
    deep = current = []
    for _ in range(100):
        current.append([])
        current = current[0]
    with pytest.raises(transport.TransportError, match="nested"):
        transport.encode(deep, {})
    with pytest.raises(transport.TransportError):
        transport.load(b"\x00" * 7)


def test_compressed_arrays_are_refused():
    buffer = io.BytesIO()
    np.savez_compressed(buffer, a=np.zeros(1000))
    data = (2).to_bytes(8, "big") + b"{}" + buffer.getvalue()
    with pytest.raises(transport.TransportError, match="compressed"):
        transport.load(data)
    with pytest.raises(transport.TransportError):
        transport.load((2).to_bytes(8, "big") + b"{}" + b"PK not a zip")
    assert zipfile.is_zipfile(io.BytesIO(buffer.getvalue()))


ARRAYS = {
    "float64 2-D": np.arange(12.0).reshape(3, 4),
    "Fortran order": np.asfortranarray(np.arange(6).reshape(2, 3)),
    "0-d": np.array(5),
    "zero-size": np.zeros((0, 3)),
    "unicode": np.array(["ab", "c"]),
    "bytes": np.array([b"xy"]),
    "complex": np.array([1 + 2j]),
    "datetime": np.array(["2020-01-01"], dtype="M8[ns]"),
    "structured": np.zeros(2, dtype=[("x", "<f8"), ("y", "<i4")]),
    "bool": np.array([True, False]),
    "big-endian": np.arange(3, dtype=">i2"),
    "void": np.zeros(2, dtype="V4"),
    "float16 3-D": np.ones((2, 1, 2), dtype=np.float16),
}


def _npz(arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ARRAYS)
def test_arrays_read_back_as_numpy_reads_them(name):
    """transport reads a .npy header itself (NumPy's ast parse is slow): same array, writable."""
    data = _npz({"a": ARRAYS[name]})
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        want = archive["a"]
    _, got = transport.load((2).to_bytes(8, "big") + b"{}" + data)
    got = got["a"]
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)
    assert got.flags.writeable and got.flags.f_contiguous == want.flags.f_contiguous
    got[...] = want  # a function under test may write into its arguments


@pytest.mark.parametrize(
    "header, body",
    [
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", b"\0" * 16),  # short
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 9),  # long
        ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8),  # pickle
        ("{'descr': 'nonsense', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8),
        ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999,), }", b""),
    ],
)
def test_a_forged_array_is_refused(header, body):
    header = header.ljust(117) + "\n"
    member = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + body
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.npy", member)
    with pytest.raises(transport.TransportError):
        transport.load((2).to_bytes(8, "big") + b"{}" + buffer.getvalue())


# --- plan, record (from the source), replay ----------------------------------------------


def _message(run):
    try:
        return "OK " + repr(run())
    except CheckFailure as failure:
        # the line that raised is numbered from the function's own first line there
        return re.sub(
            r"raised at line \d+", "raised at line #", f"FAIL {failure} | {failure.reason}"
        )


PLANS = {}


def _plan(exercise, n_random, seed):
    if (exercise, n_random, seed) not in PLANS:
        PLANS[exercise, n_random, seed] = replay.plan(exercise, n_random=n_random, seed=seed)
    return PLANS[exercise, n_random, seed]


def _recorded(plan, exercise, func):
    """Record ``func`` as the grader does: from its source, with the references it builds on."""
    from tools.grading.fresh import dependencies

    return record(plan, function_source(func, exercise), dependencies(exercise))


ENTRIES = [
    pytest.param(ex, e, id=f"{ex}-{kind}-{e.name}")
    for ex in EXERCISES
    for kind, group in (("wrong", WRONG), ("right", RIGHT))
    for e in group[ex]
    # a function that calls a forbidden one: where it is graded, that one is absent
    # (tests/test_grading_isolation.py)
    if e.kind != "provenance"
]


@pytest.mark.parametrize("exercise, entry", ENTRIES)
def test_replay_of_the_source_gives_the_check_s_own_message(exercise, entry):
    check = check_function(exercise)
    plan = _plan(exercise, 3, 0)
    direct = _message(lambda: check(entry.func))
    replayed = _message(
        lambda: replay.replay(plan, _recorded(plan, exercise, entry.func), n_random=3, seed=0)
    )
    if replayed != direct:
        # Not yet carried across the sandbox wall (issue 19): parameters named in another
        # order, and probes that a recording stopped before. The kernel's check says more
        # where the replay states facts. (A change of NumPy's global random state is
        # recorded: its message must be the same.)
        try:
            check(entry.func)
        except CheckFailure as failure:
            assert (
                failure.claim == "diagnosis" or "in this order" in str(failure).splitlines()[0]
            ), direct
        assert replayed.startswith("FAIL "), replayed
        return
    assert replayed == direct


@pytest.mark.parametrize("exercise", EXERCISES)
def test_replay_with_hidden_settings_and_a_wrong_recording(exercise):
    plan = _plan(exercise, 25, 987)
    good, bad = RIGHT[exercise][0].func, WRONG[exercise][0].func
    assert replay.replay(plan, _recorded(plan, exercise, good), n_random=25, seed=987).passed
    other = _plan(exercise, 3, 0)
    with pytest.raises((replay.PlanError, transport.TransportError, CheckFailure)):
        replay.replay(plan, _recorded(other, exercise, good), n_random=25, seed=987)
    with pytest.raises(CheckFailure):
        replay.replay(plan, _recorded(plan, exercise, bad), n_random=25, seed=987)


def test_a_recording_naming_an_unknown_forbidden_call_is_refused():
    plan = _plan("compressed_bits", 3, 0)
    document, arrays = transport.load(
        record(plan, "def compressed_bits(n_pixels, K):\n    return 0")
    )
    document["identity"] = "os.system"
    with pytest.raises(transport.TransportError, match="forbidden"):
        replay.replay(plan, transport.dump(document, arrays), n_random=3, seed=0)


def test_the_plan_holds_inputs_only():
    plan = _plan("find_closest_centroids", 3, 0)
    document, arrays = transport.load(plan)
    assert set(document) == {"format", "exercise", "calls"}
    for call in document["calls"]:  # (X, centroids) and whether to count lines: no answers
        assert set(call) == {"args", "count_lines"} and len(call["args"]) == 2


# --- judge: frames and verdicts ---------------------------------------------------------


def _frames(*documents):
    return b"".join(
        len(d).to_bytes(8, "big") + d for d in (transport.dump(doc, {}) for doc in documents)
    )


def test_frames_with_bad_outputs_or_unknown_cells_are_not_trusted():
    data = _frames(
        {
            "cell": 0,
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "ok"},
                {"output_type": "stream", "name": "elsewhere", "text": "x"},
                {"output_type": "execute_result", "data": 5},
            ],
        },
        {"cell": 99, "outputs": []},
        {"done": True},
    )
    report = read_sandbox_report(data, [0, 1], timed_out=False, overflowed=False)
    assert report.outputs == {0: [{"output_type": "stream", "name": "stdout", "text": "ok"}]}
    assert not report.done and report.died_in == 2
    assert report.problem == "the notebook's results could not be read"


def test_the_verdict_comes_first_as_nbgrader_scores_a_cell():
    from nbformat.v4 import new_code_cell, new_output
    from nbgrader.utils import determine_grade

    fail = Verdict("f", 0.0, 3.0, False, "f: case 1 of 9 failed (x)\n  hint: y", "CheckFailure: f")
    ok = Verdict("f", 3.0, 3.0, True, "f: 9/9 checks passed", "")
    fooled = new_output("execute_result", execution_count=1, data={"text/plain": "f: passed"})
    for verdict, points in ((fail, 0.0), (ok, 3.0)):
        cell = new_code_cell("check_f(f)", outputs=[verdict_output(verdict), fooled])
        cell.metadata["nbgrader"] = {
            "grade": True,
            "grade_id": "check_f",
            "points": 3,
            "solution": False,
            "locked": True,
        }
        assert determine_grade(cell)[0] == points
    assert verdict_dict(fail)["note"] == "CheckFailure: f"


# --- flags and similarity ---------------------------------------------------------------


LOOP = '''def compute_centroids(X, labels, centroids):
    """Mine."""
    new = np.array(centroids, dtype=float)
    for k in range(len(centroids)):
        members = X[labels == k]
        if len(members) > 0:
            total = np.zeros(X.shape[1])
            for row in members:
                total = total + row
            new[k] = total / len(members)
    return new
'''


def _renamed(source: str) -> str:
    return (
        source.replace("new", "out")
        .replace("members", "pts")
        .replace("total", "acc")
        .replace("row", "x_i")
        .replace('"""Mine."""', '"""Copied, renamed."""')
    )


def test_renaming_and_docstrings_do_not_hide_a_copy():
    a = similarity.normalise(LOOP, "compute_centroids")
    b = similarity.normalise(_renamed(LOOP), "compute_centroids")
    assert a == b and len(a) >= similarity.MIN_TOKENS


def test_similarity_flags_pairs_and_the_reference_but_not_common_or_short_solutions():
    import inspect

    import kmeans_lab.kmeans as km

    reference = inspect.getsource(km.compute_centroids)
    common = {f"s{i}": {"compute_centroids": LOOP} for i in range(3)}
    short = "def image_to_pixels(image):\n    return image.reshape(-1, image.shape[-1])\n"
    sources = {
        "ann": {"compute_centroids": LOOP.replace("len(members) > 0", "members.size")},
        "bob": {"compute_centroids": _renamed(LOOP).replace("len(pts) > 0", "pts.size")},
        "cat": {"compute_centroids": reference},
        "dan": {"image_to_pixels": short},
        "eve": {"image_to_pixels": short},
        **common,
    }
    found = similarity.find_matches(sources)
    assert any("matches bob's" in f for f in found["ann"])
    assert any("matches ann's" in f for f in found["bob"])
    assert any("course's reference implementation" in f for f in found["cat"])
    assert "dan" not in found and "eve" not in found  # too short to tell
    assert not any(s in found for s in common)  # a common solution


def test_static_flags_name_the_reference_under_any_alias(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    answer = new_code_cell(
        "def find_closest_centroids(X, centroids):\n"
        "    return fcc(X, centroids) if len(X) else klk.find_closest_centroids(X, centroids)\n"
    )
    answer.metadata["nbgrader"] = {"grade_id": "find_closest_centroids", "solution": True}
    nb = new_notebook(
        cells=[
            new_code_cell(
                "from kmeans_lab import find_closest_centroids as fcc\n"
                "import kmeans_lab.kmeans as klk"
            ),
            answer,
            new_code_cell("import importlib"),
        ]
    )
    ours = cells.course_sources_of([nb.cells[0]])  # the course's cell, as the gradebook has it
    lines = flags.notebook_flags(tmp_path, "03", nb, ours)
    assert lines == [
        "03 cell 3: import importlib (names importlib)",
        "03 cell 2: find_closest_centroids names the course's "
        "kmeans_lab.kmeans.find_closest_centroids",
    ]


def test_integrity_sees_a_file_added_to_site_packages(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "watched_folders", lambda: [tmp_path])
    (tmp_path / "a.py").write_text("x = 1")
    before = integrity.fingerprint()
    (tmp_path / "zz.pth").write_text("import os")
    (tmp_path / "a.py").write_text("x = 2")
    assert integrity.compare(before, integrity.fingerprint()) == [
        f"added: {tmp_path / 'zz.pth'}",
        f"changed: {tmp_path / 'a.py'}",
    ]


def test_a_timeout_names_the_call_that_was_running_with_its_inputs_from_the_plan(tmp_path):
    """The call's number comes from the recorder's stderr, its inputs from the run's own plan."""
    from types import SimpleNamespace

    from kmeans_lab.grading.record import PROGRESS, read_plan
    from tools.grading import judge as judge_module
    from tools.grading.replay import plan
    from tools.sandbox import SandboxResult

    bundle = plan("compute_centroids", n_random=3, seed=7)
    (tmp_path / "compute_centroids.plan").write_bytes(bundle)
    run = SimpleNamespace(plan_file=lambda exercise: tmp_path / f"{exercise}.plan")
    _, calls, _ = read_plan(bundle)
    total = len(calls)
    stderr = f"noise\n{PROGRESS}1/{total}\nprinted by the student\n{PROGRESS}2/{total}\n"
    result = SandboxResult(returncode=-9, data=b"", timed_out=True, stderr=stderr)
    answers, reason = judge_module._from_fresh_sandbox(result, 10, "compute_centroids", run)
    assert answers is None
    assert reason.startswith("not graded: your function ran longer than 10 s")
    assert f"(call 2 of {total} was running: X of shape " in reason
    assert "labels of shape (" in reason and "centroids of shape (" in reason
    # the real recorder announces each call before it starts: stopped in call 1 of a loop
    loop = "def compute_centroids(X, labels, centroids):\n    while True:\n        pass\n"
    program = (
        "import sys; from pathlib import Path; from kmeans_lab.grading.record import record\n"
        f"record(Path({str(tmp_path / 'compute_centroids.plan')!r}).read_bytes(), {loop!r})\n"
    )
    with pytest.raises(subprocess.TimeoutExpired) as stopped:
        subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=5)
    stderr = stopped.value.stderr.decode()
    result = SandboxResult(returncode=-9, data=b"", timed_out=True, stderr=stderr)
    _, reason = judge_module._from_fresh_sandbox(result, 10, "compute_centroids", run)
    assert f"(call 1 of {total} was running: X of shape " in reason
    # a forged or missing announcement says nothing it cannot prove
    for forged in ["", f"{PROGRESS}{total + 5}/{total}\n", f"{PROGRESS}1/{total + 1}\n"]:
        result = SandboxResult(returncode=-9, data=b"", timed_out=True, stderr=forged)
        _, reason = judge_module._from_fresh_sandbox(result, 10, "compute_centroids", run)
        assert reason.endswith("inputs and was stopped"), reason


def test_the_environment_is_compiled_once_for_the_sandboxes_that_cannot_write_bytecode(
    tmp_path, monkeypatch
):
    """uv installs without bytecode: a run's preparation writes it where the grader may."""
    import os

    from tools.grading import integrity, runs

    writable, read_only = tmp_path / "site", tmp_path / "locked"
    for folder in (writable, read_only):
        (folder / "pkg").mkdir(parents=True)
        (folder / "pkg" / "mod.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(integrity, "watched_folders", lambda: [writable, read_only])
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != read_only)
    before = integrity.fingerprint()
    runs.compile_environment()
    assert list((writable / "pkg" / "__pycache__").glob("mod.*.pyc"))
    assert not (read_only / "pkg" / "__pycache__").exists()
    assert integrity.compare(before, integrity.fingerprint()) == []  # bytecode is not watched


SEEDS_THE_GLOBAL_STATE = """import numpy as np
def find_closest_centroids(X, centroids):
    np.random.seed(12345)  # a global state of its own, left behind
    return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
"""


def test_a_call_that_changes_the_global_random_state_is_flagged_and_the_state_put_back():
    from kmeans_lab.checks.runner import Runner
    from kmeans_lab.grading.record import read_plan

    X, centroids = np.arange(12.0).reshape(4, 3), np.array([[0.0, 1, 2], [9, 10, 11]])
    np.random.seed(7)
    before = np.random.get_state()
    namespace: dict = {}
    exec(SEEDS_THE_GLOBAL_STATE, namespace)
    outcome = Runner("find_closest_centroids", namespace["find_closest_centroids"]).invoke(
        (X.copy(), centroids.copy())
    )
    assert outcome.global_random and outcome.raised is None  # the kernel's check ...
    assert np.array_equal(np.random.get_state()[1], before[1])  # ... puts the state back
    plan = replay.plan("find_closest_centroids", n_random=0, seed=1)
    document, _ = transport.load(record(plan, SEEDS_THE_GLOBAL_STATE))  # the fresh sandbox's
    assert [c["global_random"] for c in document["calls"]] == [True] * len(read_plan(plan)[1])
    assert np.array_equal(np.random.get_state()[1], before[1])


def test_the_grader_reads_each_plan_once_and_hands_out_copies():
    plan = replay.plan("compute_centroids", n_random=2, seed=3)
    first = replay._read_plan(plan)
    key, array = next(iter(first[2].items()))
    array[...] = -1  # a caller that writes into its arrays or calls ...
    first[1].clear()
    again = replay._read_plan(plan)  # ... changes nothing the next student gets
    assert again[0] == "compute_centroids" and again[1] and not np.all(again[2][key] == -1)
    assert replay._read_once.cache_info().hits >= 1


# --- a student's exercises recorded in one go, a failure costing one notebook ------------


class _Settings:
    cell_timeout = 7


class _RecorderRun:
    recorder = "view"


def test_a_students_exercises_are_recorded_in_one_go_or_notebook_by_notebook(monkeypatch):
    from tools.grading import worker
    from tools.grading.fresh import Job

    calls = []

    def recording(jobs, view, *, seconds, slot):
        calls.append(sorted(j.exercise for j in jobs))
        if "boom" in {j.source for j in jobs}:
            raise RuntimeError("no uid free")
        return {j.exercise: f"recorded {j.exercise}" for j in jobs}

    monkeypatch.setattr(worker, "record_in_fresh_sandboxes", recording)
    a = [Job("init_centroids", b"", "ok")]
    b = [Job("find_closest_centroids", b"", "ok"), Job("compute_centroids", b"", "ok")]
    got = worker._record_all({"02": a, "04": b}, _RecorderRun(), _Settings(), 0)
    assert calls == [["compute_centroids", "find_closest_centroids", "init_centroids"]]
    assert got["04"] == {
        "find_closest_centroids": "recorded find_closest_centroids",
        "compute_centroids": "recorded compute_centroids",
    }
    # the batch fails: each notebook again on its own, and only the failing one fails
    calls.clear()
    c = [Job("compressed_bits", b"", "boom")]
    got = worker._record_all({"02": a, "05": c}, _RecorderRun(), _Settings(), 0)
    assert calls == [["compressed_bits", "init_centroids"], ["init_centroids"], ["compressed_bits"]]
    assert got["02"] == {"init_centroids": "recorded init_centroids"}
    assert isinstance(got["05"], RuntimeError)
    # the same exercise reported by two notebooks: never mixed, notebook by notebook
    calls.clear()
    twice = [Job("init_centroids", b"", "other")]
    got = worker._record_all({"02": a, "03": twice}, _RecorderRun(), _Settings(), 0)
    assert calls == [["init_centroids"], ["init_centroids"]]
