"""A client's folder with bad files in it: every other file is indexed, each bad one is named with its
reason, and nothing already indexed is lost."""

from __future__ import annotations

import os

import pytest

from bot.index import ingest
from bot.settings import Settings

from .test_convert_pdf import BOLD, _encrypted, make_pdf, paragraph


def _manual(product: str) -> bytes:
    """A two-page PDF: a heading and an answer on page 2."""
    return make_pdf(
        [
            [(BOLD, 22, 72, 700, f"{product} Manual")] + paragraph(660, f"This manual covers the {product} device."),
            [(BOLD, 16, 72, 700, f"How do I reset the {product}?")]
            + paragraph(670, f"Hold the power button of the {product} for ten seconds until the light blinks."),
        ]
    )


def _deck() -> bytes:
    """Two slides; the second answers a question in its bullets."""
    import io

    import pptx

    deck = pptx.Presentation()
    for title, bullet in (
        ("Onboarding", "Welcome to the team."),
        ("Laptop setup", "Laptops are collected from the IT desk on the second floor on your first day."),
    ):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = bullet
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _word() -> bytes:
    """A heading and a paragraph, as Word saves them."""
    import io

    import docx

    document = docx.Document()
    document.add_heading("Expenses", level=1)
    document.add_paragraph("Receipts for expenses are submitted within thirty days through the finance portal.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


BAD = {
    "corrupt.pdf": "not a readable PDF",
    "locked.pdf": "encrypted",
    "scan.pdf": "no text layer",
    "empty.md": "empty",
    "report.pdf": "named .pdf but holds text",
    "budget.xlsx": "unsupported type .xlsx",
    "huge.txt": "too large",
    "outside.md": "outside the corpus folder",
}


@pytest.fixture(scope="module")
def client_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("client")
    corpus = root / "corpus"
    (corpus / "sub folder").mkdir(parents=True)
    (corpus / "policies.md").write_text(
        "# Travel policy\n\n## How much is the daily meal allowance?\n\nThe daily meal allowance is 45 euros.\n",
        encoding="utf-8",
    )
    (corpus / "sub folder" / "Zebra Manual – résumé v2.pdf").write_bytes(_manual("Zebra"))
    (corpus / "onboarding.pptx").write_bytes(_deck())
    (corpus / "expenses.docx").write_bytes(_word())
    (corpus / "corrupt.pdf").write_bytes(_manual("Broken")[:700])
    (corpus / "locked.pdf").write_bytes(_encrypted("secret"))
    (corpus / "scan.pdf").write_bytes(make_pdf(["0.5 g 72 72 200 300 re f"]))
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "report.pdf").write_text("This is plain text saved with a .pdf name.\n", encoding="utf-8")
    (corpus / "budget.xlsx").write_bytes(b"PK\x03\x04 not really a spreadsheet")
    with (corpus / "huge.txt").open("wb") as handle:  # 50 MB, over the 32 MB default limit
        handle.truncate(50 * 2**20)
    secret = root / "secret.md"
    secret.write_text("# Salaries\n\nThe CEO earns a lot.\n", encoding="utf-8")
    os.symlink(secret, corpus / "outside.md")
    return corpus


@pytest.fixture(scope="module")
def client_settings(client_folder, tmp_path_factory) -> Settings:
    return Settings(_env_file=None, corpus_dir=client_folder, index_dir=tmp_path_factory.mktemp("client-index"))


@pytest.fixture(scope="module")
def first_ingest(client_settings):
    return ingest(client_settings, progress=False)


def test_every_good_file_is_indexed_and_every_bad_one_named_with_its_reason(first_ingest):
    report = first_ingest
    assert sorted(report.added) == [
        "expenses.docx",
        "onboarding.pptx",
        "policies.md",
        "sub folder/Zebra Manual – résumé v2.pdf",
    ]
    by_file = dict(error.split(": ", 1) for error in report.errors)
    assert sorted(by_file) == sorted(BAD)
    for name, reason in BAD.items():
        assert reason in by_file[name], (name, by_file[name])
    summary = report.summary()
    for name in BAD:
        assert f"skipped: {name}: " in summary  # one line per file, in the report the CLI prints
    assert "CEO" not in summary and report.passages_total >= 3


