"""The working paper's regression frame (Spannagel 2019, Table 1)."""
from __future__ import annotations

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
