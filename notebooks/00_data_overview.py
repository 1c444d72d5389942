# ---
# jupyter:
#   casework:
#     question: What do the six tables hold, and what may each column contain?
#     reproduces: 'None: the codebook and the data every page reads'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The data: six tables and their codebook
#
# **Question.** Which data was this site built from, how large is each table, and how
# complete are its columns?
#
# **Answer on these data.** {{< var data_overview.answer >}}
#
# Every analysis in this compendium reads the same data folder: the UN communications on
# human rights defenders and the defenders named in them (Spannagel 2018, *Chasing
# Shadows*), the impact sample and the survey of submitting organisations (Spannagel
# 2019, HRD Hub Working Paper 7), and the #Freethe20 long list with its Amnesty
# Urgent Action comparison group (Myrick & Weinstein 2018). This page says which data
# the site was built from, how large each table is, and what each column holds and
# may hold, as the codebook defines it. The folder was validated against the codebook
# before any analysis ran. Identifiers are pseudonymous; no table holds names.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95

# %%
import pandas as pd
from IPython.display import Markdown

import casework.notebook
from casework.data.codebook import Field, tables as codebook
from casework.report import findings, tables

nb = casework.notebook.start("00_data_overview", globals())
data = nb.data


def allowed(field: Field) -> str:
    """What the codebook allows in a column, in words."""
    if field.enum:
        return ", ".join(field.enum)
    if field.minimum is not None or field.maximum is not None:
        return f"{field.minimum if field.minimum is not None else ''} – {field.maximum if field.maximum is not None else ''}"
    if field.pattern:
        return f"pattern {field.pattern}"
    return "true, false" if field.type == "boolean" else "any"


def columns(name: str):
    """One table's columns: type, share missing, allowed values."""
    frame = data[name]
    summary = pd.DataFrame([{"column": f.name, "type": f.type, "missing": frame[f.name].isna().mean(),
                             "allowed": allowed(f)} for f in codebook()[name].fields])
    return tables.show(summary, nb, title=f"{codebook()[name].title} (table {name})",
                       percent=["missing"], id=f"columns-{name}")


# %% [markdown]
# ## Which data

# %%
# The generating models' parameters (truths) are long: named here, shown on the Recovery page.
source = ", ".join(f"{k} {v}" for k, v in data.provenance.items()
                   if k not in ("checksums", "truths", "conditions"))
declared = ", ".join(data.provenance.get("conditions") or {}) or "none"
Markdown(f"**{data.notice}**" + (f" Provenance: {source}; declared conditions: {declared}." if source else "")
         + (" The models that generated the data and their parameters (the truths) are recorded in "
            "`data/datapackage.json`; the Recovery page refits them." if "truths" in data.provenance else "")
         + f" Data checksum `{data.checksum}`.")

# %% [markdown]
# ## The tables

# %%
#| label: tbl-tables
#| tbl-cap: "The tables of the data folder: rows, columns and the SHA-256 of each file (first 12 hex digits)."
overview = pd.DataFrame([{"table": name, "title": table.title, "rows": len(data[name]),
                          "columns": len(table.fields), "file checksum": data.checksums[name][:12]}
                         for name, table in codebook().items()])
tables.show(overview, nb, title="Data tables", id="tbl-tables")

# %% [markdown]
# ## Columns of each table
#
# Missing is the share of rows with no value; a required column never has one.

# %%
#| label: tbl-columns-communications
#| tbl-cap: "Columns of the communications table."
columns("communications")

# %%
#| label: tbl-columns-cases
#| tbl-cap: "Columns of the cases table (one row per defender named in a communication)."
columns("cases")

# %%
#| label: tbl-columns-sample
#| tbl-cap: "Columns of the impact sample."
columns("sample")

# %%
#| label: tbl-columns-survey
#| tbl-cap: "Columns of the survey of submitting organisations."
columns("survey")

# %%
#| label: tbl-columns-freethe20
#| tbl-cap: "Columns of the #Freethe20 long list."
columns("freethe20")

# %%
#| label: tbl-columns-urgent-actions
#| tbl-cap: "Columns of the Amnesty Urgent Action comparison group."
columns("urgent_actions")

# %%
for name in codebook():
    nb.record(f"n_{name}", len(data[name]))
nb.record("synthetic", data.synthetic)
nb.record("data_checksum", data.checksum)
missing = pd.DataFrame([{"table": name, "column": f.name, "missing": data[name][f.name].isna().mean()}
                        for name, table in codebook().items() for f in table.fields])
incomplete = missing[missing.missing > 0].sort_values("missing", ascending=False, kind="stable")
nb.record("n_columns", len(missing))
nb.record("n_columns_missing", len(incomplete))
nb.record("n_rows", int(overview.rows.sum()))

# %% [markdown]
# ## What this shows

# %%
v = {k: r["display"] for k, r in nb.values.items()}
conditions = ", ".join(data.provenance.get("conditions") or {})
answer = (findings.choose(data.synthetic,
                          f"Synthetic data, generated by {data.provenance.get('generator', 'casework simulate')} "
                          f"with seed {data.provenance.get('seed', 'unrecorded')} and "
                          + findings.choose(bool(conditions), f"the declared conditions {conditions}",
                                            "no declared condition"),
                          "The real data")
          + f" (data checksum {v['data_checksum']}): {len(overview)} tables with {v['n_rows']} rows in all, "
          f"from {v['n_communications']} communications naming {v['n_cases']} defenders to the "
          f"{v['n_freethe20']} women of the #Freethe20 long list. Every table passed the codebook's checks "
          "before any analysis ran.")
completeness = (f"None of the {v['n_columns']} columns has a missing value." if incomplete.empty else
                f"{v['n_columns_missing']} of {v['n_columns']} columns have missing values; the most "
                f"incomplete is {incomplete.column.iloc[0]} in {incomplete.table.iloc[0]} "
                f"({incomplete.missing.iloc[0]:.0%} missing), and the column tables above give every share.")
findings.conclude(nb, answer, [
    answer,
    completeness,
    findings.choose(data.synthetic,
                    "Because the data are synthetic, the other pages show whether the methods recover the "
                    "models that generated them (the Recovery page measures it), not what the UN casework "
                    "or the campaign achieved.",
                    "These are the real data: the other pages report the studies' findings on them."),
])
