"""The ``kmeans-lab`` command: compress your own photo with K-means, open the course.

Examples
--------
In a terminal::

    kmeans-lab compress photo.jpg -k 16 -o photo-16.png
    kmeans-lab compress photo.jpg -k 16 -o photo-16-dither.png --dither
    kmeans-lab compress --help

From the root of the repository (:mod:`kmeans_lab.workspace`)::

    kmeans-lab workspace      # create or update your copy of the course, my-course/
    kmeans-lab lab            # the same, then open it in JupyterLab (what `make lab` runs)
    kmeans-lab progress       # every exercise: passes, fails or not started; saved; used
    kmeans-lab reset 03 find_closest_centroids   # that cell as handed out, the rest kept

From Python (what the console script calls):

>>> from kmeans_lab.cli import main
>>> main(["compress", "missing.jpg", "-k", "16", "-o", "out.png"])  # doctest: +SKIP
1
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from ._cli_common import PROG, CommandError
from ._compress_command import compress
from .fast.palette import DEFAULT_PRESET, PRESETS
from .image_io import DEFAULT_MAX_PIXELS
from .kmeans import INIT_METHODS
from .workspace import DEFAULT_FOLDER, DEFAULT_SOURCE, WorkspaceError, lab_command, update_workspace

__all__ = ["main", "build_parser"]

MAX_COLORS = 256


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage block."""

    def error(self, message):  # noqa: D102 - argparse API
        raise CommandError(message)


def _n_colors(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"K must be a whole number from 1 to {MAX_COLORS}, got {text!r}"
        ) from None
    if not 1 <= value <= MAX_COLORS:
        raise argparse.ArgumentTypeError(
            f"K must be from 1 to {MAX_COLORS} (an indexed PNG holds at most {MAX_COLORS} colours), got {value}"
        )
    return value


def _non_negative(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number, got {text!r}"
            ) from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be 0 or more, got {value}")
        return value

    return parse


