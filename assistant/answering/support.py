"""Support questions ("我们能享受哪些扶持？"): the 政策匹配 rows (``matching.match``) for the firm the question
and the turn's profile describe, in the table's order, one line per measure quoting its own sentences."""

from __future__ import annotations

import re
from collections import Counter

from ..answer_types import Answer
from ..corpus import covering_regions, documents_for_region
from ..regions import NATIONAL, gazetteer
from ..retrieval import Hit
from ..routing import Route
from ..values import parse_values
from .context import Turn
from .evidence import UNIT_NOTE, Evidence
from .matching import MatchError, Profile, Row, clause_search, match
from .measures import DIRECTION, benefit_kind
from .refusal import NAMED_MAX, name_some, refuse

# "有哪些扶持方向" only says that the firm asks for support; what it does and needs is what it is about.
_INTENT = re.compile(r"扶持|支持|优惠|政策|方向|说法|帮扶|帮助")
# A page of the answer: the first rows of the table in force, and apart the first of expired documents.
PAGE_IN_FORCE = 10
PAGE_APART = 5
MAX_QUOTES = 4  # grant sentences quoted per measure
MAX_EXTRA = 2  # and other sentences of its clause


def profile_of(question: str, route: Route, given: dict, region: str | None) -> Profile:
    """The profile a support question describes: its region, what the firm does and needs (the question,
    without the words that only ask for support, and the given profile's industry), its stage (given, or
    named in the question), its qualifications."""
    about = _INTENT.sub(" ", f"{question} {given.get('industry') or ''}")
    # A name that several places bear ("朝阳区") is the one the question places ("北京朝阳区"): named with its parent.
    place = next((p for p in gazetteer().find(question) if p.name == region), None)
    if region and place is not None and gazetteer().resolve(region) is None and place.parent:
        region = place.parent + region
    return Profile(region=region or "", industry=" ".join(about.split()), size=given.get("stage") or route.stage or "",
                   qualifications=tuple(q for q in given.get("qualifications") or () if q))


def compose(turn: Turn, ev: Evidence) -> Answer | None:
    ctx = ev.ctx
    region = turn.profile.get("region") or (turn.route.regions[0] if turn.route.regions else None)
    docs = documents_for_region(region, ctx.corpus.documents) if region else list(ctx.corpus.documents.values())
    lines: list[str] = []
    if region:
        if len(docs) > NAMED_MAX:  # a large library is counted by region, not listed
            by_region = Counter(d.region for d in docs)
            names = f"共{len(docs):,}份（" + "、".join(f"{r}{n:,}份" for r, n in by_region.items()) + "）"
        else:
            names = name_some(docs, NAMED_MAX)
        lines.append(f"适用于{region}企业的文件：{names}。" if docs else f"本库没有适用于{region}的文件。")
        have = {d.region for d in docs}
        missing = [r for r in covering_regions(region, ctx.corpus.documents) if r not in have and r != NATIONAL]
        if docs and missing:
            lines.append(f"本库没有{'、'.join(missing)}的文件，以下只含{'、'.join(dict.fromkeys(d.region for d in docs))}的文件。")
    if not docs:
        return refuse(ctx, f"本库没有适用于{region}的文件。")
    profile = profile_of(turn.rewrite.question, turn.route, turn.profile, region)
    try:
        result = match(ctx.corpus, profile, today=ctx.today(), evidence=ev,
                       search=clause_search(ctx.searcher))
    except MatchError as e:
        return refuse(ctx, f"{e}。")
    # The same rows as the table, in its order: a page of those in force, and apart those of documents no
    # longer in force; "还有吗" shows the next page.
    page = 1 if turn.rewrite.skip else 0
    rows = result.rows[page * PAGE_IN_FORCE:(page + 1) * PAGE_IN_FORCE]
    apart = result.not_in_force[page * PAGE_APART:(page + 1) * PAGE_APART]
    if not result.rows and not result.not_in_force:
        # No measure for this firm: what the documents say of its case ("我是残疾人，打算开个小卖部…有没有
        # 优惠？" — a law's 税收优惠 for persons, no 政策匹配 row) is a question of fact, on retrieval's hits.
        return None
    turn.hits = [Hit(r.clause_id, r.score) for r in (*rows, *apart)]
    if not rows and not apart:
        return ctx.citations().answer([*lines, "前面的回答已列出全部相关条款，没有更多内容了。"])
    cites = ctx.citations()
    at = len(lines)
    for r in rows:
        lines += _lines(ev, r, profile.industry, cites, turn.full_clauses)
    if apart:
        lines.append("以下措施出自已不在有效期内的文件，仅供参考：")
        for r in apart:
            lines += _lines(ev, r, profile.industry, cites, turn.full_clauses)
    missing = _benefit_not_granted(turn.rewrite.question, [s for r in (*rows, *apart) for s in r.sentences])
    if missing:
        # "江苏对平台企业上市有什么奖励？": the documents support it but grant no 奖励 — said first, citing the
        # measure that fits the firm best.
        best = max((*rows, *apart), key=lambda r: r.score)
        said = next(s.sentence.text for s in ev.rank_sentences(profile.industry, [ctx.corpus.clause(best.clause_id)])
                    if not s.sentence.heading and not UNIT_NOTE.match(s.sentence.text))
        lines.insert(at, f"现有文件对此表示支持，但没有规定{missing}：“{said}” [{cites.numbers[best.clause_id]}]")
    return cites.answer(lines, refused=bool(missing))


