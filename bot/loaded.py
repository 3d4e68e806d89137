"""An index generation loaded into memory for searching: passages, their vectors, sentence vectors, keyword postings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.index import IndexUnavailable, OpenIndex
from bot.keywords import KeywordIndex
from bot.text import tokenize
from bot.types import Passage


@dataclass
class LoadedGeneration:
    """One index generation loaded for searching: passages, vectors and the keyword index."""

    index: OpenIndex
    ids: list[str]
    passages: list[Passage]
    position: dict[str, int]  # passage id -> row
    vectors: np.ndarray  # unit-length passage embeddings, one row per passage
    sentence_vectors: np.ndarray  # unit-length sentence embeddings, all passages
    sentence_rows: dict[int, np.ndarray]  # passage row -> its rows in `sentence_vectors`
    bm25: KeywordIndex
    terms: list[set[str]]
    max_idf: float
    suggestions: list[str] | None = None
    suggestion_vectors: np.ndarray | None = None

    @property
    def generation(self) -> str:
        return self.index.manifest.generation


def load_generation(index: OpenIndex) -> LoadedGeneration:
    """Read a whole generation into memory (passages, their vectors and sentences' vectors, keyword postings)."""
    data = index.passages.get(include=["metadatas", "documents", "embeddings"])
    if not data["ids"]:
        raise IndexUnavailable("The index is empty: run `bot ingest`.")
    passages = [
        Passage(
            id=pid,
            text=meta.get("text", doc),
            title=meta.get("title", ""),
            publisher=meta.get("publisher", ""),
            source=meta.get("source", ""),
            heading=meta.get("heading", ""),
        )
        for pid, meta, doc in zip(data["ids"], data["metadatas"], data["documents"])
    ]
    position = {pid: i for i, pid in enumerate(data["ids"])}
    sentences = index.sentences.get(include=["metadatas", "embeddings"])
    metas = sentences["metadatas"]
    order = sorted(
        (i for i, m in enumerate(metas) if m["passage_id"] in position),
        key=lambda i: (position[metas[i]["passage_id"]], metas[i]["order"]),
    )
    dim = len(data["embeddings"][0])
    sentence_vectors = (
        np.asarray([sentences["embeddings"][i] for i in order], dtype=np.float32)
        if order
        else np.zeros((0, dim), np.float32)
    )
    owner = np.asarray([position[metas[i]["passage_id"]] for i in order], dtype=np.int64)
    # Sentences are sorted by their passage's row, so each passage owns one contiguous slice.
    bounds = np.searchsorted(owner, np.arange(len(passages) + 1))
    tokenized = [tokenize(doc) for doc in data["documents"]]
    bm25 = KeywordIndex(tokenized)
    return LoadedGeneration(
        index=index,
        ids=list(data["ids"]),
        passages=passages,
        position=position,
        vectors=np.asarray(data["embeddings"], dtype=np.float32),
        sentence_vectors=sentence_vectors,
        sentence_rows={row: np.arange(bounds[row], bounds[row + 1]) for row in range(len(passages))},
        bm25=bm25,
        terms=[set(tokens) for tokens in tokenized],
        # A query word found nowhere in the corpus weighs like the rarest word that is found.
        max_idf=max(bm25.idf.values(), default=1.0),
    )