def _positive(name: str):
    def parse(text: str) -> int:
        value = _non_negative(name)(text)
        if value == 0:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got 0")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kmeans-lab`` (exposed for documentation)."""
    parser = _Parser(
        prog=PROG,
        description="Compress images with K-means colour quantization (the kmeans-lab course library).",
        epilog=f"Run '{PROG} COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    compress = commands.add_parser(
        "compress",
        help="reduce an image to K colours and write an indexed PNG",
        description=(
            "Reduce INPUT to at most K colours with K-means (kmeans_lab.quantize) and write OUTPUT as "
            "an indexed PNG: a palette of K colours plus one index per pixel. Prints the original and "
            "compressed sizes in bits (24 bits a pixel vs 24 bits a palette colour + ceil(log2 K) bits a "
            "pixel), the real file sizes, the PSNR of the written image against the input, and the time "
            "taken. Never overwrites INPUT; refuses to replace an existing OUTPUT unless --force."
        ),
        epilog=f"example: {PROG} compress photo.jpg -k 16 -o photo-16.png --dither",
    )
    compress.add_argument(
        "input",
        metavar="INPUT",
        help="image to compress: any format Pillow reads (PNG, JPEG, GIF, BMP, TIFF, WebP, ...)",
    )
    compress.add_argument(
        "-k",
        "--colors",
        dest="k",
        metavar="K",
        type=_n_colors,
        required=True,
        help=f"number of palette colours, 1 to {MAX_COLORS} (16 is the course's choice)",
    )
    compress.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        required=True,
        help="PNG file to write (must end in .png; never the same file as INPUT)",
    )
    compress.add_argument(
        "--max-iter",
        metavar="N",
        type=_non_negative("--max-iter"),
        default=None,
        help="maximum number of K-means (Lloyd) rounds (default: the preset's, "
        + ", ".join(f"{name} {p.max_iter}" for name, p in PRESETS.items())
        + ")",
    )
    compress.add_argument(
        "--preset",
        choices=list(PRESETS),
        default=DEFAULT_PRESET,
        help="quality: a palette at least as good as scikit-learn's KMeans (best of "
        f"{PRESETS['quality'].n_starts} k-means++ starts, more rounds); fast: one start, "
        "fewer rounds, faster, up to a few %% more error (default: %(default)s)",
    )
    compress.add_argument(
        "--seed",
        metavar="S",
        type=_non_negative("--seed"),
        default=0,
        help="random seed of the initial centroids; the same seed gives the same "
        "output (default: %(default)s)",
    )
    compress.add_argument(
        "--init",
        choices=list(INIT_METHODS),
        default="k-means++",
        help="how the initial centroids are chosen: greedy k-means++ (spread out, "
        "usually better) or K random colours of the image (default: %(default)s)",
    )
    compress.add_argument(
        "--dither",
        action="store_true",
        help="spread each pixel's rounding error to its neighbours (Floyd-Steinberg) "
        "with the K-means palette: smoother gradients to the eye, lower PSNR",
    )
    compress.add_argument(
        "--force",
        action="store_true",
        help="replace OUTPUT if it already exists (INPUT is never replaced)",
    )
    compress.add_argument(
        "--quiet",
        action="store_true",
        help="do not print the progress of each K-means round on stderr",
    )
    compress.add_argument(
        "--max-pixels",
        metavar="N",
        type=_positive("--max-pixels"),
        default=DEFAULT_MAX_PIXELS,
        help="refuse larger images, a protection against decompression bombs "
        "(default: %(default)s)",
    )
    rule = (
        "Files you have not changed are refreshed when the course changes; files you changed "
        "(a cell's source typed, cells added or deleted; not just run or saved) are kept and "
        "never overwritten; new files are added; a file you deleted is handed out again (how "
        "to start a notebook over); nothing is ever deleted. Prints what it did in one line."
    )
    workspace = commands.add_parser(
        "workspace",
        help=f"create or update your own copy of the course ({DEFAULT_FOLDER}/)",
        description=(
            f"Create FOLDER, your own copy of the course, from the course's student notebooks "
            f"({DEFAULT_SOURCE}/), or update it. {rule}"
        ),
        epilog=f"example, from the root of the repository: {PROG} workspace",
    )
    _workspace_arguments(workspace)
    lab = commands.add_parser(
        "lab",
        help="update your copy of the course, then open it in JupyterLab",
        description=(
            f"What '{PROG} workspace' does, then JupyterLab on FOLDER with its first notebook "
            "(00_index.ipynb) open, and this environment's commands (kmeans-lab) on the PATH "
            "of its notebooks. Options after -- go to 'jupyter lab'."
        ),
        epilog=f"example: {PROG} lab -- --no-browser --port=8890",
    )
    _workspace_arguments(lab)
    progress = commands.add_parser(
        "progress",
        help="where you stand: every exercise, whether it passes, is saved, and what is used",
        description=(
            "One line per exercise, in course order: whether the version in its notebook (as "
            "last saved) passes its check, fails it (which case) or is not started; whether it "
            "is saved in FOLDER/my_functions/ for the later notebooks; and what those use, your "
            "saved function or the course's reference. The same as kmeans_lab.progress() in a "
            "notebook."
        ),
        epilog=f"example, from the root of the repository: {PROG} progress",
    )
    progress.add_argument(
        "folder",
        metavar="FOLDER",
        nargs="?",
        default=DEFAULT_FOLDER,
        help="the folder of your notebooks (default: %(default)s)",
    )
    reset = commands.add_parser(
        "reset",
        help="put one exercise cell back to the course's starting version, the rest kept",
        description=(
            "Replace the exercise cell of one notebook of FOLDER by the course's starting version "
            f"({DEFAULT_SOURCE}/), keeping every other cell and file as it is. The code it replaces "
            f"is first written to a new file in FOLDER/backups/ (never over another), and the "
            "message says where. Close the notebook in JupyterLab first, or reload it from disk "
            "afterwards."
        ),
        epilog=f"example: {PROG} reset 03 find_closest_centroids",
    )
    reset.add_argument("notebook", metavar="NOTEBOOK", help="the notebook's number, e.g. 03")
    reset.add_argument(
        "exercise",
        metavar="EXERCISE",
        nargs="?",
        default=None,
        help="the exercise, e.g. find_closest_centroids (optional when the notebook has one)",
    )
    reset.add_argument(
        "--folder",
        metavar="FOLDER",
        default=DEFAULT_FOLDER,
        help="your folder (default: %(default)s)",
    )
    reset.add_argument(
        "--from",
        dest="source",
        metavar="COURSE",
        default=DEFAULT_SOURCE,
        help="the course's student notebooks (default: %(default)s)",
    )
    return parser


