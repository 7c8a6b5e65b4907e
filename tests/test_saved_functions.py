"""kmeans_lab.saved_functions: a student's function carried from one notebook to the next.

The functions saved here are defined at module level, as in a notebook cell:
their source can be read back, and what they use from "the notebook" (this
module's globals) is what gets saved with them. The last test runs two real
notebooks in Jupyter kernels, one after the other, in a temporary folder.
"""

from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest

import kmeans_lab as kl
from kmeans_lab import saved_functions
from kmeans_lab.saved_functions import FOLDER_VARIABLE, use_and_save, use_saved

# --- "the notebook": what the student's functions use --------------------------------

SCALE = 1.0
OFFSETS = np.zeros(3)  # an array: cannot be saved with a function


def squared_distances(X, centroids):
    differences = X[:, None, :] - centroids[None, :, :]
    return (differences**2).sum(axis=2) * SCALE


def find_closest_centroids(X, centroids):
    """Closest centroid of every point, through a helper and a constant."""
    return np.argmin(squared_distances(X, centroids), axis=1)


def find_closest_centroids_L1(X, centroids):
    return np.argmin(np.abs(X[:, None, :] - centroids[None, :, :]).sum(axis=2), axis=1)


def find_closest_centroids_with_array(X, centroids):
    return np.argmin(((X[:, None, :] - centroids[None, :, :] + OFFSETS[0]) ** 2).sum(axis=2), 1)


def compute_centroids(X, labels, centroids):
    new_centroids = np.array(centroids, dtype=float)
    for k in range(new_centroids.shape[0]):  # a loop over the K clusters
        if np.any(labels == k):
            new_centroids[k] = X[labels == k].mean(axis=0)
    return new_centroids


def run_kmeans(X, initial_centroids, max_iters):
    centroids = np.array(initial_centroids, dtype=float)
    labels = find_closest_centroids(X, centroids)
    for _ in range(max_iters):
        centroids = compute_centroids(X, labels, centroids)
        labels = find_closest_centroids(X, centroids)
    return centroids, labels


closest = find_closest_centroids  # another exercise under another name


def run_kmeans_through_an_alias(X, initial_centroids, max_iters):
    centroids = np.array(initial_centroids, dtype=float)
    labels = closest(X, centroids)
    for _ in range(max_iters):
        centroids = kl.compute_centroids(X, labels, centroids)  # the reference, on purpose
        labels = closest(X, centroids)
    return centroids, labels


def compressed_bits(n_pixels, K):
    return 24 * K + n_pixels * math.ceil(math.log2(K))


def compressed_bits_not_done(n_pixels, K):
    raise NotImplementedError()


# --- helpers --------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """An empty working directory, as a fresh notebook folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(FOLDER_VARIABLE, raising=False)
    return tmp_path / "my_functions"


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


# --- use_and_save ---------------------------------------------------------------------


def test_a_passing_function_is_used_and_saved_with_what_it_needs(folder, capsys):
    assert use_and_save(find_closest_centroids) is find_closest_centroids
    (line,) = lines(capsys)
    assert line.startswith("using your find_closest_centroids: it passes its check (")
    assert line.endswith("; saved to my_functions/find_closest_centroids.py for the next notebooks")
    text = (folder / "find_closest_centroids.py").read_text()
    assert text.startswith("# find_closest_centroids: your function from 03_find_closest_centroids")
    assert "import numpy as np\n" in text
    assert "SCALE = 1.0\n" in text
    assert "def squared_distances(X, centroids):" in text
    assert '"""Closest centroid of every point, through a helper and a constant."""' in text
    assert "OFFSETS" not in text and "compute_centroids" not in text  # only what it uses
    assert max(len(line) for line in text.splitlines()) <= 99
    compile(text, "saved", "exec")
    assert (folder / "README.txt").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["README.txt", "find_closest_centroids.py"]


