"""The answering pipeline: rewrite → route → retrieve → compose, as a LangChain runnable chain."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from langchain_core.runnables import RunnableLambda

from ..answer_types import Answer
from ..conversation import rewrite
from ..docrefs import article_numbers, cited_articles, named_documents
from ..retrieval import Hit
from ..routing import PUNISH, asks, classify, regions_named
from ..sentences import offers
from . import (
    article,
    comparison,
    decision,
    fact,
    item,
    refusal,
    responsibility,
    scope,
    support,
    target,
    validity,
)
from .context import Context, Turn, excluded_clause
from .evidence import Evidence

# None: the route has nothing of its own to say (a support question no measure fits) and the question is
# answered as a fact, under the decision.
Composer = Callable[[Turn, Evidence], Answer | None]

# One composer per route kind (routing.classify); a new kind of answer is a new module and a line here.
# A kind without an entry is answered as a fact.
# Routes whose answers the calibrated decision (decision.py) may turn into a refusal: those composed from
# retrieved evidence. Support, validity and target answers read document facts and the region's coverage,
# and say themselves when these hold nothing (support hands a firm no measure fits to the fact composer).
COMPOSERS: dict[str, Composer] = {
    "fact": fact.compose,
    "support": support.compose,
    "responsibility": responsibility.compose,
    "validity": validity.compose,
    "target": target.compose,
    "comparison": comparison.compose,
}

DECIDED_ROUTES = frozenset({"fact", "responsibility"})


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
        """A follow-up becomes a question that stands on its own, and points back at what the
        previous answer cited: "这项工作由谁负责？" is about that clause, not any clause on the topic."""
        turn.rewrite = rewrite(turn.question, turn.history)
        if turn.rewrite.kind in ("focus", "ordinal", "topic_swap"):
            turn.focus = self._previous_citations(turn)
        return turn

    def _previous_citations(self, turn: Turn) -> list[str]:
        """The clause ids the previous answer cited: the previous question answered again on its own
        history (answers are deterministic, and the history carries only text)."""
        users = [i for i, t in enumerate(turn.history) if t.get("role") == "user"]
        if not users:
            return []
        last = users[-1]
        options = {k: v for k, v in turn.options.items() if k != "full_clauses"}
        previous = self.invoke(turn.history[last]["content"], turn.history[:last], **options)
        return [] if previous.refused else [c.clause_id for c in previous.citations]

    def _route(self, turn: Turn) -> Turn:
        """What kind of question it is, which regions and units it names."""
        q = turn.rewrite.question
        turn.units = self.ctx.units.find_in_text(q)
        doc_regions = {d.region for d in self.ctx.corpus.documents.values()}
        turn.route = classify(q, names_unit=bool(turn.units), doc_regions=doc_regions,
                              follows_up=turn.rewrite.kind == "focus")
        if turn.history and not turn.route.regions and not turn.route.uncovered:
            # "我们是刚在深圳注册的一家人工智能初创公司。" … "融资方面有什么支持？": the place said once holds.
            said_before = [t["content"] for t in turn.history
                           if t.get("role") == "user" and isinstance(t.get("content"), str)]
            for said in reversed(said_before):
                covered, uncovered = regions_named(said, doc_regions)
                if covered or uncovered:
                    turn.route = replace(turn.route, regions=covered, uncovered=uncovered)
                    break
        # A firm that gave its profile and asks about policy wants what applies to it.
        if turn.route.kind == "fact" and turn.profile.get("region") and re.search(r"政策|支持|扶持|补贴|奖励", q):
            turn.route = replace(turn.route, kind="support")
        # "这一条里还提到了哪些资金支持？" is about the clause just cited, not a new search for support.
        if turn.rewrite.kind == "focus" and turn.route.kind in ("support", "comparison"):
            turn.route = replace(turn.route, kind="fact")
        # A follow-up asks what it asks ("做不到的话会受什么处罚？" → a penalty), not what the question it
        # extends asked (how long).
        own = asks(turn.question)
        if turn.rewrite.kind == "focus" and own:
            turn.route = replace(turn.route, asks=own)
        return turn

    def _retrieve(self, turn: Turn) -> Turn:
        """The best clauses, within the documents asked for or named ("网络安全法…"), or the region asked
        for (or the one region the question names); a follow-up's clauses first; a named article first."""
        q = turn.rewrite.question
        corpus = self.ctx.corpus
        regions = turn.route.regions
        turn.region = turn.options.get("region") or (regions[0] if regions and len(regions) == 1 else None)
        # ``exclude_docs`` (evaluation only: leave-one-document-out) answers as if those documents were not held.
        excluded = set(turn.options.get("exclude_docs") or ())
        held = [d for d in corpus.documents.values() if d.doc_id not in excluded]
        turn.doc_ids = turn.options.get("doc_ids") or [
            d.doc_id for d in scope.one_version(self.ctx, q, named_documents(q, held))]
        if excluded and not turn.doc_ids:
            turn.doc_ids = [d.doc_id for d in held]
        if not turn.doc_ids and len(numbers := article_numbers(turn.question)) == 1:
            # "第二十五条规定了什么？": the one document numbered in articles that has one.
            holders = self._documents_with_article(numbers[0])
            turn.doc_ids = holders if len(holders) == 1 else []
        if not turn.doc_ids and turn.focus:
            turn.doc_ids = list(dict.fromkeys(cid.split("#", 1)[0] for cid in turn.focus))
        region = None if turn.doc_ids else turn.region
        # ``exclude_clauses`` (fitting only: leave-gold-clauses-out) answers as if those clauses, and the
        # items under them, were not in their documents: the topic stays covered, the detail asked is gone.
        dropped = tuple(turn.options.get("exclude_clauses") or ())
        hits = self.ctx.search(q, 30 if dropped else 10, doc_ids=turn.doc_ids or None, region=region)
        turn.articles = article_numbers(turn.question)
        # A new topic in the same frame ("那普通员工呢？") may still be in the clause just cited: a candidate,
        # not the answer.
        pointed = [] if turn.rewrite.kind == "topic_swap" else [c.clause_id for c in turn.focus_clauses(corpus)]
        first = [*self._article_hits(turn), *pointed]
        if "definition" in turn.route.asks:
            first = [*self._defining(q), *first]
        if "penalty" in turn.route.asks and (turn.focus or PUNISH.search(q)):
            # A law puts the penalty for breaking a duty in a later article that cites it ("违反本办法第十五条
            # 规定的，…处…罚款"): the duty asked about is the one a follow-up points at, an article the question
            # names, or the best hit when it holds no penalty itself. When the duty's own text has none, the
            # citing articles are what a follow-up points at.
            refs: list[str] = []
            for duties in (turn.focus, self._article_hits(turn), self._duty_without_penalty(hits)):
                refs = self._references_to(duties[:1]) or self._references_to(duties)
                if refs:
                    break
            if turn.focus and refs and not any("penalty" in offers(c.text) for c in turn.focus_clauses(corpus)):
                turn.focus = refs[:2]
            first = [*refs, *first]
        if first:
            top = hits[0].score if hits else 1.0
            first = [cid for cid in dict.fromkeys(first) if corpus.clause(cid) is not None]
            hits = [Hit(cid, top) for cid in first] + [h for h in hits if h.clause_id not in first]
        if turn.rewrite.kind == "topic_swap":
            seen = {h.clause_id for h in hits[:8]}
            hits = hits[:8] + [Hit(cid, 0.0) for cid in turn.focus if cid not in seen][:2]
        if dropped:
            hits = [h for h in hits if not excluded_clause(h.clause_id, dropped)]
            turn.focus = [cid for cid in turn.focus if not excluded_clause(cid, dropped)]
        turn.hits = hits[:10]
        return turn

    def _article_hits(self, turn: Turn) -> list[str]:
        """The articles the question names by number, in the documents it is narrowed to — or, naming none,
        in the one document that has such an article ("第二十五条规定了什么？" with a single law loaded)."""
        out = []
        for n in turn.articles:
            docs = turn.doc_ids or self._documents_with_article(n)
            if turn.doc_ids or len(docs) == 1:
                out += [f"{d}#{n}" for d in docs]
        return out

    def _documents_with_article(self, n: int) -> list[str]:
        """Documents numbered in articles (第N条, not 一、二、) that have article n."""
        corpus = self.ctx.corpus
        return [d for d in corpus.documents
                if (c := corpus.clause(f"{d}#{n}")) is not None and c.label.startswith("第")]

    def _defining(self, q: str) -> list[str]:
        """The clauses that define a term the question asks about ("“网络安全”怎么解释？" → "网络安全，是指…"):
        definitions are written to a formula, so they are looked up, not left to retrieval to find."""
        quoted = re.findall(r"[“\"]([^”\"]{2,16})[”\"]", q)
        terms = sorted({*quoted, *self.evidence.content_tokens(q)}, key=len, reverse=True)
        out: list[str] = []
        definitions = self.ctx.corpus.definitions
        for term in terms:
            out += definitions.get(term, [])
            if out:
                break
        return out[:2]

    def _duty_without_penalty(self, hits: list[Hit]) -> list[str]:
        """The best hits (three) that are articles setting a duty without a penalty of their own."""
        tops = [c for h in hits[:3] if (c := self.ctx.corpus.clause(h.clause_id)) is not None]
        return [c.clause_id for c in tops if c.path.split(".")[0].isdigit() and "penalty" not in offers(c.text)]

    def _references_to(self, clause_ids: list[str]) -> list[str]:
        """Clauses of the same document that cite these clauses' articles ("违反本法第二十一条…", "第四十一条至
        第四十三条") and set a penalty, themselves or in the lead-in above them: where a law puts the penalty
        for breaking a duty (not "符合本条例第九条" among the conditions of a registration)."""
        corpus = self.ctx.corpus
        out = []
        for cid in clause_ids:
            doc_id, _, path = cid.partition("#")
            number = path.split(".")[0]
            if not number.isdigit():
                continue
            out += [c.clause_id for c in corpus.clauses_of(doc_id)
                    if c.path.split(".")[0] != number and int(number) in cited_articles(c.text)
                    and any("penalty" in offers(x.text) for x in (c, *corpus.breadcrumb(c)))]
        return list(dict.fromkeys(out))

    def _with_status_notes(self, answer: Answer) -> Answer:
        """Whoever acts on an answer must know when a document it quotes no longer applies: a line saying
        so, citing the sentence that sets the period ("有效期为5年") or repeals the document."""
        corpus = self.ctx.corpus
        cites = self.ctx.citations()
        for c in answer.citations:
            cites.items.append(c)
            cites.numbers[c.clause_id] = len(cites.items)
        notes = []
        for doc_id in dict.fromkeys(c.clause_id.split("#", 1)[0] for c in answer.citations):
            doc = corpus.documents[doc_id]
            status = corpus.status(doc_id, self.ctx.today())
            if status == "expired":
                printed = validity.period(corpus, doc) or validity.effect(corpus, doc)
                mark = f" [{cites.add(printed.clause, printed.text)}]" if printed else ""
                notes.append(f"注意：《{doc.short_title}》有效期至{_cn_date(doc.valid_until)}，现已过期。{mark}")
            elif status == "repealed":
                found = validity.repealing(corpus, doc)
                printed = found[1] if found else None
                mark = f" [{cites.add(printed.clause, printed.text)}]" if printed else ""
                notes.append(f"注意：《{doc.short_title}》已废止。{mark}")
            elif status == "superseded":
                notes.append(self._superseded_note(doc_id, cites))
        if not notes:
            return answer
        return replace(answer, answer="\n".join([answer.answer, *notes]), citations=cites.items)

    def _superseded_note(self, doc_id: str, cites) -> str:
        """"The text quoted is the 2018 version; the 2023 revision replaced it", citing the line of the
        newer version that dates it."""
        corpus = self.ctx.corpus
        version = corpus.versions[doc_id]
        newer = corpus.documents[version.replaced_by]
        mark = ""
        for c in corpus.clauses_of(newer.doc_id)[:3]:
            line = next((ln for ln in c.text.split("\n") if _cn_date(version.replaced_on) in ln), "")
            if line:
                mark = f" [{cites.add(c, line.strip())}]"
                break
        return (f"注意：所引为《{corpus.documents[doc_id].short_title}》{_cn_date(version.date)}的文本，"
                f"已被{_cn_date(version.replaced_on)}修改后的文本取代。{mark}")

    def _decided(self, turn: Turn, answer: Answer, enforce: bool = True) -> Answer:
        """The answer, or a refusal showing its clauses as related, by the calibrated decision (``enforce``
        False, for fitting it: the answer stands, with the decision's features)."""
        ok, p, x = decision.decide(turn, self.evidence, answer)
        if not ok and enforce:
            cited = [c for cid in dict.fromkeys(c.clause_id for c in answer.citations)
                     if (c := self.ctx.corpus.clause(cid)) is not None]
            answer = refusal.refuse(self.ctx, "", related=cited[:2])
        answer.decision = {"p": p, "features": x}
        return answer

    def _asks_penalty_elsewhere(self, turn: Turn) -> bool:
        """"违反第八条怎么处罚？" is answered by the articles that cite 第八条, not by 第八条 itself."""
        return "penalty" in turn.route.asks and bool(self._references_to(self._article_hits(turn)))

    def _compose(self, turn: Turn) -> Answer:
        """Refuse, answer the item a follow-up points at, or hand over to the route's composer."""
        ev = self.evidence
        unheld = refusal.unheld(turn, ev)
        # A document the corpus lacks but a held one repeals or replaces: that is what the corpus can tell of it.
        repealed = {name: found for name in unheld if (found := refusal.repealed_by(self.ctx.corpus, name))}
        all_repealed = bool(repealed) and len(repealed) == len(unheld)
        reason = None if all_repealed else refusal.reason_to_refuse(turn, ev, unheld)
        if all_repealed and not turn.doc_ids:
            answer = refusal.repeal_notice(self.ctx, repealed, refused=turn.route.kind != "validity")
            unheld = []
        elif reason:
            answer = refusal.refuse(self.ctx, reason)
        elif turn.rewrite.kind == "ordinal" and (clause := item.ordinal_clause(turn, ev)) is not None:
            answer = item.compose(turn, ev, clause)
        elif not self._asks_penalty_elsewhere(turn) and (
            asked := article.asked_article(turn, self.ctx.corpus) or article.named_clause(turn, self.ctx.corpus)
        ):
            answer = article.compose(turn, ev, asked)
        else:
            answer = COMPOSERS.get(turn.route.kind, fact.compose)(turn, ev)
            decided = turn.route.kind in DECIDED_ROUTES
            if answer is None:  # a support question no measure fits: answered as a question of fact
                answer, decided = fact.compose(turn, ev), True
            if not answer.refused and decided and not responsibility.asks_unit_work(turn):
                answer = self._decided(turn, answer, enforce=turn.options.get("decide", True))
        if not answer.refused and turn.route.kind != "validity":
            answer = self._with_status_notes(answer)
        if not answer.refused and unheld:
            answer = replace(answer, answer=answer.answer + "\n" + "、".join(f"《{n}》" for n in unheld)
                             + "不在本库中，上面只回答了本库收录的文件。")
        answer.route = turn.route.kind
        answer.rewritten_question = turn.rewrite.question
        answer.retrieved = [(h.clause_id, h.score) for h in turn.hits]
        return answer


def _cn_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"
