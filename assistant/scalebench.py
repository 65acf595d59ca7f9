"""Index types at scale, measured: ``python -m assistant bench --scale 100000,300000,1000000``.

The synthetic corpus is built from real material so that the figures transfer:

* vectors: every sentence of the corpus's documents is embedded with the configured embedder
  (≈1–2k real e5 vectors, cached). A synthetic passage vector is a random convex mix of two real
  sentence vectors plus Gaussian noise shaped like the real vectors' own covariance (their PCA
  spectrum, scaled by ``NOISE``), renormalised. It keeps what makes real embeddings easy or hard
  for approximate search — anisotropy (all e5 cosines sit in 0.7–0.9), low intrinsic dimension,
  clusters by topic — without embedding 10^6 texts (≈ 10 h at 30 passages/s on 2 cores).
  Queries are the evaluation's real questions embedded as queries. ``random`` rows repeat HNSW on
  isotropic random unit vectors, the earlier benchmark's data, for comparison.
* BM25 texts: 2–5 real sentences drawn at random per synthetic clause; sentences are segmented
  once and the clause's tokens are the concatenation (the same tokens jieba would give, without
  segmenting 10^8 characters). Queries are the evaluation questions, segmented.

For each size: build (train + add) time, index memory (bytes as FAISS serialises it, plus the
process RSS growth while building), single-query p50/p95 latency with 1 and with all OpenMP
threads, and recall@10 against exact (flat) search. BM25 (bm25s) is exact, so it reports build
time, memory and latency. Results go to stderr as they come and to a JSON file after each size.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

NOISE = 0.6  # noise std as a fraction of the real vectors' per-component spread
K = 10


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover - not Linux
        return 0.0


def _ms(values: list[float], p: float) -> float:
    return round(float(np.percentile(np.asarray(values), p)) * 1000, 2)


def real_sentences(corpus_dir: Path) -> list[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(corpus_dir).glob("*.txt")))
    parts = re.split(r"(?<=[。；！？])|\n", text)
    return list(dict.fromkeys(s.strip() for s in parts if len(s.strip()) >= 8))


def real_vectors(embedder, sentences: list[str], questions: list[str], cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of the real sentences (as passages) and questions (as queries), cached on disk."""
    key = hashlib.sha256(json.dumps([embedder.name, sentences, questions], ensure_ascii=False).encode()).hexdigest()[:12]
    path = Path(cache_dir) / "bench" / f"real-vectors-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return z["passages"], z["queries"]
    _log(f"scale: embedding {len(sentences)} real sentences and {len(questions)} questions (cached afterwards)…")
    passages = embedder.embed_passages(sentences, progress=True)
    queries = embedder.embed_queries(questions)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, passages=passages, queries=queries)
    os.replace(tmp, path)
    return passages, queries


