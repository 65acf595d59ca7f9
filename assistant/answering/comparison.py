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

# Below this share of the topic in a region's best sentence, that region's documents say nothing on it.
NOTHING_LEX = 0.2


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
        hits = ctx.searcher.search(topic, 8, Filters.of(d.doc_id for d in docs))
        all_hits.extend(hits)
        # The same sentence-level evidence as a fact answer, region by region: the best one or two
        # clauses, each quoted by its best sentences.
        ranked = ev.rank_sentences(topic, [c for c in ev.clauses(hits) if has_content(c)], route.asks)
        lines.append(f"【{region}】")
        if not ranked or ranked[0].lex < NOTHING_LEX:
            lines.append("- 该地文件没有专门规定。")
            continue
        picked: list = []
        for s in ranked:
            if s.score < 0.75 * ranked[0].score or len(picked) == 3:
                break
            if not s.sentence.heading and s.sentence.text not in {p.sentence.text for p in picked}:
                picked.append(s)
        # A question in several parts ("谁来统筹协调的，用什么机制？"): each part's best sentence in this
        # region's best clause, too.
        best_clauses = [ranked[0].clause]
        parts = ev.question_parts(topic)
        for part in parts if len(parts) >= 2 else []:
            best = next((s for s in ev.rank_sentences(part, best_clauses, route.asks) if not s.sentence.heading), None)
            if best is not None and best.lex > 0 and best.sentence.text not in {p.sentence.text for p in picked}:
                picked.append(best)
        for s in picked:
            lines.append(f"- {s.sentence.text}{ev.past_target_note(s.sentence.text)} [{cites.add(s.clause, s.sentence.text)}]")
    turn.hits = all_hits
    if not cites.items:
        return refuse(ctx, "")
    return cites.answer(lines)
