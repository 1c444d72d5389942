"""The built site, checked in a real browser (headless Chromium via Playwright).

Uses the site `casework build` makes (the built_project fixture; cached), serves
_site/ on localhost, visits every page reachable from the navbar and fails on a
broken link, an image that did not load, a console error, or any request that does
not go to the local server (the site must work offline). A screenshot of each
page lands in tests/_screenshots/.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "tests" / "_screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed "
                                "(apt-get install chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def site(request) -> Path:
    """The default build's site, or another built site named by $CASEWORK_SITE (e.g. the
    sensitivity build: `casework build --params params/sensitivity.yml --out _sensitivity`,
    then `CASEWORK_SITE=_sensitivity pytest tests/test_site_browser.py`), without building."""
    other = os.environ.get("CASEWORK_SITE")
    if other:
        return Path(other).resolve()
    return request.getfixturevalue("built_project") / "_site"


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output readable
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _visit(browser, url: str, shot: Path) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, failed, remote = [], [], []
    base = url.split("/", 3)[:3]
    # every request must go to the local server (or be inline data): the site works offline
    page.on("request", lambda r: remote.append(r.url)
            if r.url.split("/", 3)[:3] != base and not r.url.startswith(("data:", "blob:")) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    images = page.evaluate(
        "Array.from(document.images).map(i => ({src: i.src.slice(0, 80), ok: i.complete && i.naturalWidth > 0}))")
    nav = page.evaluate("Array.from(document.querySelectorAll('nav a[href]')).map(a => a.href)")
    links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    page.screenshot(path=str(shot), full_page=False)
    page.close()
    return {"errors": errors, "failed": failed, "images": images, "nav": nav, "links": links,
            "remote": remote}


def _local(url: str, base: str) -> bool:
    return url.startswith(base)


def test_every_navbar_page_loads_cleanly(browser, base_url, site):
    SHOTS.mkdir(exist_ok=True)
    todo, seen, problems = [base_url], set(), []
    checked_links: dict[str, bool] = {}
    while todo:
        url = todo.pop(0).split("#")[0]
        if url in seen:
            continue
        seen.add(url)
        path = urlparse(url).path.strip("/") or "index.html"
        result = _visit(browser, url, SHOTS / (path.replace("/", "__").replace(".html", "") + ".png"))
        problems += [f"{path}: console error: {e}" for e in result["errors"]]
        problems += [f"{path}: HTTP {f}" for f in result["failed"]]
        problems += [f"{path}: request to the network: {r}" for r in result["remote"]]
        problems += [f"{path}: image did not load: {i['src']}" for i in result["images"] if not i["ok"]]
        for link in result["links"]:
            target = link.split("#")[0]
            if _local(target, base_url) and target not in checked_links:
                file = Path(site / urlparse(target).path.lstrip("/"))
                checked_links[target] = file.is_file() or (file / "index.html").is_file()
            if _local(target, base_url) and not checked_links[target]:
                problems.append(f"{path}: broken link {urljoin(base_url, urlparse(target).path)}")
        todo += [n for n in result["nav"] if _local(n, base_url) and n.endswith(".html")]
    assert len(seen) >= 5, f"navbar reached only {sorted(seen)}"
    assert not problems, "\n".join(problems)


def test_front_page_shows_notice_and_scorecard(browser, base_url):
    page = browser.new_page()
    page.goto(base_url)
    text = page.inner_text("body")
    page.close()
    assert "synthetic" in text.lower()
    assert "scorecard" in text.lower()


# --- phone width and figure legibility (issue 13) --------------------------------------------

PHONE = 390
COLUMN = 1400  # a desktop window: the text column is at most theme.COLUMN_PX wide

# The smallest figure text on screen, in CSS px, from the figure's size: the theme raises
# every text to theme.min_font_pt(width) points and saves PNGs at 2 x FIGURE_DPI.
FIGURE_TEXT_JS = """(dpi) => Array.from(document.querySelectorAll('figure img, .output_png img'))
  .filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)
  .map(i => ({src: i.src.slice(0, 60), natural: i.naturalWidth, shown: i.getBoundingClientRect().width}))"""


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def _smallest_text_px(natural: float, shown: float) -> float:
    from casework.report import theme
    width_in = natural / (2 * theme.FIGURE_DPI)
    floor_pt = theme.min_font_pt(width_in)
    return floor_pt * (2 * theme.FIGURE_DPI / 72) * (shown / natural)


def test_no_page_overflows_a_phone_screen(browser, base_url, site):
    problems = []
    SHOTS.mkdir(exist_ok=True)
    for path in _pages(site):
        page = browser.new_page(viewport={"width": PHONE, "height": 844})
        page.goto(base_url + path, wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE + 1:
            culprits = page.evaluate("""(w) => Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > w + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.className)""", PHONE)
            problems.append(f"{path}: {width} px wide at {PHONE} px ({', '.join(culprits)})")
        page.screenshot(path=str(SHOTS / ("phone__" + path.replace("/", "__").replace(".html", "") + ".png")))
        page.close()
    assert not problems, "\n".join(problems)


def test_front_page_table_of_analyses_fits_a_phone_without_sideways_scrolling(browser, base_url):
    """The table from notebooks/ (casework.website.catalog): every analysis, what it asks,
    what it reproduces; at 390 px it fits its frame (no scrolling inside the table)."""
    page = browser.new_page(viewport={"width": PHONE, "height": 844})
    page.goto(base_url, wait_until="load")
    table = page.locator("table", has=page.locator("th", has_text="Reproduces"))
    assert table.count() == 1
    sizes = table.evaluate("t => [t.scrollWidth, t.clientWidth, t.querySelectorAll('tbody tr').length]")
    links = table.locator("tbody a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    page.close()
    assert sizes[0] <= sizes[1] + 1, f"the table is {sizes[0]} px wide in a {sizes[1]} px frame"
    sources = sorted(p.stem for p in (ROOT / "notebooks").glob("*.py"))
    assert links == [f"analyses/{name}.html" for name in sources] and sizes[2] == len(sources)


def test_figure_text_is_legible_at_page_width(browser, base_url, site):
    from casework.report import theme
    problems = []
    for path in _pages(site):
        page = browser.new_page(viewport={"width": COLUMN, "height": 900})
        page.goto(base_url + path, wait_until="load")
        for img in page.evaluate(FIGURE_TEXT_JS, theme.FIGURE_DPI):
            px = _smallest_text_px(img["natural"], img["shown"])
            if px < theme.READ_PX - 0.05:
                problems.append(f"{path}: figure {img['src']}… text {px:.1f} px (< {theme.READ_PX})")
        page.close()
    assert not problems, "\n".join(problems)


def test_smallest_text_rule_fails_a_shrunken_figure():
    """The legibility rule can fail: a 12.5-inch figure shown at 60% of its size is too small."""
    from casework.report import theme
    natural = 12.5 * 2 * theme.FIGURE_DPI
    assert _smallest_text_px(natural, natural / 2 * 0.6) < theme.READ_PX
    assert _smallest_text_px(natural, theme.COLUMN_PX) >= theme.READ_PX - 0.05


# --- whole tables, accessibility (issue 23) ---------------------------------------------------

DESKTOP = 1400
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"

# Tables whose columns are hidden behind a horizontal scroll: the table, or a frame
# around it that clips it, is narrower than its content.
HIDDEN_COLUMNS_JS = """() => Array.from(document.querySelectorAll('table')).flatMap(t => {
  const out = [];
  for (let e = t; e && e !== document.body; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1) {
      const head = Array.from(t.querySelectorAll('th')).map(h => h.innerText.trim()).filter(Boolean);
      out.push({head: head.slice(0, 4).join(' | '), content: e.scrollWidth, shown: e.clientWidth});
      break;
    }
  }
  return out;
})"""

# A number in a table cell broken over two lines (a digit cut in two at phone width).
BROKEN_NUMBERS_JS = """() => Array.from(document.querySelectorAll('td, th')).flatMap(c => {
  const text = c.innerText.trim();
  if (!/^[+\u2212-]?[0-9][0-9,.]*\\s?%?$/.test(text)) return [];
  const range = document.createRange();
  range.selectNodeContents(c);
  const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
  return lines.size > 1 ? [text] : [];
})"""


def test_wide_tables_show_every_column_at_desktop_width(browser, base_url, site):
    """At 1400 px no table hides a column behind a scroll: wide tables take the page's width."""
    problems = []
    for path in _pages(site):
        page = browser.new_page(viewport={"width": DESKTOP, "height": 1000})
        page.goto(base_url + path, wait_until="load")
        for t in page.evaluate(HIDDEN_COLUMNS_JS):
            problems.append(f"{path}: table [{t['head']}] is {t['content']} px wide in a {t['shown']} px frame")
        page.close()
    assert not problems, "\n".join(problems)


