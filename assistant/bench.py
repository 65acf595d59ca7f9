"""Benchmarks: figures, not pass/fail. ``python -m assistant bench [--quick] [--json FILE]``.

Measures, in order:
  machine          os.cpu_count(), usable cores, platform, Python, load average at start
  index build      model load + embedding + FAISS + save into a temp dir, in a subprocess (so its
                   peak RSS is the build's own, model included)
  embedding        passages/s at batch 32 over the corpus passages (warm model)
  retrieve / ask   p50/p95 warm latency over the eval questions
  cold start       ``python -m assistant ask "…"`` in a fresh process against the prebuilt index
  FAISS            synthetic L2-normalised 384-d vectors at 10k / 100k / 1M: add time, size as
                   written by faiss (≈ memory), single-query search p50/p95 (k=10) for IndexFlatIP and for the HNSW index
                   ``index.make_faiss_index`` creates above HNSW_THRESHOLD, plus HNSW recall@10
                   against the exact flat result. ``--quick`` caps the sizes at 100k.

Random vectors have no cluster structure, the worst case for HNSW recall; real embeddings do better.

Measured 2026-11-22 on 2 shared cores (load average 3-9 from other jobs): HNSW add took 11 s for
10k vectors (175 s when niced under heavier load) and 133 s for 100k; insertion cost grows a little
faster than n, so the full 1M run is estimated at 25-40 minutes of HNSW construction alone on such
a machine (not run) — hence ``--quick`` (sizes ≤ 100k) for routine use. HNSW recall@10 against
exact search on random vectors was 0.83 at 10k and 0.28 at 100k (M=32, efSearch=128): check it on
real embeddings before relying on HNSW above HNSW_THRESHOLD. Single-query flat search with faiss's
default 2 OpenMP threads was 30-200 ms at 10k on busy cores versus ~1 ms with one thread: the
threads wait on each other, which is why the 1-thread column is reported too.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .config import REPO_ROOT, Config

DIM = 384
SIZES = (10_000, 100_000, 1_000_000)
QUICK_MAX = 100_000
COLD_QUESTION = "济南对天使投资有什么奖励？"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def _ms_stats(seconds: list[float]) -> dict:
    return {
        "n": len(seconds),
        "p50_ms": round(_pct(seconds, 50) * 1000, 2),
        "p95_ms": round(_pct(seconds, 95) * 1000, 2),
    }


def machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        load = []
    return {
        "cpu_count": os.cpu_count(),
        "usable_cores": usable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "loadavg_at_start": load,
    }


_BUILD_SCRIPT = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from assistant.config import Config
from assistant.core import Assistant
from assistant.embedder import load_embedder
cfg = Config(index_dir=Path(sys.argv[1]))
t1 = time.perf_counter()
emb = load_embedder(cfg.embedder, cfg.model_cache_dir, log=lambda m: None)
t2 = time.perf_counter()
manifest = Assistant.rebuild_index(cfg, embedder=emb, log=lambda m: None)
t3 = time.perf_counter()
print(json.dumps({
    "import_s": round(t1 - t0, 2), "model_load_s": round(t2 - t1, 2), "build_and_save_s": round(t3 - t2, 2),
    "total_s": round(t3 - t0, 2), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "n_clauses": manifest["n_clauses"], "n_passages": manifest["n_passages"], "index_type": manifest["index_type"],
    "embedder": manifest["embedder"],
}))
"""


