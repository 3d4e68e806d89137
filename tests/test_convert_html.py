"""HTML pages become the Markdown of their main content: headings, verbatim code, lists and tables, no menus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bot.ingest.convert.base import ConversionError
from bot.ingest.convert.html import html_to_markdown

FAQ = Path(__file__).resolve().parents[2] / "shared/corpora/python-faq"

CODE = 'def greet(name):\n    if name:\n\n        return f"<hello> & {name}"  # two spaces  kept\n\treturn None'

PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Returns FAQ — Example Shop Help Center</title>
<style>body {{ color: red }}</style><script>var tracking = "SCRIPT-TEXT";</script></head>
<body>
<header class="site-header"><a href="/">Example Shop</a><form role="search"><input name="q">
  <button>Search the shop</button></form></header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/shoes">Shoes catalogue</a></li></ul></nav>
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/help">Help</a></div>
<div id="cookie-banner">We use cookies. <a href="#">Accept all cookies</a></div>
<main>
  <h1>Returns FAQ<a class="headerlink" href="#returns">¶</a></h1>
  <p>Everything about <strong>returning</strong> an <em>item</em>, see <a href="/terms">our terms</a>.
     <img src="box.png" alt="a parcel"></p>
  <h2 id="how">How do I return an item?</h2>
  <p>Send it back within 30 days using <code>return_label.pdf</code>.</p>
  <ol><li>Pack it
      <ul><li>Use the original box</li></ul></li>
      <li>Post it</li></ol>
  <h3>Which items can be returned?</h3>
  <table><tr><th>Item</th><th>Days</th></tr>
         <tr><td>Shoes</td><td>30</td></tr><tr><td>Books</td><td>14</td></tr></table>
  <h4>Level four</h4><h5>Level five</h5><h6>Level six</h6>
  <pre><code class="language-python">{CODE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}</code></pre>
  <div class="nav-links"><a href="/prev">« Previous topic: Shipping</a> <a href="/next">Next topic: Refunds »</a></div>
</main>
<aside class="sidebar"><h3>Related articles</h3><p>Sidebar teaser text.</p></aside>
<footer>© 2024 Example Shop · Privacy policy</footer>
</body></html>"""


