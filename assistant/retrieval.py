"""Hybrid retrieval: BM25 over clauses + dense search over passages, fused by their scores scaled within
each ranker's candidates (or by reciprocal rank, ``Config.fusion``).

Score fusion was chosen on STARD train folds at library scale (146k articles, with the terminology bridge):
MRR@10 0.449 against 0.422 for reciprocal rank, recall@10 0.533 against 0.523 (recall@100 0.734 against
0.744); on the evaluation's dev items retrieval R@5 0.854 → 0.884 and key facts 0.852 → 0.859."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict

from .bridge import Bridge
from .corpus import Corpus, covering_regions
from .index import VectorIndex, build_bm25
from .lexicon import Segmenter
from .vectorstore import FaissStore, search_passages


@dataclass(frozen=True)
class Hit:
    clause_id: str
    score: float  # fused score (what retrieve() reports)
    dense: float = 0.0  # best cosine of the clause's passages (0 when not among dense candidates)
    bm25: float = 0.0
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass(frozen=True)
class Filters:
    doc_ids: frozenset[str] | None = None
    region: str | None = None  # applies the hierarchy: 武汉市 includes 湖北省 documents

    @classmethod
    def of(cls, doc_ids: Iterable[str] | None = None, region: str | None = None) -> Filters:
        """Filters from loose arguments: empty means "no restriction"."""
        ids = frozenset(doc_ids) if doc_ids else None
        return cls(doc_ids=ids or None, region=region or None)

    def allowed(self, corpus: Corpus) -> set[str] | None:
        if self.doc_ids is None and not self.region:
            return None
        allowed = set(corpus.documents) if self.doc_ids is None else set(self.doc_ids)
        if self.region:
            chain = covering_regions(self.region, corpus.documents)
            allowed &= {d.doc_id for d in corpus.documents.values() if d.region in chain}
        return allowed


class HybridSearcher:
    """Ranks clauses for a question. ``mode`` selects "hybrid", "bm25" or "dense" (for baselines).

    The dense half goes through a LangChain ``VectorStore`` (``store``; FAISS over ``vectors`` by
    default, Milvus when configured — see ``vectorstore``); the keyword half is the BM25 index
    persisted with ``vectors`` (built here only when the index carries none, or another lexicon's).
    """

    def __init__(
        self,
        corpus: Corpus,
        vectors: VectorIndex,
        embed_query: Callable[[str], np.ndarray],
        segmenter: Segmenter,
        candidates: int = 50,
        rrf_k: int = 60,
        store: object | None = None,
        today: date | None = None,
        bridge: Bridge | None = None,
        bridge_weight: float = 0.5,
        fusion: str = "score",
        bm25_share: float = 0.5,
        unknown_discount: float = 0.5,
        embed_retrieval_query: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.corpus = corpus
        self.vectors = vectors
        self.embed_query = embed_query
        # Questions may be embedded for the dense search by an encoder tuned to find passages
        # (query_tuning); the cosines hits report stay those of ``embed_query``, which evidence and the
        # answer-or-refuse decision read.
        self.embed_retrieval_query = embed_retrieval_query
        self.segmenter = segmenter
        # The keyword half and the share it is given both read the question's words: segmented once.
        self._tokens = lru_cache(maxsize=256)(lambda question: tuple(segmenter.tokens(question)))
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.bridge = bridge
        self.bridge_weight = bridge_weight
        if fusion not in ("score", "rrf"):
            raise ValueError(f"未知的融合方式 {fusion!r}：可选 score 或 rrf")
        if not 0.0 <= bm25_share <= 1.0:
            raise ValueError(f"bm25_share 必须在 0 到 1 之间（现为 {bm25_share}）")
        self.fusion = fusion
        self.bm25_share = bm25_share
        if not 0.0 <= unknown_discount <= 1.0:
            raise ValueError(f"unknown_discount 必须在 0 到 1 之间（现为 {unknown_discount}）")
        self.unknown_discount = unknown_discount
        self.clauses = corpus.clauses
        self.position = {c.clause_id: i for i, c in enumerate(self.clauses)}
        self.store = store if store is not None else FaissStore(vectors)
        persisted = vectors.bm25
        fresh = persisted is not None and persisted.n == len(self.clauses) and (
            vectors.manifest.get("lexicon") == segmenter.fingerprint
        )
        self.bm25 = persisted if fresh else build_bm25(corpus, segmenter)
        positions: dict[str, list[int]] = {}
        for i, c in enumerate(self.clauses):
            positions.setdefault(c.doc_id, []).append(i)
        self._positions = {d: np.asarray(p, dtype=np.int64) for d, p in positions.items()}
        # Older versions of a law stay searchable but rank below the current text: their clauses score
        # half, which puts them under the same clause of the newer version (the two score alike).
        on = today or date.today()
        self.replaced = {d for d, v in corpus.versions.items() if v.replaced(on)}

    def _bm25_top(self, question: str, allowed: set[str] | None, want: int) -> list[tuple[int, float]]:
        """Best clauses by BM25 among the allowed documents: (position, score), best first,
        ties in corpus order; only the top few are sorted, which keeps 10^6 clauses fast."""
        tokens = list(self._tokens(question))
        scores = self.bm25.scores(tokens)
        if self.bridge is not None and self.bridge_weight > 0 and len(scores):
            # Article words the question's lay words are bridged to count as a weaker part of the question.
            for word, weight in self.bridge.expansion(tokens):
                scores = scores + np.float32(self.bridge_weight * weight) * self.bm25.scores([word])
        if allowed is not None and len(scores):
            keep = np.zeros(len(scores), dtype=bool)
            for d in allowed:
                keep[self._positions.get(d, [])] = True
            scores = np.where(keep, scores, np.float32(0))
        want = min(want, len(scores))
        if want <= 0:
            return []
        top = np.argpartition(-scores, want - 1)[:want] if want < len(scores) else np.arange(len(scores))
        # Ties at the cut-off: take every clause with the cut-off score so corpus order decides.
        cut = scores[top].min()
        top = np.flatnonzero(scores >= cut) if cut > 0 else top[scores[top] > 0]
        order = sorted(top.tolist(), key=lambda i: (-scores[i], i))[:want]
        return [(i, float(scores[i])) for i in order if scores[i] > 0]

    def search(self, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        allowed = (filters or Filters()).allowed(self.corpus)
        # Each ranker contributes 2k candidates when k is large: fused, the top k of 2k from each holds more of
        # both rankers' hits than the top k of k from each (STARD train at 238k clauses, k=100: recall@100 0.676
        # with 2k, above dense alone 0.666; 0.631 with k). The usual k=10 keeps the fusion's 50.
        candidates = max(self.candidates, 2 * k)
        dense: dict[str, float] = {}
        dense_order: list[str] = []
        if mode in ("hybrid", "dense"):
            qv = (self.embed_retrieval_query or self.embed_query)(question)
            # Several passages can belong to one clause: look deeper than the clauses wanted.
            depth = min(candidates * 4, len(self.vectors.passages))
            for cid, score in search_passages(self.store, qv, depth, allowed):
                if cid in dense:
                    continue
                dense[cid] = score
                dense_order.append(cid)
        bm25_scores: dict[str, float] = {}
        bm25_order: list[str] = []
        if mode in ("hybrid", "bm25"):
            for i, score in self._bm25_top(question, allowed, candidates):
                cid = self.clauses[i].clause_id
                bm25_scores[cid] = score
                bm25_order.append(cid)
        dense_order = dense_order[:candidates]
        bm25_order = bm25_order[:candidates]
        d_rank = {cid: r for r, cid in enumerate(dense_order)}
        b_rank = {cid: r for r, cid in enumerate(bm25_order)}
        fused: dict[str, float] = {}
        beyond: dict[str, float] = {}  # the weighted sum past the fusion window (score fusion only; orders the tail)
        if self.fusion == "score":
            # Scaled within each ranker's first ``self.candidates`` (the window a top-10 request fuses), the
            # same whatever k is asked: the top ten do not move when more are asked for. Deeper candidates
            # add nothing to the fused score; they are ordered among themselves by the same weighted sum,
            # unclipped (STARD folds at 20k articles: R@100 0.818 → 0.820, against the larger of the two).
            d_norm = _scaled(dense_order, dense, self.candidates)
            b_norm = _scaled(bm25_order, bm25_scores, self.candidates)
            # A clause one ranker did not return counts as its last candidate.
            d_floor = min(d_norm.values(), default=0.0)
            b_floor = min(b_norm.values(), default=0.0)
        # The keyword half counts less for a question in words its index does not know (lay words, typos):
        # dev R@5 0.862 → 0.871, test 0.851 → 0.863 at unknown_discount 0.5 (1.0: dev key facts 0.852 → 0.847).
        share = self.bm25_share * (1 - self.unknown_discount * (1 - self._known_share(question)))
        for cid in {*d_rank, *b_rank}:
            s = 0.0
            if self.fusion == "score":
                d, b = d_norm.get(cid), b_norm.get(cid)
                s = (1 - share) * max(d or 0.0, 0.0) + share * max(b or 0.0, 0.0)
                beyond[cid] = (1 - share) * (d if d is not None else d_floor) + share * (
                    b if b is not None else b_floor)
            else:
                if cid in d_rank:
                    s += 1.0 / (self.rrf_k + d_rank[cid] + 1)
                if cid in b_rank:
                    s += 1.0 / (self.rrf_k + b_rank[cid] + 1)
            fused[cid] = s / 2 if self.replaced and cid.split("#", 1)[0] in self.replaced else s
        ranked = sorted(fused, key=lambda cid: (-fused[cid], -beyond.get(cid, 0.0), self.position[cid]))
        if self.embed_retrieval_query is not None and dense:
            dense = self._plain_cosines(question, [cid for cid in ranked[:k] if cid in dense], dense)
        return [
            Hit(
                clause_id=cid,
                score=round(fused[cid], 6),
                dense=dense.get(cid, 0.0),
                bm25=bm25_scores.get(cid, 0.0),
                dense_rank=d_rank.get(cid),
                bm25_rank=b_rank.get(cid),
            )
            for cid in ranked[:k]
        ]

    def _known_share(self, question: str) -> float:
        """The share of the question's words the keyword index knows: what BM25 can speak for."""
        tokens = [t for t in dict.fromkeys(self._tokens(question)) if len(t) > 1]
        if not tokens:
            return 1.0
        vocab = self.bm25.idf
        return sum(t in vocab for t in tokens) / len(tokens)

    def _plain_cosines(self, question: str, clause_ids: list[str], tuned: dict[str, float]) -> dict[str, float]:
        """Best passage cosine of each clause to the question as ``embed_query`` embeds it (the tuned cosine
        where the index cannot give its vectors back)."""
        qv = np.asarray(self.embed_query(question), dtype=np.float32)
        out = dict(tuned)
        for cid in clause_ids:
            vecs = self.vectors.clause_vectors(cid)
            if vecs is not None:
                out[cid] = float((vecs @ qv).max())
        return out


def _scaled(order: list[str], scores: dict[str, float], window: int) -> dict[str, float]:
    """A ranker's scores scaled so that its best candidate is 1 and its ``window``-th is 0 (deeper ones fall
    below 0)."""
    if not order:
        return {}
    high, low = scores[order[0]], scores[order[min(window, len(order)) - 1]]
    span = high - low
    return {cid: (scores[cid] - low) / span if span > 0 else 1.0 for cid in order}


class PolicyRetriever(BaseRetriever):
    """LangChain face of the searcher: Documents whose metadata carries the clause reference.

    ``k`` (and ``filters``) set at construction can be overridden per call: ``invoke(query, k=3)``.
    Metadata people filter on: doc_id, clause_id, label, region, level, status (validity on ``today``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = 10
    filters: Filters | None = None
    today: date | None = None  # for the status metadata; None means the real date at query time

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None,
        filters: Filters | None = None,
    ) -> list[LCDocument]:
        hits = self.searcher.search(query, self.k if k is None else k, filters or self.filters)
        return to_documents(self.searcher.corpus, hits, self.today or date.today())

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, k: int | None = None,
        filters: Filters | None = None,
    ) -> list[LCDocument]:
        # Search is CPU work: off the event loop, with the per-call k (the base class drops it).
        return await run_in_executor(
            None, self._get_relevant_documents, query, run_manager=run_manager.get_sync(), k=k, filters=filters
        )


def to_documents(corpus: Corpus, hits: Iterable[Hit], today: date | None = None) -> list[LCDocument]:
    today = today or date.today()
    docs = []
    for h in hits:
        c = corpus.clause(h.clause_id)
        if c is None:
            continue
        d = corpus.documents[c.doc_id]
        docs.append(
            LCDocument(
                page_content=c.text,
                metadata={
                    "clause_id": c.clause_id, "doc_id": c.doc_id, "path": c.path, "label": c.label,
                    "heading": c.heading, "doc_title": d.display_title, "region": d.region, "level": d.level,
                    "status": d.status(today), "score": h.score, "lead_units": list(c.lead_units),
                    "participant_units": list(c.participant_units),
                },
            )
        )
    return docs
