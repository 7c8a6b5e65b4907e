"""A class on a real JupyterHub, end to end, as the README's hub section says.

One instructor and two students, local users with passwords, log in through
PAM on a JupyterHub on 127.0.0.1 (the default local spawner,
configurable-http-proxy). The hub image is a venv built by
:func:`hub_helpers.build_hub_image` (``pip install '.[hub]'``, by uv's pip when at hand,
``tools/hide_instructor_tools.sh --hub``, the system-wide nbgrader
configuration) with a nbgrader exchange in a temporary root. Then:

1. the instructor, in a clone of this repository, runs ``make release`` and
   ``nbgrader release_assignment kmeans_lab``;
2. each student logs in with Chromium, opens the Assignments tab from the
   Nbgrader menu, fetches the course, runs notebook 03 with an answer (one
   correct, one with ``argmax``), saves it and submits it;
3. the instructor runs ``nbgrader collect``, ``make autograde grades
   feedback`` (the sandbox without root) and ``nbgrader release_feedback``;
4. a student fetches the feedback and reads it; the instructor opens the
   formgrader.

Asserted: the grades, the hint in the feedback and no seed, that students
see no instructor tool (the Nbgrader menu lists only "Assignment List", the
page loads no instructor plugin, ``/formgrader`` answers 404), that a
student reads neither the other's work nor the instructor's course (its
``run.json``, gradebook, submissions), and that no process and no user the
test made is left. Screenshots: ``test-artifacts/hub_*.png``.

Needs root, ``/usr/bin/chromium``, bubblewrap with unprivileged user
namespaces (the instructor grades without root), ``npm ci --prefix
tests/hub`` (configurable-http-proxy; ``.ci/run`` does all of these), and a
Python every user can run (the project's ``.venv`` may use a Python under
root's home, which students cannot run: the hub image is built from this
run's base Python when every user can run it, else from Debian's
``/usr/bin/python3``). Run time, measured on 2 cores shared with a load
average near 20: 7 minutes, of which 2 build the image with pip's cache warm
(5 more with a cold cache); with uv (``make install``'s ``.venv``), 4.6 minutes in all
at load 5 to 6; ``KMEANS_LAB_HUB_IMAGE=<folder>`` reuses an image built before.
KMEANS_LAB_REQUIRE_HUB=1 (CI) turns a missing requirement into a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from importlib.metadata import requires
from pathlib import Path

import pytest
from hub_helpers import PROXY, REPO, Hub, LocalUsers, build_hub_image, pip_install, shared_python

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
NOTEBOOK = "03_find_closest_centroids"
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
STUDENT_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]


def _missing() -> list[str]:
    missing = []
    if os.geteuid() != 0:
        missing.append("root (to create local users)")
    for tool in ("useradd", "userdel", "chpasswd", "runuser", "setpriv", "bwrap", "make", "git"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if not CHROMIUM.exists():
        missing.append("/usr/bin/chromium (apt-get install -y chromium)")
    if not PROXY.exists():
        missing.append("configurable-http-proxy (npm ci --prefix tests/hub)")
    return missing


MISSING = _missing()
if MISSING and os.environ.get("KMEANS_LAB_REQUIRE_HUB") == "1":
    pytest.fail("KMEANS_LAB_REQUIRE_HUB=1 but missing: " + ", ".join(MISSING), pytrace=False)
if MISSING:
    pytest.skip("hub test not run: missing " + ", ".join(MISSING), allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kmeans_lab._stamp import STAMP_KEY, package_stamp  # noqa: E402

#: What the README tells the instructor to run once, in a terminal of their own server.
FORMGRADER_FOR_ME = """
mkdir -p ~/.jupyter
echo '{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": true}}}' \\
    > ~/.jupyter/jupyter_server_config.json