def outside_code(markdown: str) -> str:
    """The Markdown without fenced blocks and code spans: where bold markers or boilerplate must not be."""
    text = re.sub(r"^( *)(`{3,}).*?^ *\2", "", markdown, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def fenced_blocks(markdown: str) -> list[str]:
    """The code of each fenced block, less the indentation of its fence (code inside a list item)."""
    blocks = []
    for indent, body in re.findall(r"^( *)(?:`{3,}|~{3,})[^\n]*\n(.*?)\n *(?:`{3,}|~{3,})$", markdown, re.S | re.M):
        blocks.append("\n".join(line.removeprefix(indent) for line in body.split("\n")))
    return blocks


def test_main_content_is_kept_and_page_furniture_dropped():
    md = html_to_markdown(PAGE.encode()).markdown
    assert "Send it back within 30 days" in md
    for furniture in (
        "SCRIPT-TEXT",
        "color: red",
        "Example Shop",
        "Search the shop",
        "Shoes catalogue",
        "Help",
        "cookies",
        "Previous topic",
        "Next topic",
        "Sidebar teaser",
        "Related articles",
        "Privacy policy",
    ):
        assert furniture not in md, furniture


def test_headings_stay_headings_followed_by_their_answer():
    md = html_to_markdown(PAGE.encode()).markdown
    assert re.search(r"^## How do I return an item\?\n\nSend it back within 30 days", md, re.M)
    for level, text in [(1, "Returns FAQ"), (3, "Which items can be returned?"), (4, "Level four"), (6, "Level six")]:
        assert f"\n{'#' * level} {text}\n" in "\n" + md
    assert "¶" not in md


def test_code_block_is_fenced_verbatim_and_inline_code_in_backticks():
    md = html_to_markdown(PAGE.encode()).markdown
    assert f"```python\n{CODE}\n```" in md
    assert "`return_label.pdf`" in md


def test_code_containing_a_fence_gets_a_longer_fence():
    code = "Markdown example:\n```\nx = 1\n```"
    md = html_to_markdown(f"<main><p>Intro text.</p><pre>{code}</pre></main>".encode()).markdown
    assert f"````\n{code}\n````" in md


def test_markup_inside_pre_leaves_plain_code():
    page = '<main><pre>$ ls <a href="/man/ls">-la</a><br>  total <b>8</b></pre></main>'
    assert "```\n$ ls -la\n  total 8\n```" in html_to_markdown(page.encode()).markdown


def test_lists_tables_links_and_images_as_plain_text():
    md = html_to_markdown(PAGE.encode()).markdown
    assert "- Pack it\n  - Use the original box\n- Post it" in md  # ordered lists use "- " too
    assert "- Item: Shoes; Days: 30\n- Item: Books; Days: 14" in md
    assert "Everything about returning an item, see our terms. a parcel" in " ".join(md.split())
    assert "](" not in md and "/terms" not in md
    assert "**" not in md and "_item_" not in md and "*item*" not in md


def test_title_drops_a_site_suffix_and_falls_back_to_the_first_h1():
    assert html_to_markdown(PAGE.encode()).title == "Returns FAQ"
    page = b"<html><body><article><h1>Opening hours</h1><p>We open at nine.</p></article></body></html>"
    assert html_to_markdown(page).title == "Opening hours"
    # A site name after a plain hyphen goes when the rest is the page's heading (a tester's document list read
    # "Incident Response Runbook - Tidewell Software"); a hyphen of the title's own stays.
    runbook = b"<title>Incident Response Runbook - Tidewell Software</title><h1>Incident Response Runbook</h1><p>x</p>"
    assert html_to_markdown(runbook).title == "Incident Response Runbook"
    primer = b"<title>Python - a primer for analysts</title><h1>A primer</h1><p>It is a language.</p>"
    assert html_to_markdown(primer).title == "Python - a primer for analysts"
    # The site's name first and the page's after the dash: the page's name is kept (a tester's charges page was
    # named "Kestrel Valley Water", like the site, so its citations did not say which document they came from).
    charges = "<title>Kestrel Valley Water — Charges Scheme 2025/26</title><h1>Charges Scheme 2025/26</h1><p>x</p>"
    assert html_to_markdown(charges.encode()).title == "Kestrel Valley Water — Charges Scheme 2025/26"


def test_page_without_main_element_keeps_largest_text_block():
    page = """<html><body>
      <div id="top"><a href="/">Home</a> | <a href="/a">About us</a> | <a href="/b">Contact</a></div>
      <div class="menu"><ul><li><a href="/x">Products list</a></li></ul></div>
      <div class="wrapper"><div class="content">
        <h2>Can I pay by card?</h2><p>Yes, every major card is accepted at the desk and online.</p>
        <h2>Can I pay in cash?</h2><p>Only at the desk, and only up to one hundred euros per order.</p>
      </div></div>
      <div class="footer">Copyright Example Ltd</div></body></html>"""
    md = html_to_markdown(page.encode()).markdown
    assert md.startswith("## Can I pay by card?\n\nYes, every major card")
    assert "## Can I pay in cash?" in md
    for furniture in ("About us", "Products list", "Copyright"):
        assert furniture not in md


def test_declared_charset_and_bom_are_respected():
    latin = (
        '<html><head><meta charset="iso-8859-1"><title>Café</title></head><body><p>Crème brûlée – 5 €</p></body></html>'
    )
    converted = html_to_markdown(latin.encode("cp1252"))
    assert "Crème brûlée – 5 €" in converted.markdown and converted.title == "Café"
    japanese = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><p>東京の営業時間</p>'
    assert "東京の営業時間" in html_to_markdown(japanese.encode("shift_jis")).markdown
    utf16 = "<p>Grüße aus Köln</p>".encode("utf-16")  # with its BOM
    assert "Grüße aus Köln" in html_to_markdown(utf16).markdown


@pytest.mark.parametrize("label", ["x-no-such-charset", "zlib"])
def test_unknown_or_bogus_charset_falls_back_to_utf8(label):
    page = f'<meta charset="{label}"><p>Grüße</p>'.encode()
    assert "Grüße" in html_to_markdown(page).markdown


def test_undeclared_bad_bytes_become_replacement_characters():
    md = html_to_markdown(b"<p>caf\xe9 entities: &lt;tag&gt; &amp; &eacute;</p>").markdown
    assert "caf\ufffd" in md and "<tag> & é" in md


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"<html><head><title>Empty</title></head><body><nav><a href='/'>Home</a></nav></body></html>"],
)
def test_page_without_text_is_refused(data):
    with pytest.raises(ConversionError, match="no text found"):
        html_to_markdown(data)


