"""Evidence for an answer: which clauses and sentences contain what the question asks, and how to quote them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ..answer_types import Citations
from ..clauses import Clause
from ..corpus import region_chain
from ..docrefs import document_mentions, title_variants
from ..lexicon import variants
from ..regions import gazetteer
from ..retrieval import Hit
from ..sentences import Sentence, offers
from ..sentences import split as split_sentences
from ..values import holds_measure, parse_values, satisfies
from .context import Context

# What a sentence can hold that a question asks for (routing.asks ∩ sentences.offers).
ANSWER_KINDS = frozenset(
    {"money", "figure", "date", "duration", "definition", "penalty", "duty", "target", "list", "contact"}
)

# Most that closeness in meaning adds to a sentence's score. It counts in full even when some sentence
# holds the question's words: a lay question's words are often the generic ones ("三包", "负责") while the
# sentence that answers it says 销售者 for its 4S店. Undamped (it used to shrink as the best sentence's word
# share grew), dev key facts 0.868 → 0.874 and citation recall 0.923 → 0.930 (eval-splits, 2026-12-07).
DENSE_WEIGHT = 0.3

_YEAR_TARGET = re.compile(r"(?:到|至|力争到|争取到)(20\d\d)年")
UNIT_NOTE = re.compile(r"^[（(]?(?:牵头单位|参加单位|责任单位|责任部门|配合单位)[:：]|^参加单位|^[（(][^）)]*负责[）)]$")
_ASKING = re.compile(r"什么|哪|谁|多少|几|怎么|如何|吗|是否")
_PREPOSITIONS = frozenset("对在向给把为从与和及跟让被")
_MODIFIER = re.compile(r"^(?:最多|最少|最高|最低|至少|至多)(?=[\u4e00-\u9fff])")
_QUESTION_WORD = re.compile(r"^[哪几什么怎样多少个些谁何一年]+$")


@dataclass(frozen=True)
class Scored:
    """A sentence of a candidate clause, scored for a question."""

    score: float
    lex: float  # idf-weighted share of the question's content words in the sentence (its clause's headings count half)
    clause: Clause
    sentence: Sentence
    rank: int  # the clause's place among the candidates (retrieval order)


def clause_sentences(c: Clause) -> list:
    """A clause's sentences (``sentences.split``); an article of a law has no heading sentence."""
    return split_sentences(c.text, headings=not c.label.startswith("第"))


# "什么时候成立？" is answered by the event that sets the time ("自资金到达借款人账户时", "自登记之日起") as well
# as by a date.
_EVENT_TIME = re.compile(r"自[^，。；：]{2,30}?(?:之时|时|之日|当日)(?:起)?")


def holds_value(asked: str | None, text: str, penalty_asked: bool, measure: str | None = None) -> bool:
    """Does ``text`` hold a value of the kind asked (a number in the ``measure`` word asked: "扣多少分" → 12分)?
    A fine ("处以二千元罚款") is the sum only a question about a penalty asks for: not a fee, a subsidy or a
    payment."""
    if measure:
        return holds_measure(text, measure)
    if asked == "contact":
        return "contact" in offers(text)
    if asked == "when" and _EVENT_TIME.search(text):
        return True
    values = parse_values(text)
    if not penalty_asked and "penalty" in offers(text):
        values = [v for v in values if v.kind != "money"]
    kinds = [v.kind for v in values]
    # A fine is a sum or a multiple of one ("处骗取金额1倍以上3倍以下的罚款"): either answers "罚多少？".
    if penalty_asked and asked == "money" and "multiple" in kinds and "罚款" in text:
        return True
    return satisfies(asked, kinds)


def lead_in(parent: Clause) -> str:
    """The whole sentence that announces a clause's list ("经营者有下列情形之一…；…处…罚款；情节严重的，…:"),
    from the last full stop before the piece that ends in a colon; "" when the clause announces none."""
    piece = next((s.text for s in split_sentences(parent.text) if s.lead_in), "")
    if not piece:
        return ""
    head = parent.text[:parent.text.find(piece) + len(piece)]
    return re.split(r"(?<=[。\n])", head)[-1].strip()


def item_lead_in(corpus, clause: Clause) -> tuple[Clause, str] | None:
    """For an item of a list (a clause numbered under a parent), the parent and the lead-in that announces
    it ("机动车驾驶人有下列交通违法行为之一，一次记3分："); None for any other clause."""
    chain = corpus.breadcrumb(clause)
    if not chain or not clause.path.rsplit(".", 1)[-1].isdigit():
        return None
    lead = lead_in(chain[-1])
    return (chain[-1], lead) if lead else None


