"""List questions ("有哪些…", "分别是什么", "包括哪几项"): the whole enumeration, item by item.

A list is complete or it is wrong, so the answer quotes every item: the numbered children of a
clause (一、 → its （一）…; 第二十一条 → its （一）…（五）), the siblings under a lead-in that ends in
"下列…：", or the items a clause enumerates inline (一是…二是…, ①②③, ——). Each item cites the
clause it comes from, so a child is cited by its own id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..answer_types import Answer
from ..clauses import Clause
from ..sentences import enumeration
from ..sentences import split as split_sentences
from .context import Turn
from .evidence import Evidence, Scored

# A lead-in that announces the items below it: "履行下列安全保护义务：", "采取以下措施:".
_LEAD_IN = re.compile(r"(?:下列|以下|如下|包括)[^。；]*[：:]\s*$|[：:]\s*$")
MIN_ITEMS = 2


@dataclass
class Enumeration:
    parent: Clause
    items: list[tuple[Clause, str]]  # (clause to cite, what to quote)
    score: float


def _children(ev: Evidence, clause: Clause) -> list[Clause]:
    depth = clause.path.count(".") + 1 if clause.path[0].isdigit() else 1
    return [c for c in ev.ctx.corpus.children(clause) if c.path.count(".") == depth]


def _item_quote(clause: Clause) -> str:
    """What to show of a listed clause: all of a short one; a long one's heading and first content sentence."""
    if len(clause.text) <= 90:
        return clause.text.replace("\n", "")
    sents = split_sentences(clause.text)
    head = [s.text for s in sents[:1]]
    body = next((s.text for s in sents[1:] if not s.heading), "")
    if sents and not sents[0].heading:
        return sents[0].text
    return "".join([*head, body])


def _inline_items(text: str) -> list[str]:
    """Items a clause enumerates in its text (一是…, ①…, ——…), each with the sentences that follow it
    up to the next item ("——市场主导。充分发挥…")."""
    sents = split_sentences(text)
    if len(enumeration(sents)) < MIN_ITEMS:
        return []
    items: list[list[str]] = []
    for s in sents:
        if s.item:
            items.append([s.text])
        elif items:
            items[-1].append(s.text)
    # Each item is quoted as printed: sentences that follow each other directly in the text.
    return ["".join(parts) if "".join(parts) in text else parts[0] for parts in items]


def enumerations(ev: Evidence, question: str, clauses: list[Clause]) -> list[Enumeration]:
    """Every enumeration the candidate clauses hold or open, scored by how well the question fits its parent."""
    corpus = ev.ctx.corpus
    found: dict[str, Enumeration] = {}

    def fit(parent: Clause, rank: int) -> float:
        # The question naming the list's own heading ("有哪些重点行动" → 二、重点行动) is the surest sign.
        heading = parent.heading.rstrip("。：:")
        named = 0.3 if len(heading) >= 2 and heading in question else 0.0
        # Its own words only: an item inherits its parent's heading as context, the list does not. And its
        # meaning, as for sentences: "不能聘用哪些人" is the list "不得聘用有下列情形之一的人员：".
        return ev.overlap(question, parent, context=False) + named + 0.15 / (1 + rank) + close.get(parent.clause_id, 0.0)

    # A list is often asked of a heading that retrieval ranks below its items ("有哪些重点行动" → 二、重点行动):
    # every candidate's ancestors are candidates too, at its rank.
    seen: dict[str, tuple[int, Clause]] = {}
    for rank, c in enumerate(clauses):
        for x in (c, *corpus.breadcrumb(c)):
            seen.setdefault(x.clause_id, (rank, x))
    close = ev.meaning(question, [x for _, x in seen.values()], clauses)
    for rank, c in seen.values():
        kids = _children(ev, c)
        if len(kids) >= MIN_ITEMS:
            found.setdefault(c.clause_id, Enumeration(c, [(k, _item_quote(k)) for k in kids], fit(c, rank)))
        parent = corpus.breadcrumb(c)[-1] if c.parents else None
        if parent is not None and _LEAD_IN.search(parent.text):
            kids = _children(ev, parent)
            if len(kids) >= MIN_ITEMS:
                found.setdefault(parent.clause_id, Enumeration(parent, [(k, _item_quote(k)) for k in kids],
                                                               fit(parent, rank)))
        items = _inline_items(c.text)
        if len(items) >= MIN_ITEMS and c.clause_id not in found:
            found[c.clause_id] = Enumeration(c, [(c, text) for text in items], fit(c, rank))
    return sorted(found.values(), key=lambda e: -e.score)


def announced_by(found: list[Enumeration], best: list[Scored]) -> Enumeration | None:
    """The enumeration the best evidence belongs to: a sentence that announces its items ("…下列商品除外：")
    or one of them. Not an inline list: its sentences are the evidence already."""
    for s in best:
        for e in found:
            items = {c.clause_id for c, _ in e.items if c is not e.parent}
            # Only a list its parent announces: an opinion's every clause is an item of its heading.
            if items and _LEAD_IN.search(e.parent.text) and (
                    s.clause.clause_id in items or (s.clause is e.parent and s.sentence.lead_in)):
                return e
    return None


def compose(turn: Turn, ev: Evidence, found: Enumeration) -> Answer:
    corpus = ev.ctx.corpus
    cites = ev.ctx.citations()
    parent = found.parent
    doc = corpus.documents[parent.doc_id]
    lead = next((s.text for s in split_sentences(parent.text) if not s.item), parent.heading)
    n = cites.add(parent, lead) if lead and lead in parent.text else None
    head = f"《{doc.short_title}》{parent.label}{'：' + lead if lead else ''}"
    lines = [f"{head} [{n}]" if n else head, f"共{len(found.items)}项："]
    for clause, quote in found.items:
        m = cites.add(clause, quote)
        label = clause.label.replace(parent.label, "", 1) if clause is not parent else ""
        lines.append(f"- {label}{quote} [{m}]")
    return cites.answer(lines)
