"""The passage index: embedding with the bundled model and storing passages and sentences in Chroma.

Every ingest that changes something writes a new *generation* (a fresh folder, or fresh collections on
a Chroma server), validates it, and only then switches the `current` pointer to it. A running app keeps
answering from the generation it has open and moves to the new one at its next question; nobody ever
reads a half-built index. Unchanged files are copied with their stored vectors, never re-embedded, and
an ingest that finds nothing changed returns after hashing the files, without loading the model.

Where a change goes:

- `embedding.py`: loading the model, the query and document paths, pooled passage vectors, and the
  question path's ONNX export (`index/query-encoder/<fingerprint>.onnx`, made at ingest; no torch at
  question time);
- `manifest.py`: what a generation records about how it was built (and when that forces a rebuild);
- `store.py`: the two backends (folders under `index/`, or a Chroma server), the pointer, opening a generation;
- `records.py`: the passage and sentence records stored for an article;
- `ingestion.py`: `ingest` itself: read what changed, build a new generation, switch to it, retire old generations;
- `generation.py`: building one: copy unchanged files, embed new ones, calibrate, validate;
- `report.py`: `IngestReport`, what an ingest did;
- `probe.py`: checking the live generation in a child process, and building or rebuilding it when needed;
- `errors.py`: `IndexUnavailable`, raised for a missing, empty or unreachable index.

This package imports from `bot.ingest.corpus`, `bot.ingest.files`, `bot.ingest.chunking`,
`bot.ingest.sentences`, `bot.settings` and `bot.ingest.query_encoder` only; the names below are the
ones the rest of the bot uses.
"""

from bot.ingest.index.embedding import (
    QUERY_ENCODER_DIR,
    Embedder,
    OnnxEmbedder,
    embed_passages,
    export_query_encoder,
    load_embeddings,
    load_query_embeddings,
    passage_vector_method,
    query_encoder_path,
)
from bot.ingest.index.errors import IndexUnavailable
from bot.ingest.index.generation import validate_generation
from bot.ingest.index.ingestion import ingest
from bot.ingest.index.manifest import Manifest, build_signature, embedding_signature
from bot.ingest.index.probe import ensure_index, probe_index
from bot.ingest.index.records import passage_records
from bot.ingest.index.report import IngestReport
from bot.ingest.index.store import (
    IndexBackend,
    OpenIndex,
    current_generation,
    index_backend,
    index_passage_count,
    open_index,
    unavailable,
)

__all__ = [
    "QUERY_ENCODER_DIR",
    "Embedder",
    "IndexBackend",
    "IndexUnavailable",
    "IngestReport",
    "Manifest",
    "OnnxEmbedder",
    "OpenIndex",
    "passage_records",
    "validate_generation",
    "build_signature",
    "current_generation",
    "embed_passages",
    "embedding_signature",
    "ensure_index",
    "export_query_encoder",
    "index_backend",
    "index_passage_count",
    "ingest",
    "load_embeddings",
    "load_query_embeddings",
    "open_index",
    "passage_vector_method",
    "probe_index",
    "query_encoder_path",
    "unavailable",
]
