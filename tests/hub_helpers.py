"""A real JupyterHub for tests/test_hub.py: local users, the hub image, the hub itself.

- :class:`LocalUsers` creates local users with passwords (``useradd``,
  ``chpasswd``), runs commands as them (``runuser``), and at the end kills
  every process they still own (by pid) and removes them (``userdel -r``).
- :func:`build_hub_image` makes the students' environment, "the hub image":
  a venv from a Python every user can run, with this checkout installed with
  its ``hub`` extra (``pip install '.[hub]'``, what the README tells the hub's
  admin; with uv's ``uv pip install``, the same install in seconds where pip
  takes minutes, when the test runs from ``make install``'s ``.venv``, which has
  uv), the students' nbgrader tools (``tools/hide_instructor_tools.sh
  --hub``) and the course's system-wide nbgrader configuration.
- :class:`Hub` runs JupyterHub (PAM login, the default local spawner,
  configurable-http-proxy from ``tests/hub/node_modules``) on 127.0.0.1 and
  stops it with everything it started.

Every one of these needs root, as on CI.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from browser_helpers import _alive, _children, free_port

REPO = Path(__file__).resolve().parents[1]
#: configurable-http-proxy, installed by ``npm ci --prefix tests/hub`` (.ci/run does it).
PROXY = REPO / "tests" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
#: What ``pip install '.[hub]'`` needs of the checkout (the rest is not the package).
PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", "kmeans_lab")
NOBODY = 65534


def runnable_by_everyone(python: str | os.PathLike) -> bool:
    """True if user ``nobody`` can run ``python`` itself, with its own standard library.

    Both are checked: the file must be executable for them (``test -x`` as
    ``nobody``), and the interpreter they get must have the same prefix as
    root's (on some machines exec falls back to another Python when the path
    is out of reach).
    """
    probe = "import encodings, json, sys, venv; print(sys.base_prefix)"
    as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
    if subprocess.run(as_nobody + ["test", "-x", str(python)], cwd="/").returncode:
        return False
    theirs = subprocess.run(
        as_nobody + [str(python), "-I", "-c", probe], capture_output=True, text=True, cwd="/"
    )
    ours = subprocess.run([str(python), "-I", "-c", probe], capture_output=True, text=True, cwd="/")
    return theirs.returncode == 0 and theirs.stdout == ours.stdout


def shared_python() -> str | None:
    """A Python >= 3.10 that every user can run: this one's base, or Debian's."""
    candidates = [getattr(sys, "_base_executable", sys.executable), "/usr/bin/python3"]
    for python in candidates:
        if Path(python).exists() and runnable_by_everyone(python):
            version = subprocess.run(
                [python, "-c", "import sys; print(sys.version_info >= (3, 10))"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            if version == "True":
                return python
    return None


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} failed ({result.returncode}):\n"
            + (result.stdout + result.stderr)[-4000:]
        )
    return result


def pip_install(env: Path, *args: str) -> list:
    """The command that installs ``args`` into the venv ``env``: uv's pip where it is at hand.

    ``make install`` puts uv beside this test's Python: ``uv pip install`` resolves and
    installs the same packages as pip, in seconds where pip takes 2 minutes with its cache
    warm and 7 with it cold. It copies the files (``--link-mode copy``), so that changing
    the image's permissions changes nothing in uv's cache. Elsewhere, pip.
    """
    uv = Path(sys.executable).parent / "uv"
    python = str(Path(env) / "bin" / "python")
    if uv.is_file() and os.access(uv, os.X_OK):
        return [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--link-mode",
            "copy",
            "--python",
            python,
            *args,
        ]
    return [python, "-m", "pip", "install", "-q", *args]


def build_hub_image(env: Path, exchange: Path, python: str) -> Path:
    """The students' environment at ``env``, as the README's hub section makes it.

    ``KMEANS_LAB_HUB_IMAGE`` may name an environment built before by this
    function (a developer's shortcut: building takes minutes); this
    checkout's package is then reinstalled into it (without dependencies).
    Returns the environment's folder.
    """
    src = env.parent / "src"
    src.mkdir()
    for name in PACKAGE_FILES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, src / name)
    reuse = os.environ.get("KMEANS_LAB_HUB_IMAGE")
    if reuse:
        env = Path(reuse)
        _run(pip_install(env, "--no-deps", "--force-reinstall", str(src)))
    else:
        _run([python, "-m", "venv", str(env)])
        _run(pip_install(env, f"{src}[hub]"))
    # README step: the students' nbgrader tools, and the exchange for everyone
    _run(
        [str(REPO / "tools" / "hide_instructor_tools.sh"), "--hub"],
        env=dict(os.environ, PATH=f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}"),
    )
    config = env / "etc" / "jupyter" / "nbgrader_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "c = get_config()  # noqa: F821\n"
        'c.CourseDirectory.course_id = "kmeans-lab"\n'
        f"c.Exchange.root = {str(exchange)!r}\n"
    )
    _run(["chmod", "-R", "a+rX", str(env)])
    return env


class LocalUsers:
    """Local users made for one test, removed with everything they run at the end.

    Names are ``kl<role><6 hex digits>`` (unique per test run).
    """

    def __init__(self):
        self.users: dict[str, str] = {}  # name -> password
        self.uids: set[int] = set()  # kept after the users are removed, to look for leftovers
        self.tag = secrets.token_hex(3)

    def add(self, role: str, *, home_mode: str) -> str:
        name = f"kl{role}{self.tag}"
        password = secrets.token_urlsafe(12)
        _run(
            [
                "useradd",
                "--create-home",
                "--shell",
                "/bin/bash",
                "-K",
                f"HOME_MODE={home_mode}",
                name,
            ]
        )
        self.users[name] = password
        self.uids.add(self.uid(name))
        _run(["chpasswd"], input=f"{name}:{password}\n")
        return name

    def uid(self, name: str) -> int:
        return pwd.getpwnam(name).pw_uid

    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def run(
        self,
        name: str,
        cmd: str,
        *,
        cwd: str | Path | None = None,
        env: dict | None = None,
        timeout: float = 900,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        """Run shell ``cmd`` as ``name`` (a login-like environment, ``env`` added)."""
        assigns = [f"{k}={v}" for k, v in (env or {}).items()]
        full = [
            "runuser",
            "-u",
            name,
            "--",
            "env",
            f"HOME={self.home(name)}",
            f"USER={name}",
            f"LOGNAME={name}",
            *assigns,
            "bash",
            "-c",
            cmd,
        ]
        result = subprocess.run(
            full, cwd=cwd or self.home(name), capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"as {name}: {cmd} failed ({result.returncode}):\n"
                + (result.stdout + result.stderr)[-6000:]
            )
        return result

    def processes(self) -> list[int]:
        """Pids of live processes owned by these users."""
        uids = self.uids
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if entry.stat().st_uid in uids and _alive(int(entry.name)):
                        found.append(int(entry.name))
                except OSError:
                    pass
        return found

    def remove(self) -> None:
        """Kill what the users still run (by pid), then delete them and their homes."""
        for _ in range(3):
            pids = self.processes()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        for name in list(self.users):
            subprocess.run(["userdel", "--remove", name], capture_output=True)
            subprocess.run(["groupdel", name], capture_output=True)

    def exists(self, name: str) -> bool:
        try:
            pwd.getpwnam(name)
        except KeyError:
            return False
        return True


HUB_CONFIG = """\
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{state}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
# PAM (the default authenticator) with the users' passwords; no PAM session
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = {users!r}
# the default LocalProcessSpawner, running the hub image's single-user server
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {{"PATH": {path!r}}}
c.Spawner.http_timeout = 300
c.Spawner.start_timeout = 300
"""


class Hub:
    """JupyterHub on 127.0.0.1, its state in ``state`` (a folder only root reads)."""

    def __init__(self, state: Path, image: Path, users: list[str]):
        self.state = state
        self.image = image
        self.users = users
        self.proc: subprocess.Popen | None = None
        self.leftovers: list[int] = []

    def __enter__(self) -> Hub:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = self.state / "jupyterhub_config.py"
        config.write_text(
            HUB_CONFIG.format(
                port=self.port,
                hub_port=free_port(),
                proxy_api_port=free_port(),
                proxy=str(PROXY),
                state=self.state,
                users=set(self.users),
                singleuser=str(self.image / "bin" / "jupyterhub-singleuser"),
                path=f"{self.image / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            )
        )
        self.log_path = self.state / "jupyterhub.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=self.state,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}"),
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterHub exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=3) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"JupyterHub did not answer on {self.url}:\n{self.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def descendants(self) -> list[int]:
        return _children(self.proc.pid) if self.proc else []

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        started = set(self.descendants())  # the proxy, the single-user servers, kernels
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the hub stops its servers and the proxy
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.3)
        self.leftovers = [p for p in started if _alive(p)]
        for pid in self.leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._log.close()
