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
from casework.report import tables

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
    return tables.show(summary, nb, title=f"{name}: {codebook()[name].title}",
                       percent=["missing"], id=f"columns-{name}")


# %% [markdown]
# ## Which data

# %%
source = ", ".join(f"{k} {v}" for k, v in data.provenance.items() if k != "checksums")
Markdown(f"**{data.notice}**" + (f" Provenance: {source}." if source else "")
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
