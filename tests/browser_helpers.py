"""Start a private JupyterLab server for the browser test, and stop it cleanly.

The server runs from this test run's Python (the project's venv) on a free
loopback port, with no token (loopback only), and with its own temporary
settings, workspaces, runtime and config directories, so neither the
developer's JupyterLab set-up nor a CI machine's can change what the test
sees. The settings make JupyterLab start the notebook's kernel on opening
(no kernel dialog) and never fetch news or check for updates.

Shutting down: the server is asked to stop through its REST API (it then
shuts its kernels down), then terminated, then killed; any process it
started (kernels) that is still alive afterwards is killed by its pid.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

#: Debian's Chromium, which the browser tests drive (Playwright's own browsers are never downloaded).
CHROMIUM = Path("/usr/bin/chromium")
#: Its command line in a container: no sandbox, no GPU, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]

#: JupyterLab user settings written for the test (plugin id -> settings).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Pids of every live descendant of ``pid`` (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop_server(proc: subprocess.Popen, url: str) -> list[int]:
    """Stop a Jupyter server the tests started, and every kernel it started.

    Asks the server to shut down (it stops its kernels itself), then
    terminates and kills it if it does not, and kills any process it started
    that outlived it. Returns the pids still alive after all that.
    """
    descendants = set(_children(proc.pid))
    if proc.poll() is None:
        try:  # clean shutdown: the server stops its kernels itself
            req = urllib.request.Request(f"{url}/api/shutdown", method="POST", data=b"")
            urllib.request.urlopen(req, timeout=5).close()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    # kernels the server started, if any outlived it
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in descendants) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in descendants:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return [pid for pid in descendants if _alive(pid)]


class JupyterLabServer:
    """A JupyterLab server on a temporary copy of a directory.

    Parameters
    ----------
    source_dir : path
        Copied to a temporary root directory (the repository is never modified).
    startup_timeout : float
        Seconds to wait for ``/api/status`` to answer.

    Use as a context manager; ``url`` is the base URL, ``root`` the copy.
    """

    def __init__(
        self,
        source_dir: str | os.PathLike,
        *,
        startup_timeout: float = 90.0,
        log_copy: str | os.PathLike | None = None,
    ):
        self.source_dir = Path(source_dir)
        self.log_copy = Path(log_copy) if log_copy is not None else None
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.tmp: Path | None = None
        self.orphans: list[int] = []

    # -- start ------------------------------------------------------------
    def __enter__(self) -> JupyterLabServer:
        self.tmp = Path(tempfile.mkdtemp(prefix="kmeans-lab-browser-"))
        self.root = self.tmp / "notebooks"
        shutil.copytree(
            self.source_dir, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints")
        )
        settings = self.tmp / "settings"
        for plugin, values in LAB_SETTINGS.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        for name in ("workspaces", "runtime", "config"):
            (self.tmp / name).mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.tmp / "jupyterlab.log"
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
            JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"),
            PYTHONUNBUFFERED="1",
        )
        env.pop("MPLBACKEND", None)  # the notebook asks for %matplotlib inline itself
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
            "--LabApp.news_url=",
            "--ServerApp.shutdown_no_activity_timeout=600",
            "--MappingKernelManager.cull_idle_timeout=0",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # containers and CI run as root
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.tmp,
            start_new_session=True,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with status {self.proc.returncode} while starting:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise RuntimeError(
            f"JupyterLab did not answer on {self.url} within {self.startup_timeout:.0f} s:\n"
            + self.log_tail()
        )

    def log_tail(self, n: int = 40) -> str:
        """The last ``n`` lines of the server's log."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def kernels(self) -> list[dict]:
        """The server's running kernels (``/api/kernels``)."""
        with urllib.request.urlopen(f"{self.url}/api/kernels", timeout=5) as r:
            return json.loads(r.read())

    # -- stop -------------------------------------------------------------
    def __exit__(self, *exc) -> None:
        proc = self.proc
        if proc is not None:
            self.orphans = stop_server(proc, self.url)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            if self.log_copy is not None:
                self.log_copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.log_path, self.log_copy)
        if getattr(self, "tmp", None) is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
