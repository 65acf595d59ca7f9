"""Answering: rewrite → route → retrieve → compose, as a LangChain runnable chain.

The default composer is extractive: every factual line of an answer is a sentence (or a fact read
from structured data) taken from a clause, with an [n] marker pointing at that clause's citation.
Lines that are not facts (headings, refusals, notes about dates) carry no marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from langchain_core.runnables import RunnableLambda

from .clauses import Clause
from .conversation import Rewrite, rewrite
from .corpus import STATUS_LABELS, Document, covering_regions, documents_for_region, region_chain
from .lexicon import variants
from .regions import NATIONAL, gazetteer
from .retrieval import Filters, Hit
from .routing import SUPPORT_KINDS, Route, classify
from .units import find_notes

if TYPE_CHECKING:
    from .core import Answer, Assistant, Citation

# Refusal thresholds, calibrated on the unanswerable items of eval/questions.jsonl (see README).
MIN_COVERAGE = 0.5  # share of the question's content words found in the best clauses
MIN_DENSE = 0.84  # cosine of the best passage (e5-small scale)
MAX_FACT_CLAUSES = 3

_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_YEAR_TARGET = re.compile(r"(?:到|至|力争到|争取到)(20\d\d)年")
_ASK_UNIT_WORK = re.compile(r"负责(什么|哪些|哪|了)|牵头(了)?(哪些|什么|哪)|参与(哪些|了哪些|什么)|参加(哪些|了哪些|什么)|承担|职责|"
                            r"任务有哪些|哪些任务|哪些工作|做什么|干什么|分工")
# A number that is a figure, not part of a Latin token such as "O2O" or "C2B".
_NUMBERS = re.compile(r"(?<![A-Za-z0-9])\d+(?:\.\d+)?(?![A-Za-z])")
_BENEFIT = re.compile(r"补贴|奖励|资助|补助|贴息|扶持")
# A figure that answers "how much": money, a percentage or a multiple — a bare year is not one.
_MONEY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|万元|亿元|元|万|倍)")
_ASKS_MONEY = re.compile(r"多少钱|多少万|多少亿|多少元|金额|补多少|奖多少|(奖励|补贴|资助|补助)(是)?多少|标准是多少|比例|税率|几成|百分之")
_DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(印发)?")
_BASIS = re.compile(r"根据|依据|依照|上位|哪份(国家)?文件")
_YEAR = re.compile(r"(20\d\d)\s*年")
# Details people ask for that policy opinions do not print; if the evidence lacks the word, refuse.
_DETAILS = ("电话", "联系方式", "邮箱", "网址", "窗口", "截止", "申报时间", "申请材料", "申报材料", "办理流程",
            "名单", "具体条件", "接替", "取代", "新文件", "实际完成", "完成情况")
_QUESTION_WORD = re.compile(r"^[哪几什么怎样多少个些谁何一年]+$")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


@dataclass
class _Cites:
    """Citations in order of first use; each clause gets one number."""

    bot: Assistant
    items: list[Citation] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)

    def add(self, clause: Clause, quote: str) -> int:
        from .core import Citation

        if clause.clause_id in self.numbers:
            return self.numbers[clause.clause_id]
        doc = self.bot.corpus.documents[clause.doc_id]
        self.items.append(
            Citation(
                clause_id=clause.clause_id, doc_title=doc.display_title, label=clause.label,
                quote=quote if quote in clause.text else clause.text[:60], region=doc.region, year=doc.year,
                clause_text=clause.text, status=doc.status(self.bot.today()),
            )
        )
        self.numbers[clause.clause_id] = len(self.items)
        return len(self.items)


class AnswerChain:
    def __init__(self, bot: Assistant) -> None:
        self.bot = bot
        # Reranking scores every candidate against the same question: segment it once.
        self._content_tokens = lru_cache(maxsize=512)(self._segment_content)
        self.chain = (
            RunnableLambda(self._rewrite, name="rewrite")
            | RunnableLambda(self._route, name="route")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._compose, name="compose")
        )

    def invoke(self, question: str, history: list[dict], **options) -> Answer:
        return self.chain.invoke({"question": question, "history": history, "options": options})

    # ------------------------------------------------------------------ steps

    def _rewrite(self, state: dict) -> dict:
        state["rewrite"] = rewrite(state["question"], state["history"])
        return state

    def _route(self, state: dict) -> dict:
        q = state["rewrite"].question
        units = self.bot.units.find_in_text(q)
        doc_regions = {d.region for d in self.bot.corpus.documents.values()}
        route = classify(q, names_unit=bool(units), doc_regions=doc_regions)
        profile = state["options"].get("profile") or {}
        if route.kind == "fact" and profile.get("region") and re.search(r"政策|支持|扶持|补贴|奖励", q):
            route = replace(route, kind="support")
        state["route"], state["units"] = route, units
        return state

    def _filters(self, state: dict, regions: list[str] | None = None) -> dict:
        opts = state["options"]
        region = opts.get("region") or (regions[0] if regions and len(regions) == 1 else None)
        doc_ids = opts.get("doc_ids") or None
        return {"doc_ids": doc_ids, "region": region}

    def _retrieve(self, state: dict) -> dict:
        route: Route = state["route"]
        q = state["rewrite"].question
        state["hits"] = self.bot.search(q, 10, **self._filters(state, route.regions))
        return state

    def _compose(self, state: dict) -> Answer:
        route: Route = state["route"]
        rw: Rewrite = state["rewrite"]
        reason = self._outside_corpus(rw.question, state["hits"]) if route.kind != "validity" else None
        if route.uncovered and not route.regions:
            answer = self._refuse(state, f"本库没有{route.uncovered[0]}的政策文件。")
        elif reason:
            answer = self._refuse(state, reason)
        elif rw.kind == "ordinal" and (item := self._ordinal_clause(rw)) is not None:
            answer = self._item(state, item)
        elif route.kind == "validity":
            answer = self._validity(state)
        elif route.kind == "responsibility":
            answer = self._responsibility(state)
        elif route.kind == "support":
            answer = self._support(state)
        elif route.kind == "comparison":
            answer = self._comparison(state)
        else:
            answer = self._fact(state)
        answer.route = route.kind
        answer.rewritten_question = rw.question
        answer.retrieved = [(h.clause_id, h.score) for h in state["hits"]]
        return answer

    # ------------------------------------------------------------------ helpers

    def _answer(self, lines: list[str], cites: _Cites, *, refused: bool = False, notes=None) -> Answer:
        from .core import Answer

        return Answer(answer="\n".join(lines).strip(), citations=cites.items, refused=refused,
                      retrieved=[], notes=notes or [])

    def coverage_statement(self) -> str:
        docs = sorted(self.bot.corpus.documents.values(), key=lambda d: (d.year or 0, d.region))
        parts = [f"{d.region}{d.year or '（年份未载明）'}年《{d.short_title}》" for d in docs]
        return f"本库收录{len(docs)}份文件：" + "；".join(parts) + "。"

    def _refuse(self, state: dict, reason: str) -> Answer:
        return self._answer([reason + "现有文件没有回答这个问题的内容。", self.coverage_statement()],
                            _Cites(self.bot), refused=True)

    def _outside_corpus(self, question: str, hits: list[Hit]) -> str | None:
        """A reason the corpus cannot answer, whatever retrieval found; None when it may."""
        newest = max((d.year or 0) for d in self.bot.corpus.documents.values())
        all_text = self.bot.corpus.text
        for year in {int(y) for y in _YEAR.findall(question)}:
            if year > newest and f"{year}年" not in all_text:
                return f"本库文件最晚发布于{newest}年，不含{year}年的情况。"
        # "X市政府出台了什么" about a place that has no document of its own, only documents above it.
        documents = self.bot.corpus.documents
        own = {d.region for d in documents.values()}
        for surface, place in gazetteer().mentions(question):
            if place.name in own:
                continue
            if re.search(rf"{surface}[省市区县]?(?:政府|市里|区里|县里|省里|本级|自己)|{surface}[省市区县]?(?:出台|制定|的政策)", question):
                above = documents_for_region(place.name, documents)
                if above:
                    names = "、".join(f"{d.region}《{d.short_title}》" for d in above)
                    return f"本库没有{place.name}本级的政策文件；适用于{place.name}的上级文件有：{names}。"
                return f"本库没有适用于{place.name}的政策文件。"
        evidence = "".join(c.text for c in self._clauses(hits[:5]))
        for word in _DETAILS:
            if word in question and word not in evidence:
                return f"文件没有写明“{word}”方面的内容。"
        return None

    def _segment_content(self, question: str) -> tuple[str, ...]:
        toks = self.bot.segmenter.tokens(question)
        drop = set()
        for surface, place in gazetteer().mentions(question):
            drop.update({surface, place.name, place.short})
        generic = {"企业", "公司", "我们", "有没有", "规定", "要求", "内容", "哪些", "什么", "多少", "怎么样",
                   "具体", "一下", "请问", "目标", "单位", "部门", "负责", "牵头", "省", "市"}
        return tuple(t for t in toks if t not in drop and t not in generic and len(t) > 1 and not _QUESTION_WORD.match(t))

    def _coverage(self, question: str, clauses: list[Clause]) -> float:
        toks = set(self._content_tokens(question))
        if not toks:
            return 1.0
        blob = "".join(
            c.text + "".join(self.bot.corpus.context_headings(c)) + "".join(c.lead_units) for c in clauses
        )
        return sum(1 for t in toks if any(v in blob for v in variants(t))) / len(toks)

    def _overlap(self, question: str, clause: Clause) -> float:
        """idf-weighted share of the question's content words that the clause (with its headings) contains."""
        toks = set(self._content_tokens(question))
        if not toks:
            return 0.0
        idf = self.bot.searcher.bm25.idf
        blob = clause.text + "".join(self.bot.corpus.context_headings(clause))
        total = sum(idf.get(t, 1.0) for t in toks)
        return sum(idf.get(t, 1.0) for t in toks if any(v in blob for v in variants(t))) / total

    def _rerank(self, question: str, clauses: list[Clause]) -> list[Clause]:
        """Retrieval order, corrected by how much of the question each clause actually contains."""
        regions = {name for place in gazetteer().find(question) for name in region_chain(place.name)}
        # Deeper clauses win ties: an answer must cite the exact clause, not its parent.
        scored = [
            (self._overlap(question, c) - 0.02 * i + 0.03 * c.level
             + (0.15 if self.bot.corpus.documents[c.doc_id].region in regions else 0.0), -i, c)
            for i, c in enumerate(clauses)
        ]
        return [c for _, _, c in sorted(scored, key=lambda x: (x[0], x[1]), reverse=True)]

    def _sentence_score(self, sentence: str, question: str, toks: set[str] | None = None) -> float:
        toks = toks if toks is not None else set(self._content_tokens(question))
        idf = self.bot.searcher.bm25.idf
        return sum(idf.get(t, 1.0) for t in toks if any(v in sentence for v in variants(t)))

    def _best_sentences(self, clause: Clause, question: str, n: int = 2, want_figure: bool = False) -> list[str]:
        toks = set(self._content_tokens(question))
        sents = sentences(clause.text)
        if not sents:
            return []
        scored = []
        for i, s in enumerate(sents):
            score = self._sentence_score(s, question, toks)
            if want_figure and _NUMBERS.search(s):
                score += 2.0
            # The first sentence is the clause's heading: short and rarely the answer by itself.
            if i == 0 and len(s) < 20 and len(sents) > 1:
                score -= 0.5
            scored.append((score, -i, s))
        best = sorted(scored, reverse=True)[:n]
        # A second sentence must be nearly as relevant as the first, or it is noise.
        best = best[:1] + [b for b in best[1:] if best[0][0] > 0 and b[0] >= 0.4 * best[0][0]]
        return [s for _, _, s in sorted(best, key=lambda x: -x[1])]

    def _past_target_note(self, text: str) -> str:
        years = [int(y) for y in _YEAR_TARGET.findall(text)]
        past = sorted({y for y in years if y < self.bot.today().year})
        if not past:
            return ""
        return f"（注：{'、'.join(map(str, past))}年的目标期限已过，文件未说明完成情况）"

    @staticmethod
    def _has_content(c: Clause) -> bool:
        """False for bare level-1 headings ("二、重点行动"): they hold no facts of their own."""
        return not (c.level == 1 and len(c.text) < 30)

    def _clauses(self, hits: list[Hit]) -> list[Clause]:
        return [c for h in hits if (c := self.bot.corpus.clause(h.clause_id)) is not None]

    def _bullets(self, clause: Clause, quotes: list[str], cites: _Cites, full: bool, question: str = "") -> list[str]:
        """Bullets in document order; the citation quotes the sentence that best answers the question."""
        if not quotes:
            quotes = [clause.heading if clause.heading in clause.text else clause.text[:60]]
        best = max(quotes, key=lambda s: self._sentence_score(s, question)) if question else quotes[0]
        n = cites.add(clause, best)
        if full:
            return [f"- {clause.label}{clause.text} [{n}]"]
        return [f"- {s}{self._past_target_note(s)} [{n}]" for s in quotes]

    # ------------------------------------------------------------------ routes

    def _ordinal_clause(self, rw: Rewrite) -> Clause | None:
        """Item N of the list the previous question was about: child N of its best clause."""
        hits = self.bot.searcher.search(rw.previous, 8)
        for c in self._rerank(rw.previous, self._clauses(hits)[:5]):
            target = self.bot.corpus.clause(f"{c.doc_id}#{c.path}.{rw.item}")
            if target is not None:
                return target
        return None

    def _item(self, state: dict, clause: Clause) -> Answer:
        cites = _Cites(self.bot)
        quotes = [x for x in sentences(clause.text) if x.rstrip("。") != clause.heading][:3]
        doc = self.bot.corpus.documents[clause.doc_id]
        lines = [f"第{state['rewrite'].item}项是《{doc.short_title}》{clause.label}{clause.heading}："]
        lines.extend(self._bullets(clause, quotes, cites, bool(state["options"].get("full_clauses")),
                                   state["question"]))
        state["hits"] = [Hit(clause.clause_id, 1.0), *(h for h in state["hits"] if h.clause_id != clause.clause_id)]
        return self._answer(lines, cites)

    def _fact(self, state: dict) -> Answer:
        q = state["rewrite"].question
        route: Route = state["route"]
        skip = state["rewrite"].skip
        full = bool(state["options"].get("full_clauses"))
        clauses = self._clauses(state["hits"])
        clauses = [c for c in clauses if self._has_content(c)]
        if not clauses:
            return self._refuse(state, "")
        clauses = self._rerank(q, clauses[:8])
        top = clauses[:3]
        coverage = self._coverage(q, top)
        dense = max((h.dense for h in state["hits"][:3]), default=0.0)
        if coverage < MIN_COVERAGE and dense < MIN_DENSE:
            return self._refuse(state, "")
        want_figure = route.wants == "figure"
        picked = clauses[skip : skip + MAX_FACT_CLAUSES]
        if not picked:
            return self._answer(["前面的回答已列出全部相关条款，没有更多内容了。"], _Cites(self.bot))
        # Keep only clauses nearly as relevant as the best one: fewer, better citations.
        best = self._overlap(q, picked[0])
        picked = [c for i, c in enumerate(picked) if i == 0 or self._overlap(q, c) >= max(0.5, 0.8 * best)]
        cites = _Cites(self.bot)
        lines: list[str] = []
        quotes = {c.clause_id: self._best_sentences(c, q, 2, want_figure) for c in picked}
        if want_figure:
            figure = _MONEY if _ASKS_MONEY.search(q) else _NUMBERS
            # A multi-character term none of whose character pairs occurs anywhere in the corpus
            # ("房产税", "每平方米") names something the documents never discuss.
            all_text = self.bot.corpus.text
            unknown = [t for t in self._content_tokens(q) if len(t) >= 3
                       and not any(t[i:i + 2] in all_text for i in range(len(t) - 1))]
            if unknown:
                return self._refuse(state, f"文件中没有提到“{unknown[0]}”。")
            # The figure may sit in a close runner-up clause (a goal in the parent, not the item).
            pool = clauses[skip : skip + 5]
            with_numbers = [
                (self._sentence_score(s, q) - 0.5 * i, c, s)
                for i, c in enumerate(pool) for s in sentences(c.text)
                if figure.search(s) and self._sentence_score(s, q) > 0
                and all(b in s for b in _BENEFIT.findall(q))
            ]
            if not with_numbers:
                return self._refuse(state, "文件中没有给出这个问题所问的具体数额。")
            _, c, s = max(with_numbers, key=lambda x: x[0])
            if c not in picked:
                picked = [c, *picked[:1]]
                quotes.setdefault(c.clause_id, [])
            n = cites.add(c, s)
            lines.append(f"答：{s}{self._past_target_note(s)} [{n}]")
            quotes[c.clause_id] = [x for x in quotes[c.clause_id] if x != s]
        body = []
        for c in picked:
            body.extend(self._bullets(c, quotes[c.clause_id], cites, full, q))
        if body:
            lines.append("依据：" if lines else "根据现有文件：")
            lines.extend(body)
        return self._answer(lines, cites)

    def _responsibility(self, state: dict) -> Answer:
        q = state["rewrite"].question
        units = state["units"]
        route: Route = state["route"]
        if units and _ASK_UNIT_WORK.search(q):
            entries = units
            if route.regions:
                narrowed = [e for e in entries if any(r in e.name for r in route.regions)]
                entries = narrowed or entries
            return self._unit_work(entries)
        clauses = [c for c in self._clauses(state["hits"]) if c.lead_units or c.participant_units]
        if not clauses:
            return self._fact(state)
        clauses = self._rerank(q, clauses[:6])
        top = clauses[0]
        if self._coverage(q, [top]) < MIN_COVERAGE and state["hits"][0].dense < MIN_DENSE:
            return self._refuse(state, "")
        cites = _Cites(self.bot)
        lines = []
        for c in clauses[:2]:
            if c is not top and self._coverage(q, [c]) < self._coverage(q, [top]):
                continue
            note = find_notes(c.text)
            quote = note[0] if note and note[0] in c.text else c.heading
            n = cites.add(c, quote)
            doc = self.bot.corpus.documents[c.doc_id]
            lead = "、".join(c.lead_units) or "未列明"
            part = "、".join(c.participant_units)
            line = f"《{doc.short_title}》{c.label}{c.heading}：牵头单位 {lead}"
            line += f"；参加单位 {part}" if part else ""
            lines.append(f"- {line} [{n}]")
            if note:
                lines.append(f"  原文注明：{note[0]} [{n}]")
        return self._answer(["负责单位：", *lines], cites)

    def _unit_work(self, entries) -> Answer:
        cites = _Cites(self.bot)
        lines: list[str] = []
        for e in entries[:3]:
            lines.append(f"{e.name}：牵头 {len(e.lead)} 项，参加 {len(e.participant)} 项。")
            for role, ids in (("牵头", e.lead), ("参加", e.participant)):
                for cid in ids:
                    c = self.bot.corpus.clause(cid)
                    if c is None:
                        continue
                    doc = self.bot.corpus.documents[c.doc_id]
                    n = cites.add(c, c.heading if c.heading in c.text else c.text[:40])
                    lines.append(f"- {role}｜《{doc.short_title}》{c.label} {c.heading} [{n}]")
        return self._answer(lines, cites)

    def _validity(self, state: dict) -> Answer:
        q = state["rewrite"].question
        route: Route = state["route"]
        docs = self._docs_meant(q, route)
        today = self.bot.today()
        cites = _Cites(self.bot)
        lines: list[str] = []
        asks_basis = bool(_BASIS.search(q))
        for d in docs:
            lines.extend(self._basis_lines(d, cites) if asks_basis else self._validity_lines(d, today, cites))
        asks_number = "文号" in q or "字号" in q
        if asks_number and not any(d.doc_number for d in docs):
            return self._refuse(state, "文件原文没有载明文号。")
        if asks_number:
            for d in docs:
                pre = self.bot.corpus.clause(f"{d.doc_id}#0")
                if d.doc_number and pre is not None and d.doc_number in pre.text:
                    n = cites.add(pre, d.doc_number)
                    lines.insert(0, f"- 《{d.short_title}》的文号为{d.doc_number} [{n}]")
        if not cites.items:
            return self._refuse(state, "")
        return self._answer(lines, cites)

    def _docs_meant(self, q: str, route: Route) -> list[Document]:
        docs = list(self.bot.corpus.documents.values())
        by_number = [d for d in docs if d.doc_number and d.doc_number in q]
        if by_number:
            return by_number
        if route.regions:
            applying = {name for r in route.regions for name in region_chain(r)}
            docs = [d for d in docs if d.region in applying] or docs
        topical = [d for d in docs if self._title_match(q, d)]
        return topical or docs

    @staticmethod
    def _title_match(q: str, d: Document) -> bool:
        title = d.short_title.replace("“", "").replace("”", "")
        q = q.replace("“", "").replace("”", "")
        keys = [k for k in ("互联网+流通", "流通", "互联网+行动", "互联网+", "平台经济") if k in title]
        return any(k in q for k in keys[:1])

    def _basis_lines(self, d: Document, cites: _Cites) -> list[str]:
        pre = self.bot.corpus.clause(f"{d.doc_id}#0")
        head = f"《{d.short_title}》"
        if not d.basis or pre is None:
            return [f"- {head}：原文没有写明所依据的上级文件。"] if pre is None else [
                f"- {head}：原文没有写明所依据的上级文件 [{cites.add(pre, pre.text.split(chr(10))[0])}]"
            ]
        quote = next((s for s in sentences(pre.text) if "《" in s), pre.text.split("\n")[-1])
        n = cites.add(pre, quote)
        basis = "、".join(f"《{b.title}》（{b.number}）" for b in d.basis)
        return [f"- {head}依据{basis} [{n}]"]

    def _validity_lines(self, d: Document, today: date, cites: _Cites) -> list[str]:
        head = f"《{d.short_title}》" + (f"（{d.doc_number}）" if d.doc_number else "")
        end = self.bot.corpus.clause(f"{d.doc_id}#end")
        pre = self.bot.corpus.clause(f"{d.doc_id}#0")
        lines = []
        status = d.status(today)
        date_line = None
        if end is not None:
            date_line = next((s for s in end.text.split("\n") if _DATE_LINE.fullmatch(s.strip())), None)
        if date_line:
            n = cites.add(end, date_line)
            kind = "印发日期" if "印发" in date_line else "落款日期"
            lines.append(f"- {head}：{kind}为“{date_line}” [{n}]")
        elif pre is not None:
            n = cites.add(pre, pre.text.split("\n")[0])
            lines.append(f"- {head}：原文未载明发布日期 [{n}]")
        if d.effective and end is not None:
            quote = next((s for s in sentences(end.text) if "施行" in s or "有效期" in s), end.text.split("\n")[0])
            n = cites.add(end, quote)
            lines.append(f"- {head}：“{quote}” [{n}]")
            if d.valid_until:
                verdict = "已过有效期" if status == "expired" else "仍在有效期内"
                lines.append(
                    f"  按此计算，有效期至{_cn_date(d.valid_until)}；截至今天（{_cn_date(today.isoformat())}）{verdict}。"
                )
            return lines
        lines.append(f"  原文未规定施行日期和有效期，本库无法判断它今天是否仍然有效（{STATUS_LABELS[status]}）。")
        return lines

    def _support(self, state: dict) -> Answer:
        q = state["rewrite"].question
        route: Route = state["route"]
        profile = state["options"].get("profile") or {}
        region = profile.get("region") or (route.regions[0] if route.regions else None)
        docs = documents_for_region(region, self.bot.corpus.documents) if region else list(
            self.bot.corpus.documents.values()
        )
        lines: list[str] = []
        if region:
            names = "、".join(f"{d.region}《{d.short_title}》" for d in docs)
            lines.append(f"适用于{region}企业的文件：{names}。" if docs else f"本库没有适用于{region}的文件。")
            have = {d.region for d in docs}
            missing = [r for r in covering_regions(region, self.bot.corpus.documents) if r not in have and r != NATIONAL]
            if docs and missing:
                lines.append(f"本库没有{'、'.join(missing)}的文件，以下只含{'、'.join(dict.fromkeys(d.region for d in docs))}的文件。")
        if not docs:
            return self._refuse(state, f"本库没有适用于{region}的文件。")
        # What the firm describes (its business, its need) decides relevance; the support kind only groups.
        extra = " ".join(w for w in (profile.get("industry"), profile.get("stage")) if w)
        query = f"{q} {extra}".strip()
        hits = self.bot.searcher.search(query, 20, Filters.of(d.doc_id for d in docs))
        state["hits"] = hits
        candidates = [c for c in self._clauses(hits) if c.level > 0 and self._has_content(c)]
        ranked = self._rerank(query, candidates[:12])
        if not ranked:
            return self._refuse(state, "现有文件中没有找到适用于该情况的扶持条款。")
        best = self._overlap(query, ranked[0])
        chosen = [c for c in ranked if self._overlap(query, c) >= 0.35 * best][:6]
        skip = state["rewrite"].skip
        chosen = chosen[skip:] if skip else chosen
        if not chosen:
            return self._answer([*lines, "前面的回答已列出全部相关条款，没有更多内容了。"], _Cites(self.bot))
        order = {d.doc_id: i for i, d in enumerate(docs)}
        grouped: dict[str, list[tuple[Clause, list[str]]]] = {}
        for c in chosen:
            quotes = self._best_sentences(c, query, 2)
            kind = self._support_kind(" ".join(quotes)) or self._support_kind(c.text) or "相关方向"
            grouped.setdefault(kind, []).append((c, quotes))
        cites = _Cites(self.bot)
        for kind in [*SUPPORT_KINDS, "相关方向"]:
            items = sorted(grouped.get(kind, []), key=lambda cq: order[cq[0].doc_id])
            if not items:
                continue
            lines.append(f"【{kind}】")
            for c, quotes in items:
                lines.extend(self._bullets(c, quotes, cites, bool(state["options"].get("full_clauses")), query))
        return self._answer(lines, cites)

    @staticmethod
    def _support_kind(text: str) -> str | None:
        """The kind of support a passage grants, by the first matching keyword group."""
        if not re.search(r"支持|给予|鼓励|奖励|补贴|享受|优惠|扶持|资助|减免|贴息|倾斜", text):
            return None
        scores = {kind: sum(1 for k in keys if k in text) for kind, keys in SUPPORT_KINDS.items()}
        kind, score = max(scores.items(), key=lambda kv: kv[1])
        return kind if score else None

    def _comparison(self, state: dict) -> Answer:
        q = state["rewrite"].question
        route: Route = state["route"]
        regions = route.regions or sorted({d.region for d in self.bot.corpus.documents.values()})
        topic = q
        for surface, _ in gazetteer().mentions(q):
            topic = topic.replace(surface, "")
        topic = re.sub(r"比较|对比|相比|区别|不同|异同|差异|分别|各自|和|与|跟|有什么|有何|一下", " ", topic)
        cites = _Cites(self.bot)
        lines: list[str] = []
        all_hits: list[Hit] = []
        for region in regions:
            # A place's own documents when it has some, else those that apply there from above.
            docs = [d for d in self.bot.corpus.documents.values() if d.region == region] or documents_for_region(
                region, self.bot.corpus.documents)
            if not docs:
                lines.append(f"【{region}】本库没有{region}的文件。")
                continue
            hits = self.bot.searcher.search(topic, 6, Filters.of(d.doc_id for d in docs))
            all_hits.extend(hits)
            ranked = self._rerank(topic, [c for c in self._clauses(hits) if self._has_content(c)])
            best = self._overlap(topic, ranked[0]) if ranked else 0.0
            clauses = [c for i, c in enumerate(ranked[:2]) if i == 0 or self._overlap(topic, c) >= max(0.5, 0.9 * best)]
            lines.append(f"【{region}】")
            if not clauses or self._coverage(topic, clauses) < 0.34:
                lines.append("- 该地文件没有专门规定。")
                continue
            for c in clauses:
                lines.extend(self._bullets(c, self._best_sentences(c, topic, 2, route.wants == "figure"), cites, False, topic))
        state["hits"] = all_hits
        if not cites.items:
            return self._refuse(state, "")
        return self._answer(lines, cites)


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"