echo "c.CourseDirectory.root = '$HOME/kmeans-lab/course'" > ~/.jupyter/nbgrader_config.py
"""


def _tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [p for p in out.split("\0") if p and (REPO / p).is_file()]


def make_clone(users: LocalUsers, instructor: str, image: Path) -> Path:
    """The instructor's clone: the checkout's files, owned by them, and a ``.venv``.

    In a terminal of their own server, ``make install`` would make ``.venv``
    from the image's Python and install the package there (minutes); the test
    makes ``.venv`` a copy of the image instead (hard links: seconds), a real
    folder as ``make install`` makes, not a link (the grading sandbox binds the
    environment's own path).
    """
    clone = users.home(instructor) / "kmeans-lab"
    for rel in _tracked_files():
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, clone / rel)
        shutil.copymode(REPO / rel, clone / rel)
    subprocess.run(["chown", "-R", f"{instructor}:{instructor}", str(clone)], check=True)
    venv = clone / ".venv"
    # `make install` also installs the instructor extra (latex2mathml: the feedback's maths),
    # which the students' image has not. The copy's scripts (nbgrader) run the image's Python,
    # so the extra goes into the image before it is copied (the students never import it).
    instructor_extra = [
        r.split(";")[0].strip() for r in requires("kmeans-lab") if 'extra == "instructor"' in r
    ]
    subprocess.run(pip_install(image, *instructor_extra), check=True)
    if subprocess.run(["cp", "-al", str(image), str(venv)], capture_output=True).returncode:
        shutil.rmtree(venv, ignore_errors=True)
        shutil.copytree(image, venv, symlinks=True)
    (venv / ".installed").touch()  # make's stamp: newer than pyproject.toml and Makefile
    return clone


def login(browser, hub: Hub, name: str, password: str):
    """A new browser context logged in as ``name``, on JupyterLab (server spawned)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login", wait_until="domcontentloaded")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{name}/lab"), timeout=300_000)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=180_000)
    return page


def open_assignments(page) -> list[str]:
    """Open the Assignments tab from the Nbgrader menu; return the menu's entries."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
    menu = page.locator("#jp-mainmenu-nbgrader")
    expect(menu).to_be_visible(timeout=30_000)
    entries = [t.strip() for t in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]
    menu.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Assignment List$")).click()
    expect(page.locator("#released_assignments_list")).to_be_visible(timeout=60_000)
    return [e for e in entries if e]


def disabled_plugins(page, hub: Hub, name: str) -> set[str]:
    """The plugins the user's JupyterLab page is told not to load (its page config)."""
    html = page.request.get(f"{hub.url}/user/{name}/lab").text()
    found = re.search(r'<script id="jupyter-config-data"[^>]*>(.*?)</script>', html, re.S)
    assert found, "no page config in the lab page"
    value = json.loads(found.group(1)).get("disabledExtensions") or []
    return {k for k in value if not isinstance(value, dict) or value[k]}


def kernel_idle(page) -> None:
    """Wait until the notebook's kernel is idle, choosing the preferred kernel if asked.

    (JupyterLab may ask "Select Kernel" for a notebook fetched moments ago; a
    student clicks Select, with Python 3 preselected.)
    """
    indicator = page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator")
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if dialog.count() and dialog.is_visible():
            dialog.get_by_role("button", name="Select").click()
        elif indicator.get_attribute("data-status") == "idle":
            page.wait_for_timeout(1000)  # a dialog may come right after the kernel starts
            if not dialog.count() and indicator.get_attribute("data-status") == "idle":
                return
        page.wait_for_timeout(500)
    raise AssertionError("the notebook's kernel never became idle")


def press(page, section: str, button: str) -> None:
    """Click ``button`` on the kmeans_lab row of a section of the Assignments tab."""
    rows = page.locator(f"#{section}_assignments_list")
    expect(rows).to_contain_text("kmeans_lab", timeout=120_000)
    rows.get_by_role("button", name=button).first.click()


def work_and_submit(page, hub: Hub, name: str, home: Path, answer: str, shot: str) -> dict:
    """Fetch, answer notebook 03 (written as the student types it), run it, save, submit."""
    assert open_assignments(page) == ["Assignment List"]
    press(page, "released", "Fetch")
    expect(page.locator("#fetched_assignments_list")).to_contain_text("kmeans_lab", timeout=120_000)
    path = home / "kmeans_lab" / f"{NOTEBOOK}.ipynb"
    assert path.exists(), f"fetching put no {path}"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "find_closest_centroids":
            cell["source"] = answer
    stat = path.stat()
    path.write_text(json.dumps(nb))
    os.chown(path, stat.st_uid, stat.st_gid)

    page.goto(f"{hub.url}/user/{name}/lab/tree/kmeans_lab/{NOTEBOOK}.ipynb")
    expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=120_000)
    kernel_idle(page)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_timeout(2000)
    kernel_idle(page)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Save Notebook$")).click()
    deadline = time.monotonic() + 60
    saved = {}
    while time.monotonic() < deadline:
        saved = json.loads(path.read_text())
        if any(c.get("outputs") for c in saved["cells"] if c["cell_type"] == "code"):
            break
        time.sleep(1)
    else:
        raise AssertionError(f"{name}'s notebook was not saved with its outputs")
    assert open_assignments(page) == ["Assignment List"]
    press(page, "fetched", "Submit")
    expect(page.locator("#submitted_assignments_list")).to_contain_text(
        "kmeans_lab", timeout=120_000
    )
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    return saved


