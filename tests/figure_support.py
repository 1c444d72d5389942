"""What the figure tests share: a stand-in notebook and readers of a drawn figure."""
from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere in the figure tests


def fake_notebook(name: str, synthetic: bool = True, **params) -> SimpleNamespace:
    """Enough of casework.notebook.Notebook for theme.finish and the figure functions."""
    return SimpleNamespace(params=params,
                           provenance=f"SYNTHETIC DATA · notebooks/{name}.py · params abc · data def",
                           data=SimpleNamespace(synthetic=synthetic))


def footer(fig, nb) -> str:
    """The line theme.finish writes under the plot (n, note, provenance)."""
    return next(" ".join(t.get_text().split()) for t in fig.texts
                if " ".join(nb.provenance.split()) in " ".join(t.get_text().split()))


def legend_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]
