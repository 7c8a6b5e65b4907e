"""The explorer's trade-off view: PSNR and size over K for the current settings.

:class:`TradeoffView` is the part of :class:`~kmeans_lab.explorer.KMeansExplorer`
behind the "Compute the trade-off over K" button: it computes the table
(:func:`kmeans_lab.explorer.model.compute_tradeoff`, through the result cache),
keeps it per (image, init, seed, iterations), and shows it as a figure (with
its text alternative) and a table.
"""

from __future__ import annotations

from . import render
from .model import TRADEOFF_KS, TradeoffTable, compute_tradeoff

__all__ = ["TradeoffView"]


class TradeoffView:
    """Compute and show the trade-off over K (a part of the explorer, not used alone)."""

    def _tradeoff_key(self) -> tuple:
        return (
            self._image.key,
            self.init_buttons.value,
            int(self.seed_box.value),
            int(self.iterations_slider.value),
        )

    def compute_tradeoff(self) -> TradeoffTable:
        """Compute (or fetch) the PSNR/bits trade-off over K and show it.

        The trade-off button calls this. Each K uses the result cache, and the
        table is cached by (image, init, seed, iterations).

        Returns
        -------
        kmeans_lab.explorer.TradeoffTable
        """
        key = self._tradeoff_key()
        if key not in self._tradeoffs:
            Ks = [K for K in TRADEOFF_KS if K <= self._image.n_pixels]
            self.tradeoff_progress.max = len(Ks)
            self.tradeoff_progress.value = 0
            self.tradeoff_progress.bar_style = "info"
            self.tradeoff_status.value = render.tradeoff_progress_text(0, len(Ks))

            def progress(done: int, total: int) -> None:
                self.tradeoff_progress.value = done
                self.tradeoff_status.value = render.tradeoff_progress_text(done, total)

            self._tradeoffs[key] = compute_tradeoff(
                self._image, *key[1:], Ks=Ks, cache=self.cache, progress=progress
            )
        self._show_tradeoff(force=True)
        return self._tradeoffs[key]

    def _show_tradeoff(self, force: bool = False) -> None:
        key = self._tradeoff_key()
        table = self._tradeoffs.get(key)
        if table is None:
            self.tradeoff_plot.value = b""
            self.tradeoff_plot.layout.display = "none"  # no broken-image icon while empty
            self.tradeoff_table.value = ""
            self.tradeoff_progress.value = 0
            self.tradeoff_progress.bar_style = ""
            self.tradeoff_status.value = render.TRADEOFF_NOT_COMPUTED
            self._tradeoff_alt = None
            self._speak()
            return
        current_K = self._result.K if self._result is not None else None
        if force or self.tradeoff_plot.value == b"" or self._tradeoff_shown != key:
            self.tradeoff_plot.value, self._tradeoff_alt = render.tradeoff_figure(table)
            self._tradeoff_shown = key
        self.tradeoff_plot.layout.display = None
        self.tradeoff_table.value = render.tradeoff_html(table, current_K)
        self.tradeoff_progress.max = len(table.K)
        self.tradeoff_progress.value = len(table.K)
        self.tradeoff_progress.bar_style = "success"
        self.tradeoff_status.value = render.tradeoff_status(self._image.label, *key[1:])
        self._speak()
