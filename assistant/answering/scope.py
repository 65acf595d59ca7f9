"""Which documents a question about documents as a whole (validity, targets) is about.

In order: the documents the caller restricted the question to; the documents it names by part of
their title (docrefs); a document number it prints; the region it names (every document that applies
there); words it shares with a title ("浙江平台经济意见"); else every document. Nothing here knows
which documents ship: titles, numbers and regions come from the loaded corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..corpus import Document, region_chain
from ..docrefs import named_documents, unknown_names
from ..ingest.versions import of_year
from ..regions import gazetteer
from .context import Context, Turn

# Words every title is made of; sharing them with a question says nothing about which document it means.
_TITLE_FILLER = re.compile(
    r"中华人民共和国|人民政府|办公厅|关于|加快|推进|促进|进一步|发展|实施|指导|若干|暂行|管理|政府|规范|健康|"
    r"意见|通知|条例|规定|办法|细则|规则|决定|方案|措施|计划|规划|纲要|[省市区县的法和与及]"
)
_BRACKETS = re.compile(r"[〔〕\[\]［］（）()【】\s]")
# A year that identifies a document ("2016年印发的那份意见") rather than a date to judge against.
IDENTIFYING_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年(?=[^，。？?]{0,3}(?:印发|发布|出台|通过|颁布|制定|公布|发的|版)|的?(?:那份|这份|文件|意见|条例|规定|办法))")


@dataclass(frozen=True)
class Scope:
    documents: list[Document]
    how: str  # "option" | "named" | "number" | "region" | "title" | "all"

    @property
    def everything(self) -> bool:
        """Nothing in the question narrowed it down: answers stay short (one line per document)."""
        return self.how == "all"


def documents_meant(ctx: Context, turn: Turn, *, own_region: bool = False) -> Scope:
    """``own_region``: a region named means its own documents when it has any ("杭州的目标" are
    Hangzhou's), else the documents that apply there; without it, always every document that applies."""
    q = turn.rewrite.question
    docs = list(ctx.corpus.documents.values())
    wanted = turn.options.get("doc_ids")
    if wanted:
        return Scope([d for d in docs if d.doc_id in set(wanted)], "option")
    scope = _scope(ctx, turn, q, docs, own_region)
    return Scope(one_version(ctx, q, scope.documents), scope.how)


def _scope(ctx: Context, turn: Turn, q: str, docs: list[Document], own_region: bool) -> Scope:
    named = named_documents(q, docs)
    if named:
        return Scope(named, "named")
    if turn.rewrite.kind == "focus" and turn.focus:
        # "现在还能申请吗？": the documents of the clauses the previous answer cited.
        cited = list(dict.fromkeys(cid.split("#", 1)[0] for cid in turn.focus))
        return Scope([d for d in docs if d.doc_id in cited], "focus")
    plain_q = _BRACKETS.sub("", q)
    by_number = [d for d in docs if d.doc_number and _BRACKETS.sub("", d.doc_number) in plain_q]
    if by_number:
        return Scope(by_number, "number")
    regions = list(turn.route.regions) or ([turn.options["region"]] if turn.options.get("region") else [])
    if not regions:
        narrowed, how = _narrow(q, docs)
        return Scope(narrowed, how)
    # Each region named on its own: "杭州和宁波的目标" narrows Hangzhou's and Ningbo's documents separately.
    out: list[Document] = []
    for r in regions:
        chain = region_chain(r, ctx.corpus.documents)
        in_region = [d for d in docs if d.region in chain]
        own = [d for d in in_region if d.region == r]
        narrowed, _how = _narrow(q, own if own_region and own else in_region)
        out.extend(d for d in narrowed if d not in out)
    return Scope(out, "region") if out else Scope(docs, "all")


_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")


def one_version(ctx: Context, q: str, docs: list[Document]) -> list[Document]:
    """Of a law held in several versions, the one meant: the version in force in the year the question
    names ("2018年的公司法"), else the one in force today."""
    versions = ctx.corpus.versions
    groups: dict[str, list] = {}
    for d in docs:
        if (v := versions.get(d.doc_id)) is not None:
            groups.setdefault(v.newest, []).append(v)
    if not groups:
        return docs
    years = [int(y) for y in _YEAR.findall(q)]
    today = ctx.today()
    keep = set()
    for vs in groups.values():
        pick = next((v for y in years if (v := of_year(vs, y)) is not None), None)
        if pick is None:
            current = [v for v in vs if not v.replaced(today)]
            pick = max(current or vs, key=lambda v: v.date)
        keep.add(pick.doc_id)
    return [d for d in docs if d.doc_id not in versions or d.doc_id in keep]


def _narrow(q: str, docs: list[Document]) -> tuple[list[Document], str]:
    """Documents narrowed by the year they were issued in, the kind and the title words the question
    names; "all" when nothing narrowed them."""
    how = "all"
    by_year = _issued_in(q, docs)
    if by_year:
        docs, how = by_year, "title"
    by_kind = _of_kind(q, docs)
    if by_kind and len(by_kind) < len(docs):
        docs, how = by_kind, "title"
    titled = by_title_words(q, docs)
    if titled:
        docs, how = titled, "title"
    return docs, how


# Kinds of document a question may name ("那份意见", "浙江的条例"); 法 is left out: too many words end in it.
_KINDS = ("意见", "条例", "规定", "办法", "通知", "方案", "决定", "细则", "措施", "规划", "计划")


def _of_kind(q: str, docs: list[Document]) -> list[Document]:
    # Only where it names a document ("那份意见", "浙江的条例"), not in "有什么规定".
    kinds = re.findall(rf"(?:份|该|此|的|省|市|区|县)(?:指导|实施|若干|管理|暂行|促进|工作)?({'|'.join(_KINDS)})", q)
    return [d for d in docs if any(k in d.short_title for k in kinds)] if kinds else []


def unheld_names(ctx: Context, q: str, scope: Scope) -> list[str]:
    """Law-like names in the question ("个人信息保护法", "广东省数字经济促进条例") that neither name a
    corpus document nor share most of their distinctive words with a title in scope: the question
    asks about a document the corpus does not hold."""
    if scope.how in ("option", "named", "number"):
        return []
    corpus = ctx.corpus
    out = []
    # A name the corpus only mentions in running text is still not a document it holds: its dates
    # and status cannot be told.
    for name in unknown_names(q, corpus.documents.values(), ""):
        plain = name
        for surface, _place in gazetteer().mentions(plain):
            plain = plain.replace(surface, "")
        distinctive = len(_TITLE_FILLER.sub("", plain))
        best = max((title_overlap(name, d.short_title) for d in scope.documents), default=0)
        if best < max(3, distinctive / 2):
            out.append(name)
    return out


def _issued_in(q: str, docs: list[Document]) -> list[Document]:
    years = {int(y) for y in IDENTIFYING_YEAR.findall(q)}
    return [d for d in docs if d.year in years] if years else []


def title_overlap(question: str, title: str) -> int:
    """Characters of the question, in runs of two or more, that also occur in the title — not
    counting the places it names and the words every title is made of."""
    q = _BRACKETS.sub("", question).replace("“", "").replace("”", "").replace("＋", "+")
    for surface, _place in gazetteer().mentions(q):
        q = q.replace(surface, "|")
    t = title.replace("“", "").replace("”", "").replace("＋", "+")
    score, i = 0, 0
    while i < len(q) - 1:
        j = i + 2
        if q[i:j] not in t:
            i += 1
            continue
        while j < len(q) and q[i : j + 1] in t:
            j += 1
        score += len(_TITLE_FILLER.sub("", q[i:j])) if j - i >= 2 else 0
        i = j
    return score


def by_title_words(question: str, docs: Iterable[Document]) -> list[Document]:
    """The documents whose titles share the most distinctive words with the question (ties and near
    ties kept); empty when no title shares any."""
    scored = [(title_overlap(question, d.short_title), d) for d in docs]
    top = max((n for n, _ in scored), default=0)
    if top < 2:
        return []
    return [d for n, d in scored if n >= 0.8 * top]
