"""Fit the answer-or-refuse decision (answering/decision.py) on a pool of labelled questions.

The pool is built, not hand-written:

* every dev item (seed, the team's law items, eval/dev) asked with the decision off: a positive when it
  is answerable and the composed answer cites a gold clause and holds its key facts, a negative when it is
  unanswerable (an answerable item whose answer misses either says nothing about refusing and is left out);
* leave-one-document-out: every answerable item asked again as if its gold documents were not held —
  no remaining clause is gold for it, so it is a negative;
* with ``--near-misses``, leave-gold-clauses-out: every answerable item with key facts asked again as if
  its gold clauses were not in their documents — the topic is still held, the detail asked is not: a
  negative when the answer then lacks the key facts. Measured on dev folds it lifts the refusal of the real
  unanswerable items at the same false refusals (0.57 → 0.62), but the refitted model refused more
  answerable test items; the shipped weights are fitted without it;
* STARD questions (``--stard N``) over the laws they cite, with and without their gold law.

Only answers of the routes the decision governs are in the pool. A logistic regression
(scikit-learn, class-balanced) is cross-validated with folds grouped by document, so that no
question is scored by a model fitted on questions about the same document; the threshold is chosen
on the out-of-fold probabilities (fewest errors with false refusals at most ``--max-false-refusal``),
the model is refitted on the whole pool and written with its provenance to assistant/data/decision.json.
The test split is never read here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from .answering.chain import DECIDED_ROUTES
from .answering.context import excluded_clause
from .answering.decision import FEATURES, WEIGHTS_FILE
from .config import Config
from .evaluation import missing_groups, satisfied_gold

POOL_FILE = Path(__file__).resolve().parent.parent / "eval" / "decision_pool.jsonl"


def _gold_docs(item: dict) -> list[str]:
    return list(dict.fromkeys(g.split("#", 1)[0] for g in item.get("gold") or []))


def _sample(bot, item: dict, group: str, source: str, exclude: Sequence[str] = (),
            drop: Sequence[str] = ()) -> dict | None:
    """One pool row, or None when the answer is not one the decision governs.

    ``exclude``: answered as if these documents were not held (a negative). ``drop``: as if these clauses
    were not in their documents — a negative unless what remains still gives the key facts (then it is
    left out: another clause answers, and no label is certain)."""
    options: dict = {"decide": False}
    if exclude:
        options["exclude_docs"] = list(exclude)
    if drop:
        options["exclude_clauses"] = list(drop)
    try:
        ans = bot.ask(item["question"], history=item.get("history") or [], **options)
    except Exception:  # noqa: BLE001 — a failing item is left out of the pool, not fatal
        return None
    if ans.refused or ans.route not in DECIDED_ROUTES or not ans.decision:
        return None
    cited = [c.clause_id for c in ans.citations]
    keys = item.get("must_include") or []
    if drop:
        if any(excluded_clause(c, tuple(drop)) for c in cited) or not missing_groups(ans.answer, keys):
            return None
        label = 0
    elif exclude or not item.get("answerable", True):
        label = 0
    elif satisfied_gold(cited, item.get("gold") or []) and not missing_groups(ans.answer, keys):
        label = 1
    else:
        return None
    return {"id": item["id"], "source": source, "group": group, "label": label,
            "features": ans.decision["features"], "question": item["question"],
            "embedder": str(bot.vectors.manifest.get("embedder", ""))}


def pool_for(bot, items: Sequence[dict], source: str, progress: Callable[[Sequence], Sequence] = lambda x: x,
             lodo: bool = True, near_misses: bool = False) -> list[dict]:
    """The items as asked, and copies without their gold documents (``lodo``) and, with ``near_misses``,
    for items with key facts, copies without their gold clauses: the topic is held, the detail asked is not."""
    rows = []
    for item in progress(items):
        docs = _gold_docs(item)
        group = docs[0] if docs else f"{source}:{item.get('corpus', 'seed')}:unanswerable:{item['id']}"
        row = _sample(bot, item, group, source)
        if row:
            rows.append(row)
        if lodo and docs and item.get("answerable", True):
            row = _sample(bot, {**item, "id": item["id"] + "/lodo"}, group, source + "-lodo", exclude=docs)
            if row:
                rows.append(row)
            if near_misses and item.get("must_include"):
                row = _sample(bot, {**item, "id": item["id"] + "/loco"}, group, source + "-loco",
                              drop=item["gold"])
                if row:
                    rows.append(row)
    return rows


def _matrix(rows: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([[r["features"][f] for f in FEATURES] for r in rows], dtype=float)
    y = np.array([r["label"] for r in rows], dtype=int)
    groups = np.array([r["group"] for r in rows])
    return x, y, groups


def _model():
    """Standardised features: cosines live in 0.8–0.95 and shares in 0–1, and one penalty must weigh them
    alike (unscaled, the cosines' weights were held near zero)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000))


def raw_weights(model) -> tuple[list[float], float]:
    """The pipeline as one logistic regression on the raw features: w/σ, and the bias less Σ w·μ/σ."""
    scaler, lr = model[0], model[-1]
    w = lr.coef_[0] / scaler.scale_
    return [float(v) for v in w], float(lr.intercept_[0] - np.dot(w, scaler.mean_))


def kind_weights(rows: Sequence[dict]) -> np.ndarray:
    """Each kind of row — a source's own questions or its leave-one-document-out copies, answered or
    refused — weighs the same in all: the copies are cheap to make in bulk and would otherwise outvote
    the real unanswerable questions, which are the refusals users meet."""
    kinds = [(r["source"], r["label"]) for r in rows]
    count = {k: kinds.count(k) for k in set(kinds)}
    w = np.array([1.0 / count[k] for k in kinds])
    return w * len(w) / w.sum()


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    return _model().fit(x, y, logisticregression__sample_weight=w)


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: np.ndarray, w: np.ndarray | None = None,
                folds: int = 5) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    w = np.ones(len(y)) if w is None else w
    p = np.zeros(len(y))
    for train, held in GroupKFold(n_splits=min(folds, len(set(groups)))).split(x, y, groups):
        p[held] = _fit(x[train], y[train], w[train]).predict_proba(x[held])[:, 1]
    return p


