"""政策匹配, measured: ``python -m assistant eval-match [--split dev|test|all] [--workdir W]``.

The profiles (eval/match/profiles.jsonl, written from the texts by someone who never read the code; see
its README) name, for each enterprise, the measures that apply: clause ids, with the amount and the
department as printed. ``Assistant.match`` is run on each over the seeds and the three laws of
eval/laws (added as a user would), and scored:

- precision and recall of measures (clause ids; a row of a sub-clause counts for its clause), micro-averaged
  over the profiles of the split;
- amounts right: of the matched gold measures that state an amount, the share whose row holds it;
- departments right: of the matched gold measures that name a department, the share whose row names it.

Each split is also scored as asked in chat ("dev (chat)"): the profile's question, with the rows a support
answer shows for it (``chat_rows``: ``match`` on the profile the question describes, one page).

``--library`` scores the same profiles over a larger library: the dev split's corpus (the seeds, the laws and
the lawrefbook documents of the dev sets, eval/dev, eval/dev2 …), as users who load a national library have it. Their
measures are none of the profiles' gold (the gold was written from the seeds and the laws alone), so what
this adds is distractors: 工伤保险条例's 伤残补助金 is money, but for no enterprise.

Dev and test are reported side by side; only dev may be looked at to change matching.

``--fit`` fits the include decision (``answering.matching``) on the dev profiles only: every candidate
measure of a dev profile is a row, labelled by the gold; a standardised logistic regression (scikit-learn),
folded back to raw weights, with the threshold that maximises F1 on out-of-fold predictions (folds grouped by
profile); written to assistant/data/match.json with its provenance.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .config import REPO_ROOT, Config

PROFILES = REPO_ROOT / "eval" / "match" / "profiles.jsonl"
LAWS = REPO_ROOT / "eval" / "laws" / "laws.toml"
REPORT = REPO_ROOT / "eval" / "match" / "report.md"


def load_profiles(path: Path = PROFILES) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _covers(pred: str, gold: str) -> bool:
    return pred == gold or pred.startswith(gold + ".")


def _same_unit(gold: str, units: list[str]) -> bool:
    """Does the row name the gold's lead unit? Gold prints units as the text does ("市商务局、市农委"); rows
    give full names ("武汉市商务局"): the first gold unit, without its 省/市 prefix, must end one of them."""
    first = re.split(r"[、，,；;]", gold)[0].strip()
    core = re.sub(r"^(?:省|市|区|县)", "", first)
    return bool(core) and any(u.endswith(core) or core in u for u in units)


def score(items: Sequence[dict], predictions: dict[str, list[dict]]) -> dict:
    """Micro-averaged precision and recall of measures, and the share of amounts and departments right."""
    tp = fp = fn = 0
    amounts = [0, 0]
    units = [0, 0]
    per: list[dict] = []
    for item in items:
        rows = predictions[item["id"]]
        gold = {m["clause_id"]: m for m in item["measures"]}
        hit_gold = {g for g in gold if any(_covers(r["clause_id"], g) for r in rows)}
        correct_rows = [r for r in rows if any(_covers(r["clause_id"], g) for g in gold)]
        tp += len(hit_gold)
        fn += len(gold) - len(hit_gold)
        fp += len(rows) - len(correct_rows)
        for g in hit_gold:
            row = next(r for r in rows if _covers(r["clause_id"], g))
            if gold[g].get("amount"):
                amounts[1] += 1
                amounts[0] += gold[g]["amount"] in " ".join([row["amount"], *row["sentences"]]) and bool(row["amount"])
            if gold[g].get("unit"):
                units[1] += 1
                units[0] += _same_unit(gold[g]["unit"], row["units"])
        per.append({"id": item["id"], "gold": len(gold), "rows": len(rows), "hit": len(hit_gold),
                    "missed": sorted(set(gold) - hit_gold), "extra": [r["clause_id"] for r in rows
                                                                     if r not in correct_rows]})
    return {
        "profiles": len(items), "gold": tp + fn, "rows": tp + fp,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "amounts_right": round(amounts[0] / amounts[1], 3) if amounts[1] else None, "amounts_n": amounts[1],
        "units_right": round(units[0] / units[1], 3) if units[1] else None, "units_n": units[1],
        "per_profile": per,
    }


def _bot(workdir: Path | None, library: bool = False):
    from .core import Assistant
    from .evaluation import load_extra_corpus, stage_corpus

    config = Config.from_env()
    work = Path(workdir or tempfile.mkdtemp(prefix="policyqa-match-"))
    if library:
        from .evalsplits import SPLITS, staged_config

        staged, _ = staged_config(config, SPLITS["dev"], work / "library", log=lambda m: None)
        return Assistant.load(staged, log=lambda m: None)
    if (work / "corpus").is_dir():  # staged by an earlier run: reused as it is
        from dataclasses import replace

        staged = replace(config, corpus_dir=work / "corpus", index_dir=work / "index")
    else:
        staged = stage_corpus(config, [load_extra_corpus(LAWS)], work, log=lambda m: None)
    return Assistant.load(staged, log=lambda m: None)


def fit(workdir: Path | None = None, log=print, library: bool = False) -> dict:
    """Fit the include decision on the dev profiles; returns what was written to the weights file. With
    ``library`` the candidates of the larger library (``_bot(library=True)``) are rows too: there, most
    measures are distractors, and a decision fitted on the small corpus alone lets them through."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    from .answering import matching

    work = Path(workdir or tempfile.mkdtemp(prefix="policyqa-match-"))
    rows, labels, groups = [], [], []
    for bot in (_bot(work), *([_bot(work, library=True)] if library else [])):
        corpus = bot.corpus
        for item in (p for p in load_profiles() if p["split"] == "dev"):
            prof = item["profile"]
            profile = matching.Profile(prof.get("region", ""), prof.get("industry", ""), prof.get("size", ""),
                                       tuple(prof.get("qualifications", ())))
            region, chain = matching.resolve_region(corpus, profile.region)
            gold = [m["clause_id"] for m in item["measures"]]
            measures = matching.covering_measures(corpus, region, profile, bot.ranked_clauses)
            for m, x in matching.candidates(corpus, profile, chain, measures, bot._chain.evidence,
                                            bot.ranked_clauses):
                rows.append([x[f] for f in matching.FEATURES])
                labels.append(int(any(_covers(m.clause_id, g) for g in gold)))
                groups.append(item["id"])  # a profile's rows in both corpora fall in the same fold
    X, y = np.asarray(rows, dtype=float), np.asarray(labels)
    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    oof = np.zeros(len(y))
    for train, held in GroupKFold(n_splits=5).split(Z, y, groups):
        model = LogisticRegression(C=1.0, max_iter=1000).fit(Z[train], y[train])
        oof[held] = model.predict_proba(Z[held])[:, 1]
    best = max(((t, _f1(oof >= t, y)) for t in np.arange(0.05, 0.95, 0.01)), key=lambda tf: tf[1])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(Z, y)
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scale))
    chosen = oof >= best[0]
    tp = int(np.sum(chosen & (y == 1)))
    out = {
        "features": list(matching.FEATURES), "weights": [round(float(w), 6) for w in weights],
        "bias": round(bias, 6), "threshold": round(float(best[0]), 2),
        "fitted_on": f"eval/match/profiles.jsonl dev split: {len(set(groups))} profiles, {len(y)} candidate "
                     f"measures, {int(y.sum())} gold" + (", over the small corpus and the library" if library else ""),
        "held_out": {"f1": round(best[1], 3), "precision": round(tp / max(int(chosen.sum()), 1), 3),
                     "recall": round(tp / max(int(y.sum()), 1), 3), "folds": "GroupKFold(5) by profile"},
        "command": "python -m assistant eval-match --fit" + (" --library" if library else ""),
    }
    matching.WEIGHTS_FILE.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    matching.load_model.cache_clear()
    log(json.dumps({k: out[k] for k in ("weights", "bias", "threshold", "held_out")}, ensure_ascii=False))
    return out


