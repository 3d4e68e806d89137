"""A client's folder with bad files in it: every other file is indexed, each bad one is named with its
reason, and nothing already indexed is lost."""

from __future__ import annotations

import os

import pytest

from bot.ingest.index import ingest
from bot.settings import Settings

from .test_convert_pdf import BOLD, _encrypted, make_pdf, paragraph

pytestmark = pytest.mark.ingest


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
    (corpus / "sub folder" / "README.md").write_text(
        "# About this folder\n\nCopied from the intranet.\n", encoding="utf-8"
    )
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
    # A README is set aside as describing the folder, and the report says so (a user may mean it as a document).
    assert "not indexed: sub folder/README.md: a README describes the folder" in summary


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


def test_a_folder_of_only_a_readme_says_it_is_not_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "README.md").write_text("# Handbook\n\nEverything about working here.\n", encoding="utf-8")
    from bot.ingest.index import IndexUnavailable

    with pytest.raises(IndexUnavailable, match=r"No documents in (.|\n)*not indexed: README.md: .*rename it"):
        ingest(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"), progress=False)


def test_a_folder_of_only_bad_files_says_so(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.pdf").write_bytes(make_pdf(["0.5 g 72 72 200 300 re f"]))
    from bot.ingest.index import IndexUnavailable

    with pytest.raises(IndexUnavailable, match=r"No readable documents(.|\n)*scan.pdf: no text layer"):
        ingest(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"), progress=False)


def test_a_named_pipe_and_hostile_file_names_neither_hang_nor_forge_the_report(tmp_path):
    """Findings 12 and 13 of the second attack: a named pipe called pipe.md hung ingest with nothing reported,
    and ANSI escapes, BEL and a newline in a file name reached the report and the log raw (the newline forged a
    separate "skipped: ..." line)."""
    import subprocess
    import sys

    from .conftest import ROOT

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policies.md").write_text("# Travel\n\nThe daily meal allowance is 45 euros.\n", encoding="utf-8")
    os.mkfifo(corpus / "pipe.md")
    hostile = "red\x1b[31mtext\x07\nskipped: forged.md: fake reason.md"
    (corpus / hostile).write_text("# Notes\n\nParking is free on weekends.\n", encoding="utf-8")
    env = {**os.environ, "BOT_INDEX_DIR": str(tmp_path / "index")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.tools.cli", "ingest", "--corpus", str(corpus)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # the pipe used to block for ever
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "pipe.md: not a regular file" in output
    assert "\x1b" not in output and "\x07" not in output
    assert not any(line.strip().startswith("skipped: forged.md") for line in output.splitlines()), output
    assert "2 added" in output  # the policy and the hostile-named file, which is a good document


def test_a_degenerate_file_neither_fails_the_ingest_nor_hides_the_others(tmp_path):
    """Finding 6 of the second attack: a Markdown file of 56,000 identical paragraphs made validation fail for
    the whole index ("the previous one stays in use"), so a new file beside it was never indexed and a fresh
    deployment had no index at all."""
    from bot.assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policies.md").write_text("# Travel\n\nThe daily meal allowance is 45 euros.\n", encoding="utf-8")
    (corpus / "same.md").write_text("# Notes\n\n" + "The same paragraph again and again.\n\n" * 56_000)
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index")
    report = ingest(settings, progress=False)
    assert sorted(report.added) == ["policies.md", "same.md"] and not report.errors
    assert report.passages_total <= 5  # one passage for the repeated text, not thousands alike
    answer = Assistant.build(settings).ask("How much is the daily meal allowance?")
    assert answer.answered and "45 euros" in answer.text


def _slow_docx(paragraphs: int = 100_000) -> bytes:
    """A 50 KB Word file holding 5 MB of XML: python-docx takes minutes over it (finding 5 of the second attack)."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_word()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                body = "<w:p><w:r><w:t>Lorem ipsum dolor.</w:t></w:r></w:p>" * paragraphs
                data = data.replace(b"<w:body>", b"<w:body>" + body.encode(), 1)
            archive.writestr(item, data)
    return out.getvalue()


def test_a_file_that_holds_the_converter_is_named_and_the_others_indexed(tmp_path):
    """Finding 5 of the second attack: converting one file had no time or memory bound; a 52 KB Word file
    took 120 s and a fresh server answered "loading" meanwhile. Now each file converts in a child process
    that is stopped at BOT_CONVERT_SECONDS, and the file is named with the reason."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policies.md").write_text("# Travel\n\nThe daily meal allowance is 45 euros.\n", encoding="utf-8")
    (corpus / "expenses.docx").write_bytes(_word())
    (corpus / "slow.docx").write_bytes(_slow_docx())
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index", convert_seconds=5)
    report = ingest(settings, progress=False)
    assert sorted(report.added) == ["expenses.docx", "policies.md"]
    assert report.errors == ["slow.docx: converting took longer than 5 s (the limit, BOT_CONVERT_SECONDS); not indexed"]


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


def test_a_file_replaced_while_it_is_read_is_named_and_the_ingest_goes_on(tmp_path, monkeypatch):
    """Finding 14 of the second attack: a file swapped while ingest read it aborted the whole ingest, 1 run in
    12, with "[Errno 22] Invalid argument: '.../swap14.md'". The swap is a race; here the read fails the same way
    every time."""
    import errno
    from pathlib import Path

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policies.md").write_text("# Travel\n\nThe daily meal allowance is 45 euros.\n", encoding="utf-8")
    (corpus / "swap14.md").write_text("# Notes\n\nParking is free on weekends.\n", encoding="utf-8")
    is_symlink = Path.is_symlink

    def swapped(path: Path) -> bool:  # lstat of a file being renamed over, as the tester's run saw it
        if path.name == "swap14.md":
            raise OSError(errno.EINVAL, "Invalid argument", str(path))
        return is_symlink(path)

    monkeypatch.setattr(Path, "is_symlink", swapped)
    report = ingest(Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index"), progress=False)
    assert report.added == ["policies.md"]
    assert (
        len(report.errors) == 1
        and report.errors[0].startswith("swap14.md: ")
        and "Invalid argument" in report.errors[0]
    )
