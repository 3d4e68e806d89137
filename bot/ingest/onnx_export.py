"""Exporting the embedding model's transformer to ONNX with torch, once, at ingest (see `bot.ingest.query_encoder`)."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.ingest.query_encoder import (
    EXPORT_FORMAT,
    INPUT_NAMES,
    OUTPUT_NAME,
    model_fingerprint,
    model_settings,
    sidecar_path,
)


def export_onnx(model_dir: str | os.PathLike, onnx_path: str | os.PathLike, *, opset: int = 17) -> dict:
    """Export the model's transformer to `onnx_path` with torch, once; returns the sidecar's contents.

    The graph takes int64 ``input_ids``, ``attention_mask``, ``token_type_ids`` of shape
    (batch, sequence), both axes dynamic, and returns float32 ``token_embeddings`` (batch, sequence,
    hidden). Eager attention is traced (not SDPA) so that no shape-dependent branch is frozen into
    the graph. Before the file is moved into place its output on a padded batch of two lengths is
    compared with torch's (max abs difference must be under 1e-4). The file and its sidecar are
    written to temporary names in the same folder and renamed, so a reader never sees half a file;
    the sidecar is renamed last, so a present sidecar means a complete export.
    Needs torch, transformers and onnx; raises ImportError (from torch) when `onnx` is missing.
    """
    # lazy: torch and transformers are heavy, needed only to export
    import torch
    from transformers import AutoModel

    model_dir, onnx_path = Path(model_dir), Path(onnx_path)
    settings = model_settings(model_dir)
    started = time.perf_counter()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class _TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    wrapper = _TokenEmbeddings(model).eval()
    # A batch of two with padding in the second row, so the traced mask handling is the general one.
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 1012, 102], [101, 7592, 102, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=onnx_path.name + ".", suffix=".tmp", dir=onnx_path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        axes = {"batch": 0, "sequence": 1}
        with torch.inference_mode():
            torch.onnx.export(
                wrapper,
                (ids, mask, types),
                str(tmp),
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes={n: {v: k for k, v in axes.items()} for n in (*INPUT_NAMES, OUTPUT_NAME)},
                opset_version=opset,
                dynamo=False,  # the TorchScript exporter: needs `onnx` but not `onnxscript`
            )
            max_diff = _check_export(wrapper, tmp)
        if max_diff > 1e-4:
            raise RuntimeError(f"ONNX export differs from torch by {max_diff:.2e}")
        info = {
            "format": EXPORT_FORMAT,
            "model": model_fingerprint(model_dir),
            "model_dir": str(model_dir),
            "max_seq_length": settings["max_seq_length"],
            "opset": opset,
            "torch": torch.__version__,
            "bytes": tmp.stat().st_size,
            "max_abs_diff": max_diff,
            "seconds": round(time.perf_counter() - started, 2),
        }
        mode = 0o666 & ~_umask()  # mkstemp makes 0600 files; give them the usual permissions
        os.chmod(tmp, mode)
        sidecar_path(onnx_path).unlink(missing_ok=True)  # no sidecar while the file is being replaced
        os.replace(tmp, onnx_path)
        fd, tmp_json = tempfile.mkstemp(prefix=onnx_path.name + ".", suffix=".json.tmp", dir=onnx_path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f, indent=1)
        os.chmod(tmp_json, mode)
        os.replace(tmp_json, sidecar_path(onnx_path))
        return info
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_export(wrapper, path: Path) -> float:
    """Largest absolute difference between torch and onnxruntime on a padded batch of odd lengths."""
    # lazy: torch and onnxruntime are heavy
    import onnxruntime as ort
    import torch

    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, 30000, (3, 37), generator=gen)
    ids[:, 0], mask = 101, torch.ones_like(ids)
    for row, n in enumerate((37, 20, 3)):
        ids[row, n - 1], ids[row, n:], mask[row, n:] = 102, 0, 0
    types = torch.zeros_like(ids)
    expected = wrapper(ids, mask, types).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(
        [OUTPUT_NAME], {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()}
    )[0]
    real = mask.numpy().astype(bool)
    return float(np.abs(got - expected)[real].max())
