"""Who is responsible: lead and participant units of the clauses asked about, or the work a named unit does."""

from __future__ import annotations

import re

from ..answer_types import Answer
from ..clauses import Clause
from ..sentences import split as split_sentences
from ..units import UnitEntry, find_notes
from . import fact
from .context import Turn
from .evidence import Evidence, Scored, has_content
from .refusal import refuse

_ASK_UNIT_WORK = re.compile(r"负责(什么|哪些|哪|了)|牵头(了)?(哪些|什么|哪)|参与(哪些|了哪些|什么)|参加(哪些|了哪些|什么)|承担|职责|"
                            r"任务有哪些|哪些任务|哪些工作|做什么|干什么|分工")

# A clause with units answers only if its evidence is nearly as good as the best sentence found.
UNIT_EVIDENCE = 0.8
# Words that make a sentence name who acts, when the unit index holds no name for it.
_BODY = re.compile(r"部门|机关|国务院|人民政府|委员会")


def asks_unit_work(turn: Turn) -> bool:
    """"湖北省经信委负责哪些工作？": answered from the unit index, a fact of the documents, not from evidence
    retrieval found (so the answer-or-refuse decision has nothing to judge)."""
    return bool(turn.units) and bool(_ASK_UNIT_WORK.search(turn.rewrite.question))


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    units = turn.units
    route = turn.route
    if asks_unit_work(turn):
        entries = units
        if route.regions:
            narrowed = [e for e in entries if any(r in e.name for r in route.regions)]
            entries = narrowed or entries
        return unit_work(entries, ev)
    # "那物流平台呢？" asks the same of a new topic: the clauses just cited are only candidates (in the hits).
    pointed = [] if turn.rewrite.kind == "topic_swap" else turn.focus
    focus = [c for cid in pointed if (c := _with_units(ev, cid)) is not None]
    # The clause the previous answer was mostly about: the one that fits the question (with its topic) best.
    focus = sorted(dict.fromkeys(focus), key=lambda c: -ev.overlap(q, c))
    clauses = [c for c in ev.clauses(turn.hits) if has_content(c)][:8]
    ranked = ev.rank_sentences(q, clauses, route.asks | {"duty"})
    if focus:
        # "这项工作由哪些部门负责？": the clause the previous answer was about.
        chosen = focus[:2]
    else:
        if not ranked:
            return refuse(ctx, "")
        best = ranked[0]
        chosen = []
        first = 0.0  # score of the best sentence whose clause carries units
        for s in ranked:
            if s.score < 0.6 * best.score or len(chosen) == 2:
                break
            if (s.clause.lead_units or s.clause.participant_units) and s.clause not in chosen:
                first = first or s.score
                chosen.append(s.clause)
        names_body = bool(_BODY.search(best.sentence.text) or ctx.units.find_in_text(best.sentence.text))
        if not chosen or (first < UNIT_EVIDENCE * best.score and names_body):
            # The best evidence names its bodies in words the unit index does not hold ("可以向网信、电信、
            # 公安等部门举报", "按照国家网信部门会同国务院有关部门制定的办法"): quote it.
            return fact.compose(turn, ev)
    cites = ctx.citations()
    lines = []
    for c in chosen:
        note = find_notes(c.text)
        duty = note[0] if note and note[0] in c.text else _duty_sentence(c, ranked)
        n = cites.add(c, duty)
        doc = ctx.corpus.documents[c.doc_id]
        lead = "、".join(c.lead_units) or "未列明"
        part = "、".join(c.participant_units)
        line = f"《{doc.short_title}》{c.label}{c.heading}：牵头单位 {lead}"
        line += f"；参加单位 {part}" if part else ""
        lines.append(f"- {line} [{n}]")
        lines.append(f"  原文{'注明' if note else ''}：{duty} [{n}]")
    return cites.answer(["负责单位：", *lines])


def _with_units(ev: Evidence, clause_id: str) -> Clause | None:
    """The clause, or the nearest ancestor that carries units (an item takes its heading's note)."""
    corpus = ev.ctx.corpus
    c = corpus.clause(clause_id)
    if c is None:
        return None
    for candidate in [c, *reversed(corpus.breadcrumb(c))]:
        if candidate.lead_units or candidate.participant_units:
            return candidate
    return None


def _duty_sentence(clause: Clause, ranked: list[Scored]) -> str:
    """The sentence of the clause that assigns the work (负责/会同/牵头/由…), best for the question first."""
    mine = [s for s in ranked if s.clause is clause] or [
        Scored(0.0, 0.0, clause, s, 0) for s in split_sentences(clause.text)
    ]
    units = [*clause.lead_units, *clause.participant_units]

    def tier(s: Scored) -> int:
        # A unit put in charge ("市公安部门是…的主管部门", "…负责…") before one that only assists (配合).
        text = s.sentence.text
        if re.search(r"主管|负责|牵头", text) and any(u[-4:] in text for u in clause.lead_units):
            return 0
        if re.search(r"负责|会同|牵头|主管|由", text) or any(u[-4:] in text for u in units):
            return 1
        return 2 if "配合" in text else 3

    return min(mine, key=tier).sentence.text if mine else clause.heading


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
