"""The answering pipeline: rewrite → route → retrieve → compose, as a LangChain runnable chain."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from langchain_core.runnables import RunnableLambda

from ..answer_types import Answer
from ..conversation import rewrite
from ..routing import classify
from . import comparison, fact, item, refusal, responsibility, support, target, validity
from .context import Context, Turn
from .evidence import Evidence

Composer = Callable[[Turn, Evidence], Answer]

# One composer per route kind (routing.classify); a new kind of answer is a new module and a line here.
# A kind without an entry is answered as a fact.
COMPOSERS: dict[str, Composer] = {
    "fact": fact.compose,
    "support": support.compose,
    "responsibility": responsibility.compose,
    "validity": validity.compose,
    "target": target.compose,
    "comparison": comparison.compose,
}


class AnswerChain:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.evidence = Evidence(ctx)
        self.chain = (
            RunnableLambda(self._rewrite, name="rewrite")
            | RunnableLambda(self._route, name="route")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._compose, name="compose")
        )

    def invoke(self, question: str, history: list[dict], **options) -> Answer:
        return self.chain.invoke(Turn(question=question, history=history, options=options))

    def _rewrite(self, turn: Turn) -> Turn:
        """A follow-up becomes a question that stands on its own."""
        turn.rewrite = rewrite(turn.question, turn.history)
        return turn

    def _route(self, turn: Turn) -> Turn:
        """What kind of question it is, which regions and units it names."""
        q = turn.rewrite.question
        turn.units = self.ctx.units.find_in_text(q)
        doc_regions = {d.region for d in self.ctx.corpus.documents.values()}
        turn.route = classify(q, names_unit=bool(turn.units), doc_regions=doc_regions)
        # A firm that gave its profile and asks about policy wants what applies to it.
        if turn.route.kind == "fact" and turn.profile.get("region") and re.search(r"政策|支持|扶持|补贴|奖励", q):
            turn.route = replace(turn.route, kind="support")
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        """The best clauses, within the documents or region asked for (or the one region the question names)."""
        regions = turn.route.regions
        region = turn.options.get("region") or (regions[0] if regions and len(regions) == 1 else None)
        doc_ids = turn.options.get("doc_ids") or None
        turn.hits = self.ctx.search(turn.rewrite.question, 10, doc_ids=doc_ids, region=region)
        return turn

    def _compose(self, turn: Turn) -> Answer:
        """Refuse, answer the item a follow-up points at, or hand over to the route's composer."""
        ev = self.evidence
        reason = refusal.reason_to_refuse(turn, ev)
        if reason:
            answer = refusal.refuse(self.ctx, reason)
        elif turn.rewrite.kind == "ordinal" and (clause := item.ordinal_clause(turn.rewrite, ev)) is not None:
            answer = item.compose(turn, ev, clause)
        else:
            answer = COMPOSERS.get(turn.route.kind, fact.compose)(turn, ev)
        answer.route = turn.route.kind
        answer.rewritten_question = turn.rewrite.question
        answer.retrieved = [(h.clause_id, h.score) for h in turn.hits]
        return answer
