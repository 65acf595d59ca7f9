"""`Assistant.retriever()` as a LangChain retriever: LangChain's own standard suite, then our metadata."""

from __future__ import annotations

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.retrieval import PolicyRetriever

ANGEL_Q = "济南对天使投资有什么奖励？"
ANGEL_CLAUSE = "jinan-platform-economy-2020#4.2"


class TestPolicyRetrieverStandard(RetrieversIntegrationTests):
    """langchain-tests' RetrieversIntegrationTests, run unchanged against our retriever."""

    @pytest.fixture(autouse=True)
    def _assistant(self, fake_assistant) -> None:
        # Autouse fixtures run first, so the constructor params below can use the loaded assistant.
        self.bot = fake_assistant

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return PolicyRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        # What Assistant.retriever() passes; the suite adds k itself.
        return {"searcher": self.bot.searcher, "today": self.bot.today()}

    @property
    def retriever_query_example(self) -> str:
        return ANGEL_Q


def test_assistant_retriever_is_a_base_retriever(fake_assistant):
    assert isinstance(fake_assistant.retriever(), BaseRetriever)


def test_k_at_invoke_time_overrides_the_constructor_k(fake_assistant):
    retriever = fake_assistant.retriever(k=10)
    assert len(retriever.invoke(ANGEL_Q)) == 10
    assert len(retriever.invoke(ANGEL_Q, k=2)) == 2
    assert len(retriever.invoke(ANGEL_Q)) == 10  # the override does not stick


def test_documents_are_ranked_like_retrieve(fake_assistant):
    docs = fake_assistant.retriever(k=5).invoke(ANGEL_Q)
    assert [d.metadata["clause_id"] for d in docs] == [cid for cid, _ in fake_assistant.retrieve(ANGEL_Q, k=5)]


def test_metadata_carries_the_fields_people_filter_on(fake_assistant):
    doc = next(d for d in fake_assistant.retriever(k=20).invoke(ANGEL_Q) if d.metadata["clause_id"] == ANGEL_CLAUSE)
    meta = doc.metadata
    assert (meta["doc_id"], meta["label"], meta["region"], meta["level"]) == (
        "jinan-platform-economy-2020", "四、（二）", "济南市", "city")
    # The Jinan opinion prints no validity period: its status is "unknown" on any date.
    assert meta["status"] == "unknown"
    assert "天使投资" in doc.page_content


def test_status_is_evaluated_on_the_assistants_today(fake_assistant):
    wuhan = fake_assistant.retriever(k=3, doc_ids=["wuhan-internet-plus-circulation-2016"]).invoke("互联网+流通 有效期")
    # In force 2016-08-01 for 5 years; the fixture's today is 2026-11-22.
    assert {d.metadata["status"] for d in wuhan} == {"expired"}


def test_region_filter_keeps_the_hierarchy(fake_assistant):
    docs = fake_assistant.retriever(k=30, region="武汉市").invoke("电子商务")
    assert {d.metadata["region"] for d in docs} == {"武汉市", "湖北省"}


async def test_ainvoke_honours_k(fake_assistant):
    docs = await fake_assistant.retriever().ainvoke(ANGEL_Q, k=3)
    assert len(docs) == 3


def test_an_unknown_fusion_or_a_share_outside_0_1_is_a_clear_error(fake_assistant):
    from assistant.retrieval import HybridSearcher

    bot = fake_assistant
    args = (bot.corpus, bot.vectors, bot._embed_query, bot.segmenter)
    with pytest.raises(ValueError, match="未知的融合方式"):
        HybridSearcher(*args, fusion="max")
    with pytest.raises(ValueError, match="bm25_share"):
        HybridSearcher(*args, bm25_share=1.5)
    with pytest.raises(ValueError, match="unknown_discount"):
        HybridSearcher(*args, unknown_discount=-0.1)


def test_the_keyword_half_counts_less_for_words_its_index_does_not_know(fake_assistant):
    from assistant.retrieval import HybridSearcher

    bot = fake_assistant
    searcher = HybridSearcher(bot.corpus, bot.vectors, bot._embed_query, bot.segmenter)
    assert searcher._known_share("跨境电子商务发展") == 1.0
    assert searcher._known_share("跨境电子商务 呜啦啦嘎嘎") < 1.0
    # With every word known the fusion is the configured one: the same ranking as without the discount.
    plain = HybridSearcher(bot.corpus, bot.vectors, bot._embed_query, bot.segmenter, unknown_discount=0.0)
    q = "跨境电子商务发展"
    assert [h.clause_id for h in searcher.search(q, 10)] == [h.clause_id for h in plain.search(q, 10)]
