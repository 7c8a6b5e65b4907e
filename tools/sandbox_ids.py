"""One uid (and, where the machine allows, one cgroup) per sandbox, for its lifetime.

When the grader runs as root, each sandbox's processes run as an
unprivileged uid. Limits such as ``RLIMIT_NPROC`` count the processes of a
*uid* across the whole machine, so two sandboxes sharing a uid share their
limit: a student holding 64 processes would stop a classmate's sandbox from
starting, even one run by another grading task on the same machine (two
``python -m tools.autograde --student ...`` at once). So a uid is leased per
sandbox:

- the uids are ``KMEANS_LAB_SANDBOX_UID`` (default 61000) to that plus
  ``KMEANS_LAB_SANDBOX_UIDS`` - 1 (default 256 uids);
- a lease is an exclusive ``flock`` on ``/run/kmeans-lab/sandbox-uids/<uid>.lock``
  (a root-only folder), held for the sandbox's lifetime, so every grading task
  on the machine sees it; a uid that some process still runs as (a sandbox of
  a grader that was killed, or a user of the machine) is skipped;
- the kernel drops the lock when the holder dies, so a crash never leaks a uid.

:class:`SandboxCgroup` adds a cgroup per sandbox (``pids.max``,
``memory.max``) below the grader's own cgroup, so that the sandbox's
processes together are bounded, not only each one; it is removed afterwards.
Where cgroups cannot be made (no write access, or cgroup v2 whose controllers
are not delegated to the grader's cgroup), the sandbox runs with its
per-process limits only, and :attr:`SandboxCgroup.unavailable` says why.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_UID", "DEFAULT_UIDS", "uid_range", "UidLease", "lease_uid", "SandboxCgroup"]

#: First uid of the sandboxes when the grader runs as root.
DEFAULT_UID = 61000
#: How many uids the sandboxes of one machine may use at once.
DEFAULT_UIDS = 256
#: Where the leases are (created 0700, root's).
LOCK_FOLDER = Path("/run/kmeans-lab/sandbox-uids")


def uid_range() -> range:
    """The uids sandboxes may run as (``KMEANS_LAB_SANDBOX_UID``, ``KMEANS_LAB_SANDBOX_UIDS``)."""
    first = int(os.environ.get("KMEANS_LAB_SANDBOX_UID") or DEFAULT_UID)
    count = int(os.environ.get("KMEANS_LAB_SANDBOX_UIDS") or DEFAULT_UIDS)
    if first < 1000 or count < 1:
        raise ValueError(
            "KMEANS_LAB_SANDBOX_UID must be an unused uid of at least 1000 and "
            f"KMEANS_LAB_SANDBOX_UIDS at least 1, got {first} and {count}"
        )
    return range(first, first + count)


def _uids_in_use() -> set[int]:
    """Real uids of every process of the machine (as far as /proc shows them)."""
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                found.add(os.stat(f"/proc/{name}").st_uid)
            except OSError:  # gone meanwhile
                pass
    return found


@dataclass
class UidLease:
    """A uid held for one sandbox; :meth:`release` (or the holder's death) frees it."""

    uid: int
    fd: int | None

    def release(self) -> None:
        """Free the uid (close the locked file)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> UidLease:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lease_uid(timeout: float = 600.0, folder: Path = LOCK_FOLDER) -> UidLease:
    """Lease a uid of :func:`uid_range` no other sandbox of this machine holds.

    Waits (up to ``timeout`` seconds) while every uid is leased or in use.

    Raises
    ------
    RuntimeError
        If no uid became free in time (the message says which range, and how to widen it).
    """
    uids = uid_range()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        in_use = _uids_in_use()
        for uid in uids:
            if uid in in_use:
                continue
            fd = os.open(
                folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    continue
                raise
            if uid in _uids_in_use():  # a process took it between the scan and the lock
                os.close(fd)
                continue
            return UidLease(uid, fd)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"no free sandbox uid in {uids.start}-{uids.stop - 1} after {timeout:.0f} s: "
                "every one is leased by a sandbox or used by a process; set "
                "KMEANS_LAB_SANDBOX_UIDS to a larger number of unused uids"
            )
        time.sleep(0.2)


CGROUP_ROOT = Path("/sys/fs/cgroup")
#: The folder below a hierarchy's root that holds the sandboxes' cgroups.
CGROUP_FOLDER = "kmeans-lab"


def _own_cgroups() -> dict[str, str]:
    """``{controller (or "" for cgroup v2): path}`` of this process's cgroups."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            found[controller] = path
    return found


class SandboxCgroup:
    """A cgroup for one sandbox: its processes and memory bounded together.

    Made only in a hierarchy where the grader itself is in the root cgroup
    (a container's own cgroup namespace, CI, a machine where the instructor is
    root): there it can be nested without taking the sandbox out of any
    limit set on the grader by someone else. Elsewhere (a grader placed in a
    cgroup by systemd or a batch system) nothing is made, and
    :attr:`unavailable` says why; the per-process limits still apply.

    Parameters
    ----------
    name : str
        Unique on the machine (e.g. ``sandbox-<uid>-<pid>-<n>``).
    pids_max : int
        Most processes and threads of the whole sandbox.
    memory_max : int
        Most bytes of memory of the whole sandbox.
    """

    def __init__(self, name: str, pids_max: int, memory_max: int, root: Path = CGROUP_ROOT):
        self.name, self.root = name, Path(root)
        self.limits = {"pids": ("pids.max", pids_max), "memory": ("memory.max", memory_max)}
        self.folders: list[Path] = []
        self.unavailable: str | None = None

    def _v2(self) -> None:
        own = _own_cgroups().get("")
        if own != "/":
            raise OSError(f"the grader runs in cgroup {own}, not the root of cgroup v2")
        enable = " ".join(f"+{c}" for c in self.limits)
        (self.root / "cgroup.subtree_control").write_text(enable)
        parent = self.root / CGROUP_FOLDER
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text(enable)
        folder = parent / self.name
        folder.mkdir()
        self.folders.append(folder)
        for file_name, value in self.limits.values():
            (folder / file_name).write_text(str(value))

    def _v1(self) -> None:
        own = _own_cgroups()
        reasons = []
        for controller, (file_name, value) in self.limits.items():
            hierarchy = self.root / controller
            if not hierarchy.is_dir() or own.get(controller) != "/":
                reasons.append(
                    f"{controller}: the grader runs in cgroup {own.get(controller)}, not the root"
                )
                continue
            folder = hierarchy / CGROUP_FOLDER / self.name
            folder.mkdir(parents=True)
            self.folders.append(folder)
            v1_name = "memory.limit_in_bytes" if controller == "memory" else file_name
            (folder / v1_name).write_text(str(value))
        if reasons:
            self.unavailable = "; ".join(reasons)

    def create(self) -> SandboxCgroup:
        """Make the cgroup(s); on any failure, none is kept and :attr:`unavailable` says why."""
        try:
            if (self.root / "cgroup.controllers").exists():
                self._v2()
            else:
                self._v1()
        except OSError as exc:
            self.remove()
            self.unavailable = f"no cgroup per sandbox here ({exc})"
        return self

    def enter(self) -> None:
        """Move the calling process into the cgroup(s) (run in the child before ``exec``)."""
        for folder in self.folders:
            with open(folder / "cgroup.procs", "w") as f:
                f.write("0")

    def remove(self) -> None:
        """Kill what is left in the cgroup(s) and remove them."""
        for folder in reversed(self.folders):
            for _ in range(50):
                try:
                    pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
                except OSError:
                    break
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                time.sleep(0.1)
            for _ in range(20):  # the kernel may still count an exiting process: EBUSY
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
        self.folders = []
