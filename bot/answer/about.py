"""The answer to "What are these documents about?": each document's opening, quoted and cited, with its main
sections. No search answers it: the words "documents" and "about" fit no passage, and a summary of the whole is
in how each document opens and how it is divided."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.answer.overview import Document, plain_markdown
from bot.answer.quoting import shown
from bot.ingest.sentences import Sentence
from bot.retrieval.loaded import ABOUT_MOST
from bot.types import Answer, Passage, Retrieval

LEAD_SENTENCES = 2  # how a document opens: its first two sentences, as a news summary's lead
MIN_LEAD_WORDS = 6  # shorter "sentences" of an opening page are titles, names and dates
SECTIONS_SHOWN = 6


def _lead(passage: Passage, sentences: list[Sentence]) -> list[Sentence]:
    """The opening sentences of a document's first passage, when they introduce it: prose, not the answer to a
    first question (a FAQ opens with one), not a title page's names and dates."""
    if passage.heading.rsplit(" > ", 1)[-1].rstrip().endswith("?"):
        return []
    prose = [
        s
        for s in sentences
        if not s.code and not s.list_id and len(s.text.split()) >= MIN_LEAD_WORDS and s.text.rstrip()[-1:] in ".!"
    ]
    return sorted(prose, key=lambda s: s.order)[:LEAD_SENTENCES]


def _named(items: Sequence[str]) -> str:
    """Section names set apart, since they may hold commas or end in a question mark; ends as a sentence."""
    listed = " · ".join(shown(item) for item in items)  # as quoted text is shown: inert, not escaped
    return listed if listed[-1:] in ".?!" else listed + "."


def about_documents_answer(
    retrieval: Retrieval,
    sentences_of: Callable[[Passage], list[Sentence]],
    documents: Sequence[Document],
) -> Answer | None:
    """One paragraph per document: “Title”: its opening sentences [n], then its main sections."""
    by_source = {d.source: d for d in documents}
    form = retrieval.form
    if form is not None and form.who_wrote:
        return _publishers(retrieval)
    paragraphs: list[str] = []
    used: dict[int, list[str]] = {}
    for n, passage in enumerate(retrieval.passages, start=1):
        document = by_source.get(passage.source)
        lead = _lead(passage, sentences_of(passage))
        sections = [s for s in (document.sections if document else ()) if len(s) <= 80 and s != passage.title]
        more = len(sections) - SECTIONS_SHOWN
        listed = _named(sections[:SECTIONS_SHOWN] + ([f"and {more} more"] if more > 0 else [])) if sections else ""
        title = f"**{plain_markdown(passage.title)}**"
        if lead:
            said = " ".join(shown(s.text) for s in lead)
            paragraph = f"{title}: {said} [{n}]" + (f" Its main sections: {listed}" if listed else "")
            used[n] = [q for s in lead for q in s.quotes]
        elif listed:
            paragraph = f"{title}, its main sections: {listed} [{n}]"
        else:
            continue  # a title alone is no answer
        paragraphs.append(paragraph)
    if not paragraphs:
        return None  # nothing but titles: the answerer quotes the openings as for any question
    count = len(by_source)
    cut = len(retrieval.passages) == ABOUT_MOST < count  # not all of them: say so
    opening = f"There are {count} documents; the {len(paragraphs)} largest:" if cut else ""
    text = "\n\n".join(([opening] if opening else []) + paragraphs)
    return Answer(retrieval.question, text, True, list(retrieval.passages), retrieval.query, used)


def _publishers(retrieval: Retrieval) -> Answer | None:
    """ "Who wrote these articles?": each document's title and publisher, cited to its opening passage."""
    lines = [
        f"**{plain_markdown(p.title)}** is published by {plain_markdown(p.publisher)}. [{n}]"
        for n, p in enumerate(retrieval.passages, start=1)
        if p.publisher
    ]
    if not lines:
        return None
    return Answer(retrieval.question, "\n\n".join(lines), True, list(retrieval.passages), retrieval.query)