def test_a_failing_function_is_not_saved_and_the_reference_is_used(folder, capsys):
    used = use_and_save(find_closest_centroids_L1, "find_closest_centroids")
    assert used is kl.find_closest_centroids
    (line,) = lines(capsys)
    assert line.startswith("using the reference find_closest_centroids: yours fails case ")
    assert line.endswith("(not saved: the next notebooks use the reference too)")
    assert not folder.exists()


def test_a_failing_version_keeps_the_version_saved_before(folder, capsys):
    use_and_save(find_closest_centroids)
    before = (folder / "find_closest_centroids.py").read_text()
    capsys.readouterr()
    assert use_and_save(find_closest_centroids_L1, "find_closest_centroids") is (
        kl.find_closest_centroids
    )
    assert lines(capsys)[0].endswith(
        "(not saved: the next notebooks use the version you saved before, "
        "my_functions/find_closest_centroids.py)"
    )
    assert (folder / "find_closest_centroids.py").read_text() == before


def test_saving_again_rewrites_the_file(folder):
    use_and_save(find_closest_centroids, verbose=False)
    use_and_save(run_kmeans_through_an_alias, "find_closest_centroids", verbose=False)
    # (not a find_closest_centroids: its check fails, the file stays)
    use_and_save(compressed_bits, verbose=False)
    first = (folder / "compressed_bits.py").read_text()

    def compressed_bits_v2(n_pixels, K):
        return 24 * K + n_pixels * (K - 1).bit_length()

    globals()["compressed_bits_v2"] = compressed_bits_v2
    try:
        use_and_save(compressed_bits_v2, "compressed_bits", verbose=False)
    finally:
        del globals()["compressed_bits_v2"]
    second = (folder / "compressed_bits.py").read_text()
    assert second != first and "(K - 1).bit_length()" in second
    assert second.rstrip().endswith("compressed_bits = compressed_bits_v2")


def test_not_implemented_or_not_defined(folder, capsys):
    assert use_and_save(compressed_bits_not_done, "compressed_bits") is kl.compressed_bits
    assert use_and_save(None, "compressed_bits") is kl.compressed_bits
    first, second = lines(capsys)
    assert first == (
        "using the reference compressed_bits: yours is not implemented yet "
        "(not saved: the next notebooks use the reference too)"
    )
    assert second.startswith("using the reference compressed_bits: yours is not defined")
    with pytest.raises(ValueError, match="cannot tell which exercise"):
        use_and_save(squared_distances)


def test_a_function_using_an_array_of_the_notebook_is_used_but_not_saved(folder, capsys):
    used = use_and_save(find_closest_centroids_with_array, "find_closest_centroids")
    assert used is find_closest_centroids_with_array
    (line,) = lines(capsys)
    assert "it passes its check" in line
    assert line.endswith(
        "but it could not be saved for the next notebooks: it uses OFFSETS, a ndarray from "
        "your notebook, which cannot be saved with it: pass OFFSETS as an argument, or create "
        "it inside the function"
    )
    assert not (folder / "find_closest_centroids.py").exists()


def test_a_lambda_cannot_be_saved(folder, capsys):
    good = lambda n_pixels, K: 24 * K + n_pixels * (K - 1).bit_length()  # noqa: E731
    assert use_and_save(good, "compressed_bits") is good
    assert lines(capsys)[0].endswith(
        "could not be saved for the next notebooks: your function is a lambda: define it with def"
    )


def test_an_unwritable_folder_is_said_not_raised(tmp_path, capsys):
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    assert use_and_save(compressed_bits, folder=blocked) is compressed_bits
    line = lines(capsys)[0]
    assert "could not be saved for the next notebooks: writing" in line and "failed" in line


def test_the_folder_can_be_set_by_an_environment_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path / "elsewhere"))
    use_and_save(compressed_bits, verbose=False)
    assert (tmp_path / "elsewhere" / "compressed_bits.py").exists()
    assert not (tmp_path / "my_functions").exists()
    assert use_saved("compressed_bits") is not kl.compressed_bits