def test_binary_data_is_refused_with_a_conversion_error():
    with pytest.raises(ConversionError):
        html_to_markdown(b"PK\x03\x04\x00\x00binary\x00\xff\xfe junk")


def test_deeply_nested_page_is_refused_or_converted_without_crashing():
    page = "<div>" * 5000 + "<p>deep text</p>" + "</div>" * 5000
    try:
        assert "deep text" in html_to_markdown(page.encode()).markdown
    except ConversionError:
        pass  # refusing is fine; a RecursionError escaping is not


# --- the real Python FAQ pages (Sphinx, with navigation, sidebars and scripts) ---------------------------


def faq_page(name: str) -> bytes:
    path = FAQ / name
    if not path.exists():
        pytest.skip(f"the Python FAQ corpus is not at {FAQ}")
    return path.read_bytes()


def test_faq_question_is_a_heading_with_its_answer_and_code_verbatim():
    converted = html_to_markdown(faq_page("programming.html"))
    md = converted.markdown
    assert converted.title == "Programming FAQ"
    assert re.search(
        r"^### How do I share global variables across modules\?\n\nThe canonical way to share information", md, re.M
    )
    sample = ">>> squares = []\n>>> for x in range(5):\n...     squares.append(lambda: x**2)"
    assert re.search(r"^```[\w-]*\n" + re.escape(sample) + r"\n", md, re.M)
    rest = outside_code(md)
    for boilerplate in ("Table of Contents", "Previous topic", "Next topic", "This Page", "Quick search", "¶", "**"):
        assert boilerplate not in rest, boilerplate


def test_every_faq_page_keeps_all_headings_and_code_blocks():
    if not FAQ.exists():
        pytest.skip(f"the Python FAQ corpus is not at {FAQ}")
    for path in sorted(FAQ.glob("*.html")):  # how fast is `bot bench`'s to measure, not a test's
        data = path.read_bytes()
        md = html_to_markdown(data).markdown
        main = BeautifulSoup(data, "lxml").select_one("[role=main]")
        for link in main.select("a.headerlink"):
            link.decompose()
        headings = {
            " ".join(line.lstrip("#").replace("`", "").split()) for line in md.splitlines() if line.startswith("#")
        }
        for heading in main.find_all(re.compile(r"^h[1-6]$")):
            assert " ".join(heading.get_text().split()) in headings, (path.name, heading.get_text())
        blocks = fenced_blocks(md)
        for pre in main.find_all("pre"):
            assert pre.get_text().strip("\n") in blocks, (path.name, pre.get_text()[:60])


def test_angle_brackets_written_as_entities_are_the_pages_text_and_answers_show_them():
    from markdown_it import MarkdownIt

    from bot.safe_markdown import inert_markdown

    page = b"<html><body><h1>Spec</h1><p>The rule &lt;a&gt;&lt;b/&gt;&lt;/a&gt; means a and b.</p><pre>&lt;div&gt;</pre></body></html>"
    markdown = html_to_markdown(page).markdown
    shown = MarkdownIt("commonmark").render(inert_markdown(markdown))
    # The answers' inert Markdown drops HTML tags: the rule had shown as "The rule means a and b."
    assert "The rule &lt;a&gt;&lt;b/&gt;&lt;/a&gt; means a and b." in shown, shown
    assert "```\n<div>\n```" in markdown  # code stays verbatim


def test_an_accordion_faqs_questions_are_headings_below_their_section():
    """A campsite's FAQ page wrote each question as a <details> element's <summary> (tester, 2026-12-07): they were
    read as sentences of the section, "Can we get to you by public transport? Yes. Take the Bittern Line ...
    Do you hire bikes? ...", and "how do we get to you without a car?" was declined."""
    page = (
        "<html><body><main><h1>FAQs</h1><h2>Getting here</h2><details><summary>Can we get to you by public "
        "transport?</summary><p>Yes. Take the train to Sheringham.</p></details><details><summary>Do you hire "
        "bikes?</summary><p>No, but Holt Cycle Hub delivers.</p></details></main></body></html>"
    )
    md = html_to_markdown(page.encode()).markdown
    assert "## Getting here\n\n### Can we get to you by public transport?\n\nYes. Take the train" in md, md
    assert "\n### Do you hire bikes?\n\nNo, but Holt Cycle Hub delivers." in md, md
