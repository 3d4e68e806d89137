"""Word and PowerPoint files become Markdown with their headings, lists, code, tables, slides and notes."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pptx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from pptx.util import Inches

from bot.ingest.convert.base import LOCATION_MARKER, ConversionError
from bot.ingest.convert.office import docx_to_markdown, pptx_to_markdown


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def number(paragraph, level: int) -> None:
    """Make `paragraph` a list item through numbering properties alone, as Word does for pasted lists."""
    numbering = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", level), ("w:numId", 1)):
        child = OxmlElement(tag)
        child.set(qn("w:val"), str(value))
        numbering.append(child)
    paragraph._p.get_or_add_pPr().append(numbering)


@pytest.fixture
def word_file() -> bytes:
    doc = docx.Document()
    doc.add_paragraph("Returns handbook", style="Title")
    doc.add_heading("How do I return an item?", level=1)
    intro = doc.add_paragraph("Send it back within ")
    intro.add_run("30 days").bold = True
    intro.add_run(" of delivery.")
    doc.add_heading("Packing", level=2)
    doc.add_paragraph("Use the original box", style="List Bullet")
    doc.add_paragraph("Tape every seam", style="List Bullet 2")
    doc.add_paragraph("Print the label", style="List Number")
    number(doc.add_paragraph("Numbered without a list style"), level=1)
    for line in ("def label(order):", "    return f'RET-{order}'  # two  spaces"):
        doc.add_paragraph().add_run(line).font.name = "Courier New"
    table = doc.add_table(rows=3, cols=2)
    for r, row in enumerate([("Item", "Days"), ("Shoes", "30"), ("Books", "14")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("Questions? Call the desk.")
    code_style = doc.styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    doc.add_paragraph("curl -X POST /returns", style=code_style)
    sub = doc.styles.add_style("FAQ Question", WD_STYLE_TYPE.PARAGRAPH)
    sub.base_style = doc.styles["Heading 2"]
    doc.add_paragraph("Can I return a gift?", style=sub)
    doc.add_paragraph("Yes, with the gift receipt.")
    return saved(doc)


def test_word_headings_map_title_to_h1_and_heading_n_to_n_plus_one(word_file):
    md = docx_to_markdown(word_file).markdown
    assert md.startswith(
        "# Returns handbook\n\n## How do I return an item?\n\nSend it back within 30 days of delivery."
    )
    assert "\n### Packing\n" in md
    assert "\n### Can I return a gift?\n\nYes, with the gift receipt." in md  # a style based on Heading 2
    assert "**" not in md


def test_word_lists_from_styles_and_numbering_properties(word_file):
    md = docx_to_markdown(word_file).markdown
    assert "- Use the original box\n  - Tape every seam\n- Print the label\n  - Numbered without a list style" in md


def test_word_monospace_and_code_style_paragraphs_are_fenced_verbatim(word_file):
    md = docx_to_markdown(word_file).markdown
    assert "```\ndef label(order):\n    return f'RET-{order}'  # two  spaces\n```" in md
    assert "```\ncurl -X POST /returns\n```" in md


def test_word_table_rows_are_items_in_document_order(word_file):
    md = docx_to_markdown(word_file).markdown
    rows = "- Item: Shoes; Days: 30\n- Item: Books; Days: 14"
    assert rows in md
    assert md.index("def label") < md.index(rows) < md.index("Questions? Call the desk.")


def test_angle_brackets_in_a_word_file_are_its_text_and_answers_show_them():
    from markdown_it import MarkdownIt

    from bot.safe_markdown import inert_markdown

    doc = docx.Document()
    doc.add_paragraph("A rule <a><b/><c/></a> means a and (b or c); load <MIME>/text/html.xml.")
    doc.add_paragraph().add_run("<div>verbatim</div>").font.name = "Courier New"
    markdown = docx_to_markdown(saved(doc)).markdown
    # The answers' inert Markdown drops HTML tags: a specification's example had shown as "<c/> means ..." (tester).
    shown = MarkdownIt("commonmark").render(inert_markdown(markdown))
    assert "&lt;a&gt;&lt;b/&gt;&lt;c/&gt;&lt;/a&gt; means a and (b or c)" in shown, shown
    assert "load &lt;MIME&gt;/text/html.xml" in shown and "&lt;div&gt;verbatim&lt;/div&gt;" in shown, shown
    assert "<div>verbatim</div>" in markdown  # code stays verbatim


def test_word_title_from_core_properties_else_first_title(word_file):
    assert docx_to_markdown(word_file).title == "Returns handbook"
    doc = docx.Document(io.BytesIO(word_file))
    doc.core_properties.title = "Official returns policy"
    assert docx_to_markdown(saved(doc)).title == "Official returns policy"
    plain = docx.Document()
    plain.add_heading("Opening hours", level=1)
    plain.add_paragraph("Nine to five.")
    assert docx_to_markdown(saved(plain)).title == "Opening hours"


@pytest.fixture
def slides_file() -> bytes:
    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = "Quarterly review"
    first.placeholders[1].text = "Spring 2024"
    agenda = deck.slides.add_slide(deck.slide_layouts[1])
    agenda.shapes.title.text = "Agenda"
    frame = agenda.placeholders[1].text_frame
    frame.text = "Sales"
    for text, level in (("Europe", 1), ("Germany", 2), ("Hiring", 0)):
        paragraph = frame.add_paragraph()
        paragraph.text, paragraph.level = text, level
    agenda.notes_slide.notes_text_frame.text = "Mention the\nnew office."
    deck.slides.add_slide(deck.slide_layouts[6])  # a blank slide: no text at all
    extras = deck.slides.add_slide(deck.slide_layouts[6])
    extras.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = "A loose text box"
    group = extras.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1)).text_frame.text = "Text inside a group"
    table = extras.shapes.add_table(3, 2, Inches(1), Inches(3), Inches(4), Inches(1)).table
    for r, row in enumerate([("Region", "Sales"), ("EU", "12"), ("US", "9")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    return saved(deck)


def test_each_slide_starts_with_its_marker_even_when_empty(slides_file):
    md = pptx_to_markdown(slides_file).markdown
    markers = [line for line in md.splitlines() if LOCATION_MARKER.match(line)]
    assert markers == ["<!-- slide 1 -->", "<!-- slide 2 -->", "<!-- slide 3 -->", "<!-- slide 4 -->"]
    assert "\n\n<!-- slide 3 -->\n\n<!-- slide 4 -->\n\n" in md  # blank lines around each marker
    assert md.startswith("<!-- slide 1 -->\n\n## Quarterly review\n\nSpring 2024\n")


def test_slide_title_bullets_with_levels_and_notes(slides_file):
    md = pptx_to_markdown(slides_file).markdown
    assert "## Agenda\n\n- Sales\n  - Europe\n    - Germany\n- Hiring\n\nNotes: Mention the new office." in md


def test_slide_text_boxes_groups_and_tables(slides_file):
    md = pptx_to_markdown(slides_file).markdown
    slide4 = md.split("<!-- slide 4 -->")[1]
    assert "A loose text box" in slide4 and "Text inside a group" in slide4
    assert "- Region: EU; Sales: 12\n- Region: US; Sales: 9" in slide4


def test_presentation_title_from_core_properties_else_first_slide(slides_file):
    assert pptx_to_markdown(slides_file).title == "Quarterly review"
    deck = pptx.Presentation(io.BytesIO(slides_file))
    deck.core_properties.title = "Q2 board deck"
    assert pptx_to_markdown(saved(deck)).title == "Q2 board deck"


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def corrupted(data: bytes) -> bytes:
    """The file with bytes in the middle of its largest compressed member overwritten."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = max(archive.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    return data[:start] + b"\x00" * 64 + data[start + 64 :]


