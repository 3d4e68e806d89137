"""PDF conversion: structure, page markers, furniture, code and errors, on generated PDFs and the real R FAQ."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from bot.ingest.convert.base import ConversionError, location_marker
from bot.ingest.convert.pdf import pdf_to_markdown
from tests.conftest import require_shared

R_FAQ = Path(__file__).parents[2] / "shared/corpora/r-faq/R-FAQ.pdf"
FONTS = {"F1": "Helvetica", "F2": "Helvetica-Bold", "F3": "Courier"}
BODY, MONO, BOLD = "F1", "F3", "F2"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[tuple[str, float, float, float, str]] | str], title: str = "") -> bytes:
    """A PDF with the standard Type1 fonts; each page is (font, size, x, y, text) lines or raw content."""
    objects: list[bytes] = []

    def add(obj: str | bytes) -> int:
        objects.append(obj.encode("cp1252") if isinstance(obj, str) else obj)
        return len(objects)

    fonts = " ".join(
        f"/{key} {add(f'<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>')} 0 R"
        for key, name in FONTS.items()
    )
    tree = add("")  # the page tree, filled in once its kids are known
    kids = []
    for page in pages:
        if isinstance(page, list):
            page = "\n".join(f"BT /{f} {s} Tf 1 0 0 1 {x} {y} Tm ({_escape(t)}) Tj ET" for f, s, x, y, t in page)
        data = page.encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data))
        kids.append(
            add(
                f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << {fonts} >> >> /Contents {content} 0 R >>"
            )
        )
    objects[tree - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    root = add(f"<< /Type /Catalog /Pages {tree} 0 R >>")
    info = f"/Info {add(f'<< /Title ({_escape(title)}) >>')} 0 R" if title else ""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R {info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def paragraph(y: float, *lines: str, x: float = 72, font: str = BODY) -> list[tuple[str, float, float, float, str]]:
    """Body lines at 11 pt, 14 pt apart, from y downwards."""
    return [(font, 11, x, y - 14 * i, text) for i, text in enumerate(lines)]


def handbook() -> bytes:
    """Four pages with a running header, page numbers (roman, then arabic), headings by size, code and a list."""
    pages = []
    for n, number in enumerate(["i", "ii", "1", "2"], 1):
        page = [(BODY, 9, 72, 760, "ACME Handbook - Internal use"), (BODY, 9, 300, 40, number)]
        page += [
            (BOLD, 20, 72, 700, f"{n} Chapter about topic {n}"),
            (BOLD, 14, 72, 660, f"{n}.1 Why does step {n} fail?"),
        ]
        page += paragraph(630, f"Because the setting for step {n} is wrong, and the fix is to", "change it as shown:")
        page += paragraph(590, "acme config --set retries=3", x=90, font=MONO)
        page.append((MONO, 11, 90 + 2 * 6.6, 576, "acme restart --all"))  # indented two Courier characters
        page += paragraph(550, "Run acme status afterwards; its exit status says whether it worked.")
        page += paragraph(520, "• first point of the list", "• second point of the list")
        pages.append(page)
    return make_pdf(pages)


@pytest.fixture(scope="module")
def converted():
    return pdf_to_markdown(handbook())


def test_headings_by_font_size_keep_their_numbers(converted) -> None:
    lines = converted.markdown.splitlines()
    assert "# 1 Chapter about topic 1" in lines
    assert "## 3.1 Why does step 3 fail?" in lines
    assert converted.title == "1 Chapter about topic 1"  # no metadata title: the first top-level heading


def test_each_page_starts_with_its_marker(converted) -> None:
    md = converted.markdown
    markers = re.findall(r"<!-- page (\d+) -->", md)
    assert markers == ["1", "2", "3", "4"]
    assert f"\n\n{location_marker('page', 3)}\n\n# 3 Chapter" in md  # blank lines around, then the page's text


def test_running_header_and_page_numbers_dropped(converted) -> None:
    lines = converted.markdown.splitlines()
    assert "ACME Handbook" not in converted.markdown
    assert not [line for line in lines if re.fullmatch(r"\d+|[ivx]+", line.strip())]


def test_paragraph_lines_joined_with_spaces(converted) -> None:
    assert "Because the setting for step 2 is wrong, and the fix is to change it as shown:" in converted.markdown


def test_monospace_code_kept_verbatim_in_a_fence(converted) -> None:
    assert "```\nacme config --set retries=3\n  acme restart --all\n```" in converted.markdown
    # A sentence set in the body font stays prose, outside the fence.
    assert "\nRun acme status afterwards; its exit status says whether it worked.\n" in converted.markdown


def test_bullets_become_list_items_without_emphasis(converted) -> None:
    assert "\n- first point of the list\n\n- second point of the list\n" in converted.markdown
    assert "**" not in converted.markdown and "•" not in converted.markdown


def test_a_numbered_item_wrapped_level_with_its_number_stays_one_item() -> None:
    # A climbing centre's booking steps wrapped "... (see the Climbing Safety" | "Rules)." with no hanging indent:
    # the step was cut in two, its end a paragraph of its own between the steps.
    lines = paragraph(
        700,
        "1. Pick a date and time; slots show the number of places left.",
        "2. Add each climber. Every climber must already be registered (see the Climbing Safety",
        "Rules).",
        "3. You will receive a confirmation email with a QR code.",
        "Show it at the front desk.",
    )
    md = pdf_to_markdown(make_pdf([lines])).markdown
    assert "- 2. Add each climber. Every climber must already be registered (see the Climbing Safety Rules).\n" in md
    # A line level with the items after a finished one is no part of it.
    assert "- 3. You will receive a confirmation email with a QR code.\n\nShow it at the front desk." in md, md


def test_a_browser_printed_page_keeps_its_headings_paragraphs_and_lists() -> None:
    # A self-storage company's terms, printed from HTML by a browser (a tester's folder, 2026-12-06): its headings
    # were set 16 points over 14 and read as list items ("- 1. Definitions"), its numbered clauses, 1.2 pitches
    # apart, ran on as one paragraph, and its lists, whose discs are drawn rather than written, came out as one
    # paragraph of items.
    def body(y: float, text: str, x: float = 72) -> tuple[str, float, float, float, str]:
        return (BODY, 14, x, y, text)

    lines = [
        (BOLD, 22, 72, 740, "Storage Terms"),
        (BOLD, 16, 72, 700, "1. Definitions"),
        body(675, "1.1 A Unit is the storage space allocated to you."),
        body(657, "1.2 A Store is the site at which the Unit is located, open to customers with a PIN"),
        body(642, "between 6am and 10pm."),
        (BOLD, 16, 72, 610, "8. Use of the Unit"),
        body(585, "8.1 The Unit may only be used for storing goods. You must not:"),
        body(567, "live or sleep in the Unit or use it as an office, a workshop, a studio or a", x=102),
        body(552, "showroom;", x=102),
        body(537, "run power tools or generators in the Unit;", x=102),
        body(522, "cause a nuisance to other customers.", x=102),
        body(497, "8.2 You must keep the Unit locked with your own padlock."),
    ]
    md = pdf_to_markdown(make_pdf([lines])).markdown
    assert "\n## 1. Definitions\n" in md and "\n## 8. Use of the Unit\n" in md, md
    assert "\n1.1 A Unit is the storage space allocated to you.\n\n1.2 A Store is" in md, md
    assert "open to customers with a PIN between 6am and 10pm.\n" in md, md  # a wrapped line goes on
    assert (
        "You must not:\n\n- live or sleep in the Unit or use it as an office, a workshop, a studio or a showroom;" in md
    )
    assert (
        "\n- run power tools or generators in the Unit;\n" in md and "\n- cause a nuisance to other customers.\n" in md
    )
    assert "\n8.2 You must keep the Unit locked" in md, md


def test_a_drawn_list_under_a_heading_is_a_list_when_each_item_is_a_sentence() -> None:
    # A solar installer's warranty policy, printed from HTML (a tester's, 2026-12-06): "What the warranties do not
    # cover" was a list of seven sentences, its discs drawn, read as one paragraph; on its page the list's lines
    # outnumbered the text's. A boxed "Note" indented under a heading (the Debian Reference) stays as it was.
    def body(y: float, text: str, x: float = 72) -> tuple[str, float, float, float, str]:
        return (BODY, 14, x, y, text)

    lines = [
        body(620, "Labour under a warranty is free for five years."),
        body(605, "Our standard callout charge applies after that."),
        (BOLD, 18, 72, 570, "2. What the warranties do not cover"),
        body(545, "Damage from storms, lightning, flooding, fire or falling trees (these are normally", x=102),
        body(530, "for your home insurance).", x=102),
        body(515, "Reduced output caused by new shading, such as trees growing nearby.", x=102),
        body(500, "Dirt, moss, bird droppings or the cost of cleaning.", x=102),
        body(485, "Cosmetic marks that do not affect performance.", x=102),
        (BOLD, 18, 72, 450, "3. Notes"),
        body(425, "Note", x=102),
        body(410, "This policy is written assuming the panels were fitted by us.", x=102),
    ]
    md = pdf_to_markdown(make_pdf([lines])).markdown
    assert (
        "# 2. What the warranties do not cover\n\n- Damage from storms, lightning, flooding, fire or falling trees "
        "(these are normally for your home insurance).\n\n- Reduced output caused by new shading" in md
    ), md
    assert "\n- Dirt, moss, bird droppings or the cost of cleaning.\n" in md and "\n- Cosmetic marks" in md, md
    assert "- Note" not in md, md


def test_bullets_drawn_apart_from_their_items_are_list_items_not_headings() -> None:
    # ReportLab draws each bullet as its own glyph, larger than the text and on a baseline of its own (an invoicing
    # company's price list, a tester's, 2026-12-07): each "•" was read as a heading for its size, the items as
    # paragraphs under it, and the sections after them nested under the last "•".
    def item(y: float, text: str) -> list[tuple[str, float, float, float, str]]:
        return [(BODY, 12, 72, y, "•"), (BODY, 9.5, 84, y + 2.5, text)]

    lines = [
        (BOLD, 18, 72, 700, "5. Plan limits"),
        *paragraph(670, "When a Starter organisation reaches its limit:"),
        *item(645, "you can still create and edit draft invoices;"),
        *item(625, "you cannot send new invoices until the next month;"),
        *item(605, "you can upgrade at any time."),
        (BOLD, 18, 72, 570, "6. Changing plans"),
        *paragraph(545, "Upgrades take effect immediately."),
    ]
    md = pdf_to_markdown(make_pdf([lines])).markdown
    assert "reaches its limit:\n\n- you can still create and edit draft invoices;\n" in md, md
    assert "\n- you cannot send new invoices until the next month;\n" in md and "\n- you can upgrade at any time." in md
    assert "•" not in md and "# 6. Changing plans" in md, md


def test_a_table_drawn_with_borders_is_read_cell_by_cell() -> None:
    # A browser prints a table cell after cell, each line of a wrapped cell on its own baseline and the short cells
    # centred beside it: a sub-processor list came out with rows crossed ("Stripe: Postmark; Subscription
    # payments: Transactional email ..."), a party price list as loose lines. The drawn borders give the grid.
    def text(size: float, x: float, y: float, words: str) -> str:
        return f"BT /F1 {size} Tf 1 0 0 1 {x} {y} Tm ({words}) Tj ET"

    xs, ys = [72, 180, 400, 540], [700, 676, 630, 606]  # column borders; row borders, top down
    rules = [f"{x} {ys[-1]} m {x} {ys[0]} l S" for x in xs] + [f"{xs[0]} {y} m {xs[-1]} {y} l S" for y in ys]
    content = [
        text(14, 72, 730, "Our support desk is open as follows:"),
        text(11, 76, 684, "Licence tier"),
        text(11, 184, 684, "Hours"),
        text(11, 404, 684, "First response"),
        text(11, 76, 650, "Community"),  # centred against the wrapped cell beside it
        text(11, 184, 664, "Best effort through the community"),
        text(11, 184, 650, "forum, no guaranteed time, and no"),
        text(11, 184, 636, "phone line"),
        text(11, 404, 650, "None"),
        text(11, 76, 614, "Standard"),
        text(11, 184, 614, "Monday to Friday, 09:00 to 17:00"),
        text(11, 404, 614, "1 business day"),
        text(14, 72, 580, "Response times are measured in business hours."),
    ]
    md = pdf_to_markdown(make_pdf(["0.75 w\n" + "\n".join(rules + content)])).markdown
    assert (
        "- Licence tier: Community; Hours: Best effort through the community forum, no guaranteed time, and no phone "
        "line; First response: None\n- Licence tier: Standard; Hours: Monday to Friday, 09:00 to 17:00; First "
        "response: 1 business day\n" in md
    ), md
    assert "Our support desk is open as follows:" in md and "\n\nResponse times are measured" in md, md


def test_a_sentence_that_runs_over_a_page_break_stays_whole_on_its_first_page() -> None:
    # The MIME spec's "Information found in a" | "directory is added to ..." had made a passage that began
    # mid-sentence, and an answer that opened "directory is added to ..." (tester).
    pages = [
        [(BOLD, 14, 72, 700, "1 Layout")] + paragraph(670, "Files are read in order. Information found in a"),
        paragraph(720, "directory is added to the information found before it.")
        + paragraph(680, "A new paragraph starts here."),
        paragraph(720, "This page starts with a sentence of its own.") + paragraph(680, "Its last line ends"),
        paragraph(720, "Another sentence, after a page that ended without a stop."),
    ]
    md = pdf_to_markdown(make_pdf(pages)).markdown
    assert "Information found in a directory is added to the information found before it.\n\n<!-- page 2 -->" in md
    assert "<!-- page 2 -->\n\nA new paragraph starts here." in md, md
    # A next page that opens with a capital starts a sentence of its own: nothing is joined.
    assert re.search(r"Its last line ends\n\n+<!-- page 4 -->\n\nAnother sentence", md), md


def test_a_numbered_step_that_runs_over_a_page_break_stays_whole() -> None:
    # A tester's party guide (printed from a browser): step 4 ended "... before the day of" on page 1 and page 2
    # opened "the party. Children who are not registered ...", which became a passage of its own, and the answer
    # quoted "before the day of [1]" and then "the party." as two pieces.
    pages = [
        paragraph(
            700,
            "3. Pay a deposit to hold the booking.",
            "4. Send the registration link to every parent. Each child must be registered before the day of",
        ),
        paragraph(720, "the party. Children who are not registered cannot climb.")
        + paragraph(690, "5. Confirm final numbers 48 hours before the party."),
    ]
    md = pdf_to_markdown(make_pdf(pages)).markdown
    assert "before the day of the party. Children who are not registered cannot climb.\n\n<!-- page 2 -->" in md, md
    assert "- 5. Confirm final numbers" in md, md


def test_outline_gives_levels_even_when_headings_look_like_body_text() -> None:
    page1 = [(BODY, 11, 72, 700, "2 Setup")] + paragraph(680, "Setup takes a minute.")
    page2 = [(BODY, 11, 72, 700, "2.1 Install the agent")] + paragraph(680, "Install the agent on each host.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([page1, page2], title="Agent Guide"))))
    parent = writer.add_outline_item(title="2 Setup", page_number=0)
    writer.add_outline_item(title="Install the agent", page_number=1, parent=parent)  # the bookmark omits the number
    buffer = io.BytesIO()
    writer.write(buffer)
    result = pdf_to_markdown(buffer.getvalue())
    lines = result.markdown.splitlines()
    assert "# 2 Setup" in lines and "## 2.1 Install the agent" in lines
    assert "Install the agent on each host." in lines  # body text naming the title is not a heading
    assert result.title == "Agent Guide"


def test_table_of_contents_page_dropped() -> None:
    toc = [(BOLD, 16, 72, 720, "Contents")]
    toc += paragraph(
        690, "1 Overview . . . . . . . . . . . 2", "1.1 What is it? . . . . . . . . 2", "2 Usage . . . . . . 3"
    )
    body = [(BOLD, 16, 72, 720, "1 Overview")] + paragraph(690, "It counts things.")
    md = pdf_to_markdown(make_pdf([toc, body])).markdown
    assert ". . ." not in md and "Contents" not in md
    assert md.count("Overview") == 1 and "# 1 Overview" in md


def test_words_drawn_one_by_one_keep_their_spaces() -> None:
    content = (
        "BT /F1 11 Tf 72 700 Td (Words) Tj 34 0 Td (placed) Tj 38 0 Td (one) Tj 24 0 Td (by) Tj 16 0 Td (one) Tj ET\n"
        "BT /F1 11 Tf 72 686 Td [(kerned) -300 (apart) -250 (words)] TJ ET"
    )
    assert "Words placed one by one kerned apart words" in pdf_to_markdown(make_pdf([content])).markdown


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([paragraph(700, "Secret plans.")]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_password_protected_pdf_is_refused_naming_encryption() -> None:
    with pytest.raises(ConversionError, match="encrypted"):
        pdf_to_markdown(_encrypted("secret"))


def test_pdf_encrypted_with_empty_user_password_is_read() -> None:
    assert "Secret plans." in pdf_to_markdown(_encrypted("")).markdown


def test_pages_without_text_are_a_scanned_pdf() -> None:
    drawing = "0.5 g 72 72 200 300 re f"  # shapes only, as in a scan's image: no text layer
    with pytest.raises(ConversionError, match="no text layer"):
        pdf_to_markdown(make_pdf([drawing, ""]))


def test_pdf_without_pages_is_refused() -> None:
    with pytest.raises(ConversionError, match="no pages"):
        pdf_to_markdown(make_pdf([]))


@pytest.mark.parametrize(
    "data",
    [handbook()[: len(handbook()) // 2], b"%PDF-1.4\n" + bytes(range(256)) * 20, b"not a pdf at all", b""],
    ids=["truncated", "garbage-after-header", "garbage", "empty"],
)
def test_broken_files_raise_conversion_error(data: bytes) -> None:
    with pytest.raises(ConversionError, match="not a readable PDF"):
        pdf_to_markdown(data)


@pytest.fixture(scope="module")
def r_faq():
    return pdf_to_markdown(require_shared(R_FAQ).read_bytes())  # about 1 s here: timings are `bot bench`'s


def test_r_faq_sections_are_headings(r_faq) -> None:
    lines = r_faq.markdown.splitlines()
    assert "# 7 R Miscellanea" in lines
    assert "## 7.2 How can I save my workspace?" in lines
    assert "### 2.5.1 How can R be installed (Unix-like)" in lines
    # A heading wrapped over two lines in the PDF is one heading.
    assert "## 7.18 Why does the output from anova() depend on the order of factors in the model?" in lines
    assert len([line for line in lines if re.match(r"#{1,3} \d+(\.\d+)* \S", line)]) >= 100
    assert r_faq.title == "R FAQ"


def test_r_faq_page_marker_is_the_physical_page(r_faq) -> None:
    before = r_faq.markdown.split("# 7 R Miscellanea")[0]
    assert re.findall(r"<!-- page (\d+) -->", before)[-1] == "32"  # printed page 28, after 4 front pages


def test_r_faq_has_no_furniture_or_emphasis(r_faq) -> None:
    md = r_faq.markdown
    assert not re.search(r"(\. ){4,}", md)  # table-of-contents leaders
    assert "Chapter 7: R Miscellanea" not in md  # running header
    assert "**" not in md
    # The section title appears once as a line of its own: as its heading, not also as a contents entry.
    assert [line for line in md.splitlines() if "What is CRAN?" in line and "page" not in line] == [
        "## 2.10 What is CRAN?"
    ]


def test_r_faq_commands_fenced_and_prose_spaced(r_faq) -> None:
    # Words broken over lines are whole again: an address, and an ordinary hyphenated word.
    assert "(http://community.schemewiki.org/?scheme-faq)" in r_faq.markdown
    assert "to the subscripting. For example," in r_faq.markdown
    assert "```\nrm(list = ls(all.names = TRUE))\n```" in r_faq.markdown
    assert (
        "save.image() saves the objects in the user’s .GlobalEnv to the file .RData in the R startup" in r_faq.markdown
    )


DEBMAKE = Path(__file__).parents[2] / "shared/corpora/debmake-doc/debmake-doc.en.pdf"


def test_xetex_pdf_keeps_the_spaces_between_words() -> None:
    """A PDF made by XeTeX (xdvipdfmx) draws words without space characters; its passages must keep them."""
    from bot.ingest.chunking import chunk_article
    from bot.ingest.convert.fidelity import long_word_share
    from bot.ingest.corpus import read_article

    article = read_article(require_shared(DEBMAKE))
    passages = [chunk.text for chunk in chunk_article(article)]
    assert long_word_share(passages) < 0.01  # pypdf: 0.13 ("GuideforDebianMaintainers")
    text = "\n".join(passages)
    assert "Here are the prerequisites which you need to understand before you to get involved with Debian." in text
    # Headings from the outline, page numbers, no running header ("CHAPTER 2. PREREQUISITES").
    lines = text.splitlines()
    assert "2.1 People around Debian" in lines and "CHAPTER" not in text
    assert "Chapter 2" not in lines  # the label above the chapter's heading is not text of chapter 1
    people = next(c for c in chunk_article(article) if c.heading_path[-1:] == ["2.1 People around Debian"])
    assert people.heading_path == ["Prerequisites", "2.1 People around Debian"] and people.location == "p. 12"


def test_table_rows_keep_their_column_names() -> None:
    """A table's cells, set in columns, read as rows under their header; a glossary stays prose."""
    page = [(BOLD, 16, 72, 720, "Annual Leave")]
    page += paragraph(690, "Your entitlement depends on your years of service:")
    for y, (left, right) in zip(
        (660, 645, 630, 615),
        [("Years of service", "Annual leave days"), ("0 to 2 years", "25 days"), ("3 to 5 years", "27 days")]
        + [("6 years or more", "30 days")],
    ):
        page += [(BODY, 11, 72, y, left), (BODY, 11, 270, y, right)]
    page += paragraph(590, "Book leave in the portal two weeks ahead.")
    for y, (term, meaning) in zip((560, 545), [("grid", "A rewrite of the layout."), ("stats", "Statistics.")]):
        page += [(BODY, 11, 72, y, term), (BODY, 11, 160, y, meaning)]
    md = pdf_to_markdown(make_pdf([page])).markdown
    assert (
        "Your entitlement depends on your years of service:\n\n"
        "- Years of service: 0 to 2 years; Annual leave days: 25 days\n"
        "- Years of service: 3 to 5 years; Annual leave days: 27 days\n"
        "- Years of service: 6 years or more; Annual leave days: 30 days\n\n"
        "Book leave in the portal two weeks ahead."
    ) in md
    assert "grid: stats" not in md and "grid A rewrite of the layout." in md


HANDBOOK = Path(__file__).parents[2] / "shared/corpora/fjordline/handbook"


def test_handbook_table_answers_with_its_header(tmp_path) -> None:
    """The Fjordline handbook's leave table: the answer quotes the row it needs under its column names."""
    from bot.assistant import Assistant
    from bot.ingest.index import ingest
    from bot.settings import Settings

    settings = Settings(_env_file=None, corpus_dir=require_shared(HANDBOOK), index_dir=tmp_path / "index")
    ingest(settings, progress=False)
    answer = Assistant.build(settings).ask("How many days of annual leave do I get after 4 years?")
    # pypdf: "Years of service Annual leave days [1] 3 to 5 years 27 days [1] ..."; the index holds the row as
    # "Years of service: 3 to 5 years; Annual leave days: 27 days", the answer shows it as a table (issue 28)
    assert answer.answered and answer.text.startswith("| Years of service | Annual leave days |\n| --- | --- |\n")
    assert "\n| 3 to 5 years | 27 days |\n" in answer.text
    assert answer.sources[answer.cited[0] - 1].location == "p. 2"
