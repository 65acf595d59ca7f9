"""政策匹配: given an enterprise's profile, the support measures that apply to it, as rows it can act on.

A profile is a region (any level: 萧山 → 杭州 → 浙江 → 全国), what the firm does (free text), its size or
stage and its qualifications. The measures (``measures.measure_of``) of the documents that cover the
region are candidates; whether one applies to the firm is one decision over general features
(``FEATURES``: how much of what the firm does the clause speaks of, retrieval's rank for it, whether the
measure grants something concrete or only points a direction, whether it stands in a part of its document
written as support measures, how far the document's region is from the firm's …), a logistic regression
whose weights are data (assistant/data/match.json), fitted on the dev profiles of eval/match by
``python -m assistant eval-match --fit``. Without the file, a plain rule stands in.

Each row says whether the printed conditions fit ("符合") or cannot be told from the profile ("待核实", the
condition quoted) — never guessed. Rows are ordered by concreteness (a stated amount first, 方向性 last),
then by the decision's confidence; measures of documents no longer in force are returned apart.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..corpus import STATUS_LABELS, Corpus, documents_for_region, region_chain
from ..regions import gazetteer
from ..retrieval import Filters
from .decision import Model, read_model
from .measures import DIRECTION, Measure, measure_of

# How deep in retrieval's ranking for the profile's activity a clause gets a rank (the ``retrieved`` feature).
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


def measure(corpus: Corpus, clause) -> Measure | None:
    """The measure a clause holds (``measures.measure_of``), read once per corpus and clause."""
    cache = corpus.__dict__.setdefault("_measures", {})
    if clause.clause_id not in cache:
        named = tuple(e.name for e in corpus.unit_index.find_in_text(clause.text))[:3] if not clause.lead_units else ()
        cache[clause.clause_id] = measure_of(clause, named)
    return cache[clause.clause_id]


def all_measures(corpus: Corpus) -> list[Measure]:
    """Every measure of the corpus, in corpus order."""
    return [m for c in corpus.clauses if (m := measure(corpus, c)) is not None]


def match(corpus: Corpus, profile: Profile, *, today: date, evidence=None, search=None) -> MatchResult:
    """The measures that apply to ``profile``. ``evidence`` (answering's ``Evidence``) weighs the profile's
    words in each clause; ``search(query, k, doc_ids)`` ranks clauses for the profile. Without them only
    the region and the concreteness of measures decide."""
    region, regions = resolve_region(corpus, profile.region)
    measures = covering_measures(corpus, region, profile, search)
    result = MatchResult(profile=profile, region=region, regions=regions)
    if not measures:
        result.note = f"本库没有适用于{region}的扶持措施。" if region else "本库没有扶持措施。"
        return result
    model = load_model()
    for m, x in candidates(corpus, profile, regions, measures, evidence, search):
        p = model.probability(x) if model is not None else _rule(x)
        if p < (model.threshold if model is not None else 0.5):
            continue
        row = _row(corpus, m, today, profile, p)
        (result.not_in_force if row.status in NOT_IN_FORCE else result.rows).append(row)
    for rows in (result.rows, result.not_in_force):
        rows.sort(key=lambda r: -r.score)
        del rows[MAX_ROWS:]
        rows.sort(key=_order)
    if not result.rows:
        result.note = "适用地区的文件中没有找到与该企业相关的扶持措施。"
    return result


def clause_search(searcher):
    """``match``'s ``search`` over a ``HybridSearcher``: clause ids for a query within these documents, best
    first — the same for the table (``Assistant.match``) and for support questions in chat."""
    return lambda query, k, doc_ids: [h.clause_id for h in searcher.search(query, k, Filters.of(doc_ids, None))]


def candidates(corpus: Corpus, profile: Profile, regions: list[str], measures: list[Measure], evidence=None,
               search=None) -> list[tuple[Measure, dict]]:
    """Each measure with the decision's features for this profile (also what the decision is fitted on);
    ``regions``: the profile's region and those above it (``resolve_region``)."""
    about = profile.industry.strip()
    ranked: dict[str, int] = {}
    if about and search is not None:
        hits = search(f"{about} 支持 奖励 补贴", RETRIEVAL_DEPTH * 3, sorted({m.doc_id for m in measures}))
        ranked = {cid: i for i, cid in enumerate(hits)}
    return [(m, features(corpus, m, profile, regions, evidence, ranked)) for m in measures]


# Up to this many clauses in the documents that cover a region, every one is a candidate; a larger library
# (a national one: 10^5 clauses) offers retrieval's best CANDIDATE_DEPTH for the profile instead.
CANDIDATE_CLAUSES = 5_000
CANDIDATE_DEPTH = 300
# At most this many rows are returned; the decision's most confident first within each concreteness.
MAX_ROWS = 100


def covering_measures(corpus: Corpus, region: str, profile: Profile | None = None, search=None) -> list[Measure]:
    """The measures of the documents that cover ``region`` (of retrieval's best for the profile, at scale)."""
    docs = documents_for_region(region, corpus.documents) if region else list(corpus.documents.values())
    clauses = [c for d in docs for c in corpus.clauses_of(d.doc_id)]
    if len(clauses) > CANDIDATE_CLAUSES and search is not None:
        about = profile.text if profile is not None else ""
        ids = search(f"{about} 扶持 奖励 补贴 支持".strip(), CANDIDATE_DEPTH, [d.doc_id for d in docs])
        clauses = [c for i in ids if (c := corpus.clause(i)) is not None]
    return [m for c in clauses if (m := measure(corpus, c)) is not None]


def resolve_region(corpus: Corpus, raw: str) -> tuple[str, list[str]]:
    """(the region's full name, the regions whose documents apply there); MatchError when unknown."""
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


FEATURES = ("overlap", "retrieved", "concrete", "amount", "measure_section", "named_activity", "distance",
            "law", "no_activity", "size", "qualification")
WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "data" / "match.json"


@lru_cache(maxsize=2)
def load_model(path: Path = WEIGHTS_FILE) -> Model | None:
    """The fitted decision, or None when no weights file is shipped or it was fitted on other features."""
    found = read_model(path, FEATURES)
    return found[0] if found is not None else None


def features(corpus: Corpus, m: Measure, profile: Profile, chain: list[str], evidence,
             ranked: dict[str, int]) -> dict:
    """The decision's inputs for one measure and one profile (``chain``: its region and those above)."""
    about = profile.industry.strip()
    clause = corpus.clause(m.clause_id)
    rank = ranked.get(m.clause_id)
    doc_region = corpus.documents[m.doc_id].region
    return {
        "overlap": _words_in(evidence, about, clause),
        "retrieved": 1.0 / (1 + rank) if rank is not None else 0.0,
        "concrete": 1.0 if m.concrete else 0.0,
        "amount": 1.0 if m.amounts else 0.0,
        "measure_section": _section_share(corpus, _section(corpus, m)),
        "named_activity": 1.0 if any(_ACTIVITY.search(s) for s in m.sentences) else 0.0,
        # 0 for the firm's own place, 1 for the region above, …; national documents are the farthest
        "distance": float(chain.index(doc_region)) / max(len(chain) - 1, 1) if doc_region in chain else 1.0,
        "law": 1.0 if clause is not None and clause.label.startswith("第") else 0.0,
        "no_activity": 0.0 if about else 1.0,
        # the firm's size or stage (小微, 初创 …) and its qualifications (高新技术企业 …) in the clause
        "size": _words_in(evidence, profile.size, clause),
        "qualification": max((_words_in(evidence, q, clause) for q in profile.qualifications), default=0.0),
    }


def _words_in(evidence, words: str, clause) -> float:
    return evidence.overlap(words, clause) if words and evidence is not None and clause is not None else 0.0


def _rule(x: dict) -> float:
    """Without fitted weights: a concrete measure of a support-measures part, or one the firm's words are in."""
    return 1.0 if x["overlap"] >= 0.5 or (x["concrete"] and x["measure_section"] >= 0.5) else 0.0


_ACTIVITY = re.compile(r"(?:对|支持|鼓励|扶持)[^，。；]{2,16}?(?:企业|平台|项目|园区|基地|产业)")


def _section(corpus: Corpus, m: Measure) -> str:
    """The part of its document a measure stands in: its top-level clause, or the chapter of an article."""
    clause = corpus.clause(m.clause_id)
    return _key(clause) if clause is not None else ""


def _section_share(corpus: Corpus, key: str) -> float:
    """The share of a part of a document (top-level clause, or an article's chapter) whose clauses grant
    something concrete: high for parts written as support measures (保障措施), low for one sector's plan
    (重点任务). Computed per part when first asked, cached per corpus."""
    cache = corpus.__dict__.setdefault("_section_shares", {})
    if key not in cache:
        doc_id = key.split("|", 1)[0].split("#", 1)[0]
        members = [c for c in corpus.clauses_of(doc_id) if c.level > 0 and _key(c) == key]
        flags = [(m := measure(corpus, c)) is not None and m.concrete for c in members]
        cache[key] = sum(flags) / len(flags) if flags else 0.0
    return cache[key]


def _key(c) -> str:
    return f"{c.doc_id}|{c.sections[0]}" if c.sections else f"{c.doc_id}#{c.path.split('.')[0]}"


def _row(corpus: Corpus, m: Measure, today: date, profile: Profile, p: float) -> Row:
    doc = corpus.documents[m.doc_id]
    clause = corpus.clause(m.clause_id)
    status = corpus.status(m.doc_id, today)
    qualified = [c for c in m.conditions if not any(q and q in c for q in profile.qualifications)]
    return Row(
        clause_id=m.clause_id, doc_id=m.doc_id, document=doc.short_title, label=clause.label if clause else "",
        region=doc.region, status=status, status_label=STATUS_LABELS.get(status, status), benefit=m.kind,
        kinds=list(m.kinds), amount=m.amount_text, amounts=[asdict(a) for a in m.amounts],
        conditions=list(m.conditions), fit="待核实" if qualified else "符合", units=list(m.units),
        sentences=list(m.sentences), score=round(p, 4),
    )


def _order(row: Row) -> tuple:
    concreteness = 0 if row.amount else 1 if row.benefit != DIRECTION else 2
    return (concreteness, -row.score, row.clause_id)
