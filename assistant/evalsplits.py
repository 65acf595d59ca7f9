"""Dev and test, side by side: the evaluation that cannot be fitted by hand.

Each split is a set of documents added to a scratch copy of corpus/ and the questions about them:

* **dev** — the seed items (eval/questions.jsonl), the team's law items (eval/laws) and the new dev
  documents with questions written by a helper that never read the answering code (eval/dev);
* **test** — documents no rule was written against, with questions written the same way and frozen
  before the first run (eval/test). Answering code changes only in response to dev items; a failing
  test item is a measurement, not a task.

``python -m assistant eval-splits`` stages each split's corpus (once: ``--workdir`` keeps the staged
corpora and their indexes for the next run), runs every item through ``Assistant.ask`` and prints one
table with dev and test columns; the report goes to eval/splits.{md,json}.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import REPO_ROOT, Config
from .evaluation import (
    ExtraCorpus,
    aggregate,
    failing,
    item_corpus,
    load_dataset,
    load_extra_corpus,
    run,
    stage_corpus,
)

EVAL_DIR = REPO_ROOT / "eval"


@dataclass(frozen=True)
class Split:
    name: str
    datasets: tuple[Path, ...]
    manifests: tuple[Path, ...]


# The question sets helpers wrote without reading the code that answering may be changed for (eval/<name>/).
DEV_SETS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8")

SPLITS = {
    "dev": Split(
        "dev",
        (EVAL_DIR / "questions.jsonl", *(EVAL_DIR / d / "questions.jsonl" for d in DEV_SETS)),
        (EVAL_DIR / "laws" / "laws.toml", *(EVAL_DIR / d / f"{d}.toml" for d in DEV_SETS)),
    ),
    "test": Split("test", (EVAL_DIR / "test" / "questions.jsonl",), (EVAL_DIR / "laws" / "laws.toml",
                                                                   EVAL_DIR / "test" / "test.toml")),
    # Frozen like test, and run only when asked for (``--split holdout``), once at the end of a session: test
    # is now measured after every change, and a set looked at that often stops telling what unseen texts get.
    "holdout": Split("holdout", (EVAL_DIR / "holdout" / "questions.jsonl",), (EVAL_DIR / "laws" / "laws.toml",
                                                                         EVAL_DIR / "holdout" / "holdout.toml")),
}
# What ``eval-splits`` runs when no split is named.
DEFAULT_SPLITS = ("dev", "test")

# The figures compared between the splits (evaluation.item_metrics names), and how they are shown.
SHOWN = [
    ("n", "items"),
    ("recall@5", "retrieval R@5"),
    ("must_include", "key facts (must_include)"),
    ("citation_recall", "citation recall"),
    ("citation_precision", "answer precision (cited clauses that are gold)"),
    ("false_refusal", "false refusals (answerable refused)"),
    ("refusal_acc", "refusal of unanswerable"),
    ("quote_outside_clause", "quotes outside their clause"),
    ("answer_chars", "answer length (characters, median)"),
    ("ask_p50_ms", "ask p50 ms"),
]


def split_items(split: Split) -> list[dict]:
    items: list[dict] = []
    for path in split.datasets:
        if path.is_file():
            items.extend(load_dataset(path))
    return items


def _fingerprint(config: Config, extras: Sequence[ExtraCorpus]) -> str:
    """What a staged corpus was made from: the shipped corpus files and every extra document's bytes and
    options. A kept workdir is reused only while this is unchanged."""
    h = hashlib.sha256()
    for p in sorted(Path(config.corpus_dir).iterdir()):
        if p.is_file() and not p.name.startswith("."):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    for extra in extras:
        for doc in extra.documents:
            h.update(json.dumps(doc.add_options(), sort_keys=True, ensure_ascii=False).encode())
            h.update(doc.path.read_bytes())
    return h.hexdigest()[:16]


def staged_config(config: Config, split: Split, workdir: Path | None, *, embedder=None,
                  log: Callable[[str], None] = print) -> tuple[Config, tempfile.TemporaryDirectory | None]:
    """A Config over a scratch corpus with the split's documents added (see ``stage_extras``)."""
    extras = [load_extra_corpus(m) for m in split.manifests if m.is_file()]
    return stage_extras(config, split.name, extras, workdir, embedder=embedder, log=log)


