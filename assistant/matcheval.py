"""政策匹配, measured: ``python -m assistant eval-match [--split dev|test|all] [--workdir W]``.

The profiles (eval/match/profiles.jsonl, written from the texts by someone who never read the code; see
its README) name, for each enterprise, the measures that apply: clause ids, with the amount and the
department as printed. ``Assistant.match`` is run on each over the seeds and the three laws of
eval/laws (added as a user would), and scored:

- precision and recall of measures (clause ids; a row of a sub-clause counts for its clause), micro-averaged
  over the profiles of the split;
- amounts right: of the matched gold measures that state an amount, the share whose row holds it;
- departments right: of the matched gold measures that name a department, the share whose row names it.

Dev and test are reported side by side; only dev may be looked at to change matching.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .config import REPO_ROOT, Config

PROFILES = REPO_ROOT / "eval" / "match" / "profiles.jsonl"
LAWS = REPO_ROOT / "eval" / "laws" / "laws.toml"


def load_profiles(path: Path = PROFILES) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _covers(pred: str, gold: str) -> bool:
    return pred == gold or pred.startswith(gold + ".")


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
                units[0] += any(gold[g]["unit"] in u or u in gold[g]["unit"] for u in row["units"])
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


def run(split: str = "all", workdir: Path | None = None, log=print) -> dict:
    from .core import Assistant
    from .evaluation import load_extra_corpus, stage_corpus

    items = [p for p in load_profiles() if split == "all" or p["split"] == split]
    config = Config.from_env()
    work = Path(workdir or tempfile.mkdtemp(prefix="policyqa-match-"))
    staged = stage_corpus(config, [load_extra_corpus(LAWS)], work, log=lambda m: None)
    bot = Assistant.load(staged, log=lambda m: None)
    out: dict = {}
    for name in ("dev", "test") if split == "all" else (split,):
        chosen = [p for p in items if p["split"] == name]
        predictions = {}
        for p in chosen:
            prof = p["profile"]
            result = bot.match(prof.get("region", ""), prof.get("industry", ""), prof.get("size", ""),
                               prof.get("qualifications", ()))
            predictions[p["id"]] = [r.to_json() for r in (*result.rows, *result.not_in_force)]
        out[name] = score(chosen, predictions)
        s = out[name]
        log(f"{name}: {s['profiles']} profiles, {s['gold']} gold measures, {s['rows']} rows; precision "
            f"{s['precision']}, recall {s['recall']}, amounts right {s['amounts_right']} (n={s['amounts_n']}), "
            f"departments right {s['units_right']} (n={s['units_n']})")
    return out


def register_cli(sub) -> None:
    p = sub.add_parser("eval-match", help="评测政策匹配：企业画像的措施查准率、查全率、金额与部门")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all")
    p.add_argument("--workdir", help="暂存语料与索引的目录（默认临时目录）")
    p.add_argument("--json", help="同时写出 JSON 结果（含每个画像的漏检与多检）")
    p.set_defaults(func=_cmd)


def _cmd(args) -> None:
    result = run(args.split, Path(args.workdir) if args.workdir else None, log=lambda m: print(m, file=sys.stdout))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