def curve(p: np.ndarray, y: np.ndarray) -> list[dict]:
    """Per threshold: precision and recall of "answer" (positives answered), and of "refuse"."""
    out = []
    for t in np.round(np.arange(0.02, 0.981, 0.01), 2):
        answer = p >= t
        tp = int(np.sum(answer & (y == 1)))
        fp = int(np.sum(answer & (y == 0)))
        fn = int(np.sum(~answer & (y == 1)))
        tn = int(np.sum(~answer & (y == 0)))
        out.append({
            "threshold": float(t),
            "answer_precision": tp / (tp + fp) if tp + fp else None,
            "answer_recall": tp / (tp + fn) if tp + fn else None,
            "refuse_precision": tn / (tn + fn) if tn + fn else None,
            "refuse_recall": tn / (tn + fp) if tn + fp else None,
            "false_refusal": fn / (tp + fn) if tp + fn else None,
        })
    return out


def choose_threshold(points: Sequence[dict], max_false_refusal: float) -> float:
    """The threshold that refuses most unanswerable questions while false refusals stay within the bound
    (when none does, the one with the fewest false refusals)."""
    ok = [pt for pt in points if (pt["false_refusal"] or 0.0) <= max_false_refusal]
    if not ok:
        return min(points, key=lambda pt: (pt["false_refusal"] or 0.0))["threshold"]
    return max(ok, key=lambda pt: ((pt["refuse_recall"] or 0.0), -pt["threshold"]))["threshold"]


