"""What a generation was built from: the manifest the `current` pointer holds, and the signature that
decides whether stored vectors can be reused or the index must be rebuilt."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from bot.ingest.chunking import CHUNKER_VERSION
from bot.ingest.index.embedding import passage_vector_method
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.ingest.index.embedding import Embedder, OnnxEmbedder


@dataclass(frozen=True)
class Manifest:
    """What the `current` pointer says: the live generation and what it was built from."""

    generation: str
    signature: dict  # embedding model, dimension, chunker version, passage size
    files: dict  # corpus file name -> sha256 of its bytes
    passages: int
    sentences: int
    calibration: dict | None = None  # how close off-topic questions come to the corpus (`Calibration`)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**json.loads(text))


def build_signature(settings: Settings) -> dict:
    """What stored vectors and passages depend on, known without loading the model."""
    return {
        "embedding_model": settings.embedding_model_path().name if settings.embedding_model else "all-MiniLM-L6-v2",
        "chunker": CHUNKER_VERSION,
        "passage_max_chars": settings.passage_max_chars,
        "passage_vectors": passage_vector_method(settings.embedding_model_path()),
    }


def embedding_signature(settings: Settings, embeddings: Embedder | OnnxEmbedder) -> dict:
    """`build_signature` plus the model's embedding dimension: the collection metadata."""
    return {**build_signature(settings), "dimension": embeddings.dimension}


def signature_changes(settings: Settings, manifest: Manifest) -> str:
    """What a generation was built with that this version and these settings would not use ("chunker 17, now
    18"), or "" when its passages and vectors are what an ingest would make now (they can be reused)."""
    return "; ".join(
        f"{key.replace('_', ' ')} {manifest.signature.get(key, 'unknown')}, now {value}"
        for key, value in build_signature(settings).items()
        if manifest.signature.get(key) != value
    )
