"""Embed questions without torch: the bundled model exported once to ONNX, run by onnxruntime.

At question time the assistant needs only the question's vector; the passages' and sentences'
vectors are already in the index. Importing sentence-transformers (torch, transformers,
scikit-learn, scipy) costs about 5-6 s of a cold `bot ask`; onnxruntime and `tokenizers` load in
well under half a second and give the same vectors (cosine >= 0.99999 against sentence-transformers).

Two halves:

- `export_onnx(model_dir, onnx_path)` (in `bot.ingest.onnx_export`) runs once, where torch is loaded
  anyway (at ingest): it traces the model's transformer (token embeddings out, dynamic batch and
  sequence axes), checks the file against torch on a padded batch, and moves it into place
  atomically together with a small JSON sidecar (`<onnx_path>.json`) naming the model it was made
  from. It needs torch, transformers and the `onnx` package (torch's exporter imports it even for
  the TorchScript path).
- `OnnxQueryEncoder(model_dir, onnx_path).encode(texts)` imports only numpy, onnxruntime and
  tokenizers. It reproduces sentence-transformers' pipeline for a mean-pooling model: the model's
  own `tokenizer.json` with truncation at `max_seq_length` (from `sentence_bert_config.json`; the
  file itself says 128 and pads to 128, both of which are overridden), padding only to the longest
  text of the batch, mean pooling over the attention mask, then L2 normalisation.

Only mean-pooling models are supported (read from `1_Pooling/config.json`); anything else raises
`UnsupportedModel`, and the caller keeps using sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

import numpy as np

EXPORT_FORMAT = 1  # bump when the exported graph's inputs, outputs or export recipe change
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "token_embeddings"


class UnsupportedModel(ValueError):
    """The model folder is not a mean-pooling sentence-transformers model this encoder reproduces."""


class StaleExport(ValueError):
    """The ONNX file was made from another model (or recipe) than the one it is used with."""


def _read_json(path: Path) -> dict | list:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def model_settings(model_dir: str | os.PathLike) -> dict:
    """What the encoder needs to know from a sentence-transformers folder, without loading the model.

    Returns ``{"max_seq_length": int, "normalize": bool}``; raises `UnsupportedModel` unless the
    modules are Transformer -> Pooling(mean) [-> Normalize].
    """
    model_dir = Path(model_dir)
    try:
        modules = _read_json(model_dir / "modules.json")
    except FileNotFoundError as exc:
        raise UnsupportedModel(f"no modules.json in {model_dir}") from exc
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or kinds[2:] not in ([], ["Normalize"]):
        raise UnsupportedModel(f"modules {kinds} are not Transformer, Pooling[, Normalize]")
    pooling_dir = model_dir / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    pooling = _read_json(pooling_dir / "config.json")
    if "pooling_mode" in pooling:  # newer sentence-transformers write one key
        mean = pooling["pooling_mode"] in ("mean", ["mean"])
    else:
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
        mean = modes == ["pooling_mode_mean_tokens"]
    if not mean or pooling.get("include_prompt") is False:
        raise UnsupportedModel(f"pooling {pooling} is not plain mean pooling")
    try:
        sbert = _read_json(model_dir / "sentence_bert_config.json")
    except FileNotFoundError:
        sbert = {}
    max_len = sbert.get("max_seq_length")
    if not max_len:
        max_len = _read_json(model_dir / "config.json").get("max_position_embeddings", 512)
    if sbert.get("do_lower_case"):
        raise UnsupportedModel("do_lower_case=true in sentence_bert_config.json is not reproduced")
    return {"max_seq_length": int(max_len), "normalize": kinds[2:] == ["Normalize"]}


def model_fingerprint(model_dir: str | os.PathLike) -> str:
    """A cheap identity for a model folder (its small config files and the weights' sizes), to tell
    whether an ONNX file was made from it. Reads a few kilobytes, never the weights."""
    model_dir = Path(model_dir)
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json"):
        p = model_dir / name
        h.update(name.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"-") + b"\0")
    for p in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("pytorch_model*.bin")):
        h.update(f"{p.name}:{p.stat().st_size}\0".encode())
    return h.hexdigest()[:16]


def sidecar_path(onnx_path: str | os.PathLike) -> Path:
    return Path(str(onnx_path) + ".json")


def read_export_info(onnx_path: str | os.PathLike) -> dict | None:
    """The sidecar written by `export_onnx`, or None when there is no (readable) export."""
    try:
        info = _read_json(sidecar_path(onnx_path))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and Path(onnx_path).is_file() else None


def export_is_current(model_dir: str | os.PathLike, onnx_path: str | os.PathLike) -> bool:
    info = read_export_info(onnx_path)
    return bool(info) and info.get("format") == EXPORT_FORMAT and info.get("model") == model_fingerprint(model_dir)


class OnnxQueryEncoder:
    """Sentence vectors for questions from an ONNX export of a mean-pooling sentence-transformers model.

    >>> enc = OnnxQueryEncoder(model_dir, index_dir / "query_encoder.onnx")
    >>> enc.encode(["Can LLMs make images?"]).shape
    (1, 384)

    `encode` returns float32 rows, L2-normalised (as sentence-transformers' Normalize module, and as
    the index stores them), in the order given. Texts are tokenized with the model's tokenizer.json,
    truncated to `max_seq_length` tokens, and padded only to the batch's longest text.

    threads: onnxruntime's intra-op threads (default 1: one question is small, and the process
    usually has other work; more threads help only long batches). With `check=True` (default) a
    sidecar that names another model, or none at all, raises `StaleExport`.
    Thread-safe: onnxruntime sessions and tokenizers' encode_batch may be called from several threads.
    """

    def __init__(
        self,
        model_dir: str | os.PathLike,
        onnx_path: str | os.PathLike,
        *,
        threads: int = 1,
        batch_size: int = 32,
        check: bool = True,
    ):
        # lazy: onnxruntime and tokenizers load only when an encoder is made
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        settings = model_settings(model_dir)
        if check and not export_is_current(model_dir, onnx_path):
            raise StaleExport(f"{onnx_path} is missing or was not exported from {model_dir}; run export_onnx")
        self.max_seq_length = settings["max_seq_length"]
        self.batch_size = batch_size
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json ships truncation at 128 and fixed padding to 128: sentence-transformers
        # truncates at max_seq_length and pads to the batch's longest text.
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        pad_id = tokenizer.token_to_id("[PAD]") if tokenizer.padding is None else tokenizer.padding["pad_id"]
        pad_token = "[PAD]" if tokenizer.padding is None else tokenizer.padding["pad_token"]
        tokenizer.no_padding()
        tokenizer.enable_padding(pad_id=pad_id or 0, pad_token=pad_token)  # no length: pad to longest
        self.tokenizer = tokenizer
        self._model_dir = model_dir
        self._counter = None  # an untruncated tokenizer for `count_tokens`, made at its first use

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._uses_types = "token_type_ids" in {i.name for i in self.session.get_inputs()}
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: str | Sequence[str], workers: int = 1) -> np.ndarray:
        """(len(texts), dimension) float32; a single string gives one row. `workers` as in `token_embeddings`."""
        if isinstance(texts, str):
            texts = [texts]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def run(rows: list[int]) -> None:
            out[rows] = self._encode_batch([texts[i] for i in rows])

        _run_all(run, self._batches(texts), workers)
        return out

    def token_embeddings(self, texts: Sequence[str], workers: int = 1) -> list[np.ndarray]:
        """Each text's token embeddings, (its tokens, dimension), as sentence-transformers'
        `output_value="token_embeddings"` gives them ([CLS] and [SEP] included, no padding).

        Batches of similar length run on `workers` threads at once: onnxruntime releases the GIL, and
        single-threaded sessions side by side use two cores better than one session on two threads.
        """
        if workers <= 1:
            return self.queue_token_embeddings(texts, None)()
        with ThreadPoolExecutor(workers) as pool:
            return self.queue_token_embeddings(texts, pool)()

    def queue_token_embeddings(self, texts: Sequence[str], pool: Executor | None) -> Callable[[], list[np.ndarray]]:
        """`token_embeddings` of `texts` with their batches queued on `pool` now (run here when None); the
        returned call waits for them. Queuing the next texts before handling these keeps the pool's threads
        busy in between (an ingest's steps)."""
        out: list[np.ndarray] = [np.empty((0, self.dimension), dtype=np.float32)] * len(texts)

        def run(rows: list[int]) -> None:
            tokens, mask = self._run([texts[i] for i in rows])
            for row, embedded, used in zip(rows, tokens, mask):
                out[row] = embedded[: int(used.sum())]

        queued = _queued(run, self._batches(texts), pool)

        def wait() -> list[np.ndarray]:
            queued()
            return out

        return wait

    def _batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Indexes of `texts` in batches of `batch_size`, sorted by length: batches of similar length waste
        less padding, and a text's result does not depend on its batch."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        return [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]

    def count_tokens(self, text: str) -> int:
        """How many tokens `text` is without special tokens and without truncation (as the model's own
        tokenizer counts it with `add_special_tokens=False`)."""
        if self._counter is None:
            from tokenizers import Tokenizer  # lazy, as in __init__

            counter = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
            counter.no_truncation()
            counter.no_padding()
            self._counter = counter
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def _run(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token embeddings (batch, sequence, dimension) of a padded batch, and its attention mask."""
        encodings = self.tokenizer.encode_batch([str(t).strip() for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._uses_types:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        return self.session.run([OUTPUT_NAME], feeds)[0], mask

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        tokens, mask = self._run(texts)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        # Always unit length (as torch.nn.functional.normalize, eps 1e-12): the index stores unit
        # vectors and compares by cosine, whether or not the model ends in a Normalize module.
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        pooled = pooled / np.maximum(norms, 1e-12)
        return pooled.astype(np.float32, copy=False)


def _run_all(run: Callable[[list[int]], None], batches: list[list[int]], workers: int) -> None:
    """`run` each batch, on `workers` threads at once when there is more than one batch."""
    if workers > 1 and len(batches) > 1:
        with ThreadPoolExecutor(workers) as pool:
            _queued(run, batches, pool)()
    else:
        _queued(run, batches, None)()


def _queued(run: Callable[[list[int]], None], batches: list[list[int]], pool: Executor | None) -> Callable[[], None]:
    """`run` each batch, queued on `pool` now (run here when None, or for a single batch); the returned call waits
    for them, and raises a batch's error."""
    if pool is None or len(batches) <= 1:
        for rows in batches:
            run(rows)
        return lambda: None
    futures = [pool.submit(run, rows) for rows in batches]

    def wait() -> None:
        for future in futures:
            future.result()

    return wait
