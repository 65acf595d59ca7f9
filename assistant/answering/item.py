"""Ordinal follow-ups ("第二项呢？"): item N of the list the previous question was about."""

from __future__ import annotations

from ..answer_types import Answer
from ..clauses import Clause
from ..retrieval import Hit
from ..sentences import split as split_sentences
from .context import Turn
from .evidence import Evidence


def ordinal_clause(turn: Turn, ev: Evidence) -> Clause | None:
    """Item N of the list the previous answer gave: child N of the clause it listed (or, failing that,
    of the best clause for the previous question)."""
    corpus = ev.ctx.corpus
    rw = turn.rewrite
    listed = [c for cid in turn.focus if (c := corpus.clause(cid)) is not None]
    hits = ev.ctx.searcher.search(rw.previous, 8)
    for c in [*listed, *ev.rerank(rw.previous, ev.clauses(hits)[:5])]:
        target = corpus.clause(f"{c.doc_id}#{c.path}.{rw.item}")
        if target is not None:
            return target
    return None


def compose(turn: Turn, ev: Evidence, clause: Clause) -> Answer:
    cites = ev.ctx.citations()
    quotes = [s.text for s in split_sentences(clause.text) if s.text.rstrip("。") != clause.heading][:6]
    doc = ev.ctx.corpus.documents[clause.doc_id]
    lines = [f"第{turn.rewrite.item}项是《{doc.short_title}》{clause.label}{clause.heading}："]
    lines.extend(ev.bullets(clause, quotes, cites, turn.full_clauses, turn.question))
    turn.hits = [Hit(clause.clause_id, 1.0), *(h for h in turn.hits if h.clause_id != clause.clause_id)]
    return cites.answer(lines)
