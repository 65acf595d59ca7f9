"""Answer or refuse: one calibrated decision instead of word, figure and topic guards.

The evidence for a question is described by a few general features — how much of the question's
content the best sentence and clause hold (idf-weighted, by meaning where words differ), whether they
hold a value of the kind asked, how much of the question the corpus never uses at all, retrieval's
own scores — and a logistic regression turns them into the probability that the answer composed from
that evidence is supported by it. Below the threshold the answer becomes a refusal that shows the same
clauses as related.

The weights are plain data (assistant/data/decision.json), fitted by ``python -m assistant
fit-decision`` on a pool of labelled questions (evaluation items, leave-one-document-out copies of them
and STARD questions with and without their laws) and thresholded on held-out folds; the file records
its provenance and held-out precision and recall. Nothing here keys on a phrase of any question.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..answer_types import Answer
from ..clauses import Clause
from ..corpus import Corpus
from ..routing import asks_who
from ..sentences import split as split_sentences
from ..values import asked_measure, asked_value_kind
from .context import Turn, excluded_clause
from .evidence import ANSWER_KINDS, Evidence, has_content, holds_value, item_lead_in

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "data" / "decision.json"

# The order of the model's inputs; the weights file names them, so a stale file is detected.
FEATURES = (
    "lex_best",  # idf-weighted share of the question's content words in the best sentence (headings half)
    "lex_clause",  # the same share in the best of the top three clauses, with its headings
    "cos_best",  # e5 cosine of the question and the closest sentence of the top clauses
    "dense_top",  # retrieval's best passage cosine among the top three hits
    "dense_gap",  # ... less the mean cosine of the hits below them: how far the best stands out here
    "unknown_share",  # idf-weighted share of the question's words that no document uses at all
    "asks_value",  # the question asks for an amount, period, count, percentage or date
    "value_missing",  # ... and nothing the answer quotes holds a value of that kind
    "lex_value",  # lex_best among the sentences holding a value of the kind asked (lex_best if none is asked)
    "lex_kind",  # lex_best among the sentences offering what the question asks (a definition, a penalty, a
    # contact detail …; sentences.offers), lex_best when it asks nothing in particular
    "subject_missing",  # the question's rarest word that the corpus uses is not in the clauses
)

TOP_CLAUSES = 3


@dataclass(frozen=True)
class Model:
    """A logistic regression whose weights are data: the probability of its inputs, and its threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    features: tuple[str, ...] = FEATURES

    def probability(self, x: dict[str, float]) -> float:
        z = self.bias + sum(w * x[name] for w, name in zip(self.weights, self.features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


def read_model(path: Path, features: tuple[str, ...]) -> tuple[Model, dict] | None:
    """The model in a weights file and the file's data, or None when there is none or it was fitted on other
    features (a stale file is detected by the names it lists)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if tuple(data.get("features", ())) != features:
        return None
    weights = tuple(float(w) for w in data["weights"])
    return Model(weights, float(data["bias"]), float(data["threshold"]), features), data


@lru_cache(maxsize=4)
def load_model(path: Path = WEIGHTS_FILE, embedder: str | None = None) -> Model | None:
    """The fitted model, or None when no weights file is shipped, it was fitted on other features, or on the
    cosines of another embedder (``embedder``: the index's embedder id; its family, before the first ":",
    must be the one the weights were fitted with — another model's cosines live on another scale)."""
    found = read_model(path, FEATURES)
    if found is None:
        return None
    model, data = found
    if embedder is not None and _family(embedder) != _family(str(data.get("embedder", ""))):
        return None
    return model


def _family(embedder: str) -> str:
    return embedder.split(":", 1)[0]


def evidence_clauses(turn: Turn, ev: Evidence, answer: Answer | None = None) -> list[Clause]:
    """What the answer is built on: the clauses it cites, in order, else retrieval's best."""
    corpus = ev.ctx.corpus
    cited = [] if answer is None else list(dict.fromkeys(c.clause_id for c in answer.citations))
    clauses = [c for cid in cited if (c := corpus.clause(cid)) is not None]
    return (clauses or [c for c in ev.clauses(turn.hits) if has_content(c)])[:TOP_CLAUSES]


def features(turn: Turn, ev: Evidence, answer: Answer | None = None) -> dict[str, float]:
    """The decision's inputs for the answer composed for this turn (retrieval's best clauses without one)."""
    q = turn.rewrite.question
    clauses = evidence_clauses(turn, ev, answer)
    quoted = "".join(c.quote for c in answer.citations) if answer is not None and answer.citations else ""
    toks = list(ev.content_tokens(q))
    corpus = ev.ctx.corpus
    text = held_text(corpus, frozenset(turn.options.get("exclude_docs") or ()),
                     tuple(turn.options.get("exclude_clauses") or ()))
    total = sum(ev.weight(t) for t in toks) or 1.0
    unknown = sum(ev.weight(t) for t in toks if not _used(t, text, ev)) / total if toks else 0.0
    x = dict.fromkeys(FEATURES, 0.0)
    x["unknown_share"] = unknown
    x["dense_top"] = max((h.dense for h in turn.hits[:TOP_CLAUSES]), default=0.0)
    # e5 cosines are high for any text on the same field; what a question's own background is, retrieval's
    # lower hits tell. (Clauses a follow-up points back to come without a retrieval score: no gap then.)
    below = [h.dense for h in turn.hits[TOP_CLAUSES:] if h.dense > 0]
    x["dense_gap"] = x["dense_top"] - sum(below) / len(below) if below and x["dense_top"] > 0 else 0.0
    kind = asked_value_kind(_value_asked(q, turn))
    x["asks_value"] = 1.0 if kind else 0.0
    if not clauses:
        x["value_missing"] = x["asks_value"]
        x["subject_missing"] = 1.0
        return x
    ranked = [s for s in ev.rank_sentences(q, clauses, turn.route.asks) if not s.sentence.heading]
    x["lex_best"] = max((s.lex for s in ranked), default=0.0)
    x["lex_clause"] = max(ev.overlap(q, c) for c in clauses)
    blob = quoted or "".join(c.text for c in clauses)
    x["cos_best"] = _closest(ev, q, clauses, x["dense_top"])
    x["dense_top"] = x["dense_top"] or x["cos_best"]
    if kind:
        fine, measure = "penalty" in turn.route.asks, asked_measure(q)
        x["value_missing"] = 0.0 if any(holds_value(kind, s.text, fine, measure) for s in split_sentences(blob)) else 1.0
        # A figure answers only when its own sentence speaks of what was asked: "5万元" for a postdoc station
        # is no answer to a rent subsidy's rate.
        x["lex_value"] = max((s.lex for s in ranked if holds_value(kind, _with_lead_in(corpus, s), fine, measure)),
                             default=0.0)
    else:
        x["lex_value"] = x["lex_best"]
    wanted = turn.route.asks & ANSWER_KINDS - {"duty"}  # any sentence with 应当 is a duty: it settles nothing
    x["lex_kind"] = max((s.lex for s in ranked if not wanted or wanted & s.sentence.offers), default=0.0)
    subject = [t for t in ev.specific_terms(q) if _held(ev, t, text)][:1]
    if subject:
        where = "".join(c.text + "".join(corpus.context_headings(c)) for c in clauses)
        x["subject_missing"] = 0.0 if ev.found(subject[0], where) else 1.0
    return x


def _value_asked(q: str, turn: Turn) -> str:
    """The part of the question that may ask a value: in a question of who is responsible, a figure asked in the
    same sentence as who ("失业金发多少是谁说了算？") is what the unit decides, not a value asked; one asked in a
    sentence of its own ("…找哪个部门复核？几天内要申请？") is."""
    if turn.route.kind != "responsibility":
        return q
    return "".join(s for s in re.split(r"(?<=[？?。！!])", q) if not asks_who(s))


def _with_lead_in(corpus: Corpus, s) -> str:
    """A sentence's text, and for an item of a list the lead-in that announces it: "一次记3分：" holds the
    figure for "驾驶机动车有拨打、接听手持电话…的；"."""
    found = item_lead_in(corpus, s.clause)
    return (found[1] if found else "") + s.sentence.text


_HELD_TEXT: dict[tuple, str] = {}


def held_text(corpus: Corpus, excluded: frozenset[str], dropped: tuple[str, ...] = ()) -> str:
    """The text of the documents an answer can draw on. Leaving documents or clauses out (fitting only)
    answers as if they were not held: their words must not count as words the corpus uses."""
    if not excluded and not dropped:
        return corpus.text
    key = (id(corpus), excluded, dropped)
    if key not in _HELD_TEXT:
        _HELD_TEXT.clear()
        _HELD_TEXT[key] = "".join(c.text for c in corpus.clauses
                                  if c.doc_id not in excluded and not excluded_clause(c.clause_id, dropped))
    return _HELD_TEXT[key]


def _held(ev: Evidence, token: str, text: str) -> bool:
    """Is the word in ``text`` (``held_text``)? The whole corpus is asked through its keyword vocabulary
    first (``Evidence.in_corpus``); a text with documents or clauses left out is scanned."""
    return ev.in_corpus(token) if text is ev.ctx.corpus.text else ev.found(token, text)


def _used(token: str, text: str, ev: Evidence) -> bool:
    """Does any document use the word, itself, a synonym, its parts, or (for a long word) any two
    characters of it in a row — a word people coin for something the law names otherwise?"""
    if _held(ev, token, text):
        return True
    return len(token) >= 3 and not token.isascii() and any(token[i:i + 2] in text for i in range(len(token) - 1))


def _closest(ev: Evidence, q: str, clauses: list[Clause], fallback: float) -> float:
    vectors = ev.ctx.searcher.vectors
    rows = [vectors.sentence_vector(c.clause_id, s.index) for c in clauses for s in split_sentences(c.text)]
    rows = [r for r in rows if r is not None]
    if not rows:
        return fallback
    cos = np.asarray(rows, dtype=np.float32) @ np.asarray(ev.query_vector(q), dtype=np.float32)
    return float(cos.max())


def decide(turn: Turn, ev: Evidence, answer: Answer | None = None,
           model: Model | None = None) -> tuple[bool, float, dict[str, float]]:
    """(answer?, probability, features). Without a model fitted for this index's embedder every answer
    stands."""
    model = model or load_model(embedder=str(ev.ctx.searcher.vectors.manifest.get("embedder", "")))
    x = features(turn, ev, answer)
    if model is None:
        return True, 1.0, x
    p = model.probability(x)
    return p >= model.threshold, p, x