def _f1(chosen, y) -> float:
    import numpy as np

    tp = float(np.sum(chosen & (y == 1)))
    return 2 * tp / (float(np.sum(chosen)) + float(np.sum(y))) if tp else 0.0


def run(split: str = "all", workdir: Path | None = None, log=print, library: bool = False) -> dict:
    items = [p for p in load_profiles() if split == "all" or p["split"] == split]
    bot = _bot(workdir, library)
    out: dict = {}
    suffix = " (library)" if library else ""
    for name in ("dev", "test") if split == "all" else (split,):
        chosen = [p for p in items if p["split"] == name]
        predictions = {}
        for p in chosen:
            prof = p["profile"]
            result = bot.match(prof.get("region", ""), prof.get("industry", ""), prof.get("size", ""),
                               prof.get("qualifications", ()))
            predictions[p["id"]] = [r.to_json() for r in (*result.rows, *result.not_in_force)]
        table, chat = f"{name}{suffix}", f"{name} (chat{', library' if library else ''})"
        out[table] = score(chosen, predictions)
        # The same profiles asked in chat: the rows a support question shows (answering.support).
        asked = [p for p in chosen if p.get("question")]
        out[chat] = score(asked, {p["id"]: [r.to_json() for r in chat_rows(bot, p["question"])] for p in asked})
        for key in (table, chat):
            s = out[key]
            log(f"{key}: {s['profiles']} profiles, {s['gold']} gold measures, {s['rows']} rows; precision "
                f"{s['precision']}, recall {s['recall']}, amounts right {s['amounts_right']} (n={s['amounts_n']}), "
                f"departments right {s['units_right']} (n={s['units_n']})")
    return out


