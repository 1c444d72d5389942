"""Calibration targets of the #Freethe20 tables (Myrick & Weinstein 2018).

Counts of the long list and of the Urgent Action women, and one model check: the
Free the 20 coefficient of Cox model 4, refitted on the data, must lie within two
published standard errors of the published coefficient.
"""
from __future__ import annotations

import pandas as pd

from ...published import published
from ..frames.survival import DAYS_PER_MONTH, TARGET_COUNTRIES, launch_date, region_of, urgent_action_frame
from . import Target

DOMAIN = "freethe20"
SRC = "MW2018"


def targets(frames: dict[str, pd.DataFrame]) -> list[Target]:
    """Published figure vs the same figure computed from the tables."""
    from ...analysis.survival import fit_cox_models  # analysis builds on data, not the reverse

    pub = published()["freethe20"]
    ft, ua = frames["freethe20"], frames["urgent_actions"]
    featured = ft.featured.astype(bool)
    horizon = launch_date() + pd.Timedelta(days=36 * DAYS_PER_MONTH)
    in_window = ft.release_date.ge(launch_date()) & ft.release_date.le(horizon)
    eligible = urgent_action_frame(ua)
    models = fit_cox_models(eligible)
    m4 = models[4]
    b4, se4 = pub["cox_models"]["freethe20"][3]
    n_obs = pub["cox_models"]["observations"]

    def t(name, published_value, generated, tolerance=0, source=SRC, relative=False):
        return Target(DOMAIN, name, float(published_value), float(generated), tolerance,
                      source, relative)

    return [
        t("long list: women", pub["long_list_total"], len(ft), source=f"{SRC} Control Group 1"),
        t("long list: featured (named)", pub["featured_named"], featured.sum(),
          source=f"{SRC} introduction"),
        t("long list: not featured", pub["long_list_not_featured"], (~featured).sum(),
          source=f"{SRC} Control Group 1"),
        t("featured: released within 36 months of launch", pub["released_within_three_years"],
          (featured & in_window).sum(), source=f"{SRC} introduction"),
        t("not featured: released before launch", pub["excluded_released_before_launch"],
          ft.released_before_launch.astype(bool).sum(), source=f"{SRC} fn. 4"),
        t("long list: countries outside the 13 targets", 0,
          (~ft.country.isin(list(TARGET_COUNTRIES))).sum(), source=f"{SRC} campaign overview"),
        t("UA women: target countries present", len(pub["target_countries"]),
          ua.country[ua.country.isin(list(TARGET_COUNTRIES))].nunique(),
          source=f"{SRC} Control Group 2"),
        t("UA women: named women", pub["amnesty_urgent_actions"]["named_women"], len(ua),
          source=f"{SRC} Control Group 2"),
        t("UA women: region other than the study's for the country", 0,
          (ua.region != ua.country.map(region_of)).sum(), source=f"{SRC} fn. 6"),
        t("UA women: share in Iran", 0.30, ua.country.eq("IRN").mean(), 0.03,
          source=f"{SRC} Fig. 3 discussion ('roughly 30 percent')"),
        t("Cox model 1: observations (eligible women)", n_obs[0], models[1].n_obs,
          source=f"{SRC} Table 1"),
        t("Cox models 2-4: observations", n_obs[3], m4.n_obs, source=f"{SRC} Table 1"),
        t("Cox model 4: Free the 20 coefficient (±2 published SE)", b4,
          m4.fitter.params_["freethe20"], 2 * se4, source=f"{SRC} Table 1"),
    ]
