"""What the explorer says to a screen reader, and the widget that says it.

ipywidgets gives its sliders no accessible name (only a visual label), its
toggle buttons no ``aria-pressed``, its images no ``alt``, and announces
nothing it updates. :class:`AccessBridge`, an `anywidget
<https://anywidget.dev>`_ placed inside the explorer, fills these in from
Python in the browser:

- every control gets an accessible name saying what it sets, and sliders
  their value in words (:func:`control_names`: the K slider says
  "K = 16 colours", not its stop number "4");
- toggle buttons (the initialisation, the replay's loop) get ``aria-pressed``;
- every image gets its ``alt`` text (:func:`image_alts`);
- a polite live region announces :attr:`AccessBridge.announcement`: the
  status message, if any, and the result line after each update
  (:func:`result_line`: K, bits, ratio, PSNR);
- the image menu takes plain arrow keys (JupyterLab would otherwise move to
  the next cell).

The words are computed here, in Python, from the explorer's numbers; the
browser part only puts them where assistive technology reads them.
"""

from __future__ import annotations

import anywidget
import traitlets

from .._text import count_noun

__all__ = ["AccessBridge", "control_names", "image_alts", "result_line"]

_ESM = r"""
const KEYS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"];

function set(node, name, value) {
  if (value !== undefined && value !== null && node.getAttribute(name) !== String(value)) {
    node.setAttribute(name, String(value));
  }
}

function apply(root, names) {
  for (const [cls, spec] of Object.entries(names)) {
    const host = root.querySelector("." + cls);
    if (!host) continue;
    if (spec.group) { set(host, "role", "group"); set(host, "aria-label", spec.group); }
    host.querySelectorAll(".noUi-handle, [role=slider]").forEach((h) => {
      set(h, "aria-label", spec.label);
      set(h, "aria-valuetext", spec.valuetext);
    });
    host.querySelectorAll("input, select, textarea").forEach((i) => set(i, "aria-label", spec.label));
    const buttons = host.tagName === "BUTTON" ? [host] : Array.from(host.querySelectorAll("button"));
    buttons.forEach((b) => {
      const icon = Object.keys(spec.icons || {}).find((name) => b.querySelector("i." + name));
      if (icon) set(b, "aria-label", spec.icons[icon]);
      if (spec.toggle === true || (icon && (spec.toggle || []).includes(icon))) {
        set(b, "aria-pressed", b.classList.contains("mod-active") ? "true" : "false");
      }
    });
    if (spec.alt !== undefined) {
      const img = host.tagName === "IMG" ? host : host.querySelector("img");
      if (img) set(img, "alt", spec.alt);
    }
    if (spec.arrow_keys) {
      const select = host.querySelector("select");
      if (select && !select.dataset.kmeansArrowKeys) {
        select.dataset.kmeansArrowKeys = "1";
        select.setAttribute("data-lm-suppress-shortcuts", "true");
        select.addEventListener("keydown", (e) => { if (KEYS.includes(e.key)) e.stopPropagation(); });
      }
    }
  }
}

function render({ model, el }) {
  const live = document.createElement("div");
  live.className = "kmeans-live";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  live.setAttribute("aria-atomic", "true");
  el.appendChild(live);
  let observer = null;
  let frame = 0;
  const update = () => {
    const root = el.closest(".kmeans-explorer");
    if (!root) { frame = requestAnimationFrame(update); return; }
    apply(root, model.get("names"));
    if (!observer) {
      observer = new MutationObserver(() => apply(root, model.get("names")));
      observer.observe(root, {
        subtree: true, childList: true, attributes: true,
        attributeFilter: ["class", "aria-valuetext", "src"],
      });
    }
  };
  const announce = () => { live.textContent = model.get("announcement"); };
  model.on("change:names", update);
  model.on("change:announcement", announce);
  update();
  announce();
  return () => { cancelAnimationFrame(frame); if (observer) observer.disconnect(); };
}
export default { render };
"""

_CSS = """
.kmeans-live {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
"""


