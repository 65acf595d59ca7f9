"""Refusals: when the corpus cannot answer, say so and say what it does hold."""

from __future__ import annotations

import re

from ..answer_types import Answer
from ..corpus import Corpus, documents_for_region
from ..regions import gazetteer
from ..retrieval import Hit
from .context import Context, Turn
from .evidence import Evidence

# A year is a reason to refuse only when the question asks for a policy of that year ("2025年出台的政策",
# "2027年的新规定"); otherwise it is the date to judge against ("到2027年还能享受吗？").
_POLICY_OF_YEAR = re.compile(
    r"(20\d\d)\s*年(?:[^，。？?]{0,6}(?:出台|发布|印发|制定|颁布|修订|修改|新出)|(?:的|度)?(?:新|最新)?(?:政策|文件|规定|意见|办法|条例|措施|补贴标准))"
)
# Details people ask for that policy opinions do not print; if the evidence lacks the word, refuse.
_DETAILS = ("电话", "联系方式", "邮箱", "网址", "窗口", "截止", "申报时间", "申请材料", "申报材料", "办理流程",
            "名单", "具体条件", "接替", "取代", "新文件", "实际完成", "完成情况")


def coverage_statement(corpus: Corpus) -> str:
    docs = sorted(corpus.documents.values(), key=lambda d: (d.year or 0, d.region))
    parts = [f"{d.region}{d.year or '（年份未载明）'}年《{d.short_title}》" for d in docs]
    return f"本库收录{len(docs)}份文件：" + "；".join(parts) + "。"


def refuse(ctx: Context, reason: str) -> Answer:
    return ctx.citations().answer([reason + "现有文件没有回答这个问题的内容。", coverage_statement(ctx.corpus)],
                                  refused=True)


def reason_to_refuse(turn: Turn, ev: Evidence) -> str | None:
    """Why the question must be refused before any composer runs; None when a composer may answer."""
    route = turn.route
    if route.uncovered and not route.regions:
        return f"本库没有{route.uncovered[0]}的政策文件。"
    # Validity questions name years as dates to judge against, not as policies asked for.
    if route.kind != "validity":
        return outside_corpus(turn.rewrite.question, turn.hits, ev)
    return None


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
        if re.search(rf"{surface}[省市区县]?(?:政府|市里|区里|县里|省里|本级|自己)|{surface}[省市区县]?(?:出台|制定|的政策)", question):
            above = documents_for_region(place.name, corpus.documents)
            if above:
                names = "、".join(f"{d.region}《{d.short_title}》" for d in above)
                return f"本库没有{place.name}本级的政策文件；适用于{place.name}的上级文件有：{names}。"
            return f"本库没有适用于{place.name}的政策文件。"
    evidence = "".join(c.text for c in ev.clauses(hits[:5]))
    for word in _DETAILS:
        if word in question and word not in evidence:
            return f"文件没有写明“{word}”方面的内容。"
    return None