def synthetic_vectors(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` vectors distributed like ``real`` (see module docstring), float32, unit length."""
    rng = np.random.default_rng(seed)
    mean = real.mean(0)
    centred = real - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    scale = (s / np.sqrt(len(real))) * NOISE  # per-principal-axis std of the noise
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    step = 50_000
    for start in range(0, n, step):
        m = min(step, n - start)
        i, j = rng.integers(0, len(real), m), rng.integers(0, len(real), m)
        a = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
        noise = (rng.standard_normal((m, len(s))).astype(np.float32) * scale) @ vt
        block = a * real[i] + (1 - a) * real[j] + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + m] = block
    return out


def random_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _index_bytes(index) -> int:
    import faiss

    return int(faiss.serialize_index(index).size)


def _latency(search: Callable[[np.ndarray], np.ndarray], queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    search(queries[:3])  # warm
    found = np.empty((len(queries), K), dtype=np.int64)
    lat = []
    for i in range(len(queries)):
        t = time.perf_counter()
        found[i] = search(queries[i : i + 1])[0]
        lat.append(time.perf_counter() - t)
    return lat, found


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return round(sum(len(set(f) & set(e)) for f, e in zip(found, exact, strict=True)) / exact.size, 4)


def _set_ef(ef: int) -> Callable[[object], None]:
    return lambda index: setattr(index.hnsw, "efSearch", ef)


def _set_probe(nprobe: int) -> Callable[[object], None]:
    import faiss

    return lambda index: setattr(faiss.extract_index_ivf(index), "nprobe", nprobe)


def faiss_kinds(n: int) -> list[tuple[str, Callable[[int], object], list[tuple[str, Callable[[object], None]]]]]:
    """(label, factory(dim), [(setting label, apply setting)]) for each index type measured at ``n``."""
    import faiss

    nlist = max(64, int(2 ** round(np.log2(4 * np.sqrt(n)))))

    def hnsw(dim: int):
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        return index

    def ivf(dim: int):
        return faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)

    def ivfpq(dim: int):
        base = faiss.IndexIVFPQ(faiss.IndexFlatIP(dim), dim, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
        refined = faiss.IndexRefineFlat(base)
        refined.k_factor = 16  # re-rank 16k PQ candidates with the exact vectors
        return refined

    return [
        ("IndexFlatIP", lambda d: faiss.IndexFlatIP(d), [("exact", lambda i: None)]),
        ("HNSWFlat M32 efC80", hnsw, [(f"efSearch {e}", _set_ef(e)) for e in (64, 128, 256)]),
        (f"IVFFlat nlist {nlist}", ivf, [(f"nprobe {p}", _set_probe(p)) for p in (16, 32, 64, 128)]),
        (f"IVFPQ48 nlist {nlist} + refine x16", ivfpq, [(f"nprobe {p}", _set_probe(p)) for p in (32, 64, 128)]),
    ]


def bench_faiss(data: np.ndarray, queries: np.ndarray, label: str, kinds: list | None = None,
                exact: np.ndarray | None = None) -> tuple[list[dict], np.ndarray]:
    import faiss

    n, dim = data.shape
    rows: list[dict] = []
    threads = faiss.omp_get_max_threads()
    for name, factory, settings in kinds or faiss_kinds(n):
        gc.collect()
        rss0 = _rss_mb()
        index = factory(dim)
        _log(f"  [{label} n={n:,}] building {name}…")
        t = time.perf_counter()
        if not index.is_trained:
            sample = data[np.random.default_rng(1).choice(n, min(n, 100_000), replace=False)]
            index.train(sample)
        train_s = time.perf_counter() - t
        for start in range(0, n, 100_000):
            index.add(data[start : start + 100_000])
        build_s = time.perf_counter() - t
        mem = {"index_mb": round(_index_bytes(index) / 2**20, 1), "rss_growth_mb": round(_rss_mb() - rss0, 1)}
        for setting, apply in settings:
            apply(index)
            faiss.omp_set_num_threads(1)
            lat1, found = _latency(lambda q, ix=index: ix.search(q, K)[1], queries)
            faiss.omp_set_num_threads(threads)
            lat, _ = _latency(lambda q, ix=index: ix.search(q, K)[1], queries)
            if name == "IndexFlatIP":
                exact = found
            row = {
                "data": label, "n": n, "index": name, "setting": setting, "train_s": round(train_s, 1),
                "build_s": round(build_s, 1), **mem,
                "p50_ms_1t": _ms(lat1, 50), "p95_ms_1t": _ms(lat1, 95),
                "p50_ms": _ms(lat, 50), "p95_ms": _ms(lat, 95), "omp_threads": threads,
                "recall@10": _recall(found, exact) if exact is not None else None,
            }
            rows.append(row)
            _log(f"    {row}")
        del index
    return rows, exact


def bench_bm25(token_pool: list[list[str]], query_tokens: list[list[str]], n: int, seed: int = 0) -> dict:
    from .lexicon import BM25

    rng = np.random.default_rng(seed)
    gc.collect()
    rss0 = _rss_mb()
    t = time.perf_counter()
    counts = rng.integers(2, 6, n)
    picks = rng.integers(0, len(token_pool), int(counts.sum()))
    docs, at = [], 0
    for c in counts:
        doc: list[str] = []
        for p in picks[at : at + c]:
            doc += token_pool[p]
        docs.append(doc)
        at += c
    make_s = time.perf_counter() - t
    n_tokens = sum(len(d) for d in docs)
    t = time.perf_counter()
    bm25 = BM25(docs)
    build_s = time.perf_counter() - t
    del docs
    gc.collect()
    arrays = bm25._model.scores
    mb = sum(np.asarray(arrays[k]).nbytes for k in ("data", "indices", "indptr")) / 2**20
    cand = 50

    def top(q: list[str]) -> np.ndarray:
        s = bm25.scores(q)
        return np.argpartition(-s, cand)[:cand]

    lat = []
    top(query_tokens[0])
    for q in query_tokens:
        t0 = time.perf_counter()
        top(q)
        lat.append(time.perf_counter() - t0)
    row = {"n": n, "tokens": n_tokens, "make_docs_s": round(make_s, 1), "build_s": round(build_s, 1),
           "matrix_mb": round(mb, 1), "rss_growth_mb": round(_rss_mb() - rss0, 1),
           "p50_ms": _ms(lat, 50), "p95_ms": _ms(lat, 95), "vocab": len(bm25._model.vocab_dict)}
    _log(f"  [bm25 n={n:,}] {row}")
    return row


KINDS = {"flat": "IndexFlatIP", "hnsw": "HNSW", "ivf": "IVFFlat", "ivfpq": "IVFPQ"}


def run(sizes: list[int], out: Path | None = None, with_random: bool = True, skip_bm25: bool = False,
        kinds: list[str] | None = None) -> dict:
    from .config import Config
    from .embedder import load_embedder
    from .evaluation import DEFAULT_DATASET, load_dataset
    from .lexicon import Segmenter

    cfg = Config.from_env()
    questions = [q["question"] for q in load_dataset(DEFAULT_DATASET)]
    sentences = real_sentences(cfg.corpus_dir)
    embedder = load_embedder(cfg.embedder, cfg.model_cache_dir, log=_log)
    real, queries = real_vectors(embedder, sentences, questions, cfg.model_cache_dir)
    del embedder
    seg = Segmenter(cache_dir=cfg.model_cache_dir)
    pool = [seg.tokens(s) for s in sentences]
    qtok = [seg.tokens(q) for q in questions]
    result: dict = {"real_sentences": len(sentences), "queries": len(questions), "noise": NOISE,
                    "loadavg_at_start": list(os.getloadavg()), "faiss": [], "bm25": []}
    cos = real @ real.T
    result["real_mean_cosine"] = round(float(cos[np.triu_indices(len(real), 1)].mean()), 3)
    for n in sizes:
        _log(f"scale: n = {n:,} (load average {os.getloadavg()[0]:.1f})")
        data = synthetic_vectors(real, n, seed=n)
        if n == sizes[0]:
            sample = data[:2000]
            c = sample @ sample.T
            result["synthetic_mean_cosine"] = round(float(c[np.triu_indices(len(sample), 1)].mean()), 3)
        chosen = [k for k in faiss_kinds(n)
                  if k[0] == "IndexFlatIP" or not kinds or any(k[0].startswith(KINDS[x]) for x in kinds)]
        rows, _ = bench_faiss(data, queries, "realistic", kinds=chosen)
        result["faiss"] += rows
        del data
        if with_random and n == sizes[0] and (not kinds or "hnsw" in kinds):
            data = random_vectors(n, real.shape[1], seed=n)
            rq = random_vectors(len(queries), real.shape[1], seed=7)
            kinds = [k for k in faiss_kinds(n) if k[0] == "IndexFlatIP"] + [
                ("HNSWFlat M32 efC80", faiss_kinds(n)[1][1],
                 [(f"efSearch {e}", _set_ef(e)) for e in (128, 512, 2048)])
            ]
            rows, _ = bench_faiss(data, rq, "random", kinds=kinds)
            result["faiss"] += rows
            del data
        if not skip_bm25:
            result["bm25"].append(bench_bm25(pool, qtok, n))
        if out:
            Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def render(result: dict) -> str:
    lines = [
        f"synthetic vectors from {result['real_sentences']} real sentence embeddings (mean pairwise cosine "
        f"real {result['real_mean_cosine']}, synthetic {result.get('synthetic_mean_cosine')}); "
        f"{result['queries']} real questions as queries; k=10; load average at start {result['loadavg_at_start']}",
        "| data | n | index | setting | build s (train) | index MB | RSS growth MB | p50 / p95 ms (1 thread) "
        "| p50 / p95 ms (all threads) | recall@10 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["faiss"]:
        lines.append(
            f"| {r['data']} | {r['n']:,} | {r['index']} | {r['setting']} | {r['build_s']} ({r['train_s']}) | "
            f"{r['index_mb']} | {r['rss_growth_mb']} | {r['p50_ms_1t']} / {r['p95_ms_1t']} | "
            f"{r['p50_ms']} / {r['p95_ms']} | {r['recall@10']} |"
        )
    if result["bm25"]:
        lines += ["", "| BM25 (bm25s) n | tokens | build s | matrix MB | RSS growth MB | p50 / p95 ms (top-50) |",
                  "|---|---|---|---|---|---|"]
        for r in result["bm25"]:
            lines.append(f"| {r['n']:,} | {r['tokens']:,} | {r['build_s']} | {r['matrix_mb']} | "
                         f"{r['rss_growth_mb']} | {r['p50_ms']} / {r['p95_ms']} |")
    return "\n".join(lines)