def fit(rows: Sequence[dict], max_false_refusal: float = 0.05, embedder: str = "") -> dict:
    x, y, groups = _matrix(rows)
    w = kind_weights(rows)
    p = out_of_fold(x, y, groups, w)
    points = curve(p, y)
    threshold = choose_threshold(points, max_false_refusal)
    at = next(pt for pt in points if pt["threshold"] == threshold)
    weights, bias = raw_weights(_fit(x, y, w))
    return {
        "features": list(FEATURES),
        "embedder": embedder,
        "weights": [round(w, 5) for w in weights],
        "bias": round(bias, 5),
        "threshold": threshold,
        "held_out": at,
        "curve": points,
        "pool": {"n": int(len(y)), "positives": int(y.sum()), "negatives": int(len(y) - y.sum()),
                 "by_source": {s: sum(1 for r in rows if r["source"] == s) for s in dict.fromkeys(r["source"] for r in rows)},
                 "groups": int(len(set(groups)))},
        "provenance": (f"python -m assistant fit-decision, {date.today().isoformat()}: logistic regression "
                       "(scikit-learn, standardised features, class_weight=balanced, C=1, each kind of row weighted alike) on the pool in eval/decision_pool.jsonl; "
                       "threshold on 5-fold out-of-fold probabilities, folds grouped by document"),
    }


def build_pool(config: Config, workdir: Path | None, log: Callable[[str], None],
               near_misses: bool = False) -> list[dict]:
    from tqdm import tqdm

    from .core import Assistant, _default_embedder
    from .evalsplits import SPLITS, split_items, staged_config

    embedder = _default_embedder(config, log)
    split = SPLITS["dev"]
    staged, tmp = staged_config(config, split, workdir, embedder=embedder, log=log)
    try:
        bot = Assistant.load(staged, embedder=embedder, log=log)
        items = split_items(split)
        return pool_for(bot, items, "dev", progress=lambda xs: tqdm(xs, desc="pool", file=sys.stderr),
                        near_misses=near_misses)
    finally:
        if tmp is not None:
            tmp.cleanup()


STARD_FILE = Path(__file__).resolve().parent.parent.parent / "shared" / "stard" / "train.jsonl"
LAWREFBOOK = STARD_FILE.parent.parent / "lawrefbook"