def check_output(nb: dict) -> str:
    """The outputs of the find_closest_centroids check cell, as text."""
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id == "check_find_closest_centroids":
            return json.dumps(cell.get("outputs", []))
    raise AssertionError("no check cell")


def stamps(nb: dict) -> list[dict]:
    return [
        o["metadata"][STAMP_KEY]
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if STAMP_KEY in o.get("metadata", {})
    ]


def grades(path: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    import csv

    with open(path, newline="") as f:
        return {
            (r["student"], r["exercise"]): (r["points"], r["max_points"], r["note"])
            for r in csv.DictReader(f)
        }


def test_a_class_on_a_real_jupyterhub():
    started = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    python = shared_python()
    assert python, (
        "no Python that every user can run (this run's is under a folder others cannot "
        "enter, and /usr/bin/python3 is missing): the hub's users need one"
    )
    users = LocalUsers()
    root = Path(tempfile.mkdtemp(prefix="kmeans-lab-hub-"))
    hub = None
    timings = {}
    try:
        root.chmod(0o755)
        exchange = root / "exchange"  # README: mkdir -p /srv/nbgrader/exchange && chmod ugo+rw
        exchange.mkdir()
        exchange.chmod(0o777)
        state = root / "state"
        state.mkdir(mode=0o700)
        image = build_hub_image(root / "image", exchange, python)
        timings["image"] = time.monotonic() - started
        # the students' kernels run the package this checkout has
        stamp = subprocess.run(
            [
                image / "bin" / "python",
                "-c",
                "import json, kmeans_lab._stamp as s; print(json.dumps(s.package_stamp()))",
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd="/",
        ).stdout
        assert json.loads(stamp) == package_stamp()

        instructor = users.add("teach", home_mode="0755")  # a home others can read ...
        good = users.add("good", home_mode="0700")  # ... students' homes private (README)
        bad = users.add("bad", home_mode="0700")
        clone = make_clone(users, instructor, image)
        course = clone / "course"
        as_instructor = dict(
            PATH=f"{image / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            MPLBACKEND="Agg",
            WORKERS="2",
            KMEANS_LAB_CELL_TIMEOUT="300",
            KMEANS_LAB_NOTEBOOK_TIMEOUT="1200",
        )
        users.run(instructor, "chmod 700 course", cwd=clone, env=as_instructor)  # README
        users.run(instructor, "make release", cwd=clone, env=as_instructor)
        users.run(
            instructor, "nbgrader release_assignment kmeans_lab", cwd=course, env=as_instructor
        )
        # the instructor's own formgrader (README): their server only
        users.run(instructor, FORMGRADER_FOR_ME, env=as_instructor)
        timings["release"] = time.monotonic() - started

        hub = Hub(state, image, [instructor, good, bad]).__enter__()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                pages = {}
                answer = (
                    "def find_closest_centroids(X, centroids):\n"
                    "    d = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)\n"
                    "    return np.argmin(d, axis=1)\n"
                )
                saved = {}
                for name, code in ((good, answer), (bad, answer.replace("argmin", "argmax"))):
                    page = pages[name] = login(browser, hub, name, users.users[name])
                    disabled = disabled_plugins(page, hub, name)
                    assert set(INSTRUCTOR_PLUGINS) <= disabled
                    assert not set(STUDENT_PLUGINS) & disabled
                    role = "correct" if name == good else "argmax"
                    saved[name] = work_and_submit(
                        page, hub, name, users.home(name), code, f"hub_assignments_{role}.png"
                    )
                    assert page.request.get(f"{hub.url}/user/{name}/formgrader").status == 404
                    assert (
                        page.request.get(f"{hub.url}/user/{name}/formgrader/api/assignments").status
                        == 404
                    )
                timings["students"] = time.monotonic() - started
                assert "checks passed" in check_output(saved[good])
                assert "argmin" in check_output(saved[bad])
                assert stamps(saved[good]) and all(
                    s == package_stamp() for s in stamps(saved[good])
                )

                # one student cannot reach the other's server through the hub
                other = pages[good].request.get(f"{hub.url}/user/{bad}/api/contents/kmeans_lab")
                assert other.status == 403, other.status

                # the instructor collects, grades without root, and releases the feedback
                users.run(instructor, "nbgrader collect kmeans_lab", cwd=course, env=as_instructor)
                assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(
                    [good, bad]
                )
                graded = users.run(
                    instructor,
                    "make autograde grades feedback",
                    cwd=clone,
                    env=as_instructor,
                    timeout=2400,
                )
                timings["grading"] = time.monotonic() - started
                table = grades(course / "grades.csv")
                assert table[(good, "find_closest_centroids")][:2] == ("3", "3"), table
                assert table[(bad, "find_closest_centroids")][:2] == ("0", "3"), table
                assert (
                    "find_closest_centroids: case 1 of" in table[(bad, "find_closest_centroids")][2]
                )
                assert table[(good, "total")][0] == "3" and table[(bad, "total")][0] == "0", table
                note = table[(good, "total")][
                    2
                ]  # nbgrader's exchange files are carried, not "ignored"
                assert "timestamp.txt" not in note and "submission_secret" not in note, note
                users.run(
                    instructor,
                    "nbgrader release_feedback kmeans_lab",
                    cwd=course,
                    env=as_instructor,
                )

                # a student reads neither the other's work nor the instructor's course
                for target in (
                    users.home(good) / "kmeans_lab" / f"{NOTEBOOK}.ipynb",
                    course / "autograde" / "run.json",
                    course / "gradebook.db",
                    course / "submitted" / good / "kmeans_lab" / f"{NOTEBOOK}.ipynb",
                    course / "feedback" / good / "kmeans_lab" / f"{NOTEBOOK}.html",
                ):
                    tried = users.run(bad, f"cat {target} > /dev/null", check=False)
                    assert tried.returncode != 0 and "Permission denied" in tried.stderr, (
                        target,
                        tried.stderr,
                    )
                listing = users.run(bad, f"ls {exchange}/kmeans-lab/inbound", check=False)
                assert listing.returncode != 0, listing.stdout

                # the argmax student fetches the feedback in the Assignments tab and reads it
                page = pages[bad]
                page.goto(f"{hub.url}/user/{bad}/lab")
                expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=120_000)
                assert open_assignments(page) == ["Assignment List"]
                press(page, "submitted", "Fetch Feedback")
                feedback = sorted(
                    (users.home(bad) / "kmeans_lab" / "feedback").glob(f"*/{NOTEBOOK}.html")
                )
                deadline = time.monotonic() + 120
                while not feedback and time.monotonic() < deadline:
                    time.sleep(1)
                    feedback = sorted(
                        (users.home(bad) / "kmeans_lab" / "feedback").glob(f"*/{NOTEBOOK}.html")
                    )
                assert feedback, "no feedback fetched"
                page.screenshot(
                    path=str(ARTIFACTS / "hub_assignments_feedback.png"), full_page=True
                )
                rel = feedback[0].relative_to(users.home(bad))
                page.goto(f"{hub.url}/user/{bad}/files/{rel}")
                page.wait_for_load_state("load")
                text = page.locator("body").inner_text(timeout=60_000)
                page.screenshot(path=str(ARTIFACTS / "hub_feedback.png"), full_page=True)
                assert "argmin" in text
                seeds = json.loads((course / "autograde" / "run.json").read_text())["seeds"]
                html = feedback[0].read_text()
                assert seeds and not [s for s in seeds.values() if str(s) in html]

                # the instructor reaches the formgrader on their own server
                page = login(browser, hub, instructor, users.users[instructor])
                answer_ = page.request.get(
                    f"{hub.url}/user/{instructor}/formgrader/api/assignments"
                )
                assert answer_.status == 200, answer_.text()[:500]
                listed = {a["name"]: a for a in answer_.json()}
                assert listed["kmeans_lab"]["num_submissions"] == 2, listed
            except BaseException:
                for i, context in enumerate(browser.contexts):
                    for j, open_page in enumerate(context.pages):
                        open_page.screenshot(path=str(ARTIFACTS / f"hub_failure_{i}_{j}.png"))
                        dialogs = open_page.locator(".jp-Dialog").all_inner_texts()
                        if dialogs:
                            print(f"dialog on page {i}.{j}: {dialogs}")
                raise
            finally:
                browser.close()
    finally:
        if hub is not None:
            hub.__exit__(None, None, None)
            shutil.copyfile(hub.log_path, ARTIFACTS / "jupyterhub.log")
        names = list(users.users)
        users.remove()
        shutil.rmtree(root, ignore_errors=True)
    # nothing the test made is left: the hub, its proxy, servers, kernels, the users
    assert hub.proc.poll() is not None and not hub.leftovers, hub.leftovers
    assert not users.processes()
    assert not [n for n in names if users.exists(n)]
    assert not root.exists()
    print(
        f"hub test: {time.monotonic() - started:.0f} s; "
        + ", ".join(f"{k} done at {v:.0f} s" for k, v in timings.items())
    )
    print(graded.stdout[-2000:])
