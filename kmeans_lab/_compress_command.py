"""``kmeans-lab compress`` (private; the parser is :mod:`kmeans_lab.cli`).

Checks the paths before any work, fits the palette on the 8-bit photo
(loaded twice above 8 megapixels rather than kept during the rounds, unless
``--dither`` needs it), takes the PSNR a band of rows at a time, writes the
PNG through a temporary file and reads it back: a report of what was
written, never a half-written OUTPUT, never the INPUT overwritten.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ._cli_common import PROG, CommandError
from ._text import count_noun
from .compression import CompressedImage, bits_per_index
from .fast import dither, fit_palette
from .fast._two_loads import fit_palette_loading_twice, to_compressed_in_place
from .image_io import ImageLoadError, load_image_8bit

__all__ = ["compress"]


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


def input_notes(path: Path) -> list[str]:
    """What the compressed image leaves out of the file at ``path``, one line each.

    A file with frames after the first (an animated GIF, a multi-page TIFF)
    is compressed from its first frame; one with (partly) transparent pixels
    is composited on white, and the PNG written is opaque
    (:func:`kmeans_lab.image_io.load_image` says so too). The user is told,
    with the numbers, rather than finding out from the output.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "logo.png"
    ...     Image.new("RGBA", (4, 2), (255, 0, 0, 0)).save(path)
    ...     input_notes(path)
    ['8 of 8 pixels are transparent or partly so: composited on white (the PNG written is opaque)']
    """
    from PIL import Image

    notes = []
    try:
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                notes.append(f"{path.name} has {frames:,} frames: only the first is compressed")
            if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
                alpha = np.asarray(im.convert("RGBA").getchannel("A"))
                seen = int(np.count_nonzero(alpha < 255))
                if seen:
                    notes.append(
                        f"{seen:,} of {alpha.size:,} pixels are transparent or partly so: "
                        "composited on white (the PNG written is opaque)"
                    )
    except (OSError, ValueError):  # it loaded once already: a note is not worth a failure
        pass
    return notes


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


def compress(args) -> int:
    """Run ``kmeans-lab compress`` with the parsed ``args``; return the exit status
    (problems are raised as :class:`CommandError`)."""
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
        preset=args.preset,
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
    bits_per_pixel = bits_per_index(K)
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
    for note in input_notes(input_path):
        print(f"note:    {note}")
    print(
        f"time:    {done - started:.2f} s (load {sum(load_times):.2f} s, K-means "
        f"{fitted - started - sum(load_times):.2f} s in {count_noun(n_iter, 'round')}, write and check {done - fitted:.2f} s)"
    )
    return 0


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
    return _decibels(total / image.size)


def _psnr_8bit(image, compressed: CompressedImage, rows: int) -> float:
    palette = np.rint(compressed.palette * 255.0).astype(np.int32)
    total = 0
    for start in range(0, image.shape[0], rows):
        diff = image[start : start + rows].astype(np.int32)
        diff -= palette[compressed.labels[start : start + rows]]
        diff *= diff
        total += int(diff.sum(dtype=np.int64))
    return _decibels(total / (255.0 * 255.0) / image.size)


def _decibels(error: float) -> float:
    """The PSNR of a mean squared error in [0, 1] units (inf when it is 0)."""
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