def test_no_number_is_cut_at_phone_width(browser, base_url, site):
    problems = []
    for path in _pages(site):
        page = browser.new_page(viewport={"width": PHONE, "height": 844})
        page.goto(base_url + path, wait_until="load")
        problems += [f"{path}: number {n!r} broken over lines" for n in page.evaluate(BROKEN_NUMBERS_JS)]
        page.close()
    assert not problems, "\n".join(problems[:40])


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core not installed (npm ci --prefix tests; .ci/run does it)")
def test_no_serious_accessibility_violation(browser, base_url, site):
    """axe-core on every page: no serious or critical violation (colour contrast included)."""
    problems = []
    for path in _pages(site):
        page = browser.new_page(viewport={"width": DESKTOP, "height": 1000})
        page.goto(base_url + path, wait_until="load")
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
            .violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,
                        where: v.nodes.slice(0, 2).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '')
                                                              .split('\\n').slice(1, 2).join(''))}))""")
        problems += [f"{path}: {v['impact']} {v['id']} ×{v['n']} ({'; '.join(v['where'])})" for v in violations]
        page.close()
    assert not problems, "\n".join(problems)


def test_accessibility_check_finds_low_contrast(browser, tmp_path):
    """The check can fail: the old orange label (#D55E00 on the notice's tint, 3.5:1) is reported."""
    if not AXE.is_file():
        pytest.skip("axe-core not installed (npm ci --prefix tests)")
    page = browser.new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                     '<p style="background:#fdf0e6;color:#D55E00;font-weight:700;font-size:14px">SYNTHETIC DATA</p>'
                     '</main></body></html>')
    page.add_script_tag(path=str(AXE))
    ids = page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id)")
    page.close()
    assert "color-contrast" in ids
