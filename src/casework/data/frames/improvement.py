"""The working paper's regression frame (Spannagel 2019, Table 1).

One row per assessed sample case with the binary outcome `improved` and the 14
predictors of Table 1, named by their keys in published.yml so that computed and
published coefficients line up by name. Deletion is listwise, as in the paper.
"""
from __future__ import annotations

import pandas as pd

# Table 1 predictors: key in published.yml -> column of the `sample` table.
# Order is the published table's row order; the constant comes last.
TABLE1 = {
    "polity": "polity",
    "state_fragility": "fragility",
    "upcoming_upr": "upcoming_upr",
    "aid_dependency": "aid_gdp",          # ODA/GDP (%); aid_gni is the robustness variant
    "reply_received": "reply_received",
    "mentions": "mentions",
    "business_involved": "business_involved",
    "viol_detention": "viol_detention",
    "viol_torture": "viol_torture",
    "viol_conviction": "viol_conviction",
    "viol_disciplinary": "viol_disciplinary",
    "viol_admin_harassment": "viol_admin_harassment",
    "issue_minority": "issue_minority",
    "female_trans": "female_trans",
}
IMPROVED = ("much_better", "somewhat_better")
PREDICTORS = list(TABLE1)
CONSTANT = "constant"
NEXT_REPORT = "mentions_next_report"   # the tautology control (wp2019, 'repeatedly mentioned')
AID_COLUMNS = {"gdp": "aid_gdp", "gni": "aid_gni"}
REGIMES = ("closed", "open")

# Row labels as printed in Table 1 (own abbreviations kept short for the table).
LABELS = {
    "polity": "Polity IV score",
    "state_fragility": "State Fragility score",
    "upcoming_upr": "Upcoming UPR",
    "aid_dependency": "Aid dependency",
    "reply_received": "Reply received",
    "mentions": "Number of mentions by SR",
    "business_involved": "Business involved",
    "viol_detention": "Viol: detention",
    "viol_torture": "Viol: torture",
    "viol_conviction": "Viol: conviction",
    "viol_disciplinary": "Viol: discipl. measures",
    "viol_admin_harassment": "Viol: admin. harass.",
    "issue_minority": "Issue: minority",
    "female_trans": "Female/trans*",
    NEXT_REPORT: "Mentioned again in same/next report",
    CONSTANT: "Constant",
}


def improved(development: pd.Series, include_mixed: bool = False) -> pd.Series:
    """1.0 for 'much/somewhat better' (and 'mixed' if asked), 0.0 otherwise, NaN if unassessed.

    The paper counts only clear improvements (wp2019 fn. 10); `include_mixed` is the
    generous reading that also counts mixed developments.
    """
    positive = set(IMPROVED) | ({"mixed"} if include_mixed else set())
    values = development.astype("string")
    out = values.isin(positive).astype(float)
    return out.where(values.notna())


def regime(polity: pd.Series, cutoff: int = 0) -> pd.Series:
    """'closed' below the Polity IV cutoff, 'open' above it, 'boundary' at it, NA if unknown.

    wp2019 splits at zero (below / above); cases exactly at the cutoff enter the
    all-regimes model only.
    """
    p = pd.to_numeric(polity, errors="coerce")
    out = pd.Series(pd.NA, index=polity.index, dtype="string")
    out[p < cutoff] = "closed"
    out[p > cutoff] = "open"
    out[p == cutoff] = "boundary"
    return out


def model_columns(control_next_report: bool = False) -> list[str]:
    """The predictors of a model, in Table 1 order (+ the tautology control if asked)."""
    return PREDICTORS + ([NEXT_REPORT] if control_next_report else [])


def regression_frame(sample: pd.DataFrame, cases: pd.DataFrame, *, include_mixed: bool = False,
                     aid: str = "gdp", regime_cutoff: int = 0, exclude_limited: bool = False,
                     control_next_report: bool = False, require: tuple[str, ...] = (),
                     listwise: bool = True) -> pd.DataFrame:
    """The analysis frame of Table 1: assessed cases, outcome, predictors, country, regime.

    sample, cases: the validated tables of the same names (joined on case_id for
    the country, which clustering and random intercepts need).
    aid: 'gdp' (the paper's measure) or 'gni' (its footnote-13 alternative).
    exclude_limited: drop cases assessed on limited information.
    control_next_report: add whether the defender was named again in the same or
    next annual report (the paper's check that `mentions` is not tautological).
    require: further `sample` columns that must be present (e.g. ('aid_gni',) to fit
    the ODA/GDP model on the smaller ODA/GNI sample, separating sample from measure).
    listwise: drop rows missing the outcome or any predictor (the paper's rule);
    with False, every assessed case is kept so the loss can be counted.
    """
    if aid not in AID_COLUMNS:
        raise ValueError(f"aid={aid!r}: expected one of {sorted(AID_COLUMNS)}")
    columns = {**TABLE1, "aid_dependency": AID_COLUMNS[aid]}
    if control_next_report:
        columns[NEXT_REPORT] = NEXT_REPORT
    needed = {"case_id", "assessed", "development", "information", *columns.values(), *require}
    missing = sorted(needed - set(sample.columns))
    if missing:
        raise KeyError(f"table sample: missing column(s) {missing} needed for the regression frame")
    for col in ("case_id", "country"):
        if col not in cases.columns:
            raise KeyError(f"table cases: missing column {col!r} needed for the regression frame")

    rows = sample[sample["assessed"].fillna(False).astype(bool)]
    if require:
        rows = rows.dropna(subset=list(require))
    if exclude_limited:
        rows = rows[rows["information"].astype("string") != "limited"]
    country = cases.set_index("case_id")["country"]
    unknown = rows.loc[~rows["case_id"].isin(country.index), "case_id"]
    if len(unknown):
        raise KeyError(f"table sample: case_id {unknown.iloc[0]!r} (and {len(unknown) - 1} more) "
                       "not found in table cases")

    frame = pd.DataFrame({
        "case_id": rows["case_id"].astype(str).to_numpy(),
        "country": rows["case_id"].map(country).astype(str).to_numpy(),
        "information": rows["information"].astype("string").to_numpy(),
        "improved": improved(rows["development"], include_mixed).to_numpy(),
    })
    for key, col in columns.items():
        # nullable booleans/integers -> float with NaN, which statsmodels can take
        frame[key] = pd.to_numeric(rows[col].astype("Float64"), errors="coerce").astype(float).to_numpy()
    frame["regime"] = regime(frame["polity"], regime_cutoff).to_numpy()
    if listwise:
        frame = frame.dropna(subset=["improved", *columns]).reset_index(drop=True)
    return frame


def listwise_loss(frame: pd.DataFrame, predictors: list[str] | None = None) -> pd.Series:
    """Cases lost to listwise deletion, per column, in a frame built with listwise=False.

    The last entry, 'any', is the total (a case missing two columns counts once).
    """
    cols = ["improved", *(predictors or PREDICTORS)]
    lost = frame[cols].isna().sum()
    lost["any"] = int(frame[cols].isna().any(axis=1).sum())
    return lost.astype(int)
