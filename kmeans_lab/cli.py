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

From Python (what the console script calls):

>>> from kmeans_lab.cli import main
>>> main(["compress", "missing.jpg", "-k", "16", "-o", "out.png"])  # doctest: +SKIP
1
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import __version__
from ._text import count_noun
from .compression import CompressedImage
from .fast import dither, fit_palette
from .fast._two_loads import fit_palette_loading_twice, to_compressed_in_place
from .fast.palette import DEFAULT_MAX_ITER
from .image_io import DEFAULT_MAX_PIXELS, ImageLoadError, load_image_8bit
from .kmeans import INIT_METHODS
from .workspace import DEFAULT_FOLDER, DEFAULT_SOURCE, WorkspaceError, lab_command, update_workspace

__all__ = ["main", "build_parser"]

PROG = "kmeans-lab"
MAX_COLORS = 256


class CommandError(Exception):
    """A problem with what the user asked for; reported as one line."""


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
        default=DEFAULT_MAX_ITER,
        help="maximum number of K-means (Lloyd) rounds (default: %(default)s)",
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
            return _compress(args)
        if args.command == "workspace":
            _update(args)
            return 0
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


def _check_paths(input_path: Path, output_path: Path, force: bool) -> None:
    if output_path.suffix.lower() != ".png":
        raise CommandError(f"OUTPUT must be a .png file (an indexed PNG), got '{output_path}'")
    if input_path.exists() and (
        output_path.resolve() == input_path.resolve()
        or (output_path.exists() and os.path.samefile(input_path, output_path))
    ):
        raise CommandError(
            f"OUTPUT '{output_path}' is the input file; refusing to overwrite the input, "
            "choose another OUTPUT"
        )
    if output_path.is_dir():
        raise CommandError(
            f"OUTPUT '{output_path}' is a directory; give a file name such as "
            f"'{output_path / 'compressed.png'}'"
        )
    if output_path.exists() and not force:
        raise CommandError(f"OUTPUT '{output_path}' already exists; pass --force to replace it")
    parent = output_path.parent
    if not parent.is_dir():
        raise CommandError(f"cannot write '{output_path}': directory '{parent}' does not exist")
    if not os.access(parent, os.W_OK):  # say so now, not after the whole K-means run
        raise CommandError(f"cannot write '{output_path}': directory '{parent}' is not writable")


