"""Keyword search: BM25 scores from postings computed once per index generation."""

from __future__ import annotations

import math

import numpy as np
from rank_bm25 import BM25Okapi


class KeywordIndex:
    """BM25 (rank_bm25's Okapi variant) scored from precomputed postings.

    rank_bm25 walks every document for every query term in Python; here each term's weights are
    computed once at load, so a query costs in proportion to the documents holding its terms.
    """

    def __init__(self, tokenized: list[list[str]]):

        bm25 = BM25Okapi(tokenized)
        self.idf: dict[str, float] = bm25.idf
        if bm25.epsilon * bm25.average_idf <= 0:
            # Okapi's IDF is below zero for a word in more than half of the passages, and rank_bm25 floors those
            # at a share of the mean IDF; in a folder of one short document that mean is below zero too. Every
            # word then weighed nothing, and a question the memo answers word for word was declined ("0% of the
            # question's words in the best passage"). Such a folder takes Lucene's IDF, positive for every word,
            # log(1 + (N - n + 0.5) / (n + 0.5)). (Taking it everywhere lost on the development sets.)
            n = bm25.corpus_size
            self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in _doc_freqs(bm25).items()}
        self.size = bm25.corpus_size
        doc_len = np.asarray(bm25.doc_len, dtype=np.float64)
        norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for row, freqs in enumerate(bm25.doc_freqs):
            for term, freq in freqs.items():
                rows, weights = postings.setdefault(term, ([], []))
                rows.append(row)
                weights.append(self.idf.get(term, 0.0) * freq * (bm25.k1 + 1) / (freq + norm[row]))
        self._postings = {t: (np.asarray(r), np.asarray(w)) for t, (r, w) in postings.items()}

    def doc_freq(self, term: str) -> int:
        """How many documents hold `term`."""
        hit = self._postings.get(term)
        return 0 if hit is None else len(hit[0])

    def get_scores(self, query: list[str]) -> np.ndarray:
        """One BM25 score per document, as `BM25Okapi.get_scores` gives it."""
        scores = np.zeros(self.size)
        for term in query:
            hit = self._postings.get(term)
            if hit is not None:
                scores[hit[0]] += hit[1]
        return scores


def _doc_freqs(bm25: BM25Okapi) -> dict[str, int]:
    """How many passages hold each word."""
    counts: dict[str, int] = {}
    for freqs in bm25.doc_freqs:
        for term in freqs:
            counts[term] = counts.get(term, 0) + 1
    return counts