def _lines(ev: Evidence, row: Row, about: str, cites, full: bool) -> list[str]:
    """A measure: its benefit kind, amount and unit, then its own sentences as printed, cited to its clause."""
    clause = ev.ctx.corpus.clause(row.clause_id)
    lex = {s.sentence.text: s.score for s in ev.rank_sentences(about, [clause])
           if not s.sentence.heading and not UNIT_NOTE.match(s.sentence.text)}
    # Its grant sentences that print an amount (what a firm can get in money is never left out), those that
    # hold most of what the firm describes (in the clause's order when none does), and the clause's other
    # sentences that hold more of it than these ("积极开展小微企业转贷方式创新试点" beside "对处于种子期和初创期
    # 的平台企业给予支持").
    sums = [t for t in row.sentences if any(a["text"] in t for a in row.amounts)]
    said = [*sums, *sorted((t for t in row.sentences if t not in sums), key=lambda t: -lex.get(t, 0.0))]
    said = said[:max(MAX_QUOTES, len(sums))]
    bar = max((lex.get(t, 0.0) for t in said), default=0.0)
    said += sorted((t for t in lex if t not in said and lex[t] > bar), key=lambda t: -lex[t])[:MAX_EXTRA]
    said = sorted(said, key=clause.text.find)
    said = [clause.text] if full else said
    n = cites.add(clause, said[0])
    unit = "、".join(row.units[:3]) + ("等" if len(row.units) > 3 else "") + "负责" if row.units else ""
    notes = "；".join(x for x in (row.amount, unit) if x)
    lead = f"- {row.benefit}" + (f"（{notes}）" if notes else "") + "："
    # Sentences the clause prints one after another are one quote; the others follow on lines of their own.
    runs: list[str] = []
    for s in said:
        if runs and runs[-1] + s in clause.text:
            runs[-1] += s
        else:
            runs.append(s)
    return [f"{lead}{runs[0]}{ev.past_target_note(runs[0])} [{n}]",
            *(f"- {s}{ev.past_target_note(s)} [{n}]" for s in runs[1:])]


# The benefits a question can ask for by name; a quoted sentence grants one when it names it or a sum.
_NAMED_BENEFIT = re.compile(r"奖励|补贴|补助|资助|奖补|贴息|减免|免税|优惠")


def _benefit_not_granted(question: str, quoted: list[str]) -> str:
    """The benefit the question names ("有什么奖励") when no quoted sentence grants it or any sum of money;
    优惠 (preferential treatment of any kind) is granted by any sentence that gives something ("可以享受税前
    加计扣除政策"), not only points a direction."""
    asked = _NAMED_BENEFIT.findall(question)
    if not asked or not quoted:
        return ""
    granted = any(a in s for a in asked for s in quoted) or any(
        v.kind == "money" for s in quoted for v in parse_values(s)) or (
        set(asked) == {"优惠"} and any(benefit_kind(s) not in (None, DIRECTION) for s in quoted))
    return "" if granted else asked[0]
