"""The one table formatter: booleans, integers, years, shares, signed zeros, the mark, the frame."""
import re

import pandas as pd
import pytest

from casework.report import tables


class FakeNotebook:
    provenance = "SYNTHETIC DATA · notebooks/99_x.py · params 0123abcd · data 4567ef"


def cells(gt) -> list[str]:
    return re.findall(r"<td [^>]*class=\"gt_row[^>]*>([^<]*)</td>", gt.as_raw_html())


def test_booleans_integers_years_shares_and_signed_zeros():
    df = pd.DataFrame({"year": [2008.0, 2012.0], "count": [64.0, 3.0],
                       "in_interval": [True, False],
                       "same_sign": pd.array([True, None], dtype="boolean"),
                       "share": [0.0817, 0.5], "difference": ["-0.0 pp", "+1.2 pp"],
                       "estimate": [1.23456, 2.5]})
    shown = cells(tables.show(df, FakeNotebook(), title="Example"))
    assert shown[:7] == ["2008", "64", "✓", "✓", "8.2%", "0.0 pp", "1.23"]
    assert shown[7:14] == ["2012", "3", "✗", "–", "50.0%", "+1.2 pp", "2.50"]
    assert not any(c in ("True", "False", "64.00", "2,008") for c in shown)


def test_explicit_decimals_and_percent_columns():
    df = pd.DataFrame({"rate": [0.25, 0.5], "ratio": [1.23456, 0.5]})
    shown = cells(tables.show(df, FakeNotebook(), decimals=2, percent=["rate"]))
    assert shown == ["25.0%", "1.23", "50.0%", "0.50"]


@pytest.mark.parametrize("text, expected", [("-0.0 pp", "0.0 pp"), ("−0.00", "0.00"), ("+0.0%", "0.0%"),
                                            ("-0.1 pp", "-0.1 pp"), ("-0.05", "-0.05"), ("+10", "+10")])
def test_unsigned_zero(text, expected):
    assert tables.unsigned_zero(text) == expected


def test_every_table_has_the_mark_a_stable_id_and_a_frame():
    html = tables.show(pd.DataFrame({"a": [1, 2]}), FakeNotebook(), title="Odds ratios (model 1)").as_raw_html()
    assert 'id="odds-ratios-model-1"' in html
    assert re.search(r"<strong[^>]*>SYNTHETIC DATA</strong> · notebooks/99_x.py", html)
    assert "#odds-ratios-model-1 { border: 1px solid" in html


def test_long_tables_scroll_inside_their_frame():
    short = tables.show(pd.DataFrame({"a": range(5)}), FakeNotebook(), id="short").as_raw_html()
    long = tables.show(pd.DataFrame({"a": range(tables.LONG_TABLE_ROWS + 1)}), FakeNotebook(),
                       id="long").as_raw_html()
    assert "height:auto" in short.split(">")[0] and "height:28rem" in long.split(">")[0]


def test_regression_tables_get_the_frame_and_the_mark():
    import numpy as np
    import statsmodels.formula.api as smf
    from maketables import ETable
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    data = pd.DataFrame({"x": x, "y": (x + rng.normal(size=60) > 0).astype(int)})
    fit = smf.logit("y ~ x", data).fit(disp=0)
    html = tables.show_etable(ETable([fit], notes="Logit."), FakeNotebook(), "tbl-logit").data
    assert html.startswith('<div id="tbl-logit-frame" class="cw-table-frame" tabindex="0" role="region" '
                           'aria-label="tbl-logit" style="border: 1px solid')
    assert "<strong style=\"color:#A34700\">SYNTHETIC DATA</strong> · notebooks/99_x.py" in html
    assert "Logit." in html


def test_a_scrolling_frame_takes_keyboard_focus():
    """axe-core: a region that scrolls must be reachable by keyboard; the frame is a labelled region."""
    shown = tables.show(pd.DataFrame({"a": range(30)}), FakeNotebook(), title="Long & wide", id="long")
    chained = shown.sub_missing(missing_text="-")           # a GT method keeps the frame
    for html in (shown.as_raw_html(), shown._repr_html_(), chained._repr_html_()):
        assert '<div id="long" tabindex="0" role="region" aria-label="Long &amp; wide" ' in html
