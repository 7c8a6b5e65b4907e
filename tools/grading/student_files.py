"""Reading a student's submission folder without trusting a single file of it.

``course/submitted/<student>/`` is the student's. When the grader runs as
root (CI, a container), it never reads it as root:
:func:`read_submission_unprivileged` opens ``course/submitted`` and hands
the open folder to a child process that drops to a uid leased for it alone
(:mod:`tools.sandbox_ids`: no other process of the machine runs as it), with
no supplementary group; that process reads the submission and sends back
plain data. A file root could read but that uid cannot (``/etc/shadow``,
the run's seeds, a classmate's private file) is therefore never read,
whatever the checks below miss. The submission must be readable by all
(``chmod -R a+rX``); what is not is refused with that reason. Whoever reads
it, nothing in it is ever followed or opened by name alone:

- every folder and file is opened relative to its parent's open descriptor
  with ``O_NOFOLLOW`` (a symbolic link fails to open; it is never followed,
  even to read it), and judged on ``fstat`` of that descriptor: what was
  checked is what is read, whatever is swapped in meanwhile;
- a file is read only if it is a regular file with one link (``st_nlink``
  1: a hard link may be a classmate's notebook, or a secret of the
  instructor's), and at most ``limit`` bytes of it;
- FIFOs, sockets, devices and links are refused with their reason, never
  opened for reading; folders are listed as ignored.

:func:`printable` is how a name (or any text from a submission) is shown:
terminal escape codes, newlines, invisible and bidirectional characters and
lone surrogates (undecodable bytes of a file name) are escaped, so that what
``make autograde`` prints, its log and the CSV notes say exactly what is there.

Examples
--------
>>> printable("notes\\x1b[2J.txt")
'notes\\\\x1b[2J.txt'
>>> printable("a\\nb\\udc80")
'a\\\\nb\\\\udc80'
"""

from __future__ import annotations

import base64
import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox_ids import lease_uid

__all__ = [
    "printable",
    "Entry",
    "Listing",
    "read_submission",
    "read_submission_unprivileged",
    "other_names",
    "utf8_safe",
    "KINDS",
    "NOT_READABLE",
]

#: What a non-regular entry is, for the reasons given.
KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}

_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_OPEN_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC


def printable(text: str) -> str:
    """``text`` with every character a terminal or a reader could misread escaped.

    Every character that is not printable
    (``str.isprintable``: control characters such as ESC and newline, format
    characters such as bidirectional overrides, unassigned ones) and every
    lone surrogate is written as its Python escape (``\\x1b``, ``\\n``,
    ``\\u202e``, ``\\udc80``).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Printable text that encodes to UTF-8. Escaping twice changes nothing
        (backslashes are kept as they are), so text escaped where it was made
        can be escaped again where it is printed.
    """
    out = []
    for ch in str(text):
        if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return "".join(out)


def utf8_safe(value):
    """``value`` (str, list, dict, nested) with every lone surrogate written as ``\\udcXX`` text.

    What a sandbox sends back is JSON, which may carry lone surrogates (an
    exception message, an output); they cannot be written as UTF-8 (the
    judged notebook, the CSVs). Everything else is kept as it is.
    """
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [utf8_safe(v) for v in value]
    if isinstance(value, dict):
        return type(value)((utf8_safe(k), utf8_safe(v)) for k, v in value.items())
    return value


