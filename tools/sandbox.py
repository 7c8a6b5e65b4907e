"""The grading sandbox: a student's notebook runs where it can see and harm nothing else.

Each submitted notebook runs in its own bubblewrap sandbox (Debian's
``bubblewrap``, the sandbox Flatpak uses):

- **its own namespaces**: mount, PID, network (loopback only), IPC and UTS.
  It cannot see or signal any process outside, nor reach any network.
- **an unprivileged user of its own**: when the grader runs as root (CI, a
  container), bwrap builds the sandbox and ``setpriv`` switches to a uid
  leased for this sandbox alone (:mod:`tools.sandbox_ids`: one of
  ``KMEANS_LAB_SANDBOX_UID``, default 61000, onwards, locked machine-wide for
  the sandbox's lifetime, so no two sandboxes of any grading tasks share one),
  with no capabilities and ``no_new_privs``; otherwise the sandbox runs in a
  user namespace as the instructor's own uid, without capabilities.
- **a read-only view of the system** (``/usr``), the Python interpreter and
  the environment's installed packages, and a **read-only copy** of the
  ``kmeans_lab`` package (never the working tree: a cell cannot change the
  code that later students run with). Nothing of ``course/`` (gradebook,
  other submissions, source and solution notebooks) or ``notebooks/`` is
  visible: only the one staged notebook and the grader's planned inputs.
- **one writable scratch folder** (a size-limited tmpfs, the home folder and
  working directory) and a size-limited ``/tmp``, both gone with the sandbox.
- **limits**: address space, processes, file size, open files, CPU seconds
  (``setrlimit``), and a wall-clock limit after which the whole sandbox is
  killed; where the machine allows it, a cgroup of its own bounds its
  processes and memory together (``pids.max``, ``memory.max``:
  :class:`tools.sandbox_ids.SandboxCgroup`), removed afterwards. When the notebook ends, every process it started is gone (its PID
  namespace dies with it).

The notebook's results come back through a pipe, read with a size limit
(:class:`Limits.result_bytes`), as plain data
(:mod:`kmeans_lab.grading.transport`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox_ids import SandboxCgroup, lease_uid, uid_range

__all__ = ["Limits", "SandboxResult", "SandboxUnavailable", "Sandbox", "sandbox_uid"]


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says why and what to do."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed notebook."""

    memory_bytes: int = 3 << 30  #: address space of each process (RLIMIT_AS)
    processes: int = 64  #: processes and threads of the sandbox's uid (RLIMIT_NPROC)
    file_bytes: int = 64 << 20  #: largest file it may write (RLIMIT_FSIZE)
    open_files: int = 256  #: open file descriptors (RLIMIT_NOFILE)
    cpu_seconds: int = 900  #: CPU time of each process (RLIMIT_CPU)
    scratch_bytes: int = 256 << 20  #: the writable home folder (tmpfs)
    tmp_bytes: int = 64 << 20  #: /tmp (tmpfs)
    wall_seconds: float = 600.0  #: the whole notebook, then every process is killed
    result_bytes: int = 64 << 20  #: most bytes of results read back
    total_memory_bytes: int = 3 << 30  #: all its processes together (its cgroup, where made)


@dataclass
class SandboxResult:
    """What came out of one sandboxed run."""

    returncode: int | None
    data: bytes  #: what the sandbox wrote on its result pipe (at most Limits.result_bytes)
    timed_out: bool = False
    overflowed: bool = False  #: it wrote more than Limits.result_bytes
    seconds: float = 0.0
    stderr: str = ""
    cgroup_unavailable: str | None = None  #: why it had no cgroup of its own (or only some)


_COUNTER = itertools.count()


def sandbox_uid(slot: int = 0) -> int:
    """The ``slot``-th uid sandboxes may lease (when the grader runs as root; :mod:`.sandbox_ids`)."""
    return uid_range()[slot]


def _parents(path: str) -> list[str]:
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


