"""The national library, measured: ``python -m assistant.libbench DIR --workdir W [--kill-after S]``.

1. Build: a fresh corpus (the five seeds) in ``W``, then ``python -m assistant add DIR`` in a child
   process, as a user runs it; with ``--kill-after S`` the child is killed (SIGKILL) after S seconds
   and the same command run again to finish. Wall time, peak RSS, clauses/s over the whole build and
   the rate of the first and last hundred files (from ``index/add-log.jsonl``), index size on disk.
2. Cold start: fresh ``python -m assistant ask`` processes against the built index (wall, peak RSS).
3. STARD at that scale (``--stard-retrieval``): every train question whose gold articles are all held,
   recall@5/10/100 and MRR@10 of the hybrid retriever, BM25 alone and dense alone, with ms/query. Gold
   files are found in the library by their content hash (the corpus file name carries it), articles by number.
4. Asking at that scale, in one process: the evaluation's questions (eval/questions.jsonl, eval/dev)
   and STARD train questions — p50/p95 per route of ``ask``, ``retrieve`` latency, RSS, and the most
   documents any answer names.

Figures go to stdout as markdown and to ``W-libbench.json`` beside the workdir. A benchmark, never a test: it takes
about half an hour on 2 cores for the whole ../shared/lawrefbook.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .config import REPO_ROOT, Config

STARD = REPO_ROOT.parent / "shared" / "stard" / "train.jsonl"


def _env(workdir: Path) -> dict:
    return dict(os.environ, POLICYQA_CORPUS_DIR=str(workdir / "corpus"), POLICYQA_INDEX_DIR=str(workdir / "index"))


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100 * len(s)))] * 1000, 1) if s else 0.0


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


_ARTICLE_LINE = re.compile(r"^\s*(?:#+\s*)?第[零〇一二三四五六七八九十百千两\d]+条", re.M)


def stard_library(source: Path, target_articles: int, out: Path, seed: int = 0) -> dict:
    """A STARD corpus as the issue asks for it: every lawrefbook file a train question's gold names, then
    other national texts (not the local-regulation folders) in a seeded random order until about
    ``target_articles`` 第N条 articles; copied into ``out`` with their folders, for ``add``."""
    import random

    gold = sorted({f for row in (json.loads(line) for line in STARD.open(encoding="utf-8") if line.strip())
                   for g in row["gold"] for f in g.get("files", ())})
    others = sorted(str(p.relative_to(source)) for p in source.rglob("*.md")
                    if not str(p.relative_to(source)).startswith("DLC") and p.name.lower() != "readme.md")
    random.Random(seed).shuffle(others)
    if out.exists():
        shutil.rmtree(out)
    chosen, articles = [], 0
    for rel in [*gold, *(o for o in others if o not in set(gold))]:
        path = source / rel
        if not path.is_file():
            continue
        if rel not in gold and articles >= target_articles:
            break
        n = len(_ARTICLE_LINE.findall(path.read_text(encoding="utf-8", errors="replace")))
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out / rel)
        chosen.append(rel)
        articles += n
    return {"files": len(chosen), "gold_files": sum(1 for c in chosen if c in gold), "articles_counted": articles}


def build(source: Path, workdir: Path, kill_after: float | None) -> dict:
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "corpus").mkdir(parents=True)
    for p in (REPO_ROOT / "corpus").iterdir():
        shutil.copy2(p, workdir / "corpus" / p.name)
    cmd = [sys.executable, "-m", "assistant", "add", str(source), "--json", "--quiet"]
    runs = []
    started = time.perf_counter()
    if kill_after:
        t = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=REPO_ROOT, env=_env(workdir), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            child.wait(kill_after)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
        runs.append({"seconds": round(time.perf_counter() - t, 1), "killed": child.returncode == -signal.SIGKILL,
                     "documents_after": len(list((workdir / "corpus").glob("*.toml")))})
        print(f"killed after {runs[-1]['seconds']} s with {runs[-1]['documents_after']} documents in the corpus",
              file=sys.stderr)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=_env(workdir), capture_output=True, text=True)
    report = json.loads(proc.stdout) if proc.stdout.strip().startswith("{") else {}
    runs.append({"seconds": round(time.perf_counter() - t, 1), "exit": proc.returncode,
                 "stderr_tail": proc.stderr.strip().splitlines()[-3:]})
    wall = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    log = [json.loads(line) for line in (workdir / "index" / "add-log.jsonl").open(encoding="utf-8")]
    added = sum(c["clauses"] for c in log)
    return {
        "runs": runs, "wall_seconds": round(wall, 1), "peak_rss_mb": round(peak_mb),
        "clauses_added": added, "clauses_per_second": round(added / wall, 1),
        "articles_added": sum(c.get("articles", 0) for c in log),
        "first_100_files": _rate(log, first=True), "last_100_files": _rate(log, first=False),
        "index_bytes": _du(workdir / "index"), "corpus_bytes": _du(workdir / "corpus"),
        "final_report": {k: v for k, v in report.items() if k not in ("files", "chunks")},
        "failed": [f for f in report.get("files", []) if f.get("error")],
    }


def _rate(log: list[dict], *, first: bool, files: int = 100) -> dict:
    """Clauses/s of the chunks that hold the first (or last) ``files`` files added."""
    chunks = log if first else log[::-1]
    picked, n = [], 0
    for c in chunks:
        picked.append(c)
        n += c["files"]
        if n >= files:
            break
    seconds = sum(c["seconds"] for c in picked)
    clauses = sum(c["clauses"] for c in picked)
    return {"files": n, "clauses": clauses, "seconds": round(seconds, 1),
            "clauses_per_second": round(clauses / seconds, 1) if seconds else None}


def cold_start(workdir: Path, runs: int = 2) -> dict:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _COLD], cwd=REPO_ROOT, env=_env(workdir), capture_output=True, text=True,
        )
        out.append({"seconds": round(time.perf_counter() - t, 2), "exit": proc.returncode,
                    **(json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-300:]})})
    return {"runs": out}


# The child loads, answers one question and reports its own peak RSS and whether the index was rebuilt.
_COLD = """
import json, resource, time
t = time.perf_counter()
from assistant import Assistant
msgs = []
bot = Assistant.load(log=msgs.append)
loaded = time.perf_counter() - t
bot.ask("企业合并后债务由谁承担？")
print(json.dumps({"load_seconds": round(loaded, 2), "rebuilt": any("重建" in m or "建立" in m for m in msgs),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def questions(limit_stard: int) -> list[str]:
    out = []
    for path in (REPO_ROOT / "eval" / "questions.jsonl", REPO_ROOT / "eval" / "dev" / "questions.jsonl"):
        if path.exists():
            out += [json.loads(line)["question"] for line in path.open(encoding="utf-8") if line.strip()]
    if STARD.exists():
        rows = [json.loads(line) for line in STARD.open(encoding="utf-8") if line.strip()]
        out += [r["query"] if "query" in r else r["question"] for r in rows[:limit_stard]]
    return out


def asking(workdir: Path, limit_stard: int) -> dict:
    from .core import Assistant

    cfg = Config.from_env(corpus_dir=workdir / "corpus", index_dir=workdir / "index")
    t = time.perf_counter()
    bot = Assistant.load(cfg, log=lambda m: None)
    load_s = time.perf_counter() - t
    qs = questions(limit_stard)
    bot.ask(qs[0])
    per_route: dict[str, list[float]] = {}
    retrieve: list[float] = []
    most_docs, errors = 0, 0
    for q in qs:
        t = time.perf_counter()
        bot.retrieve(q, k=10)
        retrieve.append(time.perf_counter() - t)
        t = time.perf_counter()
        try:
            a = bot.ask(q)
        except Exception:  # noqa: BLE001 — a crash is counted, not raised: this measures time
            errors += 1
            continue
        per_route.setdefault(a.route or "?", []).append(time.perf_counter() - t)
        most_docs = max(most_docs, len(set(re.findall(r"《([^《》]+)》", a.answer))))
    every = [s for v in per_route.values() for s in v]
    return {
        "documents": len(bot.corpus.documents), "clauses": len(bot.corpus.clauses),
        "load_seconds": round(load_s, 2), "questions": len(qs), "errors": errors,
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "retrieve": {"p50_ms": _pct(retrieve, 50), "p95_ms": _pct(retrieve, 95)},
        "ask": {"n": len(every), "p50_ms": _pct(every, 50), "p95_ms": _pct(every, 95), "max_ms": _pct(every, 100)},
        "routes": {r: {"n": len(v), "p50_ms": _pct(v, 50), "p95_ms": _pct(v, 95), "max_ms": _pct(v, 100)}
                   for r, v in sorted(per_route.items())},
        "most_titles_in_an_answer": most_docs,
    }


def stard_items(bot) -> list[tuple[str, set[str], list[str]]]:
    """STARD train questions whose gold articles are all held in the bot's corpus: (question, gold clause
    ids, gold article texts)."""
    from .clauses import cn_to_int
    from .library import content_hash, extract_text

    by_digest = {d.file.split("_", 1)[1][:16]: d.doc_id for d in bot.corpus.documents.values() if "_" in d.file}
    lawref = REPO_ROOT.parent / "shared" / "lawrefbook"
    doc_of: dict[str, str | None] = {}
    items = []
    for row in (json.loads(line) for line in STARD.open(encoding="utf-8") if line.strip()):
        gold = []
        for g in row["gold"]:
            number = re.fullmatch(r"第([零〇一二三四五六七八九十百千两\d]+)条", g["article"])
            for f in g.get("files", ()):  # 民法典 spans several files: the one that holds the article
                if f not in doc_of:
                    try:
                        doc_of[f] = by_digest.get(content_hash(extract_text(lawref / f))[:16])
                    except Exception:  # noqa: BLE001 — a file we cannot read is a gold we do not hold
                        doc_of[f] = None
                cid = f"{doc_of[f]}#{cn_to_int(number.group(1))}" if doc_of[f] and number else None
                if cid and bot.corpus.clause(cid) is not None:
                    gold.append(cid)
                    break
        if gold and len(gold) == len(row["gold"]):
            items.append((row["question"], set(gold), [g.get("text", "") for g in row["gold"]]))
    return items


def _retrieval_figures(bot, items, modes=("hybrid", "bm25", "dense")) -> dict:
    out = {}
    for mode in modes:
        r5 = r10 = r100 = mrr = 0.0
        times = []
        for q, gold, _ in items:
            # As used: a top-10 request for the head of the list (timed), a top-100 one for its depth.
            t = time.perf_counter()
            head = _articles(bot.search(q, 10, mode=mode))
            times.append(time.perf_counter() - t)
            deep = _articles(bot.search(q, 100, mode=mode))
            found = [i for i, cid in enumerate(head) if cid in gold]
            r5 += len(gold & set(head[:5])) / len(gold)
            r10 += len(gold & set(head[:10])) / len(gold)
            r100 += len(gold & set(deep[:100])) / len(gold)
            mrr += 1.0 / (found[0] + 1) if found else 0.0
        n = max(len(items), 1)
        out[mode] = {"recall@5": round(r5 / n, 3), "recall@10": round(r10 / n, 3), "recall@100": round(r100 / n, 3),
                     "mrr@10": round(mrr / n, 3), "p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95)}
    return out


def _load(workdir: Path):
    from .core import Assistant

    cfg = Config.from_env(corpus_dir=workdir / "corpus", index_dir=workdir / "index")
    return Assistant.load(cfg, log=lambda m: None)


def stard_retrieval(workdir: Path, limit: int = 0) -> dict:
    """Recall@5/10/100 and MRR@10 on STARD train questions over the library in ``workdir``, with the shipped
    bridge and question adapter (both fitted on these same questions: in-sample; see ``stard_folds`` and
    ``tune-queries --folds`` for held-out figures)."""
    bot = _load(workdir)
    items = stard_items(bot)
    items = items[:limit] if limit else items
    out = {"questions": len(items), "of": sum(1 for _ in STARD.open(encoding="utf-8"))}
    out.update(_retrieval_figures(bot, items))
    return out


def stard_folds(workdir: Path, folds: int = 5, seed: int = 0) -> dict:
    """The bridge by k-fold cross-validation: mined on k-1 folds of the STARD train questions, measured on the
    held-out fold, beside the same searcher without a bridge. Figures per fold and their mean."""
    import numpy as np

    from .bridge import mine

    bot = _load(workdir)
    # The shipped question adapter was fitted on these same questions: held-out figures with it come from
    # `python -m assistant tune-queries --folds K`, which refits it per fold.
    bot.searcher.embed_retrieval_query = None
    items = stard_items(bot)
    order = np.random.default_rng(seed).permutation(len(items))
    out: dict = {"questions": len(items), "folds": []}
    for k, held in enumerate(np.array_split(order, folds)):
        held_set = set(held.tolist())
        train = [(items[i][0], items[i][2]) for i in range(len(items)) if i not in held_set]
        test = [items[i] for i in held]
        bot.searcher.bridge = None
        row = {"fold": k, "n": len(test), "without": _retrieval_figures(bot, test, ("hybrid", "bm25"))}
        bot.searcher.bridge = mine(train, bot.segmenter.tokens)
        row["with_bridge"] = _retrieval_figures(bot, test, ("hybrid", "bm25"))
        row["dense"] = _retrieval_figures(bot, test, ("dense",))["dense"]
        out["folds"].append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    keys = ("recall@5", "recall@10", "recall@100", "mrr@10")
    mean = {}
    for part in ("without", "with_bridge"):
        mean[part] = {mode: {key: round(float(np.mean([f[part][mode][key] for f in out["folds"]])), 3) for key in keys}
                      for mode in ("hybrid", "bm25")}
    mean["dense"] = {key: round(float(np.mean([f["dense"][key] for f in out["folds"]])), 3) for key in keys}
    out["mean"] = mean
    return out


def _articles(hits) -> list[str]:
    """Clause ids of the hits as articles, best first: an item (doc#8.3) counts for its article (doc#8)."""
    return list(dict.fromkeys(h.clause_id.split(".")[0] for h in hits))


def render(result: dict) -> str:
    lines = ["# National library benchmark", ""]
    b = result.get("build")
    if b:
        fr = b["final_report"]
        lines += [
            f"- build: {b['clauses_added']:,} clauses ({b['articles_added']:,} 第N条 articles) in "
            f"{b['wall_seconds']:,} s = **{b['clauses_per_second']} clauses/s** over the whole build "
            f"({len(b['runs'])} run(s): " + ", ".join(
                f"{r['seconds']} s" + (" killed" if r.get("killed") else "") for r in b["runs"]) + ")",
            f"- first {b['first_100_files']['files']} files {b['first_100_files']['clauses_per_second']} clauses/s, "
            f"last {b['last_100_files']['files']} files {b['last_100_files']['clauses_per_second']} clauses/s",
            f"- peak RSS {b['peak_rss_mb']:,} MB; index on disk {b['index_bytes'] / 1e6:,.0f} MB, corpus "
            f"{b['corpus_bytes'] / 1e6:,.0f} MB",
            f"- last run: added {fr.get('added')}, skipped {fr.get('skipped')}, failed {fr.get('failed')}, "
            f"unnumbered {len(fr.get('unnumbered', []))}, warnings {fr.get('warnings')}; parse "
            f"{fr.get('parse_seconds')} s, embed {fr.get('embed_seconds')} s, index {fr.get('index_seconds')} s",
        ]
    c = result.get("cold_start")
    if c:
        lines.append("- cold start: " + ", ".join(
            f"{r['seconds']} s (load {r.get('load_seconds')} s, RSS {r.get('peak_rss_mb')} MB"
            + (", REBUILT" if r.get("rebuilt") else "") + ")" for r in c["runs"]))
    a = result.get("ask")
    if a:
        lines += [
            f"- asking: {a['documents']:,} documents, {a['clauses']:,} clauses; load {a['load_seconds']} s; "
            f"RSS {a['rss_mb']:,} MB; {a['questions']} questions, {a['errors']} errors; at most "
            f"{a['most_titles_in_an_answer']} titles in one answer",
            f"- retrieve p50 {a['retrieve']['p50_ms']} ms, p95 {a['retrieve']['p95_ms']} ms; ask p50 "
            f"{a['ask']['p50_ms']} ms, p95 {a['ask']['p95_ms']} ms, max {a['ask']['max_ms']} ms",
            "", "| route | n | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|",
            *[f"| {r} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |" for r, v in a["routes"].items()],
        ]
    st = result.get("stard")
    if st:
        lines += ["", f"STARD train questions whose gold articles are all held: {st['questions']} of {st['of']}", "",
                  "| ranker | R@5 | R@10 | R@100 | MRR@10 | p50 ms | p95 ms |", "|---|---|---|---|---|---|---|",
                  *[f"| {m} | {st[m]['recall@5']} | {st[m]['recall@10']} | {st[m]['recall@100']} | {st[m]['mrr@10']} | "
                    f"{st[m]['p50_ms']} | {st[m]['p95_ms']} |" for m in ("hybrid", "bm25", "dense")]]
    sf = result.get("stard_folds")
    if sf:
        lines += ["", f"Terminology bridge, {len(sf['folds'])}-fold cross-validation over {sf['questions']} STARD "
                  "train questions (mined on the other folds, measured on the held-out one)", "",
                  "| fold | ranker | R@10 | MRR@10 | R@100 | with bridge: R@10 | MRR@10 | R@100 |",
                  "|---|---|---|---|---|---|---|---|"]
        for f in [*sf["folds"], {"fold": "mean", "without": sf["mean"]["without"],
                                  "with_bridge": sf["mean"]["with_bridge"]}]:
            for m in ("hybrid", "bm25"):
                a, b = f["without"][m], f["with_bridge"][m]
                lines.append(f"| {f['fold']} | {m} | {a['recall@10']} | {a['mrr@10']} | {a['recall@100']} | "
                             f"{b['recall@10']} | {b['mrr@10']} | {b['recall@100']} |")
        d = sf["mean"]["dense"]
        lines.append(f"| mean | dense | {d['recall@10']} | {d['mrr@10']} | {d['recall@100']} | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m assistant.libbench", description=__doc__.split("\n")[0])
    p.add_argument("source", nargs="?", default=str(REPO_ROOT.parent / "shared" / "lawrefbook"))
    p.add_argument("--workdir", required=True, help="where the library's corpus/ and index/ are built")
    p.add_argument("--kill-after", type=float, help="kill the first add after this many seconds, then resume")
    p.add_argument("--skip-build", action="store_true", help="measure an already built workdir")
    p.add_argument("--stard", type=int, default=100, help="STARD train questions asked (default 100)")
    p.add_argument("--stard-retrieval", action="store_true", help="also STARD retrieval figures at this scale")
    p.add_argument("--stard-folds", type=int, default=0,
                   help="also the terminology bridge by k-fold cross-validation over the STARD train questions")
    p.add_argument("--skip-ask", action="store_true", help="skip cold start and asking (with --skip-build)")
    p.add_argument("--stard-corpus", type=int, default=0,
                   help="build from the STARD gold laws plus other national texts up to about N articles")
    args = p.parse_args(argv)
    workdir = Path(args.workdir)
    selection = None
    if args.stard_corpus and not args.skip_build:
        staged = workdir.parent / f"{workdir.name}-source"
        selection = stard_library(Path(args.source), args.stard_corpus, staged)
        print(f"STARD corpus: {selection}", file=sys.stderr)
        args.source = str(staged)
    out = workdir.parent / f"{workdir.name}-libbench.json"
    result: dict = json.loads(out.read_text(encoding="utf-8")) if args.skip_build and out.exists() else {}
    if not args.skip_build:
        result["build"] = build(Path(args.source), workdir, args.kill_after)
        if selection:
            result["build"]["stard_corpus"] = selection
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.skip_ask:
        result["cold_start"] = cold_start(workdir)
        result["ask"] = asking(workdir, args.stard)
    if args.stard_retrieval:
        result["stard"] = stard_retrieval(workdir)
    if args.stard_folds:
        result["stard_folds"] = stard_folds(workdir, args.stard_folds)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(render(result))


if __name__ == "__main__":
    main()
