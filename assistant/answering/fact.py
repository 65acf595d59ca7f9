"""Fact questions: the best few clauses, quoted; for "how much", the sentence with the figure first."""

from __future__ import annotations

import re

from ..answer_types import Answer
from .context import Turn
from .evidence import MIN_COVERAGE, MIN_DENSE, NUMBERS, Evidence, has_content, sentences
from .refusal import refuse

MAX_FACT_CLAUSES = 3

_BENEFIT = re.compile(r"补贴|奖励|资助|补助|贴息|扶持")
# A figure that answers "how much": money, a percentage or a multiple — a bare year is not one.
_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万元|亿元|元|万|倍)")
_ASKS_MONEY = re.compile(r"多少钱|多少万|多少亿|多少元|金额|补多少|奖多少|(奖励|补贴|资助|补助)(是)?多少|标准是多少|比例|税率|几成|百分之")


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    skip = turn.rewrite.skip
    full = turn.full_clauses
    clauses = ev.clauses(turn.hits)
    clauses = [c for c in clauses if has_content(c)]
    if not clauses:
        return refuse(ctx, "")
    clauses = ev.rerank(q, clauses[:8])
    top = clauses[:3]
    coverage = ev.coverage(q, top)
    dense = max((h.dense for h in turn.hits[:3]), default=0.0)
    if coverage < MIN_COVERAGE and dense < MIN_DENSE:
        return refuse(ctx, "")
    want_figure = turn.route.wants == "figure"
    picked = clauses[skip : skip + MAX_FACT_CLAUSES]
    if not picked:
        return ctx.citations().answer(["前面的回答已列出全部相关条款，没有更多内容了。"])
    # Keep only clauses nearly as relevant as the best one: fewer, better citations.
    best = ev.overlap(q, picked[0])
    picked = [c for i, c in enumerate(picked) if i == 0 or ev.overlap(q, c) >= max(0.5, 0.8 * best)]
    cites = ctx.citations()
    lines: list[str] = []
    quotes = {c.clause_id: ev.best_sentences(c, q, 2, want_figure) for c in picked}
    if want_figure:
        figure = _MONEY if _ASKS_MONEY.search(q) else NUMBERS
        # A multi-character term none of whose character pairs occurs anywhere in the corpus
        # ("房产税", "每平方米") names something the documents never discuss.
        all_text = ctx.corpus.text
        unknown = [t for t in ev.content_tokens(q) if len(t) >= 3
                   and not any(t[i:i + 2] in all_text for i in range(len(t) - 1))]
        if unknown:
            return refuse(ctx, f"文件中没有提到“{unknown[0]}”。")
        # The figure may sit in a close runner-up clause (a goal in the parent, not the item).
        pool = clauses[skip : skip + 5]
        with_numbers = [
            (ev.sentence_score(s, q) - 0.5 * i, c, s)
            for i, c in enumerate(pool) for s in sentences(c.text)
            if figure.search(s) and ev.sentence_score(s, q) > 0
            and all(b in s for b in _BENEFIT.findall(q))
        ]
        if not with_numbers:
            return refuse(ctx, "文件中没有给出这个问题所问的具体数额。")
        _, c, s = max(with_numbers, key=lambda x: x[0])
        if c not in picked:
            picked = [c, *picked[:1]]
            quotes.setdefault(c.clause_id, [])
        n = cites.add(c, s)
        lines.append(f"答：{s}{ev.past_target_note(s)} [{n}]")
        quotes[c.clause_id] = [x for x in quotes[c.clause_id] if x != s]
    body = []
    for c in picked:
        body.extend(ev.bullets(c, quotes[c.clause_id], cites, full, q))
    if body:
        lines.append("依据：" if lines else "根据现有文件：")
        lines.extend(body)
    return cites.answer(lines)
