"""Comparison questions: the same topic looked up region by region."""

from __future__ import annotations

import re

from ..answer_types import Answer
from ..corpus import documents_for_region
from ..regions import gazetteer
from ..retrieval import Filters, Hit
from .context import Turn
from .evidence import Evidence, has_content
from .refusal import refuse


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    route = turn.route
    regions = route.regions or sorted({d.region for d in ctx.corpus.documents.values()})
    topic = q
    for surface, _ in gazetteer().mentions(q):
        topic = topic.replace(surface, "")
    topic = re.sub(r"比较|对比|相比|区别|不同|异同|差异|分别|各自|和|与|跟|有什么|有何|一下", " ", topic)
    cites = ctx.citations()
    lines: list[str] = []
    all_hits: list[Hit] = []
    for region in regions:
        # A place's own documents when it has some, else those that apply there from above.
        docs = [d for d in ctx.corpus.documents.values() if d.region == region] or documents_for_region(
            region, ctx.corpus.documents)
        if not docs:
            lines.append(f"【{region}】本库没有{region}的文件。")
            continue
        hits = ctx.searcher.search(topic, 6, Filters.of(d.doc_id for d in docs))
        all_hits.extend(hits)
        ranked = ev.rerank(topic, [c for c in ev.clauses(hits) if has_content(c)])
        best = ev.overlap(topic, ranked[0]) if ranked else 0.0
        clauses = [c for i, c in enumerate(ranked[:2]) if i == 0 or ev.overlap(topic, c) >= max(0.5, 0.9 * best)]
        lines.append(f"【{region}】")
        if not clauses or ev.coverage(topic, clauses) < 0.34:
            lines.append("- 该地文件没有专门规定。")
            continue
        for c in clauses:
            lines.extend(ev.bullets(c, ev.best_sentences(c, topic, 2, route.wants == "figure"), cites, False, topic))
    turn.hits = all_hits
    if not cites.items:
        return refuse(ctx, "")
    return cites.answer(lines)
