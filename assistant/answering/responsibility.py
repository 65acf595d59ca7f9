"""Who is responsible: lead and participant units of the clauses asked about, or the work a named unit does."""

from __future__ import annotations

import re

from ..answer_types import Answer
from ..units import UnitEntry, find_notes
from . import fact
from .context import Turn
from .evidence import MIN_COVERAGE, MIN_DENSE, Evidence
from .refusal import refuse

_ASK_UNIT_WORK = re.compile(r"负责(什么|哪些|哪|了)|牵头(了)?(哪些|什么|哪)|参与(哪些|了哪些|什么)|参加(哪些|了哪些|什么)|承担|职责|"
                            r"任务有哪些|哪些任务|哪些工作|做什么|干什么|分工")


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    units = turn.units
    route = turn.route
    if units and _ASK_UNIT_WORK.search(q):
        entries = units
        if route.regions:
            narrowed = [e for e in entries if any(r in e.name for r in route.regions)]
            entries = narrowed or entries
        return unit_work(entries, ev)
    clauses = [c for c in ev.clauses(turn.hits) if c.lead_units or c.participant_units]
    if not clauses:
        return fact.compose(turn, ev)
    clauses = ev.rerank(q, clauses[:6])
    top = clauses[0]
    if ev.coverage(q, [top]) < MIN_COVERAGE and turn.hits[0].dense < MIN_DENSE:
        return refuse(ctx, "")
    cites = ctx.citations()
    lines = []
    for c in clauses[:2]:
        if c is not top and ev.coverage(q, [c]) < ev.coverage(q, [top]):
            continue
        note = find_notes(c.text)
        quote = note[0] if note and note[0] in c.text else c.heading
        n = cites.add(c, quote)
        doc = ctx.corpus.documents[c.doc_id]
        lead = "、".join(c.lead_units) or "未列明"
        part = "、".join(c.participant_units)
        line = f"《{doc.short_title}》{c.label}{c.heading}：牵头单位 {lead}"
        line += f"；参加单位 {part}" if part else ""
        lines.append(f"- {line} [{n}]")
        if note:
            lines.append(f"  原文注明：{note[0]} [{n}]")
    return cites.answer(["负责单位：", *lines])


def unit_work(entries: list[UnitEntry], ev: Evidence) -> Answer:
    """What each named unit leads and takes part in, clause by clause."""
    corpus = ev.ctx.corpus
    cites = ev.ctx.citations()
    lines: list[str] = []
    for e in entries[:3]:
        lines.append(f"{e.name}：牵头 {len(e.lead)} 项，参加 {len(e.participant)} 项。")
        for role, ids in (("牵头", e.lead), ("参加", e.participant)):
            for cid in ids:
                c = corpus.clause(cid)
                if c is None:
                    continue
                doc = corpus.documents[c.doc_id]
                n = cites.add(c, c.heading if c.heading in c.text else c.text[:40])
                lines.append(f"- {role}｜《{doc.short_title}》{c.label} {c.heading} [{n}]")
    return cites.answer(lines)
