"""Refusals: when the corpus cannot answer, say so and say what it does hold."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..answer_types import Answer, Citations
from ..clauses import Clause
from ..corpus import Corpus, Document, documents_for_region
from ..docrefs import unknown_names
from ..regions import gazetteer
from ..retrieval import Hit
from ..sentences import split as split_sentences
from .context import Context, Turn
from .evidence import Evidence

# A year is a reason to refuse only when the question asks for a policy of that year ("2025年出台的政策",
# "2027年的新规定"); otherwise it is the date to judge against ("到2027年还能享受吗？").
_POLICY_OF_YEAR = re.compile(
    r"(20\d\d)\s*年(?:[^，。？?]{0,6}(?:出台|出的|发布|印发|制定|颁布|修订|修改|新出)|(?:的|度)?(?:新|最新)?"
    r"(?:政策|文件|规定|意见|办法|条例|措施|补贴标准)|[^，。？?]{0,20}?(?:新|最新)(?:政策|文件|规定|措施))"
)
# Up to this many documents a refusal names them all; a larger library is summarised, never listed.
NAMED_MAX = 8


def coverage_statement(corpus: Corpus) -> str:
    """What the corpus covers: every document of a small library; of a large one, how many documents of
    which regions (the largest few), since a list of thousands helps nobody."""
    docs = sorted(corpus.documents.values(), key=lambda d: (d.year or 0, d.region))
    if len(docs) <= NAMED_MAX:
        parts = [f"{d.region}{d.year or '（年份未载明）'}年《{d.short_title}》" for d in docs]
        return f"本库收录{len(docs)}份文件：" + "；".join(parts) + "。"
    regions = Counter(d.region for d in docs).most_common()
    shown = "、".join(f"{r}{n:,}份" for r, n in regions[:5])
    more = f"等{len(regions)}个地区" if len(regions) > 5 else ""
    years = [d.year for d in docs if d.year]
    span = f"，发布于{min(years)}—{max(years)}年" if years else ""
    return f"本库收录{len(docs):,}份文件（{shown}{more}{span}）。"


def name_some(docs: Sequence[Document], most: int = 5, *, region: bool = True) -> str:
    """"region《title》、…" for the first ``most`` documents, and how many more there are."""
    names = "、".join((d.region if region else "") + f"《{d.short_title}》" for d in docs[:most])
    return names + (f"等{len(docs)}份" if len(docs) > most else "")


def refuse(ctx: Context, reason: str, related: Sequence[Clause] = ()) -> Answer:
    """A refusal that says why, names the closest clauses the corpus has (cited, marked as related but
    not answering), and what the corpus covers."""
    cites = ctx.citations()
    lines = [reason + "现有文件没有回答这个问题的内容。"]
    lines += _related_lines(ctx, cites, related)
    lines.append(coverage_statement(ctx.corpus))
    return cites.answer(lines, refused=True)


def refuse_absent(ctx: Context, term: str, applying: Sequence[Document], elsewhere: Sequence[Clause]) -> Answer:
    """The documents that apply say nothing of ``term``; say so, and where else the corpus does."""
    cites = ctx.citations()
    if applying:
        names = name_some(applying, 4)
        lines = [f"适用的文件（{names}）没有规定“{term}”。"]
    else:
        lines = [f"现有文件没有规定“{term}”。"]
    if elsewhere:
        lines.append("其他地区或文件中提到它的条款（不适用于所问情形，仅供参考）：")
        for c in elsewhere:
            doc = ctx.corpus.documents[c.doc_id]
            quote = _sentence_with(c.text, term)
            lines.append(f"- {doc.region}《{doc.short_title}》{c.label}：{quote} [{cites.add(c, quote)}]")
    lines.append(coverage_statement(ctx.corpus))
    return cites.answer(lines, refused=True)


def _sentence_with(text: str, term: str) -> str:
    return next((s.text for s in split_sentences(text) if term in s.text), text[:60])


def _related_lines(ctx: Context, cites: Citations, related: Sequence[Clause]) -> list[str]:
    if not related:
        return []
    lines = ["相关但未回答的条款："]
    for c in related:
        doc = ctx.corpus.documents[c.doc_id]
        quote = next((s.text for s in split_sentences(c.text) if not s.heading), c.heading or c.text[:60])
        lines.append(f"- 《{doc.short_title}》{c.label}：{quote} [{cites.add(c, quote)}]（相关但未回答）")
    return lines


def reason_to_refuse(turn: Turn, ev: Evidence, unknown: Sequence[str] = ()) -> str | None:
    """Why the question must be refused before any composer runs; None when a composer may answer.
    ``unknown``: the documents it names that the corpus does not hold (``unheld``)."""
    route = turn.route
    if route.uncovered and not route.regions:
        return f"本库没有适用于{route.uncovered[0]}的政策文件（{route.uncovered[0]}本地、其上级地区和全国性的文件都没有收录）。"
    # A question that also names a held document is answered for it (with a note on the other).
    if unknown and not turn.options.get("doc_ids") and not turn.doc_ids:
        return f"本库没有《{unknown[0]}》。"
    # Validity questions name years as dates to judge against, not as policies asked for.
    if route.kind != "validity":
        return outside_corpus(turn.rewrite.question, turn.hits, ev)
    return None


_REPEAL = re.compile(r"废止|失效|停止执行|不再执行|代替|取代")


def repealed_by(corpus: Corpus, name: str) -> list[tuple[Clause, str]]:
    """Held clauses that repeal or replace a document the corpus does not hold ("…《工商行政管理部门处理消费者
    投诉办法》同时废止"), each with its sentences from the one that names it to the one that repeals it."""
    title = f"《{name}》"
    if title not in corpus.text:
        return []
    out = []
    for c in corpus.clauses:
        if title not in c.text:
            continue
        pieces = [s.text for s in split_sentences(c.text)]
        for i, piece in enumerate(pieces):
            if title in piece:
                run = next((pieces[i:j + 1] for j in range(i, min(i + 2, len(pieces))) if _REPEAL.search(pieces[j])), None)
                if run:
                    out.append((c, "".join(run)))
                    break
    return out


# A repealing clause up to this long is quoted whole: it is usually the closing article that also says when
# the document replacing the old one took effect ("本办法自2020年1月1日起施行。…同时废止。").
WHOLE_CLAUSE = 300


def repeal_notice(ctx: Context, repealed: dict[str, list[tuple[Clause, str]]], refused: bool) -> Answer:
    """What the corpus says of documents it does not hold but whose repeal a held document states: the answer
    to whether they still apply, and (``refused``) a refusal of anything else asked about their text."""
    cites = ctx.citations()
    lines = []
    for name, found in repealed.items():
        lines.append(f"本库没有《{name}》的原文；本库收录的文件规定了它的废止或替代：")
        for c, said in found:
            doc = ctx.corpus.documents[c.doc_id]
            said = c.text if len(c.text) <= WHOLE_CLAUSE else said
            lines.append(f"- 《{doc.short_title}》{c.label}：{said} [{cites.add(c, said)}]")
    if refused:
        lines.append("本库无法回答关于其条文内容的问题。")
    return cites.answer(lines, refused=refused)


def unheld(turn: Turn, ev: Evidence) -> list[str]:
    """Documents the question names that the corpus does not hold ("以前那个…条例还有效吗")."""
    corpus = ev.ctx.corpus
    return unknown_names(turn.rewrite.question, corpus.documents.values(), corpus.text)


def outside_corpus(question: str, hits: list[Hit], ev: Evidence) -> str | None:
    """A reason the corpus cannot answer, whatever retrieval found; None when it may."""
    corpus = ev.ctx.corpus
    newest = max((d.year or 0) for d in corpus.documents.values())
    all_text = corpus.text
    for year in {int(y) for y in _POLICY_OF_YEAR.findall(question)}:
        if year > newest and f"{year}年" not in all_text:
            return f"本库文件最晚发布于{newest}年，不含{year}年的情况。"
    # "X市政府出台了什么" about a place that has no document of its own, only documents above it.
    own = {d.region for d in corpus.documents.values()}
    for surface, place in gazetteer().mentions(question):
        if place.name in own:
            continue
        # The place as the actor: "杭州对直播电商有什么扶持", "广东省出台了什么", "深圳前海对…".
        if re.search(rf"{surface}[省市区县]?(?:政府|市里|区里|县里|省里|本级|自己)|{surface}[省市区县]?(?:出台|制定|的政策)|"
                     rf"{surface}[\u4e00-\u9fff]{{0,4}}?对[^，。？?]{{1,30}}(?:扶持|支持|补贴|奖励|优惠|政策|规定)", question):
            above = documents_for_region(place.name, corpus.documents)
            if above:
                names = name_some(above)
                return f"本库没有{place.name}本级的政策文件；适用于{place.name}的上级文件有：{names}。"
            return f"本库没有适用于{place.name}的政策文件。"
    return None
