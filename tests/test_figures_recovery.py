"""The recovery study's coverage figure (notebook 08): panels by model, legible at any length."""
import numpy as np
import pandas as pd
import pytest

from figure_support import fake_notebook
from casework.report import figures, theme


def rows(n_models: int = 4, n_terms: int = 10) -> pd.DataFrame:
    out = []
    for m in range(n_models):
        for t in range(n_terms):
            for e in ("maximum likelihood", "Firth"):
                out.append({"model": f"model{m}", "term": f"term_{t}", "estimator": e,
                            "coverage": 0.9 + 0.01 * ((m + t) % 5), "coverage_mc": 0.01})
    out = pd.DataFrame(out)
    return out.assign(coverage_low=out.coverage - 0.02, coverage_high=(out.coverage + 0.015).clip(upper=1))


def test_coverage_has_a_panel_per_model_and_legible_text():
    data = rows()                                    # 80 rows, like the 82 of the default build
    fig = figures.recovery.coverage(data, 0.93, 0.97, fake_notebook("08_recovery"),
                                    model_label=lambda m: m.upper(), term_label=lambda t: t.replace("_", " "))
    axes = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in axes] == ["MODEL0", "MODEL1", "MODEL2", "MODEL3"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [f"term {t}" for t in range(10)]
    # every coefficient appears once per estimator, at its coverage
    points = np.concatenate([line.get_xdata() for ax in axes for line in ax.lines if line.get_marker() == "o"])
    assert sorted(points) == pytest.approx(sorted(data.coverage))
    assert theme.smallest_text_px(fig) >= theme.READ_PX - 0.05
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["nominal ± 2 MC errors", "maximum likelihood", "Firth"]