def has_content(c: Clause) -> bool:
    """False for bare level-1 headings ("二、重点行动"): they hold no facts of their own. A short article
    ("本法所称的著作权即版权。") is a sentence, not a heading."""
    return not (c.level == 1 and len(c.text) < 30 and all(s.heading for s in clause_sentences(c)))


class Evidence:
    """Scores clauses and sentences against a question, with the corpus's headings and BM25 idf."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # Reranking scores every candidate against the same question: segment it once.
        self._parts: dict[str, tuple[str, ...]] = {}  # a compound question word → its parts
        self.content_tokens = lru_cache(maxsize=512)(self._segment_content)
        self.weight = lru_cache(maxsize=4096)(self._weight)
        # A composer may score the same question's sentences several times; embed it once.
        self.query_vector = lru_cache(maxsize=256)(ctx.searcher.embed_query)
        self._titles = {form for d in ctx.corpus.documents.values() for form in title_variants(d)}
        self._documents = list(ctx.corpus.documents.values())

    def _weight(self, token: str) -> float:
        """A question word's idf. A word the keyword index does not know may still be part of the corpus's
        compounds ("一网" in 一网统管): count the clauses that contain it, rather than treat it as common."""
        idf = self.ctx.searcher.bm25.idf
        if token in idf:
            return idf[token]
        clauses = self.ctx.corpus.clauses
        if not clauses or len(clauses) > 50_000:
            return 1.0
        df = sum(1 for c in clauses if token in c.text)
        return _idf_of(max(df, 1), len(clauses))

    def _segment_content(self, question: str) -> tuple[str, ...]:
        toks = self.ctx.segmenter.tokens(question)
        drop = set()
        for surface, place in gazetteer().mentions(question):
            # and the pieces of it that search-mode segmentation yields (北京市 → 京市)
            drop.update({surface, place.name, place.short, *(t for t in toks if t in surface)})
        # Words that frame a question rather than name its subject.
        generic = {"企业", "公司", "我们", "有没有", "规定", "要求", "内容", "哪些", "什么", "多少", "怎么样",
                   "具体", "一下", "请问", "目标", "单位", "部门", "负责", "牵头", "省", "市", "包括", "方面",
                   "分别", "主要", "情况", "说法", "列出", "全部", "不落", "相关", "有关", "可以", "需要", "应该",
                   "怎样", "哪里", "为什么", "文件", "里面", "提到", "写的", "一共", "总共", "不要", "要不要",
                   "是不是", "能不能", "可不可以", "会不会", "算不算", "行不行", "不能", "能否", "可否",
                   # how a firm frames what it asks for, not what it is about
                   "一家", "当地", "本地", "利用", "享受", "指望", "争取", "能够", "打算", "想要", "省里", "市里", "区里",
                   "县里", "条例", "法律", "法规", "细则",
                   # how much or how long is asked, not of what
                   "最多", "最少", "最高", "最低", "至少", "至多", "多长", "多长时间", "多久", "多大", "期限", "时限",
                   "金额", "数额", "标准", "意思"}
        idf = self.ctx.searcher.bm25.idf
        # jieba glues a preposition to a word it does not know ("对小微"): the word is what the text prints.
        toks = [t[1:] if len(t) >= 3 and t[0] in _PREPOSITIONS and t not in idf else t for t in toks]
        # ... and a "how much" word to the verb after it ("最多罚" → 罚).
        toks = [_MODIFIER.sub("", t) if t not in idf else t for t in toks]
        # A document named in the question ("网络安全法") is where to look (retrieval is narrowed to it), not
        # what to look for: no article of it prints its own title. The words of its name ("网络安全") and those
        # its name runs into ("国家噪声法里" → 国家, 法里) are how the asker names it.
        drop.update(self._titles)
        plain = re.sub(r"[“”\"'‘’（）()\s]", "", question)
        for name, _ in document_mentions(question, self._documents):
            at = plain.find(name)
            # ... with the country it is placed in ("国家的…法"; a region is dropped as a place anyway).
            if at > 0 and (country := re.search(r"(?:国务院|国家|全国|中央)的?$", plain[:at])):
                name, at = plain[country.start():at] + name, country.start()
            drop.update(t for t in toks if _overlaps(plain, t, at, at + len(name)))
        # ... and the pieces search-mode segmentation cuts from a framing word ("多长时间" → 长时间), where the
        # question has them only inside it.
        framing = [(m.start(), m.end()) for g in generic for m in re.finditer(re.escape(g), plain)]
        drop.update(t for t in toks if t not in generic and _only_within(plain, t, framing))
        kept = [t for t in toks if t not in drop and t not in generic and len(t) > 1 and not _QUESTION_WORD.match(t)]
        # Search-mode segmentation also yields the parts of a compound (智慧城市 → 智慧, 城市): count the
        # compound once, or its parts outweigh the question's other words; its parts still find it in a
        # text that splits it ("引进人才" in "引进国内外高端人才").
        compounds = tuple(dict.fromkeys(t for t in kept if not any(t != o and t in o for o in kept)))
        for c in compounds:
            self._parts[c] = tuple(p for p in kept if p != c and p in c)
        return compounds

    def in_corpus(self, token: str) -> bool:
        """Does any document use the question word (``found`` in the whole corpus)? A word the keyword index
        knows is used; only others are looked for in the text (a scan of 10^7 characters at scale)."""
        return token in self.ctx.searcher.bm25.idf or self.found(token, self.ctx.corpus.text)

    def found(self, token: str, text: str) -> bool:
        """Does the text hold the question word: itself, a synonym, or all of its parts?"""
        if token.isascii():
            # The segmenter lower-cases Latin words ("o2o"); the documents print them as written ("O2O").
            corpus = self.ctx.corpus
            text = corpus.text_lower if text is corpus.text else text.lower()
        if any(v in text for v in variants(token)):
            return True
        parts = self._parts.get(token, ())
        return len(parts) >= 2 and all(any(v in text for v in variants(p)) for p in parts)

    def clauses(self, hits: list[Hit]) -> list[Clause]:
        return [c for h in hits if (c := self.ctx.corpus.clause(h.clause_id)) is not None]

    def overlap(self, question: str, clause: Clause, *, context: bool = True) -> float:
        """idf-weighted share of the question's content words that the clause (with its headings) contains."""
        toks = set(self.content_tokens(question))
        if not toks:
            return 0.0
        blob = clause.text + ("".join(self.ctx.corpus.context_headings(clause)) if context else "")
        total = sum(self.weight(t) for t in toks)
        return sum(self.weight(t) for t in toks if self.found(t, blob)) / total

    def rerank(self, question: str, clauses: list[Clause]) -> list[Clause]:
        """Retrieval order, corrected by how much of the question each clause actually contains."""
        regions = {name for place in gazetteer().find(question) for name in region_chain(place.name)}
        documents = self.ctx.corpus.documents
        # Deeper clauses win ties: an answer must cite the exact clause, not its parent.
        scored = [
            (self.overlap(question, c) - 0.02 * i + 0.03 * c.level
             + (0.15 if documents[c.doc_id].region in regions else 0.0), -i, c)
            for i, c in enumerate(clauses)
        ]
        return [c for _, _, c in sorted(scored, key=lambda x: (x[0], x[1]), reverse=True)]

    def sentence_score(self, sentence: str, question: str, toks: set[str] | None = None) -> float:
        toks = toks if toks is not None else set(self.content_tokens(question))
        return sum(self.weight(t) for t in toks if self.found(t, sentence))

    def past_target_note(self, text: str) -> str:
        years = [int(y) for y in _YEAR_TARGET.findall(text)]
        past = sorted({y for y in years if y < self.ctx.today().year})
        if not past:
            return ""
        return f"（注：{'、'.join(map(str, past))}年的目标期限已过，文件未说明完成情况）"

    def bullets(self, clause: Clause, quotes: list[str], cites: Citations, full: bool, question: str = "") -> list[str]:
        """Bullets in document order; the citation quotes the sentence that best answers the question."""
        if not quotes:
            quotes = [clause.heading if clause.heading in clause.text else clause.text[:60]]
        best = max(quotes, key=lambda s: self.sentence_score(s, question)) if question else quotes[0]
        n = cites.add(clause, best)
        if full:
            return [f"- {clause.label}{clause.text} [{n}]"]
        return [f"- {s}{self.past_target_note(s)} [{n}]" for s in quotes]

    # ------------------------------------------------------------------ sentence-level evidence

    def specific_terms(self, question: str) -> list[str]:
        """The question's rarest content words (few clauses contain them), rarest first: what it is about."""
        idf = self.ctx.searcher.bm25.idf
        known = [t for t in self.content_tokens(question) if t in idf]
        if not known:
            return []
        n = max(len(self.ctx.corpus.clauses), 1)
        # A word in at most ~2% of clauses (and never fewer than 3) pins a question down.
        limit = _idf_of(max(3, n // 50), n)
        # Ties keep the question's order: the same question must give the same answer in every process.
        return sorted(dict.fromkeys(t for t in known if idf[t] >= limit), key=lambda t: -idf[t])

    def question_parts(self, question: str) -> list[str]:
        """The questions a question asks: split at ？ and ；, and at a comma when both sides ask something
        ("…是谁来统筹协调的，用什么机制？"), not at one that only sets a scene ("到2020年，…多少？")."""
        out: list[str] = []
        for piece in re.split(r"[？?；;]", question):
            chunks = [c for c in re.split(r"[，,]", piece) if c.strip()]
            if not chunks:
                continue
            current = chunks[0]
            for nxt in chunks[1:]:
                if _ASKING.search(current) and _ASKING.search(nxt):
                    out.append(current)
                    current = nxt
                else:
                    current += "，" + nxt
            out.append(current)
        return [p for p in out if self.content_tokens(p)]

    def rank_sentences(self, question: str, clauses: list[Clause], asks: frozenset[str] = frozenset()) -> list[Scored]:
        """Every sentence of the candidate clauses, best first.

        A sentence scores by the question's content words it holds (idf-weighted; words only in its
        clause's headings count half), by holding what the question asks for (a figure, a duty, a
        definition …), and a little by its clause's retrieval rank and region. A bare heading
        ("加大政策扶持。") is never the evidence while its clause says more.
        """
        toks = set(self.content_tokens(question))
        total = sum(self.weight(t) for t in toks) or 1.0
        named = {place.name for place in gazetteer().find(question)}
        regions = {name for place in named for name in region_chain(place)}
        corpus = self.ctx.corpus
        wanted = asks & ANSWER_KINDS
        # "哪些行业云" / "几个“一网”": a sentence listing several things of that kind ("工业云、农业云…",
        # "“一网统管”、…“一网通办”") is the list asked for.
        head = list_head(question) if "list" in asks or "分别" in question else ""
        out: list[Scored] = []
        for rank, c in enumerate(clauses):
            doc = corpus.documents[c.doc_id]
            sents = clause_sentences(c)
            # The clause's own heading ("建立健全工作协调推进机制。") frames every sentence under it, like its parents'.
            own = "".join(s.text for s in sents if s.heading)
            around_text = "".join(corpus.context_headings(c)) + own + doc.short_title
            has_body = any(not s.heading for s in sents)
            # The place asked about: its own documents first, then those of the regions above it.
            prior = 0.2 / (1 + 0.5 * rank) + (0.1 if doc.region in named else 0.05 if doc.region in regions else 0.0)
            for s in sents:
                inside = {t for t in toks if self.found(t, s.text) and not _other_side(t, question, s.text)}
                around = {t for t in toks - inside if self.found(t, around_text)}
                lex = (sum(self.weight(t) for t in inside) + 0.5 * sum(self.weight(t) for t in around)) / total
                bonus = min(0.5, 0.25 * len(wanted & s.offers))
                if head and lists_of(head, s.text):
                    bonus += 0.4
                score = lex + bonus + prior
                if (s.heading and has_body) or UNIT_NOTE.match(s.text):
                    # A heading, or a note of who is responsible ("（牵头单位：…；参加单位：…）", whose unit
                    # names share words with any question about their field): never the evidence itself.
                    score *= 0.3
                out.append(Scored(score=score, lex=lex, clause=c, sentence=s, rank=rank))
        return sorted(self._with_meaning(question, out), key=lambda x: (-x.score, x.rank, x.sentence.index))

    def _with_meaning(self, question: str, scored: list[Scored]) -> list[Scored]:
        """Add how close each sentence is in meaning (e5 cosine to the question, from the sentence vectors
        built with the index), scaled within the candidates: "把土特产放到网上去卖" shares no word with
        "农村电子商务" but means it. Lexical share (``lex``), which refusals read, is left as it is."""
        vectors = self.ctx.searcher.vectors
        rows = [vectors.sentence_vector(s.clause.clause_id, s.sentence.index) for s in scored]
        if not scored or any(r is None for r in rows):
            return scored
        cos = np.asarray(rows, dtype=np.float32) @ np.asarray(self.query_vector(question), dtype=np.float32)
        added = _meaning_added(cos, cos)
        if added is None:
            return scored
        return [replace(s, score=s.score + float(w)) for s, w in zip(scored, added, strict=True)]

    def meaning(self, question: str, clauses: list[Clause], among: list[Clause]) -> dict[str, float]:
        """How close each clause's best sentence is in meaning to the question, scaled as sentences are
        (``_with_meaning``) against the sentences of ``among``: 0 at their median, DENSE_WEIGHT at their best.
        Empty when the index holds no sentence vectors for them."""
        vectors = self.ctx.searcher.vectors
        qv = np.asarray(self.query_vector(question), dtype=np.float32)
        cosines: dict[str, list[float]] = {}  # per clause, each computed once for both uses
        for c in (*among, *clauses):
            if c.clause_id not in cosines:
                rows = [vectors.sentence_vector(c.clause_id, s.index) for s in split_sentences(c.text)]
                cosines[c.clause_id] = [float(np.asarray(r, dtype=np.float32) @ qv) for r in rows if r is not None]
        reference = [x for c in among for x in cosines[c.clause_id]]
        if not reference:
            return {}
        # A clause without sentence vectors counts as the median: no closeness added.
        best = [max(cosines[c.clause_id], default=float(np.median(reference))) for c in clauses]
        added = _meaning_added(np.asarray(best), reference)
        return {} if added is None else {c.clause_id: float(w) for c, w in zip(clauses, added, strict=True)}


def _meaning_added(cos: np.ndarray, reference) -> np.ndarray | None:
    """What closeness in meaning adds: DENSE_WEIGHT at the best cosine of ``reference``, 0 at its median and
    below, in proportion between; None when the reference's cosines do not differ."""
    low, high = float(np.median(reference)), float(np.max(reference))
    if high - low < 1e-6:
        return None
    return DENSE_WEIGHT * np.maximum(0.0, (np.asarray(cos, dtype=np.float64) - low) / (high - low))


_LIST_NOUN = re.compile(r"(?:哪(?:些|几)|几)(?:个|类|种|项|方面|家)?[“\"]?([\u4e00-\u9fff]{1,4})")


_SIDES = {"前": "后", "后": "前"}


def _other_side(token: str, question: str, text: str) -> bool:
    """Does the text speak of the other side of what the question places before or after its word ("结婚前"
    asked, "结婚后" printed and never "结婚前")? Such a sentence is about another case, whatever words it shares."""
    at = question.find(token)
    side = question[at + len(token):at + len(token) + 1] if at >= 0 else ""
    other = _SIDES.get(side)
    return bool(other) and token + other in text and token + side not in text


def lists_of(head: str, text: str) -> bool:
    """Does the text enumerate things of that kind ("工业云、农业云、金融云" for 云)?"""
    return len(re.findall(re.escape(head) + r"[\u4e00-\u9fff]{0,4}[”\"]?[、，,和及与]", text)) >= 2


def list_noun(question: str) -> str:
    """The thing a list question asks for, as written ("有哪些原则" → 原则); "" when none."""
    m = _LIST_NOUN.search(question)
    return m.group(1) if m else ""


def closes_series(noun: str, text: str) -> bool:
    """Does the text name a series of them, the noun closing it ("和谐友好、公平公正、…、敏捷治理原则",
    "商品交易市场、…、再生资源回收等10个流通行业")?"""
    return bool(noun) and re.search(r"(?:[\u4e00-\u9fff]{1,10}、){2,}[^，,。；;、]{1,16}?" + re.escape(noun), text) is not None


def list_head(question: str) -> str:
    """What the listed things end with: "哪些行业云" → 云, "几个“一网”" → 一网 (its kind, not the whole noun)."""
    m = _LIST_NOUN.search(question)
    if not m:
        return ""
    noun = m.group(1)
    return noun if len(noun) <= 2 and "“" in m.group(0) else noun[-1]


def _overlaps(text: str, token: str, start: int, end: int) -> bool:
    """Does some occurrence of ``token`` in ``text`` overlap text[start:end]?"""
    at = text.find(token)
    while at >= 0:
        if at < end and start < at + len(token):
            return True
        at = text.find(token, at + 1)
    return False


def _only_within(text: str, token: str, spans: list[tuple[int, int]]) -> bool:
    """Does ``token`` occur in ``text``, and only inside the spans?"""
    at = text.find(token)
    if at < 0 or not spans:
        return False
    while at >= 0:
        if not any(a <= at and at + len(token) <= b for a, b in spans):
            return False
        at = text.find(token, at + 1)
    return True


def _idf_of(df: int, n: int) -> float:
    """BM25's idf for a word in ``df`` of ``n`` clauses (the formula lexicon.BM25 uses)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
