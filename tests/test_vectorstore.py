"""The dense half behind LangChain's VectorStore: FAISS (default) and Milvus (milvus-lite here)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from assistant.evaluation import DEFAULT_DATASET, load_dataset, retrieval_question
from assistant.retrieval import Filters, HybridSearcher
from assistant.vectorstore import FaissStore, search_passages

from .fakes import HashEmbedder


def _all_vectors(bot) -> np.ndarray:
    index = bot.vectors.faiss_index
    return index.reconstruct_n(0, index.ntotal)


def test_faiss_store_is_a_langchain_vector_store(fake_assistant) -> None:
    from langchain_core.vectorstores import VectorStore

    assert isinstance(fake_assistant.searcher.store, VectorStore)
    assert isinstance(fake_assistant.searcher.store, FaissStore)


def test_faiss_store_returns_the_exact_top_k_with_clause_metadata(fake_assistant) -> None:
    store = fake_assistant.searcher.store
    q = HashEmbedder().embed_queries(["农村电子商务配送由哪个部门牵头"])[0]
    hits = store.similarity_search_with_score_by_vector(q.tolist(), 5)
    scores = _all_vectors(fake_assistant) @ q
    assert [round(s, 5) for _, s in hits] == [round(float(s), 5) for s in np.sort(scores)[::-1][:5]]
    p = fake_assistant.vectors.passages[hits[0][0].metadata["passage"]]
    assert hits[0][0].page_content == p.text
    assert hits[0][0].metadata["clause_id"] == p.clause_id
    assert hits[0][0].metadata["doc_id"] == p.clause_id.split("#")[0]


def test_faiss_store_filter_searches_only_the_named_documents(fake_assistant) -> None:
    store = fake_assistant.searcher.store
    q = HashEmbedder().embed_queries(["人才引进"])[0]
    doc = "jinan-platform-economy-2020"
    hits = store.similarity_search_with_score_by_vector(q.tolist(), 8, filter={"doc_id": [doc]})
    allowed = [i for i, p in enumerate(fake_assistant.vectors.passages) if p.clause_id.startswith(doc + "#")]
    best = sorted(allowed, key=lambda i: -float(_all_vectors(fake_assistant)[i] @ q))[:8]
    assert {d.metadata["passage"] for d, _ in hits} == set(best)
    assert all(d.metadata["doc_id"] == doc for d, _ in hits)


def test_faiss_store_answers_text_queries_through_its_embedding(fake_assistant) -> None:
    docs = fake_assistant.searcher.store.similarity_search("跨境电子商务", k=3)
    assert len(docs) == 3 and all("clause_id" in d.metadata for d in docs)


def test_from_texts_builds_an_exact_in_memory_store() -> None:
    from assistant.vectorstore import EmbedderEmbeddings

    store = FaissStore.from_texts(
        ["发展跨境电子商务", "加强人才引进", "完善冷链物流"], EmbedderEmbeddings(HashEmbedder()),
        metadatas=[{"clause_id": "d#1"}, {"clause_id": "d#2"}, {"clause_id": "d#3"}],
    )
    assert store.similarity_search("人才引进", k=1)[0].metadata["clause_id"] == "d#2"


milvus_missing = importlib.util.find_spec("milvus_lite") is None or importlib.util.find_spec("langchain_milvus") is None


@pytest.fixture(scope="module")
def milvus_store(fake_assistant, tmp_path_factory):
    from assistant.vectorstore import open_milvus

    uri = str(tmp_path_factory.mktemp("milvus") / "policyqa.db")
    store = open_milvus(fake_assistant.vectors, fake_assistant.embedder, uri, "policyqa_test", log=lambda m: None)
    store.test_uri = uri
    return store


@pytest.mark.skipif(milvus_missing, reason="milvus-lite / langchain-milvus not installed")
def test_evaluation_retrieval_on_milvus_lite_matches_faiss_flat(fake_assistant, milvus_store) -> None:
    """Every evaluation question, dense and hybrid: the same ranked clauses from both stores.

    Positions where two clauses score the same (to 1e-5) may come back in either order from the
    two engines; only such ties are allowed to differ.
    """
    bot = fake_assistant
    on_milvus = HybridSearcher(bot.corpus, bot.vectors, bot._embed_query, bot.segmenter,
                               bot.config.candidates, bot.config.rrf_k, store=milvus_store,
                               bridge=bot.searcher.bridge, bridge_weight=bot.searcher.bridge_weight,
                               fusion=bot.searcher.fusion, bm25_share=bot.searcher.bm25_share,
                               unknown_discount=bot.searcher.unknown_discount)
    questions = [retrieval_question(it) for it in load_dataset(DEFAULT_DATASET)]
    assert len(questions) > 100
    for q in questions:
        qv = bot._embed_query(q)
        a = search_passages(bot.searcher.store, qv, 40)
        b = search_passages(milvus_store, qv, 40)
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-5), q
        beyond = search_passages(bot.searcher.store, qv, 41)  # a tie may straddle the cut-off
        for (ca, sa), (cb, _) in zip(a, b, strict=True):
            if ca != cb:  # only a tie may swap places
                assert sum(abs(s - sa) < 1e-5 for _, s in beyond) > 1, (q, ca, cb)
        for mode in ("dense", "hybrid"):
            ha = [h.clause_id for h in bot.searcher.search(q, 10, mode=mode)]
            hb = [h.clause_id for h in on_milvus.search(q, 10, mode=mode)]
            if ha != hb:
                sa = {h.clause_id: h.score for h in bot.searcher.search(q, 10, mode=mode)}
                assert set(ha) ^ set(hb) <= {c for c in ha if list(sa.values()).count(sa[c]) > 1} | set(hb) - set(ha), q


@pytest.mark.skipif(milvus_missing, reason="milvus-lite / langchain-milvus not installed")
def test_milvus_filters_by_document_like_faiss(fake_assistant, milvus_store) -> None:
    bot = fake_assistant
    region = "武汉市"
    allowed = Filters.of(region=region).allowed(bot.corpus)
    qv = bot._embed_query("农村电商配送")
    a = search_passages(bot.searcher.store, qv, 20, allowed)
    b = search_passages(milvus_store, qv, 20, allowed)
    assert [c for c, _ in a] == [c for c, _ in b]
    assert {c.split("#")[0] for c, _ in b} <= allowed


@pytest.mark.skipif(milvus_missing, reason="milvus-lite / langchain-milvus not installed")
def test_milvus_collection_is_reused_when_it_holds_the_same_index(fake_assistant, milvus_store) -> None:
    from assistant.vectorstore import open_milvus

    logs: list[str] = []
    again = open_milvus(fake_assistant.vectors, fake_assistant.embedder, milvus_store.test_uri, "policyqa_test",
                        log=logs.append)
    assert logs == []  # nothing written: replicas and restarts reuse the collection
    assert search_passages(again, fake_assistant._embed_query("人才"), 3)
