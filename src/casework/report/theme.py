"""One plotting look for every figure: colour-blind-safe palette, labels, provenance.

Use `apply()` once per notebook, then `finish(fig, nb, n=...)` on every figure: it
adds the sample size, the provenance line (notebook, parameter hash, data checksum)
and, for synthetic data, a visible mark.
"""
from __future__ import annotations

import textwrap

import matplotlib as mpl
import matplotlib.text  # noqa: F401  (mpl.text.Text)
import matplotlib.pyplot as plt
import seaborn as sns

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Diverging scheme for ordered categories, ColorBrewer RdBu: blue = the good end, red =
# the bad end; the two steps on each side differ in lightness, so they stay apart under
# deuteranopia and protanopia (unlike two orange hues); neutral greys between. Adjacent
# categories are at least ORDERED_MIN_DE apart (CIEDE2000) for normal vision and the
# three dichromacies (casework.report.colour_vision; tests/test_colour_vision.py).
ORDERED_MIN_DE = 15.0
CATEGORICAL_MIN_DE = 10.0   # colours shown together in one figure (lines, groups)
DEVELOPMENT_COLOURS = {
    "much_better": "#2166AC", "somewhat_better": "#92C5DE", "same": "#9E9E9E",
    "mixed": "#E6E6E6", "somewhat_worse": "#F4A582", "much_worse": "#B2182B",
}
# The survey's answers, definitely ... definitely not, on the same scheme; "don't know"
# after them in a light grey.
ANSWER_COLOURS = {
    "definitely": "#2166AC", "probably": "#92C5DE", "probably_not": "#F4A582",
    "definitely_not": "#B2182B", "dont_know": "#CCCCCC",
}
ORDERED_SCALES = {
    "development": list(DEVELOPMENT_COLOURS.values()),
    "survey answers": [ANSWER_COLOURS[k] for k in ("definitely", "probably", "probably_not", "definitely_not")],
}
GREY = "#777777"


# Legibility (issue 13): figure text must be at least READ_PX CSS pixels when the page
# column (COLUMN_PX wide) shows the figure. Figures are displayed at FIGURE_DPI CSS px per
# inch (PNG rendered at twice that for sharp screens), scaled down when wider than the column.
READ_PX = 9.0
COLUMN_PX = 864
FIGURE_DPI = 110
STAMP_PT = 7.0


def apply() -> None:
    """Set the compendium's matplotlib/seaborn defaults (and 2x PNGs in notebooks)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=OKABE_ITO, font_scale=0.95)
    mpl.rcParams.update({
        "figure.figsize": (7.5, 4.5), "figure.dpi": FIGURE_DPI, "savefig.dpi": 2 * FIGURE_DPI,
        "savefig.bbox": "tight", "axes.titleweight": "bold", "axes.titlesize": 11,
        "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
    })
    try:  # sharp figures on high-density screens: PNG at 2x, shown at 1x size
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        set_matplotlib_formats("retina")
    except ImportError:  # outside IPython nothing displays inline
        pass


def min_font_pt(width_in: float) -> float:
    """Smallest font size (points) that stays >= READ_PX on screen for a figure width_in wide."""
    shown_px_per_in = min(FIGURE_DPI, COLUMN_PX / width_in)
    return READ_PX * 72 / shown_px_per_in


def saved_width_in(fig: plt.Figure) -> float:
    """The width of the PNG the notebook shows, in inches: savefig's tight box takes in
    labels and legends outside the axes, so it may be wider than the figure itself."""
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    return box.width + 2 * mpl.rcParams["savefig.pad_inches"]


def smallest_text_px(fig: plt.Figure) -> float:
    """The smallest visible text of the figure on screen, in CSS px, when the page column
    shows its PNG (at FIGURE_DPI px per inch, scaled down to COLUMN_PX when wider)."""
    width = saved_width_in(fig)
    sizes = [t.get_fontsize() for t in fig.findobj(mpl.text.Text) if t.get_text().strip() and t.get_visible()]
    return min(sizes) * min(FIGURE_DPI, COLUMN_PX / width) / 72 if sizes else float("inf")


def legible(fig: plt.Figure, floor: float | None = None) -> float:
    """Raise every text of the figure to the legible minimum for its width (or to floor,
    in points); return that minimum."""
    floor = floor if floor is not None else round(min_font_pt(fig.get_figwidth()) + 0.05, 1)
    for ax in fig.axes:
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = axis.get_ticklabels()
            if labels and labels[0].get_fontsize() < floor:
                ax.tick_params(axis=which, labelsize=floor)
    for text in fig.findobj(mpl.text.Text):
        if text.get_text() and text.get_fontsize() < floor:
            text.set_fontsize(floor)
    return floor


def _wrap(text: str, width_in: float, size_pt: float) -> str:
    """Wrap text to the figure width (an average glyph is about half an em wide)."""
    chars = max(20, int(width_in * 72 / (0.52 * size_pt)))
    return textwrap.fill(text, chars, break_on_hyphens=False)


def finish(fig: plt.Figure, nb, n: int | str | None = None, note: str | None = None) -> None:
    """Stamp a figure with its n, provenance and (if synthetic) the synthetic-data mark.

    The stamp sits under the plot and is wrapped to the figure's width, so it never
    widens the canvas; the synthetic mark heads it. Every text is raised to the legible
    minimum first. Returns None on purpose: a cell ending in this call shows the figure once.
    """
    floor = legible(fig)
    # The floor is for the width the page shows: when labels outside the axes widen the
    # saved PNG, it is scaled down more, so the texts are raised again (a few rounds at most).
    for _ in range(4):
        needed = round(min_font_pt(saved_width_in(fig)) + 0.05, 1)
        if needed <= floor:
            break
        floor = legible(fig, needed)
    size = max(STAMP_PT, floor)
    parts = []
    if n is not None:
        parts.append(f"n = {n:,}" if isinstance(n, int) else f"n: {n}")
    if note:
        parts.append(note)
    parts.append(nb.provenance)
    # With the synthetic mark at its right, the stamp keeps to the left three quarters.
    room = fig.get_figwidth() * (0.75 if nb.data.synthetic else 1.0)
    fig.text(0.0, -0.01, _wrap("  ·  ".join(parts), room, size), ha="left", va="top",
             fontsize=size, color=GREY, transform=fig.transFigure, linespacing=1.3)
    if nb.data.synthetic:
        # in the stamp's first line, right-aligned: below the plot, never on a panel title
        fig.text(1.0, -0.01, "SYNTHETIC DATA", ha="right", va="top", fontsize=size + 1, color="#D55E00",
                 fontweight="bold", transform=fig.transFigure)