def stard_items(n_laws: int, avoid: set[str], stard: Path = STARD_FILE) -> tuple[dict[str, Path], list[dict]]:
    """The laws that the most STARD train questions cite (one file each, none of ``avoid``, no law split over
    several files), as doc ids → files, and those questions as evaluation items over them."""
    from collections import Counter

    from .clauses import cn_to_int

    rows = [json.loads(line) for line in stard.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = Counter(f for r in rows for g in r["gold"] if len(g["files"]) == 1 for f in g["files"])
    files = [f for f, _ in counts.most_common() if f not in avoid and (LAWREFBOOK / f).is_file()][:n_laws]
    doc_of = {f: f"stard-law-{i:02d}" for i, f in enumerate(files)}
    items = []
    for r in rows:
        gold = []
        for g in r["gold"]:
            if len(g["files"]) != 1 or g["files"][0] not in doc_of:
                gold = []
                break
            try:
                gold.append(f"{doc_of[g['files'][0]]}#{cn_to_int(g['article'][1:-1])}")
            except (KeyError, ValueError):
                gold = []
                break
        if gold:
            items.append({"id": f"stard-{r['query_id']}", "question": r["question"], "history": [], "gold": gold,
                          "answerable": True})
    return {d: LAWREFBOOK / f for f, d in doc_of.items()}, items


def stard_pool(config: Config, n_laws: int, avoid: set[str], workdir: Path | None, embedder,
               log: Callable[[str], None]) -> list[dict]:
    """STARD questions over a corpus of the seeds and the laws they cite: with the gold law held, and again
    as if it were not (leave-one-document-out)."""
    from tqdm import tqdm

    from .core import Assistant
    from .evalsplits import stage_extras
    from .evaluation import ExtraCorpus, ExtraDocument

    docs, items = stard_items(n_laws, avoid)
    laws = ExtraCorpus("stard", STARD_FILE, tuple(ExtraDocument(path, doc_id, "全国", "national")
                                                  for doc_id, path in docs.items()))
    staged, tmp = stage_extras(config, "stard", [laws], workdir, embedder=embedder, log=log)
    try:
        bot = Assistant.load(staged, embedder=embedder, log=log)
        return pool_for(bot, items, "stard", progress=lambda xs: tqdm(xs, desc="stard pool", file=sys.stderr))
    finally:
        if tmp is not None:
            tmp.cleanup()


def test_sources() -> set[str]:
    """The lawrefbook files of the test and holdout splits: no pool may hold questions about them."""
    import tomllib

    from .evalsplits import SPLITS

    out: set[str] = set()
    for m in (*SPLITS["test"].manifests, *SPLITS["holdout"].manifests):
        if m.is_file():
            for d in tomllib.loads(m.read_text(encoding="utf-8")).get("document", []):
                src = str(d.get("source", ""))
                if src:
                    out.add(src.split("lawrefbook/", 1)[-1])
    return out


def cmd_fit_decision(args) -> None:
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    pool_file = Path(args.pool)
    if args.reuse_pool and pool_file.is_file():
        rows = [json.loads(line) for line in pool_file.read_text(encoding="utf-8").splitlines() if line]
    else:
        config = Config.from_env()
        workdir = Path(args.workdir) if args.workdir else None
        rows = build_pool(config, workdir, log, near_misses=args.near_misses)
        if args.stard_laws:
            from .core import _default_embedder

            rows += stard_pool(config, args.stard_laws, test_sources(), workdir, _default_embedder(config, log), log)
        pool_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = fit(rows, args.max_false_refusal, embedder=rows[0].get("embedder", "") if rows else "")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    h = result["held_out"]
    print(f"pool {result['pool']}; threshold {result['threshold']}: held-out answer precision "
          f"{h['answer_precision']:.3f}, recall {h['answer_recall']:.3f}; refuse precision "
          f"{h['refuse_precision']:.3f}, recall {h['refuse_recall']:.3f}")
    print("weights: " + ", ".join(f"{f} {w:+.3f}" for f, w in zip(FEATURES, result["weights"], strict=True))
          + f", bias {result['bias']:+.3f}")
    print(f"写入 {out}")


def register_cli(sub) -> None:
    p = sub.add_parser("fit-decision", help="在 dev 划分构造的样本池上拟合“回答或拒答”的决策")
    p.add_argument("--workdir", default=None, help="复用 eval-splits 保留的语料副本")
    p.add_argument("--pool", default=str(POOL_FILE))
    p.add_argument("--reuse-pool", action="store_true", help="直接用已有样本池拟合")
    p.add_argument("--near-misses", action="store_true",
                   help="加入“去掉标准条款”的近似未命中样本（主题仍在、所问细节不在）")
    p.add_argument("--max-false-refusal", type=float, default=0.05)
    p.add_argument("--stard-laws", type=int, default=0, help="加入 STARD 训练集问题：引用最多的 N 部法律（有/无该法）")
    p.add_argument("--out", default=str(WEIGHTS_FILE))
    p.set_defaults(func=cmd_fit_decision)
    register_bridge_cli(sub)


def cmd_mine_bridge(args) -> None:
    from .bridge import Bridge, mine, stard_pairs
    from .lexicon import Segmenter

    avoid = test_sources()
    pairs = stard_pairs(Path(args.stard or STARD_FILE), avoid)
    segmenter = Segmenter()
    bridge = mine(pairs, segmenter.tokens, top=args.top)
    provenance = {
        "made": f"python -m assistant mine-bridge, {date.today().isoformat()}",
        "source": "STARD train split (../shared/stard/train.jsonl; Su et al., arXiv 2406.15313, MIT licence)",
        "pairs": len(pairs),
        "left_out": "questions whose gold articles are in a document of the evaluation's test split: "
                    + ", ".join(sorted(avoid)),
        "method": f"P(article word | question word) · idf among the answering articles; top {args.top} per "
                  "question word, each seen in at least 2 pairs",
    }
    bridge = Bridge(bridge.terms, provenance)
    out = Path(args.out)
    bridge.save(out)
    print(f"{len(bridge.terms)} question words bridged from {len(pairs)} pairs → {out}", file=sys.stderr)


def register_bridge_cli(sub) -> None:
    p = sub.add_parser("mine-bridge", help="从 STARD 训练集（问题与答案条文）挖掘口语到法条用语的对应词表")
    p.add_argument("--stard", default=None, help="STARD 格式的 JSONL（默认 ../shared/stard/train.jsonl）")
    p.add_argument("--top", type=int, default=10, help="每个问题词保留的条文词数")
    p.add_argument("--out", default=str(Path(__file__).resolve().parent / "data" / "bridge.json"))
    p.set_defaults(func=cmd_mine_bridge)
