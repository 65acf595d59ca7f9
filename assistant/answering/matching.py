"""政策匹配: given an enterprise's profile, the support measures that apply to it, as rows it can act on.

A profile is a region (any level: 萧山 → 杭州 → 浙江 → 全国), what the firm does (free text), its size or
stage and its qualifications. The measures (``measures.measure_of``) of the documents that cover the
region are kept when they concern the firm:

- a measure whose clause speaks of what the firm does (its words, weighted by rarity, in the clause or
  its headings; or the clause among retrieval's best for the profile) fits;
- a concrete measure for enterprises at large (its sentences name no activity the firm lacks) fits too:
  a fund for 电子商务企业 is open to an e-commerce firm whatever it sells;
- a measure that only states direction (方向性支持) is kept only when it speaks of what the firm does.

Each row says whether the printed conditions fit ("符合"), cannot be told from the profile ("待核实", the
condition quoted) — never guessed. Rows are ordered by concreteness (a stated amount first, 方向性 last),
then by how well they fit; measures of documents no longer in force are returned apart.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from ..corpus import STATUS_LABELS, Corpus, documents_for_region
from ..regions import gazetteer
from .measures import DIRECTION, Measure, measure_of

# Tuned on the dev profiles (eval/match): how much of the profile's activity words a clause must hold, and
# how deep in retrieval's ranking for the profile a clause still counts as being about it.
MIN_OVERLAP = 0.5
RETRIEVAL_DEPTH = 12
NOT_IN_FORCE = ("expired", "repealed", "superseded")


@dataclass(frozen=True)
class Profile:
    region: str = ""
    industry: str = ""
    size: str = ""
    qualifications: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(x for x in (self.industry, self.size, *self.qualifications) if x)


@dataclass
class Row:
    clause_id: str
    doc_id: str
    document: str
    label: str
    region: str
    status: str  # corpus status: in_force | expired | unknown | …
    status_label: str
    benefit: str  # the main kind of benefit (DIRECTION for a goal only)
    kinds: list[str]
    amount: str  # as printed, "" when none
    amounts: list[dict]
    conditions: list[str]
    fit: str  # 符合 | 待核实
    units: list[str]
    sentences: list[str]
    score: float = 0.0

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class MatchResult:
    profile: Profile
    region: str  # the region resolved ("" when none was given)
    regions: list[str]  # the regions whose documents apply, most specific first
    rows: list[Row] = field(default_factory=list)
    not_in_force: list[Row] = field(default_factory=list)
    note: str = ""  # why nothing matched, when nothing did

    def to_json(self) -> dict:
        return {"profile": asdict(self.profile), "region": self.region, "regions": self.regions,
                "rows": [r.to_json() for r in self.rows], "not_in_force": [r.to_json() for r in self.not_in_force],
                "note": self.note}


class MatchError(ValueError):
    """A profile that cannot be matched (a region nobody knows); the message is one line."""


def all_measures(corpus: Corpus) -> list[Measure]:
    """Every measure of the corpus, in corpus order (computed once per corpus)."""
    cached = corpus.__dict__.get("_measures")
    if cached is None:
        units = corpus.unit_index
        cached = [m for c in corpus.clauses
                  if (m := measure_of(c, tuple(e.name for e in units.find_in_text(c.text))[:3])) is not None]
        corpus.__dict__["_measures"] = cached
    return cached


def match(corpus: Corpus, profile: Profile, *, today: date, evidence=None, search=None) -> MatchResult:
    """The measures that apply to ``profile``. ``evidence`` (answering's ``Evidence``) weighs the profile's
    words in each clause; ``search(query, k, doc_ids)`` ranks clauses for the profile. Without them only
    the region and the concreteness of measures decide."""
    region, regions = _regions(corpus, profile.region)
    docs = documents_for_region(region, corpus.documents) if region else list(corpus.documents.values())
    held = {d.doc_id for d in docs}
    measures = [m for m in all_measures(corpus) if m.doc_id in held]
    result = MatchResult(profile=profile, region=region, regions=regions)
    if not measures:
        result.note = f"本库没有适用于{region}的扶持措施。" if region else "本库没有扶持措施。"
        return result
    about = profile.industry.strip()
    ranked: dict[str, int] = {}
    if about and search is not None:
        hits = search(f"{about} 支持 奖励 补贴", RETRIEVAL_DEPTH * 3, sorted(held))
        ranked = {cid: i for i, cid in enumerate(hits)}
    concerning = [m for m in measures if _concerns(corpus, m, about, evidence, ranked)]
    kept = []
    for m in measures:
        speaks = m in concerning
        if m.concrete and (speaks or not about or _for_all(corpus, m, concerning)):
            kept.append((m, speaks))
        elif not m.concrete and speaks:
            kept.append((m, speaks))
    for m, speaks in kept:
        row = _row(corpus, m, today, profile, 1.0 if speaks else 0.5, ranked)
        (result.not_in_force if row.status in NOT_IN_FORCE else result.rows).append(row)
    result.rows.sort(key=_order)
    result.not_in_force.sort(key=_order)
    if not result.rows:
        result.note = "适用地区的文件中没有找到与该企业相关的扶持措施。"
    return result


def _regions(corpus: Corpus, raw: str) -> tuple[str, list[str]]:
    from ..corpus import region_chain

    raw = (raw or "").strip()
    if not raw:
        return "", []
    place = gazetteer().resolve(raw)
    if place is None:
        found = gazetteer().find(raw)
        place = gazetteer().most_specific(found) if found else None
    if place is None:
        raise MatchError(f"无法识别地区“{raw}”：请写省、市或区县名称，如 杭州市、萧山区")
    return place.name, region_chain(place.name, corpus.documents)


def _context(corpus: Corpus, m: Measure) -> str:
    clause = corpus.clause(m.clause_id)
    return " ".join([*corpus.context_headings(clause), clause.text]) if clause is not None else ""


def _concerns(corpus: Corpus, m: Measure, about: str, evidence, ranked: dict[str, int]) -> bool:
    """Does the measure's clause speak of what the firm does?"""
    if not about:
        return False
    if ranked.get(m.clause_id, RETRIEVAL_DEPTH) < RETRIEVAL_DEPTH:
        return True
    context = _context(corpus, m)
    if evidence is not None:
        return evidence.overlap(about, corpus.clause(m.clause_id)) >= MIN_OVERLAP
    return about in context


_ACTIVITY = re.compile(r"(?:对|支持|鼓励|扶持)([^，。；]{2,16}?)(?:企业|平台|项目|园区|基地)")


def _for_all(corpus: Corpus, m: Measure, concerning: list[Measure]) -> bool:
    """A concrete measure open to enterprises at large: its benefit sentences name no particular kind of
    firm or project, or it sits in the same clause family as a measure that concerns the firm."""
    named = [g.group(1) for s in m.sentences for g in _ACTIVITY.finditer(s)]
    if not named:
        return True
    clause = corpus.clause(m.clause_id)
    family = {f"{clause.doc_id}#{p}" for p in clause.parents} if clause is not None else set()
    return any(c.clause_id in family for c in concerning)


def _row(corpus: Corpus, m: Measure, today: date, profile: Profile, fit_score: float, ranked: dict[str, int]) -> Row:
    doc = corpus.documents[m.doc_id]
    clause = corpus.clause(m.clause_id)
    status = corpus.status(m.doc_id, today)
    qualified = [c for c in m.conditions if not any(q and q in c for q in profile.qualifications)]
    rank_bonus = 1.0 / (1 + ranked[m.clause_id]) if m.clause_id in ranked else 0.0
    return Row(
        clause_id=m.clause_id, doc_id=m.doc_id, document=doc.short_title, label=clause.label if clause else "",
        region=doc.region, status=status, status_label=STATUS_LABELS.get(status, status), benefit=m.kind,
        kinds=list(m.kinds), amount=m.amount_text, amounts=[asdict(a) for a in m.amounts],
        conditions=list(m.conditions), fit="待核实" if qualified else "符合", units=list(m.units),
        sentences=list(m.sentences), score=round(fit_score + rank_bonus, 4),
    )


def _order(row: Row) -> tuple:
    concreteness = 0 if row.amount else 1 if row.benefit != DIRECTION else 2
    return (concreteness, -row.score, row.clause_id)
