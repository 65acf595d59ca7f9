"""Support questions ("我们能享受哪些扶持？"): clauses of the documents that apply, grouped by kind of support."""

from __future__ import annotations

import re
from collections import Counter

from ..answer_types import Answer
from ..clauses import Clause
from ..corpus import covering_regions, documents_for_region
from ..regions import NATIONAL
from ..retrieval import Filters
from ..routing import SUPPORT_KINDS
from ..sentences import split as split_sentences
from ..values import parse_values
from .context import Turn
from .evidence import UNIT_NOTE, Evidence, has_content
from .refusal import NAMED_MAX, name_some, refuse

_GRANTS = re.compile(r"给予|奖励|补贴|补助|资助|减免|贴息")
MAX_GRANTS = 4
_INTENT = re.compile(r"扶持|支持|优惠|政策|方向|说法|帮扶|帮助")
MAX_SUPPORT_CLAUSES = 6
MIN_SUPPORT_CLAUSES = 3


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    route = turn.route
    profile = turn.profile
    region = profile.get("region") or (route.regions[0] if route.regions else None)
    docs = documents_for_region(region, ctx.corpus.documents) if region else list(
        ctx.corpus.documents.values()
    )
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
    # What the firm describes (its business, its need) decides relevance; the support kind only groups.
    extra = " ".join(w for w in (profile.get("industry"), profile.get("stage")) if w)
    query = f"{q} {extra}".strip()
    hits = ctx.searcher.search(query, 20, Filters.of(d.doc_id for d in docs))
    # Relevance is what the firm does and needs; "有哪些扶持方向" only says that it asks for support.
    query = _INTENT.sub(" ", query)
    turn.hits = hits
    candidates = [c for c in ev.clauses(hits) if c.level > 0 and has_content(c)]
    candidates = candidates[:12]
    if not candidates:
        return refuse(ctx, "现有文件中没有找到适用于该情况的扶持条款。")
    # The clauses that hold most of what the firm describes, and retrieval's best two if they hold some of
    # it; when few do, the best of retrieval (meaning, not words: "跨境电商" finds "互联网出海") fill up to
    # MIN_SUPPORT_CLAUSES.
    share = {c.clause_id: ev.overlap(query, c) for c in candidates}
    best = max(share.values())
    top = {c.clause_id for c in candidates[:2]}  # retrieval's own best two, when they hold any of it
    chosen = [c for c in ev.rerank(query, candidates)
              if share[c.clause_id] >= 0.35 * best > 0 or (c.clause_id in top and share[c.clause_id] > 0)]
    chosen = chosen[:MAX_SUPPORT_CLAUSES]
    # Too few clauses hold what the firm describes: retrieval's next best, by meaning, fill up — only those
    # that offer something themselves (a clause that grants nothing is padding).
    chosen += [c for c in candidates if c not in chosen and support_kind(c.text)][:max(0, MIN_SUPPORT_CLAUSES - len(chosen))]
    skip = turn.rewrite.skip
    chosen = chosen[skip:] if skip else chosen
    if not chosen:
        return ctx.citations().answer([*lines, "前面的回答已列出全部相关条款，没有更多内容了。"])
    order = {d.doc_id: i for i, d in enumerate(docs)}
    grouped: dict[str, list[tuple[Clause, list[str]]]] = {}
    by_clause: dict[str, list[str]] = {}
    # "有哪些政策" asks for a list of measures, not for a sentence that enumerates.
    # The two clauses that fit best say most of what the firm wants to know: three sentences each.
    room = {c.clause_id: 3 if i < 2 else 2 for i, c in enumerate(chosen)}
    ranked = ev.rank_sentences(query, chosen, route.asks - {"list"})
    best_score = ranked[0].score if ranked else 0.0
    for s in ranked:
        quotes = by_clause.setdefault(s.clause.clause_id, [])
        # A line earns its place by its own evidence, against the best one; who is responsible is not what a
        # firm can use: a unit note is no support line.
        if (len(quotes) < room[s.clause.clause_id] and not s.sentence.heading and not UNIT_NOTE.match(s.sentence.text)
                and (not quotes or s.score >= 0.4 * best_score)):
            quotes.append(s.sentence.text)
    for c in chosen[:2]:
        # What a firm can get in money, in the clauses that fit it best, is never left out for want of room
        # ("二是…对新认定的省级公共海外仓，给予最高不超过200万元的一次性补助" for a 跨境电商 firm).
        quotes = by_clause.setdefault(c.clause_id, [])
        quotes += [x.text for x in split_sentences(c.text)
                   if "money" in x.offers and _GRANTS.search(x.text) and x.text not in quotes][:MAX_GRANTS]
    for c in chosen:
        # The clause's best sentences, in the order the clause prints them, each under the kind of support it
        # grants itself; a sentence that grants nothing is stated as direction, not given a kind it lacks.
        quotes = sorted(by_clause.get(c.clause_id, []), key=c.text.find)
        kinds: dict[str, list[str]] = {}
        for quote in quotes:
            kinds.setdefault(support_kind(quote) or "方向性支持", []).append(quote)
        for kind, said in kinds.items():
            grouped.setdefault(kind, []).append((c, said))
    cites = ctx.citations()
    # The kind whose best clause fits the firm best comes first; within a kind, by document.
    rank = {c.clause_id: i for i, c in enumerate(chosen)}
    kinds = sorted(grouped, key=lambda k: min(rank[c.clause_id] for c, _ in grouped[k]))
    quoted = [q_ for said in grouped.values() for _, quotes in said for q_ in quotes]
    missing = _benefit_not_granted(q, quoted)
    at = len(lines)
    for kind in kinds:
        items = sorted(grouped[kind], key=lambda cq: order[cq[0].doc_id])
        lines.append(f"【{kind}】")
        for c, quotes in items:
            lines.extend(ev.bullets(c, quotes, cites, turn.full_clauses, query))
    if missing and cites.items:
        # "江苏对平台企业上市有什么奖励？": the documents support it but grant no 奖励 — said first, citing the
        # best clause that supports it.
        lines.insert(at, f"现有文件对此表示支持，但没有规定{missing}；相关条款如下。 [1]")
    return cites.answer(lines)


# The benefits a question can ask for by name; a quoted sentence grants one when it names it or a sum.
_NAMED_BENEFIT = re.compile(r"奖励|补贴|补助|资助|奖补|贴息|减免|免税|优惠")


def _benefit_not_granted(question: str, quoted: list[str]) -> str:
    """The benefit the question names ("有什么奖励") when no quoted sentence grants it or any sum of money."""
    asked = _NAMED_BENEFIT.findall(question)
    if not asked or not quoted:
        return ""
    granted = any(a in s for a in asked for s in quoted) or any(
        v.kind == "money" for s in quoted for v in parse_values(s))
    return "" if granted else asked[0]


def support_kind(text: str) -> str | None:
    """The kind of support a passage grants, by the first matching keyword group."""
    if not re.search(r"支持|给予|鼓励|奖励|补贴|享受|优惠|扶持|资助|减免|贴息|倾斜", text):
        return None
    scores = {kind: sum(1 for k in keys if k in text) for kind, keys in SUPPORT_KINDS.items()}
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    return kind if score else None