@dataclass
class Sandbox:
    """How to start a sandboxed Python: which interpreter, what it sees, what it may use.

    Parameters
    ----------
    package_copy : Path
        A folder holding a copy of the ``kmeans_lab`` package; it is mounted
        read-only at ``/opt/kmeans-lab`` and is the only ``kmeans_lab`` the
        sandbox can import.
    limits : Limits
    slot : int
        The worker's number (for its log; the uid is leased per sandbox).
    home_files : dict of str to Path, optional
        Files copied into the sandbox's home when it starts, by their path
        relative to it (writable copies, gone with the sandbox): a cache the
        notebook would otherwise build, e.g. matplotlib's font list.
    """

    package_copy: Path
    limits: Limits = field(default_factory=Limits)
    slot: int = 0
    home_files: dict[str, Path] = field(default_factory=dict)

    HOME = "/home/student"
    PACKAGE = "/opt/kmeans-lab"
    INPUT = "/grader"

    def __post_init__(self) -> None:
        self.bwrap = shutil.which("bwrap")
        self.setpriv = shutil.which("setpriv")
        self.as_root = os.geteuid() == 0
        self.python = sys.executable
        self.prefix = os.path.realpath(sys.prefix)
        self.base_prefix = os.path.realpath(sys.base_prefix)

    # -- the command ------------------------------------------------------------
    def _binds(self, input_dir: Path) -> list[str]:
        # The writable tmpfs folders come first: a later bind goes on top of them, so an
        # interpreter or environment under /tmp or /home (a clone in /tmp, CI) stays visible.
        args: list[str] = [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            str(self.limits.tmp_bytes),
            "--perms",
            "1777",
            "--tmpfs",
            "/tmp",
        ]
        made: set[str] = {"/tmp"}

        def parents(dest: str) -> None:
            for parent in _parents(dest):
                if parent not in made:
                    args.extend(["--perms", "0755", "--dir", parent])
                    made.add(parent)

        def ro(source: str, dest: str | None = None) -> None:
            dest = dest or source
            parents(dest)
            args.extend(["--ro-bind", source, dest])

        parents(self.HOME + "/x")
        args += ["--size", str(self.limits.scratch_bytes), "--perms", "0777", "--tmpfs", self.HOME]
        made.add(self.HOME)
        ro("/usr")
        for name in ("bin", "lib", "lib32", "lib64", "sbin"):
            path = Path("/") / name
            if path.is_symlink():
                args.extend(["--symlink", os.readlink(path), str(path)])
            elif path.is_dir():
                ro(str(path))
        for name in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
            if os.path.exists(name):
                parents(name)
                args.extend(["--ro-bind-try", name, name])
        for prefix in sorted({self.base_prefix, self.prefix}):
            if not prefix.startswith("/usr/"):
                ro(prefix)
        python_dir = os.path.dirname(self.python)
        if not python_dir.startswith((self.prefix, "/usr/")):
            ro(python_dir)
        ro(str(self.package_copy), self.PACKAGE)
        ro(str(input_dir), self.INPUT)
        args += ["--chdir", self.HOME]
        return args

    def environment(self, extra: dict[str, str]) -> dict[str, str]:
        """The sandbox's whole environment (nothing is inherited)."""
        home = self.HOME
        env = {
            "HOME": home,
            "PATH": f"{os.path.dirname(self.python)}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONPATH": self.PACKAGE,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONSAFEPATH": "1",
            "PYTHONNOUSERSITE": "1",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
            "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
            "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
            "IPYTHONDIR": f"{home}/.ipython",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        env.update(extra)
        return env

    def _copies(self, files: dict[str, int]) -> list[str]:
        """bwrap's arguments copying each open file ``{relative path: fd}`` into the home."""
        args: list[str] = []
        made: set[str] = set()
        for relative, fd in sorted(files.items()):
            parts = Path(relative).parts
            if Path(relative).is_absolute() or ".." in parts or not parts:
                raise ValueError(f"a home file must be a path inside the home, got {relative!r}")
            for depth in range(1, len(parts)):
                folder = "/".join([self.HOME, *parts[:depth]])
                if folder not in made:
                    args += ["--perms", "0777", "--dir", folder]
                    made.add(folder)
            args += ["--perms", "0666", "--file", str(fd), "/".join([self.HOME, *parts])]
        return args

    def command(
        self,
        input_dir: Path,
        argv: list[str],
        env: dict[str, str],
        uid: int | None = None,
        files: dict[str, int] | None = None,
    ) -> list[str]:
        """The full command line that runs ``argv`` (a Python command) in the sandbox.

        ``uid``: the one it runs as when the grader is root (default: the first of the range);
        ``files``: ``{path relative to the home: open file descriptor}`` copied there.
        """
        if self.bwrap is None:
            raise SandboxUnavailable(
                "bubblewrap is not installed: install it with 'apt-get install bubblewrap' "
                "(the grader runs every submission in a bwrap sandbox)"
            )
        cmd = [self.bwrap, "--die-with-parent", "--new-session", "--clearenv"]
        if self.as_root:
            if self.setpriv is None:
                raise SandboxUnavailable(
                    "setpriv (util-linux) is not installed: "
                    "install it with 'apt-get install util-linux'"
                )
            cmd += [
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
            ]
        else:
            cmd += ["--unshare-all"]
        cmd += self._binds(input_dir) + self._copies(files or {})
        for key, value in env.items():
            cmd += ["--setenv", key, value]
        cmd.append("--")
        if self.as_root:
            uid = sandbox_uid() if uid is None else uid
            cmd += [
                self.setpriv,
                f"--reuid={uid}",
                f"--regid={uid}",
                "--clear-groups",
                "--no-new-privs",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--",
            ]
        return cmd + [self.python] + argv

    # -- running ----------------------------------------------------------------
    def _set_limits(self) -> None:  # runs in the child before exec
        lim = self.limits
        for which, value in (
            (resource.RLIMIT_AS, lim.memory_bytes),
            (resource.RLIMIT_NPROC, lim.processes),
            (resource.RLIMIT_FSIZE, lim.file_bytes),
            (resource.RLIMIT_NOFILE, lim.open_files),
            (resource.RLIMIT_CPU, lim.cpu_seconds),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(which, (value, value))

    def run(
        self,
        input_dir: Path,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        result_arg: str = "--result-fd",
    ) -> SandboxResult:
        """Run the Python command ``argv`` in the sandbox; collect what it writes on its pipe.

        The command gets ``result_arg N``: the file descriptor of the result pipe.
        """

        def body(uid, cgroup) -> SandboxResult:
            result = self._popen(input_dir, argv, env, result_arg, uid, cgroup)
            result.cgroup_unavailable = cgroup.unavailable
            return result

        return self.leased(body)

    def leased(self, body):
        """``body(uid, cgroup)`` with a uid leased for this sandbox alone and its cgroup, both
        given back when it returns (not root: ``uid`` None, the cgroup saying why there is none)."""
        with contextlib.ExitStack() as stack:
            uid = None
            if self.as_root:
                uid = stack.enter_context(lease_uid(timeout=self.limits.wall_seconds)).uid
            name = f"sandbox-{os.getuid() if uid is None else uid}-{os.getpid()}-{next(_COUNTER)}"
            cgroup = SandboxCgroup(name, self.limits.processes, self.limits.total_memory_bytes)
            if self.as_root:
                cgroup.create()
            else:
                cgroup.unavailable = "the grader is not root"
            stack.callback(cgroup.remove)
            return body(uid, cgroup)

    def start(self, input_dir, argv, env, uid, cgroup, fds: tuple[int, ...]) -> subprocess.Popen:
        """Start the Python command ``argv`` in the sandbox, in ``cgroup``, passing it ``fds``.

        ``fds`` (the write ends of its pipes) are closed here once passed on, or
        on failure; its stderr is a pipe.
        """
        copies = {name: os.open(path, os.O_RDONLY) for name, path in self.home_files.items()}

        def in_the_child() -> None:
            self._set_limits()
            cgroup.enter()

        try:
            cmd = self.command(input_dir, argv, self.environment(env or {}), uid, copies)
            return subprocess.Popen(
                cmd,
                pass_fds=(*fds, *copies.values()),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=in_the_child,
                start_new_session=True,
            )
        finally:
            for fd in [*fds, *copies.values()]:
                os.close(fd)

    def _popen(self, input_dir, argv, env, result_arg, uid, cgroup) -> SandboxResult:
        start = time.monotonic()
        read_end, write_end = os.pipe()
        try:
            proc = self.start(
                input_dir, argv + [result_arg, str(write_end)], env, uid, cgroup, (write_end,)
            )
        except BaseException:
            os.close(read_end)
            raise
        chunks: list[bytes] = []
        state = {"size": 0, "overflow": False}
        stderr: list[bytes] = []

        def read_results() -> None:
            with os.fdopen(read_end, "rb") as pipe:
                while True:
                    chunk = pipe.read(1 << 16)
                    if not chunk:
                        return
                    if state["size"] + len(chunk) > self.limits.result_bytes:
                        state["overflow"] = True
                        _kill(proc)
                        return
                    state["size"] += len(chunk)
                    chunks.append(chunk)

        def read_stderr() -> None:
            data = proc.stderr.read(1 << 16)
            stderr.append(data)
            while proc.stderr.read(1 << 16):
                pass

        readers = [
            threading.Thread(target=read_results, daemon=True),
            threading.Thread(target=read_stderr, daemon=True),
        ]
        for reader in readers:
            reader.start()
        timed_out = False
        try:
            proc.wait(timeout=self.limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
            proc.wait()
        for reader in readers:
            reader.join(timeout=10)
        return SandboxResult(
            returncode=proc.returncode,
            data=b"".join(chunks),
            timed_out=timed_out,
            overflowed=state["overflow"],
            seconds=time.monotonic() - start,
            stderr=b"".join(stderr).decode(errors="replace")[-4000:],
        )

    def check_available(self, input_dir: Path) -> None:
        """Raise :class:`SandboxUnavailable` (saying why) unless a sandbox starts here."""
        try:
            result = self.run(
                input_dir,
                ["-c", "import os, sys; os.write(int(sys.argv[2]), b'ok')"],
                result_arg="--result-fd",
            )
        except SandboxUnavailable:
            raise
        except (RuntimeError, OSError, ValueError) as exc:  # no uid to lease, a bad setting ...
            raise SandboxUnavailable(f"the grading sandbox cannot start: {exc}") from None
        if result.data != b"ok":
            reason = result.stderr.strip().splitlines()[-1:] or ["no output"]
            raise SandboxUnavailable(
                f"the grading sandbox does not start on this machine ({reason[0]}); it needs "
                "bubblewrap and user namespaces (or root): see README 'For instructors'"
            )


def _kill(proc: subprocess.Popen) -> None:
    """Kill the sandbox: bwrap and, with its PID namespace, everything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