class AccessBridge(anywidget.AnyWidget):
    """The explorer's accessible names, alt texts and live region, in the browser.

    Attributes
    ----------
    names : dict
        CSS class of a control or image -> what to set: ``label`` (its
        accessible name), ``valuetext`` (a slider's value in words), ``group``
        (a group's name), ``icons`` (icon class -> name of the icon-only button
        showing it), ``toggle`` (``True``: ``aria-pressed`` on all its buttons;
        a list of icon classes: on those), ``alt`` (an image's text),
        ``arrow_keys`` (its menu keeps the arrow keys from JupyterLab).
    announcement : str
        What the live region says (polite: after what the reader is saying).
    """

    _esm = _ESM
    _css = _CSS
    names = traitlets.Dict().tag(sync=True)
    announcement = traitlets.Unicode("").tag(sync=True)


def result_line(result, frame) -> str:
    """The result in one sentence: K and the settings, bits, ratio, PSNR (the live region's).

    Examples
    --------
    >>> from kmeans_lab.explorer import KMeansExplorer
    >>> e = KMeansExplorer("course", K=16, iterations=10, rng=0)
    >>> result_line(e.result, e.frame)
    'K = 16 colours (k-means++, seed 0, 10 iterations): 65,920 bits instead of 393,216, 5.97 times smaller, PSNR 31.69 dB.'
    """
    c = frame.compressed
    shown = (
        ""
        if frame.iteration == result.n_iter
        else f", showing iteration {frame.iteration} of {result.n_iter}"
    )
    return (
        f"K = {count_noun(result.K, 'colour')} ({result.init}, seed {result.seed}, "
        f"{count_noun(result.n_iter, 'iteration')}): {c.compressed_bits:,} bits instead of "
        f"{c.original_bits:,}, {c.compression_ratio:.2f} times smaller, "
        f"PSNR {frame.psnr:.2f} dB{shown}."
    )


def control_names(*, K: int, iterations: int, init: str, seed: int, iteration: int, n_iter: int):
    """The accessible name (and value in words) of every control, by CSS class.

    Examples
    --------
    >>> names = control_names(K=16, iterations=10, init="random", seed=0, iteration=3, n_iter=10)
    >>> names["kmeans-K"]["valuetext"], names["kmeans-iterations"]["valuetext"]
    ('K = 16 colours', '10 iterations')
    """
    return {
        "kmeans-image": {"label": "image to compress", "arrow_keys": True},
        "kmeans-K": {
            "label": "K, number of colours",
            "valuetext": f"K = {count_noun(K, 'colour')}",
        },
        "kmeans-iterations": {
            "label": "iterations of K-means",
            "valuetext": count_noun(iterations, "iteration"),
        },
        "kmeans-init": {"group": f"initialisation: {init}", "toggle": True},
        "kmeans-seed": {"label": f"seed of the initialisation, now {seed}"},
        "kmeans-show-iteration": {
            "label": "iteration shown",
            "valuetext": f"iteration {iteration} of {n_iter}",
        },
        "kmeans-play": {
            "icons": {
                "fa-play": "replay the iterations",
                "fa-pause": "pause the replay",
                "fa-stop": "stop the replay",
                "fa-retweet": "repeat the replay",
            },
            "toggle": ["fa-retweet"],
        },
        "kmeans-tradeoff-progress": {"label": "progress of the trade-off"},
    }


def image_alts(result, frame, *, tradeoff: str | None = None) -> dict:
    """The ``alt`` text of each image of the explorer, by CSS class.

    Examples
    --------
    >>> from kmeans_lab.explorer import KMeansExplorer
    >>> e = KMeansExplorer("course", K=4, iterations=3, rng=0)
    >>> image_alts(e.result, e.frame)["kmeans-compressed"]["alt"][:55]
    'course compressed to 4 colours after 3 iterations, PSNR'
    """
    image, palette = result.image, frame.compressed.palette
    brightness = palette.mean(axis=1)
    w, h = image.size
    alts = {
        "kmeans-original": f"original image: {image.label}, {w} x {h} px",
        "kmeans-compressed": (
            f"{image.label} compressed to {count_noun(frame.compressed.n_colors, 'colour')} "
            f"after {count_noun(frame.iteration, 'iteration')}, PSNR {frame.psnr:.2f} dB"
        ),
        "kmeans-palette": (
            f"palette of {count_noun(len(palette), 'colour')}, brightness from "
            f"{brightness.min():.2f} to {brightness.max():.2f} (0 black, 1 white)"
        ),
        "kmeans-tradeoff-plot": tradeoff or "trade-off not computed yet",
    }
    return {cls: {"alt": text} for cls, text in alts.items()}
