"""Hybrid retrieval: BM25 over clauses + dense search over passages, fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict

from .clauses import Clause
from .corpus import Corpus, covering_regions
from .index import VectorIndex
from .lexicon import BM25, Segmenter


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
    """Ranks clauses for a question. ``mode`` selects "hybrid", "bm25" or "dense" (for baselines)."""

    def __init__(
        self,
        corpus: Corpus,
        vectors: VectorIndex,
        embed_query: Callable[[str], np.ndarray],
        segmenter: Segmenter,
        candidates: int = 50,
        rrf_k: int = 60,
    ) -> None:
        self.corpus = corpus
        self.vectors = vectors
        self.embed_query = embed_query
        self.segmenter = segmenter
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.clauses = corpus.clauses
        self.position = {c.clause_id: i for i, c in enumerate(self.clauses)}
        self.bm25 = BM25([segmenter.tokens(self._bm25_text(c)) for c in self.clauses])

    def _bm25_text(self, c: Clause) -> str:
        # Units are searchable by name; headings of ancestors give a clause its topic words.
        crumbs = " ".join(self.corpus.context_headings(c))
        return f"{crumbs} {c.heading} {c.text} {' '.join(c.lead_units + c.participant_units)}"

    def search(self, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        allowed = (filters or Filters()).allowed(self.corpus)
        keep = (lambda cid: True) if allowed is None else (lambda cid: cid.split("#", 1)[0] in allowed)
        dense: dict[str, float] = {}
        dense_order: list[str] = []
        if mode in ("hybrid", "dense"):
            qv = self.embed_query(question)
            # With a filter, look deeper so that enough allowed passages survive it.
            depth = self.candidates * 4 if allowed is None else len(self.vectors.passages)
            for pid, score in self.vectors.search(qv, depth):
                cid = self.vectors.passages[pid].clause_id
                if not keep(cid) or cid in dense:
                    continue
                dense[cid] = score
                dense_order.append(cid)
        bm25_scores: dict[str, float] = {}
        bm25_order: list[str] = []
        if mode in ("hybrid", "bm25"):
            scores = self.bm25.scores(self.segmenter.tokens(question))
            for i in np.argsort(-scores, kind="stable"):
                if scores[i] <= 0:
                    break
                cid = self.clauses[i].clause_id
                if keep(cid):
                    bm25_scores[cid] = float(scores[i])
                    bm25_order.append(cid)
                if len(bm25_order) >= self.candidates * 2:
                    break
        dense_order = dense_order[: self.candidates]
        bm25_order = bm25_order[: self.candidates]
        d_rank = {cid: r for r, cid in enumerate(dense_order)}
        b_rank = {cid: r for r, cid in enumerate(bm25_order)}
        fused: dict[str, float] = {}
        for cid in {*d_rank, *b_rank}:
            s = 0.0
            if cid in d_rank:
                s += 1.0 / (self.rrf_k + d_rank[cid] + 1)
            if cid in b_rank:
                s += 1.0 / (self.rrf_k + b_rank[cid] + 1)
            fused[cid] = s
        ranked = sorted(fused, key=lambda cid: (-fused[cid], self.position[cid]))
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
