"""Forked children with namespaces and folders of their own: a sandbox per child, one Python.

The leaf both servers share (standard library only): :mod:`.serve` runs a
student's notebooks, :mod:`.record_serve` the student's functions on the
planned inputs, each item in a child forked from a server that has imported
what the items need and run none of them. A child (:func:`isolate`) makes new
user, mount, PID, IPC, network and UTS namespaces (its uid mapped to itself),
a new home, ``/tmp`` and ``/dev/shm`` (size-limited tmpfs; the home holding
the files the sandbox started with), empty folders over what it must not see,
and drops every capability; the item runs in process 2 of its PID namespace
under a reaper (:func:`_reaper`), and when it ends, that namespace dies with
everything it started. :func:`serve_children` is the server's loop: ``start I``
and ``end I CODE`` on the control pipe, ``unavailable REASON`` when a child
cannot make its namespaces (the grader then gives each remaining item a
sandbox of its own).
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable
from pathlib import Path

__all__ = ["UNAVAILABLE", "isolate", "serve_children", "start_server", "home_files"]

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


def home_files(home: Path) -> dict[str, bytes]:
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
    """Process 1 of the item's PID namespace: start the item, reap, exit with its code."""
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


def isolate(
    control: int,
    files: dict[str, bytes],
    home_bytes: int,
    tmp_bytes: int,
    hide: tuple[str, ...] = (),
    before_hiding: Callable[[], object] | None = None,
) -> object:
    """Give this (forked) child a sandbox of its own; return ``before_hiding()``'s value.

    ``before_hiding`` runs in the new namespaces before the new folders are
    mounted: what it reads of ``hide`` (an item's own input) is read then, and
    the folders of ``hide`` are empty afterwards. A child that cannot make its
    namespaces or its folders (before any of the item has run) says so on
    ``control`` and exits with :data:`UNAVAILABLE`: the item then gets a sandbox of
    its own.
    """
    # dumpable for as long as it writes its own uid map (its /proc files are then its own),
    # then not again: the item's processes may not trace it or read its memory
    _LIBC.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    try:
        hidden = _mounts_beneath(["/tmp", "/dev/shm", os.environ.get("HOME", "/home/student")])
        if hidden:  # the item would lose them: each item gets a sandbox of its own
            raise OSError(0, f"a new /tmp or home would hide {hidden[0]}")
        _new_namespaces()
        _check(_LIBC.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")
        kept = before_hiding() if before_hiding is not None else None
        home = Path(os.environ.get("HOME", "/home/student"))
        _new_folders(home, files, home_bytes, tmp_bytes)
        for folder in hide:
            _tmpfs(folder, 4096, "0555")
        _drop_capabilities()
    except OSError as exc:  # nothing of the item has run: it goes to a sandbox of its own
        os.write(control, f"unavailable {exc}\n".encode())
        os._exit(UNAVAILABLE)
    os.close(control)
    return kept


def run_in_reaper(run: Callable[[], None], fd: int) -> None:
    """Run ``run`` in process 2 of this child's PID namespace; exit with its code. Never returns."""
    pid = os.fork()
    if pid == 0:
        _reaper(run)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _say(control: int, line: str) -> None:
    os.write(control, (line + "\n").encode())


def start_server(control: int, result_fds: str, count: int, what: str):
    """``(result pipes, home files)`` of a server: one pipe per item (``result_fds``, comma-
    separated), none of them nor ``control`` inherited by what the items run, and the files
    of the home every child starts with. SystemExit unless there is one pipe per ``what``."""
    fds = [int(fd) for fd in result_fds.split(",")]
    if len(fds) != count:
        raise SystemExit(f"one result pipe per {what}")
    for fd in [control, *fds]:
        os.set_inheritable(fd, False)
    return fds, home_files(Path(os.environ.get("HOME", "/home/student")))


def serve_children(control: int, fds: list[int], child: Callable[[int, int, list[int]], None]):
    """The server's loop: for each item ``I``, ``start I``, a forked ``child(I, fd, later fds)``
    (which never returns), ``end I CODE``; stops at a child that could not isolate itself."""
    _check(_LIBC.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl")
    for index, fd in enumerate(fds):
        _say(control, f"start {index}")
        pid = os.fork()
        if pid == 0:
            try:
                child(index, fd, fds[index + 1 :])  # the earlier ones are closed already
            finally:
                os._exit(70)
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code == UNAVAILABLE:
            break
        _say(control, f"end {index} {code}")