def _kind(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


@dataclass
class Entry:
    """One entry of a submission folder.

    ``data`` is its content when it was asked for and read; ``refused`` says
    why it was not read (a link, a hard link, a FIFO, too large ...).
    """

    name: str
    is_folder: bool = False
    data: bytes | None = None
    refused: str | None = None
    inode: tuple[int, int] | None = None  #: (device, inode) of a hard link, to find its other names


@dataclass
class Listing:
    """A submission folder, read (see :func:`read_submission`)."""

    entries: list[Entry] = field(default_factory=list)
    problem: str | None = None  #: why the folder itself could not be read

    def get(self, name: str) -> Entry | None:
        """The entry called ``name``, or None."""
        return next((e for e in self.entries if e.name == name), None)


def _refusal(info: os.stat_result) -> str | None:
    if not stat.S_ISREG(info.st_mode):
        return f"{_kind(info.st_mode)}, not a regular file: refused, never read"
    if info.st_nlink > 1:
        return (
            f"a hard link ({info.st_nlink} names for one file; it may be another "
            "student's or the instructor's file): refused, never read"
        )
    return None


#: Why a file or folder the unprivileged reader may not open is refused.
NOT_READABLE = (
    "not readable by the grader's unprivileged reader (permission denied): make the "
    "submission readable by all (chmod -R a+rX) and grade it again"
)


def _read(dir_fd: int, name: str, limit: int) -> tuple[bytes | None, str | None]:
    try:
        fd = os.open(name, _OPEN_FILE, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "a symbolic link: refused, never followed"
        if exc.errno == errno.EACCES:
            return None, NOT_READABLE
        return None, f"cannot be opened ({os.strerror(exc.errno or 0)})"
    try:
        info = os.fstat(fd)
        refused = _refusal(info)
        if refused is not None:
            return None, refused
        if info.st_size > limit:
            return None, f"too large ({info.st_size:,} bytes, at most {limit:,})"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None, f"too large (more than {limit:,} bytes)"
        return b"".join(chunks), None
    finally:
        os.close(fd)


def _open_folder(parent_fd: int, name: str) -> tuple[int | None, str | None]:
    try:
        return os.open(name, _OPEN_DIR, dir_fd=parent_fd), None
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None, "missing"
        if exc.errno == errno.EACCES:
            return None, NOT_READABLE
        try:
            info = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except OSError:
            return None, f"cannot be opened ({os.strerror(exc.errno or 0)})"
        return None, f"{_kind(info.st_mode)}, not a folder: refused, never followed"


def other_names(root: Path, inode: tuple[int, int], depth: int = 2) -> list[str]:
    """Paths below ``root`` (``depth`` folders down, links never followed) of file ``inode``.

    Finds a hard link's other names among the submissions
    (``submitted/<student>/kmeans_lab/<file>``), to say whose file it is.
    """
    found = []
    for current, folders, files in os.walk(root, followlinks=False):
        level = len(Path(current).relative_to(root).parts)
        if level >= depth:
            folders[:] = []
        for name in files:
            try:
                info = os.lstat(Path(current) / name)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) == inode:
                found.append(str((Path(current) / name).relative_to(root)))
    return sorted(found)


def read_submission(root: Path, parts: list[str], wanted: dict[str, int]) -> Listing:
    """List ``root/<parts...>/`` and read the files named in ``wanted``, never following a link.

    Parameters
    ----------
    root : Path
        A trusted folder (``course/submitted``).
    parts : list of str
        The folders below it, each opened without following links
        (``[student, "kmeans_lab"]``).
    wanted : dict
        ``{file name: most bytes read}`` of the files whose content is needed;
        every other entry is only classified (``lstat``), never opened.

    Returns
    -------
    Listing
        Its entries by name (sorted); ``problem`` is set, with no entries,
        when one of the folders is missing, a link or not a folder
        (``"<student>/kmeans_lab: missing"``).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "s").mkdir(); _ = (root / "s" / "a.txt").write_text("hi")
    >>> (root / "s" / "b.txt").symlink_to("/etc/passwd")
    >>> listing = read_submission(root, ["s"], {"a.txt": 10, "b.txt": 10})
    >>> listing.get("a.txt").data, listing.get("b.txt").refused
    (b'hi', 'a symbolic link: refused, never followed')
    """
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return _read_below(os.dup(fd), parts, wanted)
    finally:
        os.close(fd)


def _read_below(fd: int, parts: list[str], wanted: dict[str, int]) -> Listing:
    """:func:`read_submission` from the open folder ``fd`` (closed here)."""
    try:
        for depth, part in enumerate(parts):
            child, problem = _open_folder(fd, part)
            if child is None:
                where = "/".join(printable(p) for p in parts[: depth + 1])
                return Listing(problem=f"{where}: {problem}")
            os.close(fd)
            fd = child
        listing = Listing()
        try:
            names = sorted(os.listdir(fd))
        except PermissionError:
            return Listing(problem=f"{'/'.join(printable(p) for p in parts)}: {NOT_READABLE}")
        for name in names:
            try:
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except PermissionError:  # a folder that can be listed but not entered
                return Listing(problem=f"{'/'.join(printable(p) for p in parts)}: {NOT_READABLE}")
            entry = Entry(name, is_folder=stat.S_ISDIR(info.st_mode))
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                entry.inode = (info.st_dev, info.st_ino)
            if name in wanted and not entry.is_folder:
                entry.data, entry.refused = _read(fd, name, wanted[name])
            elif not entry.is_folder:
                entry.refused = _refusal(info)
                if stat.S_ISLNK(info.st_mode):
                    entry.refused = "a symbolic link: refused, never followed"
            listing.entries.append(entry)
        return listing
    finally:
        os.close(fd)


def _to_json(listing: Listing) -> bytes:
    entries = [
        {
            "name": e.name,
            "is_folder": e.is_folder,
            "data": None if e.data is None else base64.b64encode(e.data).decode("ascii"),
            "refused": e.refused,
            "inode": e.inode,
        }
        for e in listing.entries
    ]
    return json.dumps({"problem": listing.problem, "entries": entries}).encode("ascii")


def _from_json(data: bytes) -> Listing:
    document = json.loads(data)
    return Listing(
        [
            Entry(
                e["name"],
                e["is_folder"],
                None if e["data"] is None else base64.b64decode(e["data"]),
                e["refused"],
                None if e["inode"] is None else tuple(e["inode"]),
            )
            for e in document["entries"]
        ],
        document["problem"],
    )


def _read_as(uid: int, root_fd: int, parts: list[str], wanted: dict[str, int]) -> Listing:
    """:func:`_read_below` in a forked child running as ``uid`` (and gid ``uid``, no groups)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root for good, read, send plain data, exit
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)  # real, effective and saved: root cannot come back
            view = memoryview(_to_json(_read_below(root_fd, parts, wanted)))
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    try:
        if status != 0:
            raise ValueError(f"exit status {status}")
        return _from_json(b"".join(chunks))
    except (ValueError, KeyError, TypeError) as exc:
        where = "/".join(printable(p) for p in parts)
        return Listing(problem=f"{where}: the grader's unprivileged reader failed ({exc})")


def read_submission_unprivileged(
    root: Path, parts: list[str], wanted: dict[str, int], *, uid: int | None = None
) -> Listing:
    """:func:`read_submission`, never as root: what the grader reads of a submission.

    When the grader is root, ``root`` (a trusted folder, ``course/submitted``)
    is opened here and the rest is read by a child process running as a uid
    leased for it alone (or ``uid``), without supplementary groups: a file
    only root could read is refused (:data:`NOT_READABLE`), never read. When
    the grader is not root, it reads as itself (it already is unprivileged).

    Same parameters and result as :func:`read_submission`.
    """
    if os.geteuid() != 0:
        return read_submission(root, parts, wanted)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        if uid is not None:
            return _read_as(uid, fd, parts, wanted)
        with lease_uid() as lease:
            return _read_as(lease.uid, fd, parts, wanted)
    finally:
        os.close(fd)