def _return_freed_memory() -> None:
    """Make glibc give large freed blocks back to the system at once.

    glibc serves a block from its heap, which it rarely shrinks, once a block
    of that size has been freed (its mmap threshold rises up to 32 MB): the
    temporary tables of a large photo would then stay in the process. A
    fixed threshold of 1 MB keeps the peak memory of a run near what it uses
    at one time (6.5 MP photo, K = 256: 189 -> 145 MB); keeping up to 16 MB
    of freed heap for reuse avoids paying page faults again for the small
    temporaries of every round (without it, the fixed threshold cost 40% more
    CPU time); one heap for all threads, rather than one per thread of the
    pool each keeping its own free blocks (1 MP, K = 256: 100 -> 94 MB, same
    CPU time). No effect elsewhere than on glibc.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD: blocks of 1 MB or more are mmapped
        libc.mallopt(-1, 1 << 24)  # M_TRIM_THRESHOLD: keep up to 16 MB of free heap for reuse
        libc.mallopt(-8, 1)  # M_ARENA_MAX: the pool's threads share one heap
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def _compress(args) -> int:
    started = time.perf_counter()
    _return_freed_memory()
    input_path, output_path = Path(args.input), Path(args.output)
    _check_paths(input_path, output_path, args.force)
    load_times, stamps = [], []

    def load():
        # 8-bit files stay 8-bit (3 bytes a pixel), from the decoder to the PSNR
        start = time.perf_counter()
        try:
            image = load_image_8bit(input_path, max_pixels=args.max_pixels)
            status = input_path.stat()
        except ImageLoadError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot read '{input_path}': {exc.strerror or exc}") from None
        stamps.append((status.st_size, status.st_mtime_ns))
        if stamps[0] != stamps[-1]:
            raise CommandError(f"'{input_path}' changed while it was being compressed; try again")
        load_times.append(time.perf_counter() - start)
        return image

    def progress(iteration, max_iter, distortion):
        print(
            f"{PROG}: K-means round {iteration}/{max_iter}, distortion {distortion:.6f}",
            file=sys.stderr,
            flush=True,
        )

    options = dict(
        init=args.init,
        max_iter=args.max_iter,
        rng=args.seed,
        progress=None if args.quiet else progress,
    )
    if args.dither:  # dithering reads the photo again: keep it
        image = load()
        fit = fit_palette(image, args.k, **options)
    else:
        # the photo is loaded again to label its pixels rather than kept during
        # the rounds (24 MP: its 72 MB beside the colours' working arrays)
        fit, image = fit_palette_loading_twice(load, args.k, **options)
    n_iter = fit.n_iter
    compressed = to_compressed_in_place(fit)
    del fit  # (its labels are now the compressed image's)
    if args.dither:
        compressed = dither(image, compressed.palette)
    fitted = time.perf_counter()

    # the PSNR of what is written, then the photo is let go before the writing
    quality = _psnr(image, compressed)
    H, W, _ = image.shape
    del image
    size = _write_png(compressed, output_path)
    written = CompressedImage.load_png(output_path, max_pixels=args.max_pixels)
    if not (
        np.array_equal(written.palette, compressed.palette)
        and np.array_equal(written.labels, compressed.labels)
    ):
        raise CommandError(f"'{output_path}' does not read back as it was written")
    original_bits, compressed_bits = compressed.original_bits, compressed.compressed_bits
    K = written.n_colors
    del compressed, written
    done = time.perf_counter()
    bits_per_pixel = (K - 1).bit_length()
    ratio = original_bits / compressed_bits
    print(f"input:   {input_path}  {W} x {H} pixels, {input_path.stat().st_size:,} bytes")
    print(
        f"output:  {output_path}  {count_noun(K, 'colour')}{' (dithered)' if args.dither else ''}, "
        f"{size:,} bytes (indexed PNG)"
    )
    print(
        f"bits:    original {original_bits:,} (24 a pixel) -> compressed "
        f"{compressed_bits:,} (palette 24 x {K} + {bits_per_pixel} a pixel), {ratio:.1f}x smaller"
    )
    print(f"PSNR:    {quality:.2f} dB (the written PNG against the input)")
    print(
        f"time:    {done - started:.2f} s (load {sum(load_times):.2f} s, K-means "
        f"{fitted - started - sum(load_times):.2f} s in {count_noun(n_iter, 'round')}, write and check {done - fitted:.2f} s)"
    )
    return 0


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


def _psnr(image, compressed: CompressedImage, rows: int | None = None) -> float:
    """PSNR of ``compressed`` against ``image``, as :func:`kmeans_lab.psnr`
    computes it, a band of rows at a time (no full-size float copies; by
    default bands of about 65,536 pixels, under 1 MB of temporaries for
    8-bit data).

    A uint8 ``image`` is compared in integers with the 8-bit palette (exact
    sums of squared level differences), the same value as
    ``psnr(image / 255, compressed.reconstruct())``.
    """
    if rows is None:
        rows = max(1, (1 << 16) // max(image.shape[1], 1))
    if image.dtype == np.uint8:
        return _psnr_8bit(image, compressed, rows)
    total = 0.0
    for start in range(0, image.shape[0], rows):
        diff = (
            image[start : start + rows]
            - compressed.palette[compressed.labels[start : start + rows]]
        )
        total += float(np.einsum("ijk,ijk->", diff, diff))
    error = total / image.size
    return float("inf") if error == 0 else float(10.0 * np.log10(1.0 / error))


def _psnr_8bit(image, compressed: CompressedImage, rows: int) -> float:
    palette = np.rint(compressed.palette * 255.0).astype(np.int32)
    total = 0
    for start in range(0, image.shape[0], rows):
        diff = image[start : start + rows].astype(np.int32)
        diff -= palette[compressed.labels[start : start + rows]]
        diff *= diff
        total += int(diff.sum(dtype=np.int64))
    error = total / (255.0 * 255.0) / image.size
    return float("inf") if error == 0 else float(10.0 * np.log10(1.0 / error))


def _write_png(compressed: CompressedImage, output_path: Path) -> int:
    """Write atomically: a temporary file in the same directory, then rename."""
    try:
        handle, temporary = tempfile.mkstemp(
            suffix=".png", prefix=".kmeans-lab-", dir=output_path.parent
        )
        os.close(handle)
    except OSError as exc:
        raise CommandError(f"cannot write '{output_path}': {exc.strerror or exc}") from None
    try:
        # zlib's default level on every core (kmeans_lab._png_write), without
        # Pillow's exhaustive "optimize" pass: on the benchmark photos that pass
        # took 0.38 s of a 1 MP, K = 16 run (2.2 s at 6.5 MP) for files 0-6% smaller
        compressed.save_png(temporary, optimize=False)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private: give the usual mode
        os.replace(temporary, output_path)
    except OSError as exc:
        raise CommandError(f"cannot write '{output_path}': {exc.strerror or exc}") from None
    except ValueError as exc:  # save_png's own report of a failed write
        raise CommandError(f"cannot write '{output_path}': {exc}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return output_path.stat().st_size


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