def chat_rows(bot, question: str) -> list:
    """The rows a support question shows in chat: ``match`` on the profile the question describes
    (``answering.support.profile_of``), a page of those in force and of those apart; none when its region
    is unknown (chat refuses)."""
    from .answering import support
    from .core import InputError
    from .routing import classify

    route = classify(question, doc_regions={d.region for d in bot.documents.values()})
    p = support.profile_of(question, route, {}, route.regions[0] if route.regions else None)
    try:
        result = bot.match(p.region, p.industry, p.size, p.qualifications)
    except InputError:
        return []
    return [*result.rows[:support.PAGE_IN_FORCE], *result.not_in_force[:support.PAGE_APART]]


def render(result: dict) -> str:
    """The report: dev and test side by side, and the decision's weights."""
    from .answering import matching
    from .evalsplits import DEV_SETS

    lines = ["# 政策匹配: measured on the enterprise profiles", "",
             "`python -m assistant eval-match --library --report` (profiles: eval/match/profiles.jsonl, see its README). "
             "Rows marked library: the same profiles over the dev split's whole corpus (the seeds, the laws and the "
             f"lawrefbook documents of eval/{DEV_SETS[0]}…{DEV_SETS[-1]}), whose other measures are distractors, as in a "
             "national library.", "",
             "| split | profiles | gold measures | rows | precision | recall | amounts right (n) | departments right (n) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in result.items():
        lines.append(f"| {name} | {s['profiles']} | {s['gold']} | {s['rows']} | {s['precision']} | {s['recall']} | "
                     f"{s['amounts_right']} ({s['amounts_n']}) | {s['units_right']} ({s['units_n']}) |")
    data = json.loads(matching.WEIGHTS_FILE.read_text(encoding="utf-8")) if matching.WEIGHTS_FILE.exists() else {}
    if data:
        lines += ["", f"Include decision (assistant/data/match.json, {data.get('fitted_on', '')}; threshold "
                      f"{data.get('threshold')}; held-out on dev folds: {data.get('held_out')}):", "",
                  "| feature | weight |", "|---|---|",
                  *[f"| {f} | {w} |" for f, w in zip(data["features"], data["weights"], strict=True)],
                  f"| (bias) | {data['bias']} |"]
    return "\n".join(lines) + "\n"


def register_cli(sub) -> None:
    p = sub.add_parser("eval-match", help="评测政策匹配：企业画像的措施查准率、查全率、金额与部门")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all")
    p.add_argument("--workdir", help="暂存语料与索引的目录（默认临时目录）")
    p.add_argument("--json", help="同时写出 JSON 结果（含每个画像的漏检与多检）")
    p.add_argument("--report", action="store_true", help="写出 eval/match/report.md（dev 与 test 并列）")
    p.add_argument("--fit", action="store_true", help="先在 dev 画像上拟合匹配判定（写入 assistant/data/match.json）")
    p.add_argument("--library", action="store_true",
                   help="另在更大的文库上评测（dev 划分的全部文档作干扰项，如同用户载入全国文库）")
    p.set_defaults(func=_cmd)


def _cmd(args) -> None:
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="policyqa-match-"))
    if args.fit:
        fit(workdir, library=args.library)
    result = run(args.split, workdir, log=lambda m: print(m, file=sys.stdout))
    if args.library:
        result.update(run(args.split, workdir, log=lambda m: print(m, file=sys.stdout), library=True))
    if args.report:
        REPORT.write_text(render(result), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