# --- use_saved --------------------------------------------------------------------------


def test_nothing_saved_gives_the_reference_and_says_who_saves_it(folder, capsys):
    assert use_saved("run_kmeans") is kl.run_kmeans
    assert lines(capsys) == [
        "using the reference run_kmeans: none saved in my_functions/ "
        "(04_compute_centroids saves yours once it passes its check)"
    ]
    with pytest.raises(ValueError, match="not an exercise"):
        use_saved("kmeans")


def test_a_saved_function_comes_back_in_a_namespace_of_its_own(folder, capsys):
    use_and_save(find_closest_centroids, verbose=False)
    loaded = use_saved("find_closest_centroids")
    assert lines(capsys) == [
        line for line in lines_of_use_saved("find_closest_centroids", "03_find_closest_centroids")
    ]
    assert loaded is not find_closest_centroids and loaded is not kl.find_closest_centroids
    assert loaded.__module__ == "my_functions.find_closest_centroids"
    assert loaded.__globals__ is not globals()
    assert loaded.__globals__["SCALE"] == 1.0
    X = np.random.default_rng(0).random((50, 3))
    C = X[:4]
    np.testing.assert_array_equal(loaded(X, C), kl.find_closest_centroids(X, C))


def lines_of_use_saved(name: str, notebook: str) -> list[str]:
    """The line use_saved prints for a passing function without dependencies (count aside)."""
    result = saved_functions.check_function(name)(globals()[name])
    return [
        f"using your {name}, saved by {notebook}: it passes its check "
        f"({result.n_passed}/{result.n_total})"
    ]


def test_run_kmeans_is_built_on_the_saved_steps(folder, capsys):
    use_and_save(run_kmeans, verbose=False)
    text = (folder / "run_kmeans.py").read_text()
    assert "def find_closest_centroids" not in text and "def compute_centroids" not in text
    assert "It calls find_closest_centroids and compute_centroids, not saved here" in " ".join(
        line.lstrip("# ") for line in text.splitlines()
    )

    rk = use_saved("run_kmeans")
    assert (
        "built on the reference find_closest_centroids and the reference compute_centroids"
        in (lines(capsys)[0])
    )
    assert rk.__globals__["find_closest_centroids"] is kl.find_closest_centroids

    use_and_save(find_closest_centroids, verbose=False)
    use_and_save(compute_centroids, verbose=False)
    rk = use_saved("run_kmeans")
    line = lines(capsys)[0]
    assert line.startswith(
        "using your run_kmeans, saved by 04_compute_centroids and built on your "
        "find_closest_centroids and your compute_centroids: it passes its check ("
    )
    steps = rk.__globals__
    assert steps["find_closest_centroids"].__module__ == "my_functions.find_closest_centroids"
    assert steps["compute_centroids"].__module__ == "my_functions.compute_centroids"
    X = np.random.default_rng(1).random((200, 3))
    C0 = X[:5]
    for got, expected in zip(rk(X, C0, 4), kl.run_kmeans(X, C0, 4)):
        np.testing.assert_allclose(got, expected)


def test_another_exercise_under_another_name_stays_a_dependency(folder, capsys):
    use_and_save(run_kmeans_through_an_alias, "run_kmeans", verbose=False)
    text = (folder / "run_kmeans.py").read_text()
    assert "closest = find_closest_centroids\n" in text
    assert "import kmeans_lab as kl\n" in text  # kl.compute_centroids stays the reference
    use_and_save(find_closest_centroids, verbose=False)
    rk = use_saved("run_kmeans")
    assert "built on your find_closest_centroids:" in lines(capsys)[0]
    assert rk.__globals__["closest"].__module__ == "my_functions.find_closest_centroids"


