"""Tables stay tables (issue 28), in a real headless Chromium: a question answered by a table of a PDF, of a
DOCX and of an HTML file is answered with the table's column names as its header, rendered as a <table>,
and the source's panel shows the passage's table with the quoted row in bold."""

from __future__ import annotations

import shutil

import pytest

from .conftest import REPLY_WAIT_MS, ROOT, UI_WAIT_MS, require_shared, send_chat
from .servers import serve_app

pytestmark = [pytest.mark.browser, pytest.mark.server]

HANDBOOK = ROOT.parent / "shared" / "corpora" / "fjordline" / "handbook"
# it-security.html has no table: an HTML page with one joins copies of the handbook's files.
OFFICES_HTML = """<!DOCTYPE html>
<html><head><title>Offices and Opening Hours</title></head>
<body>
<h1>Offices and Opening Hours</h1>
<p>Fjordline has three offices in Norway. Visitors sign in at reception.</p>
<h2>Opening hours and parking</h2>
<p>Each office has its own opening hours and a number of parking spaces for visitors.</p>
<table>
<thead><tr><th>Office</th><th>Opening hours</th><th>Visitor parking spaces</th><th>Meeting rooms</th>
<th>Lockers</th><th>Bike racks</th><th>Key card deposit</th></tr></thead>
<tbody>
<tr><td>Oslo</td><td>7:30 to 17:00</td><td>12 spaces</td><td>9</td><td>40</td><td>30</td><td>NOK 200</td></tr>
<tr><td>Bergen</td><td>8:00 to 16:00</td><td>6 spaces</td><td>4</td><td>20</td><td>12</td><td>NOK 200</td></tr>
<tr><td>Stavanger</td><td>8:00 to 15:30</td><td>4 spaces | shared</td><td>2</td><td>10</td><td>8</td><td>NOK 150</td>
</tr>
</tbody>
</table>
</body></html>
"""
# (question, the file whose table answers it, the table's column names, a row the answer must show)
CASES = [
    (
        "How many days of annual leave do I get after 4 years?",
        "Employee Handbook 2026.pdf",
        ["Years of service", "Annual leave days"],
        ["3 to 5 years", "27 days"],
    ),
    (
        "What is the daily allowance in London?",
        "Travel and Expenses Policy.docx",
        ["City", "Daily allowance", "Hotel cap per night"],
        ["London", "75 euros", "220 euros"],
    ),
    (
        "How many visitor parking spaces does the Stavanger office have?",
        "offices.html",
        [
            "Office",
            "Opening hours",
            "Visitor parking spaces",
            "Meeting rooms",
            "Lockers",
            "Bike racks",
            "Key card deposit",
        ],
        ["Stavanger", "8:00 to 15:30", "4 spaces | shared", "2", "10", "8", "NOK 150"],  # a "|" stays in its cell
    ),
]

_TABLES = """(root) => Array.from(root.querySelectorAll('table')).map(t => ({
    header: Array.from(t.querySelectorAll('th')).map(c => c.innerText.trim()),
    rows: Array.from(t.querySelectorAll('tbody tr')).map(r =>
        Array.from(r.querySelectorAll('td')).map(c => ({text: c.innerText.trim(), bold: !!c.querySelector('strong, .font-bold')}))),
}))"""


def test_a_table_from_a_pdf_a_docx_and_an_html_file_is_answered_as_a_table_under_its_header(chromium, tmp_path):
    from playwright.sync_api import expect

    corpus = tmp_path / "corpus"
    shutil.copytree(require_shared(HANDBOOK), corpus)
    (corpus / "offices.html").write_text(OFFICES_HTML, encoding="utf-8")
    with serve_app(tmp_path, {"BOT_CORPUS_DIR": str(corpus), "BOT_LLM": "extractive"}) as (url, log_path):
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        replies = page.locator('[data-step-type="assistant_message"]').filter(has_text="[1]")
        for number, (question, file_name, header, row) in enumerate(CASES, start=1):
            send_chat(page, question)
            expect(replies).to_have_count(number, timeout=REPLY_WAIT_MS)
            reply = replies.nth(number - 1)
            # The footnotes come with the final reply (the streamed text is replaced).
            reply.locator("li", has_text="[1]").first.wait_for(timeout=REPLY_WAIT_MS)
            tables = reply.evaluate(_TABLES)
            assert tables, f"{question!r}: the reply shows no <table>: {reply.inner_text()!r}"
            assert tables[0]["header"] == header, f"{question!r}: {tables[0]}"
            assert row in [[cell["text"] for cell in r] for r in tables[0]["rows"]], f"{question!r}: {tables[0]}"

            # The source's panel (of the file the table is in) shows the passage's table, the quoted row in bold.
            reply.locator("a.element-link").first.click()
            panel = page.locator("#side-view-content").filter(has_text=file_name)
            panel.locator("table").first.wait_for(timeout=UI_WAIT_MS)
            shown = panel.evaluate(_TABLES)
            assert shown[0]["header"] == header, shown
            # Seven columns fit the panel: a tester missed a price list's last column, hidden to the right.
            width = panel.locator("table").first.evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
            assert width[0] <= width[1], f"{file_name}: the table is {width[0]} px wide in a {width[1]} px panel"
            bold = [[c["text"] for c in r] for r in shown[0]["rows"] if all(c["bold"] for c in r if c["text"])]
            # exactly the rows the answer quoted (Chainlit shows bold as a .font-bold span)
            assert bold == [[cell["text"] for cell in r] for r in tables[0]["rows"]], shown
        assert "Traceback" not in log_path.read_text()