def _workspace_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder",
        metavar="FOLDER",
        nargs="?",
        default=DEFAULT_FOLDER,
        help="your folder (default: %(default)s)",
    )
    parser.add_argument(
        "--from",
        dest="source",
        metavar="COURSE",
        default=DEFAULT_SOURCE,
        help="the course's student notebooks (default: %(default)s)",
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``kmeans-lab`` with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 1 when the input or output is
    unusable, 2 for a wrong command line, 130 if interrupted. Errors are
    printed as one line ``kmeans-lab: error: ...`` on stderr. ``lab`` does not
    return when it succeeds: JupyterLab replaces the process.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    jupyter_args: list[str] = []
    if argv[:1] == ["lab"] and "--" in argv:  # kmeans-lab lab [FOLDER] -- JUPYTER OPTIONS
        cut = argv.index("--")
        argv, jupyter_args = argv[:cut], argv[cut + 1 :]
    try:
        try:
            args = parser.parse_args(argv)
        except CommandError as exc:
            return _fail(str(exc), 2)
        except SystemExit as exc:  # --help and --version
            return int(exc.code or 0)
        if args.command == "compress":
            return compress(args)
        if args.command == "workspace":
            _update(args)
            return 0
        if args.command == "progress":
            return _progress(args.folder)
        if args.command == "reset":
            return _reset(args)
        if args.command == "lab":
            _update(args)
            return _open_lab(args.folder, jupyter_args)
        return _fail(
            f"unknown command {args.command!r}", 2
        )  # pragma: no cover - argparse rejects it
    except CommandError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except MemoryError:
        return _fail("not enough memory for this image; try a smaller one, or shrink it first", 1)


def _fail(message: str, status: int) -> int:
    message = " ".join(str(message).split())  # one line, whatever the message
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def _update(args) -> None:
    try:
        report = update_workspace(args.folder, args.source)
    except WorkspaceError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(
            f"cannot update '{args.folder}': {exc.strerror or exc}"
            + (f" ({exc.filename})" if exc.filename else "")
        ) from None
    print(report.summary(), flush=True)


def _progress(folder: str) -> int:
    from .overview import progress  # imports the checks: only for this command

    if not os.path.isdir(folder):
        raise CommandError(
            f"no folder '{folder}': run '{PROG} workspace' first, or give the folder of your "
            "notebooks"
        )
    print(progress(folder), flush=True)
    return 0


def _reset(args) -> int:
    from .exercise_reset import ResetError, reset_exercise  # imports the registry

    try:
        done = reset_exercise(args.notebook, args.exercise, folder=args.folder, source=args.source)
    except ResetError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot reset: {exc.strerror or exc}") from None
    print(done.summary(), flush=True)
    return 0


def _open_lab(folder: str, jupyter_args: list[str]) -> int:
    """Replace this process with JupyterLab (Ctrl-C then reaches JupyterLab itself)."""
    argv, env = lab_command(folder, jupyter_args)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name != "posix":  # pragma: no cover - Windows has no exec: wait for it instead
        import subprocess

        return subprocess.call(argv, env=env)
    os.execve(argv[0], argv, env)
    return 0  # not reached: JupyterLab has replaced this process


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
