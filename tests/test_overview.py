"""The app describes whatever corpus it has: starters, description and readme come from the documents."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from bot.answer.overview import Document, build_overview, describe_document, pick_starters, readme_markdown
from bot.ingest.corpus import Article, CorpusError, _parse_front_matter, read_article
from bot.ingest.index.records import document_facts
from bot.retrieval.loaded import DocumentFacts
from bot.settings import Settings
from bot.types import Passage

from .conftest import SHARED, copy_query_encoder, require_shared


def _passages(source: str, title: str, headings: list[str], locations: list[str] | None = None) -> list[Passage]:
    locations = locations or [""] * len(headings)
    return [
        Passage(
            id=f"{source}#{i}", text=f"Text {i}.", title=title, publisher="", source=source, heading=h, location=loc
        )
        for i, (h, loc) in enumerate(zip(headings, locations))
    ]


@dataclass
class FakeView:
    """What `build_overview` reads of a loaded index generation."""

    grouped: dict[str, list[Passage]]
    facts: dict[str, DocumentFacts] = field(default_factory=dict)
    generation: str = "g-test"

    def documents(self) -> dict[str, list[Passage]]:
        return self.grouped


FAQ = _passages(
    "r-faq.pdf",
    "R FAQ",
    [
        "R FAQ > 1 Introduction",
        "R FAQ > 2 R Basics > 2.1 What is R?",
        "R FAQ > 2 R Basics > 2.2 What machines does R run on?",
        "R FAQ > 3 R and S > 3.1 What is S?",
        "R FAQ > 7 R Miscellanea > 7.2 Why does the output not print?",
        "R FAQ > 7 R Miscellanea > 7.3 How can I set components of a list to NULL?",
    ],
    ["p. 1", "p. 2", "p. 3", "p. 5", "p. 40", "p. 41"],
)
HANDBOOK = _passages(
    "handbook.docx",
    "Staff Handbook",
    ["1. Purpose of this handbook", "Holidays", "Holidays > Booking", "Expenses", "Contents", "Security", "Scope"],
)


def test_question_headings_become_starters_spread_over_sections_numbering_stripped():
    document = describe_document("r-faq.pdf", FAQ, None)
    assert document.sections == ("Introduction", "R Basics", "R and S", "R Miscellanea")  # the title level skipped
    assert document.pages == 41
    starters = pick_starters([document])
    # One per section before a second from any section; "7.2 " and the like are gone.
    assert starters == [
        "What is R?",
        "What is S?",
        "Why does the output not print?",
        "What machines does R run on?",
    ]


def test_without_question_headings_starters_ask_about_main_sections_skipping_boilerplate():
    document = describe_document("handbook.docx", HANDBOOK, None)
    assert document.sections == ("Purpose of this handbook", "Holidays", "Expenses", "Contents", "Security", "Scope")
    # What the handbook is for is no starter: "What does the document say about purpose of this handbook?"
    assert pick_starters([document]) == [
        "What does the document say about holidays?",
        "What does the document say about expenses?",
        "What does the document say about security?",
    ]


def test_a_how_to_heading_and_one_in_capitals_make_starters_a_person_would_type():
    # A tester saw "What do the documents say about How to book a bike online?" and "What does Rental Terms say
    # about WHO CAN RENT?" on the welcome screen.
    guide = describe_document(
        "guide.md", _passages("guide.md", "Booking Guide", ["How to book a bike online", "Opening hours"]), None
    )
    terms = describe_document(
        "terms.txt", _passages("terms.txt", "Rental Terms", ["1. WHO CAN RENT", "4. RETURNING THE BIKE"]), None
    )
    assert pick_starters([guide, terms], n=4) == [
        "How do I book a bike online?",
        "Who can rent?",
        "What does Booking Guide say about opening hours?",
        "What does Rental Terms say about returning the bike?",
    ]


def test_a_manual_whose_chapters_sit_under_contents_shows_its_chapters_and_no_sphinx_pages():
    # A Sphinx manual as one HTML page: "Abstract", then every chapter under "Contents", then "Indices and tables".
    policy = describe_document(
        "policy.html",
        _passages(
            "policy.html",
            "Python Policy",
            ["Abstract", "Contents > 1. Python Packaging", "Contents > 2. Python Programs", "Indices and tables"],
        ),
        None,
    )
    assert policy.sections == ("Abstract", "Python Packaging", "Python Programs", "Indices and tables")
    spec = describe_document(
        "spec.pdf", _passages("spec.pdf", "MIME Spec", ["Introduction > What is this spec?"]), None
    )
    # "What is this spec?" does not say which document it asks about beside another one (tester).
    assert pick_starters([policy, spec]) == [
        "What does Python Policy say about Python Packaging?",
        "What does Python Policy say about Python Programs?",
    ]
    assert pick_starters([spec]) == ["What is this spec?"]
    # A section named as its document is no starter: "What does Developer Onboarding say about Developer
    # Onboarding Guide?" (tester).
    onboarding = describe_document(
        "onboarding.txt", _passages("onboarding.txt", "Developer Onboarding", ["Developer Onboarding Guide"]), None
    )
    assert pick_starters([onboarding, policy]) == [
        "What does Python Policy say about Python Packaging?",
        "What does Python Policy say about Python Programs?",
    ]


def test_starters_are_spread_across_documents_and_near_repeats_dropped():
    faq = describe_document("r-faq.pdf", FAQ, None)
    handbook = describe_document("handbook.docx", HANDBOOK, None)
    twin = describe_document("twin.md", _passages("twin.md", "Twin", ["What is R ?", "Setup"]), None)
    starters = pick_starters([faq, twin, handbook], n=7)
    # One from each document in turn; the twin's "What is R ?" repeats the FAQ's, so it gives its next one.
    assert starters == [
        "What is R?",
        "What does Twin say about setup?",
        "What does Staff Handbook say about holidays?",  # not "Introduction"
        "What is S?",
        "What does Staff Handbook say about expenses?",
        "Why does the output not print?",
        "What does Staff Handbook say about security?",
    ]


def test_front_matter_questions_come_first():
    listed = DocumentFacts(questions=("Can LLMs make images?", "Which industries benefit most from LLMs?"))
    article = describe_document("llm.md", _passages("llm.md", "LLMs", ["FAQs > Is an LLM a chatbot?"]), listed)
    other = describe_document("r-faq.pdf", FAQ, None)
    # Within a document its front matter comes before its question headings; documents take turns.
    assert pick_starters([other, article], n=5) == [
        "Can LLMs make images?",  # a document with questions its author listed goes first
        "What is R?",
        "Which industries benefit most from LLMs?",
        "What is S?",
        "Is an LLM a chatbot?",
    ]


FJORDLINE = SHARED / "corpora/fjordline/handbook"


def _from(starter: str, document: Document) -> bool:
    """Whether `starter` is one of the questions `document` gives (listed, a heading, or about a section)."""
    about = {f"say about {s.casefold()}?" for s in document.sections}
    return (
        starter in document.questions
        or starter in {q for q, _ in document.question_headings}
        or (document.title in starter and any(starter.casefold().endswith(a) for a in about))
    )


def test_a_client_folder_gives_a_starter_from_every_document_and_a_readme_naming_them(built_index, tmp_path):
    """Fjordline's four files (PDF, DOCX, HTML, Markdown): once all four starters came from the FAQ."""
    from bot.assistant import Assistant
    from bot.ingest.index import ingest

    settings = built_index.model_copy(update={"corpus_dir": require_shared(FJORDLINE), "index_dir": tmp_path / "index"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    assert len(ingest(settings, progress=False).added) == 4
    overview = Assistant.build(settings).overview.current()
    documents = overview.documents
    assert len(documents) == 4 and len(overview.starters) == 4
    origins = [[d.source for d in documents if _from(q, d)] for q in overview.starters]
    assert all(len(o) == 1 for o in origins), list(zip(overview.starters, origins))
    assert sorted(o[0] for o in origins) == sorted(d.source for d in documents), list(zip(overview.starters, origins))
    assert "Welcome to Fjordline" not in " ".join(overview.starters)  # a greeting section asks nothing
    for document in documents:
        assert f"- **{document.title}**" in overview.readme and document.source in overview.readme
        assert document.sections[0] in overview.readme


@pytest.mark.ingest
def test_a_decline_beside_several_documents_suggests_no_question_that_says_only_this_spec(built_index, tmp_path):
    """The tester saw "What is this spec?" offered on every decline in a folder of four documents."""
    from bot.assistant import Assistant
    from bot.ingest.index import ingest

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "spec.md").write_text(
        "# MIME Spec\n\n## What is this spec?\n\nIt says how programs name the types of files.\n\n"
        "## How are globs weighted?\n\nEach glob has a weight from 0 to 100; the default is 50.\n"
    )
    (corpus / "zlib.md").write_text("# zlib Usage\n\n## Compressing\n\nCall deflateInit() before deflate().\n")
    settings = built_index.model_copy(update={"corpus_dir": corpus, "index_dir": tmp_path / "index"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    ingest(settings, progress=False)
    declined = Assistant.build(settings).ask("How do I bake sourdough bread?")
    assert not declined.answered and declined.suggestions, declined.text
    assert "What is this spec?" not in declined.suggestions and "How are globs weighted?" in declined.suggestions


def test_pinned_starters_from_settings_win(monkeypatch):
    monkeypatch.setenv("BOT_STARTERS", "What is R? | How do I install it?")
    settings = Settings(_env_file=None)
    assert settings.starters == ["What is R?", "How do I install it?"]
    overview = build_overview(settings, FakeView({"r-faq.pdf": FAQ}))
    assert overview.starters == ("What is R?", "How do I install it?")
    monkeypatch.setenv("BOT_STARTERS", json.dumps(["Is A | B a question?", "  "]))
    assert Settings(_env_file=None).starters == ["Is A | B a question?"]


def test_readme_names_documents_sections_pages_and_how_answers_are_sourced():
    settings = Settings(_env_file=None, assistant_name="Acme Helper")
    view = FakeView({"handbook.docx": HANDBOOK, "r-faq.pdf": FAQ}, {"r-faq.pdf": DocumentFacts(pages=112)})
    overview = build_overview(settings, view)
    readme = overview.readme
    assert readme.startswith("# Acme Helper\n")
    assert "It answers from 2 documents:" in readme
    assert "- **R FAQ**, r-faq.pdf, 112 pages" in readme  # the page count ingest recorded, not the last passage's
    sections = "Purpose of this handbook · Holidays · Expenses · Contents · Security · Scope"
    assert f"- **Staff Handbook**, handbook.docx\n  - Sections: {sections}" in readme
    assert "- *What is R?*" in readme
    assert "`[1]`" in readme and "quoted sentences in bold" in readme and "*Searched the documents*" in readme
    assert "LLM" not in readme and "article" not in readme
    assert overview.description == (
        "Answers questions from “Staff Handbook” and “R FAQ”, citing the passage behind every sentence."
    )
    pinned = build_overview(settings.model_copy(update={"assistant_description": "Ask about Acme."}), view)
    assert "\nAsk about Acme.\n" in pinned.readme and pinned.description == "Ask about Acme."


def test_readme_shows_corpus_text_inert():
    evil = Document(
        source="x.md",
        title="![t](https://evil.example/a.png) <b>Bold</b> [link](https://evil.example)",
        sections=("*star* `tick`",),
    )
    readme = readme_markdown("Helper", "About x.", [evil], ["What is ![i](https://evil.example/q.png)?"])
    assert "evil.example/" not in readme and "<b>" not in readme and "](" not in readme
    assert "\\*star\\* \\`tick\\`" in readme


def test_front_matter_questions_are_read_and_stored_on_the_first_passage(tmp_path):
    text = "---\ntitle: Guide\nquestions:\n  - How do I start?\n  - How do I start?\n  - Why?\n---\n## Start\nGo.\n"
    (tmp_path / "guide.md").write_text(text, encoding="utf-8")
    article = read_article(tmp_path / "guide.md", tmp_path)
    assert article.questions == ("How do I start?", "Why?")
    assert json.loads(document_facts(article)["questions"]) == ["How do I start?", "Why?"]
    with pytest.raises(CorpusError, match="`questions` must be a list"):
        _parse_front_matter("---\nquestions:\n  a: b\n---\nText", "bad.md")


def test_page_count_comes_from_the_converted_documents_markers():
    body = "<!-- page 1 -->\n\n# A\n\nText.\n\n<!-- page 2 -->\n\nMore.\n\n<!-- page 3 -->\n"
    article = Article("a.pdf", "A", "", "", body, "")
    assert document_facts(article) == {"pages": 3}


def test_the_demo_corpus_keeps_its_image_question_and_declines_with_its_own_examples(assistant):
    overview = assistant.overview.current()
    assert "Can LLMs make images?" in overview.starters
    assert {d.source for d in overview.documents} == {
        "globussoft-llm-vs-generative-ai.md",
        "zero-gravity-marketing-llms-vs-generative-ai.md",
    }
    reply = assistant.ask("hello").text
    assert reply.startswith("Hello! I answer questions from the documents in my library")
    assert "“Can LLMs make images?”" in reply


def test_a_title_that_quotes_is_not_quoted_with_three_marks_in_a_row():
    # The Python FAQ's installed.html is titled “Why is Python Installed on my Computer?” FAQ: the welcome screen read
    # "““Why is Python Installed on my Computer?” FAQ”".
    from bot.answer.overview import default_description

    titles = ["General Python FAQ", "“Why is Python Installed on my Computer?” FAQ"]
    line = default_description([Document(source=f"{n}.html", title=t) for n, t in enumerate(titles)])
    assert "“‘Why is Python Installed on my Computer?’ FAQ”" in line and "““" not in line, line
    # and so does the welcome screen's list of documents, which the page shows as the server quotes them
    from types import SimpleNamespace

    from bot.web.branding import welcome_facts

    overview = SimpleNamespace(name="Python FAQ", documents=[Document(source="installed.html", title=titles[1])])
    listed = welcome_facts(Settings(), overview)["documents"]
    assert listed[0]["quoted"] == "“‘Why is Python Installed on my Computer?’ FAQ”", listed