def test_the_index_answers_from_the_pdf_the_slides_and_the_word_file_with_their_places(first_ingest, client_settings):
    from bot.assistant import Assistant

    assistant = Assistant.build(client_settings)
    answer = assistant.ask("How do I reset the Zebra?")
    assert answer.answered and "ten seconds" in answer.text
    source = answer.sources[answer.cited[0] - 1]
    assert source.source == "sub folder/Zebra Manual – résumé v2.pdf" and source.location == "p. 2"
    assert source.where == "Zebra Manual › How do I reset the Zebra? (p. 2)"
    laptop = assistant.ask("Where do I collect my laptop?")
    assert laptop.answered and "IT desk" in laptop.text
    assert laptop.sources[laptop.cited[0] - 1].location == "slide 2"
    receipts = assistant.ask("How long do I have to submit expense receipts?")
    assert receipts.answered and "thirty days" in receipts.text
    assert receipts.sources[receipts.cited[0] - 1].heading.endswith("Expenses")


def test_a_file_that_breaks_later_keeps_its_last_good_version(first_ingest, client_settings, client_folder, tmp_path):
    from bot.assistant import Assistant

    manual = client_folder / "sub folder" / "Zebra Manual – résumé v2.pdf"
    good = manual.read_bytes()
    try:
        manual.write_bytes(good[: len(good) // 2])  # truncated by a failed copy
        report = ingest(client_settings, progress=False)
        assert any(e.startswith("sub folder/Zebra Manual – résumé v2.pdf: not a readable PDF") for e in report.errors)
        assert report.removed == [] and report.passages_total == first_ingest.passages_total
        answer = Assistant.build(client_settings).ask("How do I reset the Zebra?")
        assert answer.answered and "ten seconds" in answer.text
    finally:
        manual.write_bytes(good)


def test_progress_bars_count_files_then_passages(client_folder, tmp_path, capsys):
    settings = Settings(_env_file=None, corpus_dir=client_folder, index_dir=tmp_path / "index")
    ingest(settings, progress=True)
    err = capsys.readouterr().err
    assert "Reading files" in err and f"{len(BAD) + 4}/{len(BAD) + 4}" in err
    assert "Embedding passages" in err and "passage/s" in err


def test_cli_ingest_of_another_folder_prints_the_report(run_cli, client_folder, client_settings, tmp_path):
    settings = client_settings.model_copy(update={"index_dir": tmp_path / "index"})
    code, out, _err = run_cli("ingest", "--quiet", "--corpus", str(client_folder), settings=settings)
    assert code == 0
    assert "4 added" in out and "skipped: locked.pdf: encrypted" in out
    assert list((tmp_path / "index" / "corpora").iterdir())  # the folder's own index, not the default one


def test_a_folder_of_only_bad_files_says_so(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.pdf").write_bytes(make_pdf(["0.5 g 72 72 200 300 re f"]))
    from bot.index import IndexUnavailable

    with pytest.raises(IndexUnavailable, match=r"No readable documents(.|\n)*scan.pdf: no text layer"):
        ingest(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"), progress=False)


def test_a_file_that_converted_badly_is_named_with_the_reason(tmp_path):
    """Text that reads wrong (words run together, or broken into letters) is named in the ingest report."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.pdf").write_bytes(_manual("Zebra"))
    glued = "Holdthepowerbuttonfortensecondsuntilthelightblinks and thenreleaseittorestartthedevicecleanly."
    spaced = "H o l d   t h e   p o w e r   b u t t o n   f o r   t e n   s e c o n d s."
    for name, line in (("glued.pdf", glued), ("spaced.pdf", spaced)):
        pages = [[(BOLD, 16, 72, 700, f"Page {n}")] + paragraph(670, line, line, line) for n in (1, 2)]
        (corpus / name).write_bytes(make_pdf(pages))
    report = ingest(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"), progress=False)
    assert sorted(report.added) == ["glued.pdf", "good.pdf", "spaced.pdf"]  # indexed, but named
    summary = report.summary()
    assert "looks wrong: glued.pdf: " in summary and "words are run together" in summary
    assert "looks wrong: spaced.pdf: " in summary and "broken into letters" in summary
    assert "looks wrong: good.pdf" not in summary
    # Every converted file's figures, one line each.
    assert "read: good.pdf: 0.0% glued and 0.0% broken words, 0.0% non-text characters, 0 of 2 passages" in summary
