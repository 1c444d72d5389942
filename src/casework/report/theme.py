"""One plotting look for every figure: colour-blind-safe palette, labels, provenance.

Use `apply()` once per notebook, then `finish(fig, nb, n=...)` on every figure: it
adds the sample size, the provenance line (notebook, parameter hash, data checksum)
and, for synthetic data, a visible mark.
"""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# Diverging order for ordered outcomes (much better ... much worse): blue = better, vermillion = worse.
DEVELOPMENT_COLOURS = {
    "much_better": "#0072B2", "somewhat_better": "#56B4E9", "same": "#BBBBBB",
    "mixed": "#F0E442", "somewhat_worse": "#E69F00", "much_worse": "#D55E00",
}
GREY = "#777777"


def apply() -> None:
    """Set the compendium's matplotlib/seaborn defaults."""
    sns.set_theme(context="notebook", style="whitegrid", palette=OKABE_ITO, font_scale=0.95)
    mpl.rcParams.update({
        "figure.figsize": (7.5, 4.5), "figure.dpi": 110, "savefig.dpi": 150,
        "savefig.bbox": "tight", "axes.titleweight": "bold", "axes.titlesize": 11,
        "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
    })


def finish(fig: plt.Figure, nb, n: int | str | None = None, note: str | None = None) -> None:
    """Stamp a figure with its n, provenance and (if synthetic) the synthetic-data mark.

    Returns None on purpose: a cell ending in this call then shows the figure once.
    """
    parts = []
    if n is not None:
        parts.append(f"n = {n:,}" if isinstance(n, int) else f"n: {n}")
    if note:
        parts.append(note)
    parts.append(nb.provenance)
    fig.text(0.0, -0.01, "  ·  ".join(parts), ha="left", va="top", fontsize=7, color=GREY,
             transform=fig.transFigure)
    if nb.data.synthetic:
        fig.text(0.99, 0.99, "SYNTHETIC DATA", ha="right", va="top", fontsize=8, color="#D55E00",
                 fontweight="bold", alpha=0.85, transform=fig.transFigure)
