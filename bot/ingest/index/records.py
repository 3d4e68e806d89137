"""The records of one article that an ingest embeds and stores: passages, their sentences, what to pool."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from bot.ingest.chunking import chunk_article
from bot.ingest.convert import LOCATION_MARKER
from bot.ingest.corpus import Article
from bot.ingest.index.embedding import Pieces
from bot.ingest.sentences import heading_line, passage_sentences
from bot.settings import Settings


@dataclass
class Records:
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metadatas: list[dict] = field(default_factory=list)

    def add(self, id_: str, text: str, metadata: dict) -> None:
        self.ids.append(id_)
        self.texts.append(text)
        self.metadatas.append(metadata)

    def extend(self, other: Records) -> None:
        self.ids += other.ids
        self.texts += other.texts
        self.metadatas += other.metadatas

    def slice(self, start: int, end: int) -> Records:
        return Records(self.ids[start:end], self.texts[start:end], self.metadatas[start:end])


@dataclass
class Fresh:
    """Records of the files to embed: passages, their sentences (in passage order) and what to pool."""

    passages: Records = field(default_factory=Records)
    sentences: Records = field(default_factory=Records)
    pieces: list[Pieces] = field(default_factory=list)

    def extend(self, other: Fresh) -> None:
        self.passages.extend(other.passages)
        self.sentences.extend(other.sentences)
        self.pieces += other.pieces


# A converter's page or slide start, anywhere in the body: the highest number is the document's length.
_LOCATION = re.compile(LOCATION_MARKER.pattern, re.M)


def document_facts(article: Article) -> dict:
    """What the first passage records about its whole document: suggested questions and page or slide count.

    Chroma metadata holds only scalars, so the questions are stored as a JSON list.
    """
    facts: dict = {}
    if article.questions:
        facts["questions"] = json.dumps(list(article.questions), ensure_ascii=False)
    for kind, number in _LOCATION.findall(article.body):  # "pages" or "slides": the highest number seen
        facts[f"{kind}s"] = max(facts.get(f"{kind}s", 0), int(number))
    return facts


def passage_records(article: Article, settings: Settings) -> Fresh:
    """Passage and sentence records of one article, ready to embed and store."""
    fresh = Fresh()
    seen: set[tuple[str, str]] = set()
    for chunk in chunk_article(article, settings.passage_max_chars):
        if (chunk.heading, chunk.text) in seen:
            # A passage repeated word for word under the same heading adds nothing to find or quote, and a
            # file of 56,000 identical paragraphs made an index whose search could not tell its records apart.
            continue
        seen.add((chunk.heading, chunk.text))
        pid = f"{article.source}#{chunk.index}"
        fresh.passages.add(
            pid,
            chunk.search_text,
            {
                **(document_facts(article) if chunk.index == 0 else {}),
                "text": chunk.text,
                "title": article.title,
                "publisher": article.publisher,
                "source": article.source,
                "origin": article.origin,
                "heading": chunk.heading,
                "location": chunk.location,
                "position": chunk.index,
                "file_sha256": article.sha256,
            },
        )
        sentences = passage_sentences(chunk.text)
        for sentence in sentences:
            fresh.sentences.add(
                f"{pid}~{sentence.order}",
                sentence.context,
                {"passage_id": pid, "order": sentence.order, "source": article.source},
            )
        contexts = [s.context for s in sentences]
        fresh.pieces.append(Pieces(chunk.heading, contexts, heading_line(chunk.text), chunk.search_text))
    return fresh