def test_a_broken_or_edited_file_falls_back_to_the_reference(folder, capsys):
    use_and_save(compressed_bits, verbose=False)
    path = folder / "compressed_bits.py"
    text = path.read_text()

    path.write_text(text + "\ndef oops(:\n")
    assert use_saved("compressed_bits") is kl.compressed_bits
    assert lines(capsys)[0].startswith(
        "using the reference compressed_bits: my_functions/compressed_bits.py could not be "
        "read (SyntaxError:"
    )

    path.write_text(text + "\nundefined_name + 1\n")
    assert use_saved("compressed_bits") is kl.compressed_bits
    assert lines(capsys)[0] == (
        "using the reference compressed_bits: my_functions/compressed_bits.py could not be "
        "loaded (NameError: name 'undefined_name' is not defined)"
    )

    path.write_text(text.replace("24 * K", "24 * n_pixels"))
    assert use_saved("compressed_bits") is kl.compressed_bits
    assert lines(capsys)[0].startswith(
        "using the reference compressed_bits: your saved one (my_functions/compressed_bits.py) "
        "fails case "
    )

    path.write_text("# nothing here\n")
    assert use_saved("compressed_bits") is kl.compressed_bits
    assert lines(capsys)[0].endswith(
        "my_functions/compressed_bits.py does not define compressed_bits"
    )


def test_saved_files_cannot_clash_with_each_other_or_the_notebook(folder):
    """Two files with a helper of the same name, and the loading notebook's own names."""
    (folder).mkdir()
    (folder / "compressed_bits.py").write_text(
        "import math\n\n\ndef helper(K):\n    return math.ceil(math.log2(K))\n\n\n"
        "def compressed_bits(n_pixels, K):\n    return 24 * K + n_pixels * helper(K)\n"
    )
    (folder / "pixels_to_image.py").write_text(
        "def helper(pixels, shape):\n    return pixels.reshape(shape[0], shape[1], -1)\n\n\n"
        "def pixels_to_image(pixels, shape):\n    return helper(pixels, shape)\n"
    )
    bits = use_saved("compressed_bits", verbose=False)
    to_image = use_saved("pixels_to_image", verbose=False)
    assert bits is not kl.compressed_bits and to_image is not kl.pixels_to_image
    assert bits(16384, 16) == 65_920
    assert to_image(np.zeros((6, 3)), (2, 3, 3)).shape == (2, 3, 3)
    assert "helper" not in globals()


# --- in Jupyter, one notebook after the other ----------------------------------------------


def _run_notebook(cells: list[str], folder) -> list[str]:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return [
        "".join(output.get("text", ""))
        for cell in nb.cells
        for output in cell.outputs
        if output.output_type == "stream"
    ]


@pytest.mark.slow  # end to end: two notebooks run in kernels; make test-quick skips it
def test_a_function_written_in_one_notebook_is_used_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv(FOLDER_VARIABLE, raising=False)
    first = _run_notebook(
        [
            "import numpy as np\nfrom kmeans_lab.saved_functions import use_and_save",
            "def squared(d):\n    return (d ** 2).sum(axis=2)\n\n\n"
            "def find_closest_centroids(X, centroids):\n"
            "    return np.argmin(squared(X[:, None, :] - centroids[None, :, :]), axis=1)",
            "closest = use_and_save(find_closest_centroids)",
        ],
        tmp_path,
    )
    assert first[0].startswith("using your find_closest_centroids: it passes its check")
    assert "saved to my_functions/find_closest_centroids.py" in first[0]
    second = _run_notebook(
        [
            "from kmeans_lab.saved_functions import use_saved\n"
            "find_closest_centroids = use_saved('find_closest_centroids')\n"
            "run_kmeans = use_saved('run_kmeans')",
            "import numpy as np\nX = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])\n"
            "print(find_closest_centroids(X, X[[0, 2]]), find_closest_centroids.__module__)",
        ],
        tmp_path,
    )
    assert second[0].startswith(
        "using your find_closest_centroids, saved by 03_find_closest_centroids: it passes its check"
    )
    assert "using the reference run_kmeans: none saved in my_functions/" in second[0]
    assert second[-1] == "[0 0 1] my_functions.find_closest_centroids\n"
