"""The common LangChain recipe, for side-by-side evaluation (`bot eval --compare naive`).

RecursiveCharacterTextSplitter (1000 characters, 100 overlap), the same embedding model, Chroma
top-4, no keyword search, no reranking, no follow-up rewriting; answers come from the same offline
answerer so that only retrieval differs.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from bot.answer.extractive import ExtractiveAnswerer
from bot.ingest.corpus import load_corpus
from bot.ingest.index import load_embeddings
from bot.settings import Settings
from bot.types import Answer, Passage, Retrieval


class NaiveAssistant:
    """Splitter 1000/100 + dense top-4 over a throwaway Chroma collection."""

    def __init__(self, settings: Settings):
        # lazy: the `baseline` extra
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            # lazy: the `baseline` extra
            from langchain_chroma import Chroma
            from langchain_text_splitters import RecursiveCharacterTextSplitter
        except ImportError as exc:
            raise ImportError(
                f"The naive baseline needs the 'baseline' extra ({exc.name} is not installed): "
                "pip install -e '.[baseline]'",
                name=exc.name,
            ) from exc

        self.settings = settings
        self.embeddings = load_embeddings(settings)
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=100)
        texts, metadatas = [], []
        articles, _errors = load_corpus(settings.corpus_dir)
        for article in articles:
            # As a TextLoader would load it: the whole file, front matter and all.
            raw = (settings.corpus_dir / article.source).read_text(encoding="utf-8")
            for chunk in splitter.split_text(raw):
                texts.append(chunk)
                metadatas.append({"title": article.title, "publisher": article.publisher, "source": article.source})
        self._tmp = tempfile.TemporaryDirectory(prefix="bot-naive-")
        client = chromadb.PersistentClient(path=self._tmp.name, settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name="naive",
            embedding_function=self.embeddings,
            client=client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self.store.add_texts(texts=texts, metadatas=metadatas, ids=[f"naive-{i}" for i in range(len(texts))])
        self.answerer = ExtractiveAnswerer(
            settings, lambda batch: self._embed(batch), topics="the articles in the corpus"
        )

    def _embed(self, texts: list[str]):

        return np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)

    def embed_query(self, text: str):

        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        started = time.perf_counter()
        qvec = self.embed_query(question)
        hits = self.store.similarity_search_by_vector_with_relevance_scores(qvec.tolist(), k=4)
        passages = [
            Passage(
                id=doc.id or str(i),
                text=doc.page_content,
                title=doc.metadata.get("title", ""),
                publisher=doc.metadata.get("publisher", ""),
                source=doc.metadata.get("source", ""),
                score=max(0.0, 1.0 - distance),
            )
            for i, (doc, distance) in enumerate(hits)
        ]
        relevance = max((p.score for p in passages), default=0.0)
        retrieval = Retrieval(question, question, passages, query_vector=qvec, relevance=relevance)
        answer = self.answerer.answer(retrieval).numbered_as_cited()  # numbered as the assistant's are
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer
