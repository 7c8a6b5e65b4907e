"""One Python per student's notebooks: the imports done once, a fresh child for each notebook.

The grader starts this module in a student's notebook sandbox
(``tools/sandbox_streams.py``), with every notebook of that student staged::

    python -m kmeans_lab.grading.serve NB... --answers DIR --cell-timeout S
        --home-bytes H --tmp-bytes T --control-fd C --result-fds A,B,...

The server builds the IPython shell the notebooks run in and imports what the
course's notebooks import (NumPy, matplotlib and its inline backend,
``kmeans_lab``), runs no notebook code itself, and makes itself non-dumpable
(no process, even of its uid, may read or write its memory or its file
descriptors through ``/proc`` or ``ptrace``). Then, for each notebook in turn, it
forks a child that starts from that state, which no notebook has touched. The
child gives itself what a sandbox of its own would give it (:mod:`tools.sandbox`):

- new **user, mount, PID, IPC, network and UTS namespaces** (its uid mapped to
  itself): SysV IPC, message queues, abstract sockets and processes of an earlier
  notebook are not there, and the server is not in its PID namespace, so it can
  neither be signalled nor traced from the notebook;
- a **new home, ``/tmp`` and ``/dev/shm``** (size-limited tmpfs), the home holding
  the files the sandbox started with (matplotlib's font list), and nothing an
  earlier notebook wrote;
- **no capability** (it drops those of its user namespace before anything else runs);
- only **its own notebook's result pipe** (the others, and the control pipe, closed);
- the notebook runs in process 2 of its PID namespace, under a reaper (process 1);
  when it ends, that namespace dies with everything it started.

The server writes on the control pipe ``start I`` before notebook ``I`` and ``end I
CODE`` after it; ``unavailable REASON`` when a child cannot make its namespaces
(a machine without user namespaces), and stops: the grader then runs each
remaining notebook in a sandbox of its own (:mod:`kmeans_lab.grading.execute`).
Nothing it writes is a grade: the frames of each notebook are what
:func:`kmeans_lab.grading.execute.run_notebook` writes, read by the grader as
untrusted data.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import os
import signal
import sys
from pathlib import Path

from . import execute, settings

__all__ = ["serve", "main", "PRELOAD", "UNAVAILABLE"]

#: Modules imported once in the server: what the course notebooks import in their first cell.
PRELOAD = (
    "numpy",
    "matplotlib",
    "matplotlib.font_manager",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "kmeans_lab",
    "kmeans_lab.plots",
    "kmeans_lab.checks",
    "kmeans_lab.saved_functions",
    "kmeans_lab.grading.capture",
)
#: The exit code of a child that could not make its namespaces.
UNAVAILABLE = 3

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 2, 4, 0x4000, 0x40000
_PR_SET_DUMPABLE, _PR_CAPBSET_DROP = 4, 24
_LIBC = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _home_files(home: Path) -> dict[str, bytes]:
    """The regular files under ``home`` (the copies the sandbox started with)."""
    found = {}
    for path in sorted(home.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(home))] = path.read_bytes()
    return found


def _new_namespaces() -> None:
    uid, gid = os.getuid(), os.getgid()
    flags = _CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWIPC | _CLONE_NEWNET
    _check(_LIBC.unshare(flags | _CLONE_NEWUTS), "unshare")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def _mounts_beneath(folders: list[str]) -> list[str]:
    """Mount points strictly under ``folders``: a new tmpfs on one of these would hide them
    (the sandbox binds an interpreter under /tmp when the clone is there, as CI's may be)."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split(" ")[4].encode().decode("unicode_escape")
        if any(point.startswith(folder.rstrip("/") + "/") for folder in folders):
            found.append(point)
    return found


def _tmpfs(path: str, size: int, mode: str) -> None:
    data = f"size={size},mode={mode}".encode()
    _check(
        _LIBC.mount(b"tmpfs", path.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, data),
        f"mount {path}",
    )


def _new_folders(home: Path, files: dict[str, bytes], home_bytes: int, tmp_bytes: int) -> None:
    _check(_LIBC.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate")
    _tmpfs(str(home), home_bytes, "0777")
    _tmpfs("/tmp", tmp_bytes, "1777")
    if os.path.isdir("/dev/shm"):
        _tmpfs("/dev/shm", tmp_bytes, "1777")
    for relative, data in files.items():
        target = home / relative
        for folder in reversed(target.relative_to(home).parents[:-1]):
            (home / folder).mkdir(mode=0o777, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, 0o666)
    os.chdir(home)  # the working directory was the server's home, under the new one


def _drop_capabilities() -> None:
    for cap in range(64):
        if _LIBC.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: all empty
    _check(_LIBC.capset(header, data), "capset")


def _reaper(run) -> None:
    """Process 1 of the notebook's PID namespace: start the notebook, reap, exit with its code."""
    pid = os.fork()
    if pid == 0:
        _LIBC.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # as any process, its /proc files its own
        try:
            run()
        finally:
            os._exit(0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a process 1 then ignores it from inside
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(70)
        if done == pid:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _child(notebook, fd, others, control, files, args, executor) -> None:
    """The forked child of one notebook (see the module docstring). Never returns."""
    for other in others:
        os.close(other)
    # dumpable for as long as it writes its own uid map (its /proc files are then its own),
    # then not again: the notebook's processes may not trace it or read its memory
    _LIBC.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        hidden = _mounts_beneath(["/tmp", "/dev/shm", os.environ.get("HOME", "/home/student")])
        if hidden:  # the notebook would lose them: each notebook gets a sandbox of its own
            raise OSError(0, f"a new /tmp or home would hide {hidden[0]}")
        _new_namespaces()
    except OSError as exc:
        os.write(control, f"unavailable {exc}\n".encode())
        os._exit(UNAVAILABLE)
    _check(_LIBC.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")
    os.close(control)
    home = Path(os.environ.get("HOME", "/home/student"))
    _new_folders(home, files, args.home_bytes, args.tmp_bytes)
    _drop_capabilities()
    pid = os.fork()
    if pid == 0:
        _reaper(
            lambda: execute.run_notebook(notebook, fd, args.answers, args.cell_timeout, executor)
        )
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _say(control: int, line: str) -> None:
    os.write(control, (line + "\n").encode())


def serve(args) -> None:
    """Run each notebook of ``args`` in a fresh child of this process (module docstring)."""
    control = args.control_fd
    fds = [int(fd) for fd in args.result_fds.split(",")]
    if len(fds) != len(args.notebooks):
        raise SystemExit("one result pipe per notebook")
    for fd in [control, *fds]:
        os.set_inheritable(fd, False)
    files = _home_files(Path(os.environ.get("HOME", "/home/student")))
    executor = execute.Executor(args.cell_timeout)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - the notebook's own import then says why
            continue
    _check(_LIBC.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")
    for index, (notebook, fd) in enumerate(zip(args.notebooks, fds)):
        _say(control, f"start {index}")
        pid = os.fork()
        if pid == 0:
            try:
                others = fds[index + 1 :]  # the earlier ones are closed already
                _child(notebook, fd, others, control, files, args, executor)
            finally:
                os._exit(70)
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code == UNAVAILABLE:
            break
        _say(control, f"end {index} {code}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmeans_lab.grading.serve")
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--answers", required=True, help="the folder hidden_check writes to")
    parser.add_argument("--cell-timeout", type=int, default=settings.CELL_TIMEOUT[1])
    parser.add_argument("--home-bytes", type=int, required=True)
    parser.add_argument("--tmp-bytes", type=int, required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--result-fds", required=True, help="one per notebook, comma-separated")
    args = parser.parse_args(argv)
    serve(args)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":  # pragma: no cover - run by the grader in the sandbox
    sys.exit(main())