def index_build(index_dir: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _BUILD_SCRIPT, str(index_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def embedding_throughput(bot, batch_size: int = 32) -> dict:
    texts = [p.text for p in bot.vectors.passages]
    bot.embedder.embed_passages(texts[:batch_size], batch_size=batch_size)  # warm-up
    t = time.perf_counter()
    bot.embedder.embed_passages(texts, batch_size=batch_size)
    dt = time.perf_counter() - t
    avg = sum(len(x) for x in texts) / max(len(texts), 1)
    return {
        "passages": len(texts),
        "avg_chars": round(avg, 1),
        "batch_size": batch_size,
        "seconds": round(dt, 2),
        "passages_per_s": round(len(texts) / dt, 1),
    }


def warm_latency(bot, questions: list[dict]) -> dict:
    bot.ask(questions[0]["question"])  # warm caches and the model
    ret, ask = [], []
    for item in questions:
        t = time.perf_counter()
        bot.retrieve(item["question"], k=10)
        ret.append(time.perf_counter() - t)
        t = time.perf_counter()
        try:
            bot.ask(item["question"], history=item.get("history") or [])
        except Exception:  # noqa: BLE001 — latency only; correctness is the eval's job
            pass
        ask.append(time.perf_counter() - t)
    return {"retrieve": _ms_stats(ret), "ask": _ms_stats(ask)}


def cold_start(index_dir: Path, runs: int = 2) -> dict:
    """Fresh ``python -m assistant ask`` processes against the prebuilt index, wall clock."""
    env = dict(os.environ, POLICYQA_INDEX_DIR=str(index_dir))
    times, error = [], None
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", COLD_QUESTION],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        dt = time.perf_counter() - t
        if proc.returncode != 0:
            error = (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
            break
        times.append(round(dt, 2))
    out: dict = {"question": COLD_QUESTION, "seconds": times}
    if error:
        out["error"] = error
    return out


def _vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.empty((n, DIM), dtype=np.float32)
    step = 100_000
    for i in range(0, n, step):
        block = rng.standard_normal((min(step, n - i), DIM), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        x[i : i + step] = block
    return x


def _index_bytes(index) -> int:
    """Size of the index as faiss writes it (vectors + graph), a proxy for its memory."""
    import faiss

    with tempfile.NamedTemporaryFile(suffix=".faiss") as f:
        faiss.write_index(index, f.name)
        return os.path.getsize(f.name)


def faiss_bench(sizes: tuple[int, ...], n_queries: int = 200, k: int = 10) -> list[dict]:
    import faiss

    from .index import HNSW_THRESHOLD, make_faiss_index

    rows = []
    queries = _vectors(n_queries, seed=1)
    for n in sizes:
        _log(f"faiss: {n:,} vectors…")
        data = _vectors(n, seed=n)
        exact = None
        for kind in ("flat", "hnsw"):
            index = (
                faiss.IndexFlatIP(DIM)
                if kind == "flat"
                else make_faiss_index(DIM, max(n, HNSW_THRESHOLD + 1))
            )
            t = time.perf_counter()
            index.add(data)
            add_s = time.perf_counter() - t
            index.search(queries[:5], k)  # warm
            found = np.empty((n_queries, k), dtype=np.int64)
            lat = []
            for i in range(n_queries):
                t = time.perf_counter()
                _, ids = index.search(queries[i : i + 1], k)
                lat.append(time.perf_counter() - t)
                found[i] = ids[0]
            # The same single queries with one OpenMP thread: on busy cores faiss's default
            # threads can wait on each other far longer than the search itself takes.
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            lat1 = []
            for i in range(n_queries):
                t = time.perf_counter()
                index.search(queries[i : i + 1], k)
                lat1.append(time.perf_counter() - t)
            faiss.omp_set_num_threads(threads)
            row = {
                "n": n,
                "index": type(index).__name__,
                "add_s": round(add_s, 2),
                "index_mb": round(_index_bytes(index) / 2**20, 1),
                "raw_vectors_mb": round(n * DIM * 4 / 2**20, 1),
                "omp_threads": threads,
                **{f"search_{key}": v for key, v in _ms_stats(lat).items() if key != "n"},
                **{f"search_1t_{key}": v for key, v in _ms_stats(lat1).items() if key != "n"},
            }
            if kind == "flat":
                exact = found
            else:
                hits = sum(len(set(found[i]) & set(exact[i])) for i in range(n_queries))
                row["recall@10_vs_flat"] = round(hits / (n_queries * k), 3)
                row["efSearch"] = index.hnsw.efSearch
            rows.append(row)
            _log(f"  {row}")
            del index
        del data
    return rows


def run(quick: bool = False, sizes: tuple[int, ...] | None = None, skip_model: bool = False) -> dict:
    sizes = sizes or tuple(s for s in SIZES if not quick or s <= QUICK_MAX)
    result: dict = {"machine": machine(), "quick": quick}
    if not skip_model:
        from .core import Assistant
        from .evaluation import DEFAULT_DATASET, load_dataset

        with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
            index_dir = Path(tmp)
            _log("bench: building the index in a subprocess…")
            result["index_build"] = index_build(index_dir)
            _log(f"  {result['index_build']}")
            bot = Assistant.load(Config(index_dir=index_dir), log=lambda m: None)
            _log("bench: embedding throughput…")
            result["embedding"] = embedding_throughput(bot)
            _log(f"  {result['embedding']}")
            questions = load_dataset(DEFAULT_DATASET)
            if quick:
                questions = questions[::4]
            _log(f"bench: warm retrieve/ask over {len(questions)} questions…")
            result["warm"] = warm_latency(bot, questions)
            _log(f"  {result['warm']}")
            del bot
            _log("bench: cold start…")
            result["cold_start"] = cold_start(index_dir, runs=1 if quick else 2)
            _log(f"  {result['cold_start']}")
    t = time.perf_counter()
    result["faiss"] = faiss_bench(sizes)
    result["faiss_seconds"] = round(time.perf_counter() - t, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def render(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"machine: {m['cpu_count']} CPUs ({m['usable_cores']} usable), {m['platform']}, Python {m['python']}, "
        f"load average at start {m['loadavg_at_start']}"
    ]
    b = result.get("index_build")
    if b:
        lines.append(
            "index build: "
            + (
                f"error {b['error']}"
                if "error" in b
                else f"{b['n_passages']} passages / {b['n_clauses']} clauses, {b['index_type']}, total {b['total_s']} s "
                f"(model load {b['model_load_s']} s, embed+index+save {b['build_and_save_s']} s), "
                f"peak RSS {b['peak_rss_mb']} MB"
            )
        )
    e = result.get("embedding")
    if e:
        lines.append(
            f"embedding: {e['passages_per_s']} passages/s (batch {e['batch_size']}, {e['passages']} passages, "
            f"avg {e['avg_chars']} chars)"
        )
    w = result.get("warm")
    if w:
        lines.append(
            f"warm latency over {w['ask']['n']} questions: retrieve p50 {w['retrieve']['p50_ms']} ms / "
            f"p95 {w['retrieve']['p95_ms']} ms; ask p50 {w['ask']['p50_ms']} ms / p95 {w['ask']['p95_ms']} ms"
        )
    c = result.get("cold_start")
    if c:
        lines.append(
            f"cold start to first answer (python -m assistant ask): {c['seconds']} s"
            + (f"; error: {c['error']}" if c.get("error") else "")
        )
    lines.append(
        f"FAISS ({DIM}-d normalised random vectors, 1 query at a time, k=10; took {result['faiss_seconds']} s):"
    )
    lines.append(
        "| n | index | add s | index MB | raw vectors MB | search p50 / p95 ms | 1 thread p50 / p95 ms | recall@10 vs flat |"
    )
    lines.append("|---|---|---|---|---|---|---|---|")
    for r in result["faiss"]:
        lines.append(
            f"| {r['n']:,} | {r['index']} | {r['add_s']} | {r['index_mb']} | {r['raw_vectors_mb']} | "
            f"{r['search_p50_ms']} / {r['search_p95_ms']} | {r['search_1t_p50_ms']} / {r['search_1t_p95_ms']} | "
            f"{r.get('recall@10_vs_flat', '—')} |"
        )
    lines.append(f"peak RSS of the bench process: {result['peak_rss_mb']} MB")
    return "\n".join(lines)


def cmd_bench(args) -> None:
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else None
    result = run(quick=args.quick, sizes=sizes, skip_model=args.faiss_only)
    print(render(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def register_cli(sub) -> None:
    p = sub.add_parser("bench", help="性能基准：建索引、嵌入、检索/问答延迟、冷启动、FAISS 规模")
    p.add_argument("--quick", action="store_true", help="FAISS 最多 10 万向量，延迟只取四分之一问题")
    p.add_argument("--faiss-only", action="store_true", help="只测 FAISS（不加载模型）")
    p.add_argument("--sizes", help="FAISS 向量数，逗号分隔，如 10000,100000")
    p.add_argument("--json", help="同时把结果写成 JSON 文件")
    p.set_defaults(func=cmd_bench)


if __name__ == "__main__":  # python -m assistant.bench [--quick …]
    from .cli import main

    sys.exit(main(["bench", *sys.argv[1:]]))