def stage_extras(config: Config, name: str, extras: Sequence[ExtraCorpus], workdir: Path | None, *,
                 embedder=None, log: Callable[[str], None] = print) -> tuple[Config, tempfile.TemporaryDirectory | None]:
    """A Config over a scratch copy of corpus/ with the ``extras`` added; reused from ``workdir/name`` when
    it was staged from the same files. Returns the config and the temporary directory to clean up (None
    when kept)."""
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix=f"policyqa-{name}-")
        base = Path(tmp.name)
    else:
        base = Path(workdir) / name
    stamp = base / "fingerprint"
    fp = _fingerprint(config, extras)
    staged = dataclasses.replace(config, corpus_dir=base / "corpus", index_dir=base / "index")
    if stamp.is_file() and stamp.read_text() == fp and (base / "index").is_dir():
        log(f"{name}: reusing the staged corpus in {base}")
        return staged, tmp
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    log(f"{name}: adding {sum(len(e.documents) for e in extras)} documents to a scratch copy of corpus/")
    staged = stage_corpus(config, extras, base, embedder=embedder, log=log)
    stamp.write_text(fp)
    return staged, tmp


def _answer_chars(recs: Sequence[dict]) -> float | None:
    lengths = sorted(len(r.get("answer") or "") for r in recs if not r.get("refused") and r.get("answer"))
    return float(lengths[len(lengths) // 2]) if lengths else None


def summarize_split(items: Sequence[dict], recs: Sequence[dict]) -> dict:
    out = aggregate(items, recs, answers=True)
    out["answer_chars"] = _answer_chars(recs)
    by_corpus: dict[str, dict] = {}
    for name in dict.fromkeys(item_corpus(it) for it in items):
        idx = [i for i, it in enumerate(items) if item_corpus(it) == name]
        sub = aggregate([items[i] for i in idx], [recs[i] for i in idx], answers=True)
        sub["answer_chars"] = _answer_chars([recs[i] for i in idx])
        by_corpus[name] = sub
    out["by_corpus"] = by_corpus
    return out


def evaluate_split(config: Config, split: Split, workdir: Path | None = None, *, embedder=None,
                   progress: bool = True, log: Callable[[str], None] | None = None) -> dict:
    from .core import Assistant

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    items = split_items(split)
    if not items:
        return {"items": [], "summary": {}, "failures": []}
    staged, tmp = staged_config(config, split, workdir, embedder=embedder, log=log)
    try:
        bot = Assistant.load(staged, embedder=embedder, log=log)
        report = run(bot, items, ["full"], progress=progress, log=log)
    finally:
        if tmp is not None:
            tmp.cleanup()
    recs = report["results"]["full"]
    failures = [{"id": it["id"], "type": it["type"], "question": it["question"], "why": why,
                 "answer": r.get("answer", "")}
                for it, r in zip(items, recs, strict=True) if (why := failing(it, r))]
    return {"items": items, "records": recs, "summary": summarize_split(items, recs), "failures": failures,
            "embedder": embedder.name if embedder is not None and hasattr(embedder, "name") else None}


def _fmt(key: str, v) -> str:
    if v is None:
        return "n/a"
    if key in ("n", "answer_chars"):
        return str(int(v))
    if key.endswith("_ms"):
        return f"{v:.0f}"
    return f"{v:.3f}"


def render(reports: dict[str, dict]) -> str:
    """One table: a row per figure, a column per split (and per corpus within dev)."""
    cols: list[tuple[str, dict]] = []
    for name, rep in reports.items():
        s = rep.get("summary") or {}
        if not s:
            continue
        cols.append((f"**{name}**", s))
        if len(s.get("by_corpus", {})) > 1:
            cols.extend((f"{name}: {c}", sub) for c, sub in s["by_corpus"].items())
    lines = ["| figure | " + " | ".join(c for c, _ in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for key, label in SHOWN:
        lines.append(f"| {label} | " + " | ".join(_fmt(key, s.get(key)) for _, s in cols) + " |")
    return "\n".join(lines)


def render_decision(data: dict) -> list[str]:
    """The answer-or-refuse decision as fitted (assistant/data/decision.json): its weights and its held-out
    precision and recall of "answer" and "refuse" per threshold, the shipped threshold in bold."""
    if not data.get("curve"):
        return []
    pool = data.get("pool") or {}
    out = ["## The answer-or-refuse decision", "",
           f"Held out on its pool ({pool.get('n', '?')} rows, 5 folds grouped by document; "
           "`python -m assistant fit-decision`), threshold **" + f"{data['threshold']:.2f}" + "**. Weights on the "
           "raw features: " + ", ".join(f"{f} {w:+.2f}" for f, w in zip(data["features"], data["weights"], strict=True))
           + f", bias {data['bias']:+.2f}.", "",
           "| threshold | answer precision | answer recall | refuse precision | refuse recall | false refusals |",
           "|---|---|---|---|---|---|"]
    for pt in data["curve"]:
        t = pt["threshold"]
        if round(t * 100) % 5 and t != data["threshold"]:
            continue
        cells = [_fmt("", pt[k]) for k in ("answer_precision", "answer_recall", "refuse_precision", "refuse_recall",
                                           "false_refusal")]
        label = f"**{t:.2f}**" if t == data["threshold"] else f"{t:.2f}"
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*out, ""]


def render_markdown(reports: dict[str, dict], decision: dict | None = None) -> str:
    out = ["# Dev and test, side by side", "",
           "`python -m assistant eval-splits` (assistant/evalsplits.py). dev = seed items, the team's law items "
           "and " + ", ".join(f"eval/{d}" for d in DEV_SETS) + " (questions written without reading the code); test = eval/test, frozen before its "
           "first run, never tuned on; holdout = eval/holdout, frozen too and run only with `--split holdout`, once "
           "per session.", "", render(reports), ""]
    out += render_decision(decision or {})
    for name, rep in reports.items():
        if not rep.get("failures"):
            continue
        out += [f"## Failing {name} items ({len(rep['failures'])})", ""]
        for f in rep["failures"]:
            out.append(f"- {f['id']} ({f['type']}) {f['question']} — {'; '.join(f['why'])}")
        out.append("")
    return "\n".join(out)


def cmd_eval_splits(args) -> None:
    from .cli import CLIError
    from .core import _default_embedder

    wanted = args.split or list(DEFAULT_SPLITS)
    unknown = [s for s in wanted if s not in SPLITS]
    if unknown:
        raise CLIError(f"未知评测划分：{'、'.join(unknown)}（可选 {'、'.join(SPLITS)}）")
    config = Config.from_env()
    embedder = _default_embedder(config, lambda m: print(m, file=sys.stderr, flush=True))
    workdir = Path(args.workdir) if args.workdir else None
    try:
        reports = {name: evaluate_split(config, SPLITS[name], workdir, embedder=embedder) for name in wanted}
    except ValueError as e:
        raise CLIError(str(e)) from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from .answering.decision import WEIGHTS_FILE

    try:
        decision = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        decision = {}
    (out / "splits.md").write_text(render_markdown(reports, decision), encoding="utf-8")
    payload = {name: {"summary": r.get("summary"), "failures": r.get("failures")} for name, r in reports.items()}
    (out / "splits.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    print(render(reports))
    print(f"\n报告已写入 {out / 'splits.md'}、{out / 'splits.json'}")


def register_cli(sub) -> None:
    p = sub.add_parser("eval-splits", help="在 dev 与 test 两个划分上评测问答（并列报告）")
    p.add_argument("--split", action="append", choices=list(SPLITS), help="只跑这个划分（可重复；默认全部）")
    p.add_argument("--workdir", default=None, help="保留各划分的语料副本与索引于此目录，下次复用")
    p.add_argument("--out", default=str(EVAL_DIR))
    p.set_defaults(func=cmd_eval_splits)
