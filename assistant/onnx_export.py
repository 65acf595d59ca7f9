"""Export a sentence-transformers model to ONNX and quantise it to int8, once, into the cache.

The sentence-transformers directory stays the model's source of truth: this module reads it
with transformers (torch, at export time only), traces encoder + mean pooling + L2
normalisation into one ONNX graph whose output is the sentence embedding, then applies
onnxruntime's dynamic int8 quantisation with per-channel symmetric weights. Per-tensor weights
(quantize_dynamic's default) cost fidelity on this model (mean cosine ≈ 0.987 to fp32);
per-channel keeps it above 0.99.

Why not the ready-made routes: sentence-transformers' ``backend="onnx"`` needs optimum, which
pins transformers below our version; fastembed needs huggingface-hub < 2 (we have 2.x).

The result is a directory the query path can load with onnxruntime + tokenizers alone:
  model.onnx      int8 graph: (input_ids, attention_mask) → sentence_embedding
  tokenizer.json  the source model's tokenizer, unchanged
  embedder.json   prompts, max length, dimension, pad id, the source's hash, how it was made
It is assembled in a temp dir and renamed into place, so a crash or a concurrent exporter never
leaves a half-written model where the loader looks.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from .e5convert import build_atomically

ONNX_FILES = ("model.onnx", "tokenizer.json", "embedder.json")
OPSET = 17
# Bump when the export or quantisation recipe changes: it is part of the embedder id.
RECIPE = "mean-norm-opset17-dyn-int8-perchannel-sym-v1"

Log = Callable[[str], None]


def is_complete(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in ONNX_FILES)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def st_pipeline(st_dir: Path) -> dict:
    """What the exporter needs from a sentence-transformers dir; ValueError when it cannot export it.

    Supported: a transformers encoder, mean pooling, optional Normalize (vectors are always
    normalised, as the index's inner products assume).
    """
    modules = _read_json(st_dir / "modules.json")
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(f"{st_dir}: only Transformer + mean Pooling (+ Normalize) can be exported, got {kinds}")
    pooling = _read_json(st_dir / modules[1]["path"] / "config.json")
    if not pooling.get("pooling_mode_mean_tokens") and pooling.get("pooling_mode") != "mean":
        raise ValueError(f"{st_dir}: only mean pooling can be exported, got {pooling}")
    if pooling.get("include_prompt") is False:
        raise ValueError(f"{st_dir}: pooling that excludes the prompt cannot be exported")
    st_cfg = _read_json(st_dir / "config_sentence_transformers.json") if (
        st_dir / "config_sentence_transformers.json"
    ).is_file() else {}
    bert_cfg = _read_json(st_dir / "sentence_bert_config.json") if (st_dir / "sentence_bert_config.json").is_file() else {}
    tok_cfg = _read_json(st_dir / "tokenizer_config.json") if (st_dir / "tokenizer_config.json").is_file() else {}
    config = _read_json(st_dir / "config.json")
    if bert_cfg.get("do_lower_case"):
        raise ValueError(f"{st_dir}: do_lower_case models are not supported by the exporter")
    max_len = min(
        int(bert_cfg.get("max_seq_length") or tok_cfg.get("model_max_length") or 512),
        int(config.get("max_position_embeddings", 512)),
    )
    prompts = st_cfg.get("prompts") or {}
    return {
        "max_length": max_len,
        "dim": int(config["hidden_size"]),
        "pad_id": int(config.get("pad_token_id") or 0),
        "query_prompt": prompts.get("query"),
        "passage_prompt": prompts.get("passage"),
    }


def _export_fp32(st_dir: Path, out: Path) -> None:
    """Trace encoder + mean pooling + normalisation into ``out`` (fp32)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(st_dir), attn_implementation="eager", local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids)
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    ids = torch.tensor([[0, 6, 7, 2], [0, 8, 2, 1]], dtype=torch.int64)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.int64)
    with torch.inference_mode():
        torch.onnx.export(
            Pooled(model),
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          "sentence_embedding": {0: "batch"}},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,  # the dynamo exporter needs onnxscript; the TorchScript one is enough here
        )


def _quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src), str(dst), per_channel=True, weight_type=QuantType.QInt8,
        extra_options={"WeightSymmetric": True, "MatMulConstBOnly": True},
    )


def export_onnx_int8(st_dir: Path, out_dir: Path, source_id: str, log: Log = print) -> Path:
    """Export and quantise the sentence-transformers model at ``st_dir`` into ``out_dir`` (atomic)."""
    st_dir, out_dir = Path(st_dir), Path(out_dir)
    meta = st_pipeline(st_dir)
    log(f"exporting {st_dir.name} to ONNX int8 → {out_dir} (one-off)")
    t0 = time.perf_counter()

    def build(tmp: Path) -> None:
        log("  [1/3] tracing encoder + mean pooling to ONNX fp32")
        _export_fp32(st_dir, tmp / "fp32.onnx")
        log(f"  [2/3] quantising weights to int8 (dynamic, per-channel symmetric) — {time.perf_counter() - t0:.0f}s")
        _quantise(tmp / "fp32.onnx", tmp / "model.onnx")
        (tmp / "fp32.onnx").unlink()
        for extra in tmp.glob("*.data"):  # external-data leftovers of the fp32 graph, if any
            extra.unlink()
        log("  [3/3] copying the tokenizer")
        shutil.copy2(st_dir / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / "embedder.json").write_text(
            json.dumps({**meta, "source": source_id, "recipe": RECIPE}, ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )

    build_atomically(out_dir, build, is_complete)
    log(f"exported in {time.perf_counter() - t0:.1f}s")
    return out_dir