@pytest.mark.parametrize("convert", [docx_to_markdown, pptx_to_markdown])
def test_broken_files_raise_one_short_reason(convert, word_file, slides_file):
    valid = word_file if convert is docx_to_markdown else slides_file
    cases = {
        "not a zip": b"This is plain text, not a document.",
        "corrupt or truncated": valid[: len(valid) // 2],
        "corrupt or truncated ": corrupted(valid),
        "not a (Word|PowerPoint)": zip_of({"readme.txt": b"hello"}),
    }
    for reason, data in cases.items():
        with pytest.raises(ConversionError, match=reason.strip()) as caught:
            convert(data)
        assert "\n" not in str(caught.value) and ".docx" not in str(caught.value)


def test_a_presentation_is_not_a_word_document_and_vice_versa(word_file, slides_file):
    with pytest.raises(ConversionError, match="not a Word document"):
        docx_to_markdown(slides_file)
    with pytest.raises(ConversionError, match="not a PowerPoint presentation"):
        pptx_to_markdown(word_file)


def test_word_table_after_a_list_stays_its_own_block():
    """A table right after a list stays its own block, so its rows are not read as more bullets."""
    doc = docx.Document()
    doc.add_paragraph("Bring your receipt", style="List Bullet")
    table = doc.add_table(rows=2, cols=2)
    for r, row in enumerate([("Desk", "Hours"), ("Main hall", "9-17")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    md = docx_to_markdown(saved(doc)).markdown
    assert re.search(r"- Bring your receipt\n\n- Desk: Main hall; Hours: 9-17", md)
