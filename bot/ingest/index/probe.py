"""Is the live index usable? Checked in a child process; a missing one is built, a damaged one rebuilt."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable

from bot.ingest.index.calibration import Calibration
from bot.ingest.index.embedding import export_query_encoder, load_embeddings, load_query_embeddings, query_encoder_path
from bot.ingest.index.ingestion import ingest
from bot.ingest.index.manifest import Manifest, signature_changes
from bot.ingest.index.report import IngestReport
from bot.ingest.index.store import EmbeddedBackend, IndexBackend, index_backend
from bot.ingest.query_encoder import export_is_current
from bot.settings import Settings

# Opens both collections of a generation folder (without an embedding function: vectors only) and
# finds a stored vector again. Exits non-zero, with the reason last on stderr, if that fails.
_PROBE = """
import sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
for name in (sys.argv[2], sys.argv[2] + "_sentences"):
    collection = client.get_collection(name, embedding_function=None)
    count = collection.count()
    if count == 0:
        sys.exit(f"{name} is empty")
    first = collection.get(limit=1, include=["embeddings"])
    hits = collection.query(query_embeddings=[list(first["embeddings"][0])], n_results=min(3, count))
    if not hits["ids"] or not hits["ids"][0]:
        sys.exit(f"{name} returns nothing")
"""


def start_probe(backend: IndexBackend, manifest: Manifest) -> subprocess.Popen | None:
    """Start checking a generation in a child process (None where there are no files to check).

    A child process, because Chroma can crash the whole process on a damaged HNSW segment.
    """
    if not isinstance(backend, EmbeddedBackend):
        return None
    return subprocess.Popen(
        [sys.executable, "-c", _PROBE, str(backend.path(manifest.generation)), backend.collection],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_probe(probe: subprocess.Popen | None, timeout: float = 120) -> str | None:
    """None if the probe found the index usable, else why not."""
    if probe is None:
        return None
    try:
        _out, err = probe.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        return "opening the index hung"
    if probe.returncode == 0:
        return None
    lines = [ln for ln in (err or "").strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else f"the index check crashed (exit code {probe.returncode})"


def probe_index(settings: Settings, timeout: float = 120) -> str | None:
    """None if the live generation opens and answers a query, else why not (checked in a child process)."""
    backend = index_backend(settings)
    manifest = backend.read_manifest()
    if manifest is None:
        return "there is no index"
    return finish_probe(start_probe(backend, manifest), timeout)


def ensure_index(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> IngestReport | None:
    """Make sure a usable index exists: build a missing one, rebuild a damaged one.

    A damaged generation is moved aside (kept for inspection, named in the log), never opened here.
    """
    backend = index_backend(settings)
    manifest = backend.read_manifest()
    if manifest is not None:
        probe = start_probe(backend, manifest)
        target = query_encoder_path(settings)
        if (
            target is not None
            and not export_is_current(settings.embedding_model_path(), target)
            and importlib.util.find_spec("onnx") is not None  # without it: sentence-transformers, quietly
        ):
            # An index built before the export existed (or with another model): the question path would
            # load sentence-transformers for it anyway, so export now, once, while the probe runs.
            load_embeddings(settings)
            export_query_encoder(settings, log)
        load_query_embeddings(settings)  # needed next anyway; loads while the probe runs on another core
        problem = finish_probe(probe)
        if problem is None and (changed := signature_changes(settings, manifest)):
            # Built by another version of the assistant or with other settings ("bot serve" after an upgrade): its
            # passages are not what this version would cut, so answers would quote an older reading of the files.
            log(f"{_capital(backend.description)} was built with {changed}; rebuilding it from {settings.corpus_dir}.")
            return ingest(settings, progress=False, log=log, wait_seconds=600)
        if problem is None and Calibration.from_dict(manifest.calibration) is None:
            # Made before the off-topic calibration the refusals measure against (or by an older version of
            # it): a new generation carries every file over, so this costs a calibration, not an embedding.
            log(f"{_capital(backend.description)} has no current off-topic calibration; recalibrating it.")
            return ingest(settings, progress=False, log=log, wait_seconds=600)
        if problem is None:
            return None
        aside = backend.move_aside(manifest.generation)
        log(
            f"{_capital(backend.description)} could not be used ({problem}); moved it to {aside} and rebuilding from {settings.corpus_dir}."
        )
    else:
        log(f"{_capital(backend.description)} is empty: building it from {settings.corpus_dir}.")
    return ingest(settings, progress=False, log=log, wait_seconds=600)


def _capital(text: str) -> str:
    """`text` with its first letter capitalised (the rest as is: paths keep their case)."""
    return text[:1].upper() + text[1:]
