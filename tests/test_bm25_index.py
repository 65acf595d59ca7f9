"""The keyword index: bm25s scores, persisted beside the vectors, verified by the manifest."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import index as index_mod
from assistant.config import Config
from assistant.core import Assistant
from assistant.lexicon import BM25, Segmenter

from .fakes import HashEmbedder

QUESTIONS = ["济南对天使投资有什么奖励？", "农村电商配送由哪个部门牵头？", "湖北省商务厅牵头哪些任务？"]


def quiet(_msg: str) -> None:
    pass


def okapi(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """The textbook formula, written out, as the reference."""
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    out = []
    for d in docs:
        s = 0.0
        for t in set(query):
            df = sum(t in x for x in docs)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = d.count(t)
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        out.append(s)
    return out


DOCS = [["天使", "投资", "奖励", "奖励"], ["跨境", "电子商务", "物流"], ["天使", "基金"], []]


def test_scores_are_okapi_bm25() -> None:
    got = BM25(DOCS).scores(["天使", "奖励", "没有的词"])
    np.testing.assert_allclose(got, okapi(DOCS, ["天使", "奖励"]), rtol=1e-5)
    assert got[0] > got[2] > 0 == got[1] == got[3]


def test_repeated_query_words_count_once() -> None:
    bm = BM25(DOCS)
    np.testing.assert_allclose(bm.scores(["天使", "天使"]), bm.scores(["天使"]))


def test_idf_is_a_term_mapping() -> None:
    idf = BM25(DOCS).idf
    assert idf["天使"] == pytest.approx(math.log(1 + (4 - 2 + 0.5) / 2.5))
    assert idf["物流"] == pytest.approx(math.log(1 + (4 - 1 + 0.5) / 1.5))
    assert idf.get("没有的词", 1.0) == 1.0 and "" not in idf


def test_empty_corpus_scores_nothing() -> None:
    bm = BM25([])
    assert bm.scores(["天使"]).shape == (0,) and dict(bm.idf) == {}


def test_save_load_round_trip_without_pickle(tmp_path: Path) -> None:
    bm = BM25(DOCS)
    names = bm.save(tmp_path)
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert all(n.startswith("bm25.") and n.endswith((".json", ".npy")) for n in names)
    for n in names:
        if n.endswith(".npy"):
            np.load(tmp_path / n, allow_pickle=False)  # plain arrays
    back = BM25.load(tmp_path)
    np.testing.assert_array_equal(back.scores(["天使", "物流"]), bm.scores(["天使", "物流"]))
    assert dict(back.idf) == dict(bm.idf)


# ------------------------------------------------------------------ segmenter cache


def test_segmenter_dictionary_is_cached_per_vocabulary(tmp_path: Path) -> None:
    first = Segmenter(["湖北省经信委"], cache_dir=tmp_path)
    files = list((tmp_path / "jieba").glob("dict-*.marshal"))
    assert [f.name for f in files] == [f"dict-{first.fingerprint}.marshal"]
    again = Segmenter(["湖北省经信委"], cache_dir=tmp_path)
    assert again._tok.initialized and again.fingerprint == first.fingerprint
    text = "湖北省经信委牵头推进跨境电子商务"
    assert again.tokens(text) == first.tokens(text) == Segmenter(["湖北省经信委"]).tokens(text)
    assert "湖北省经信委" in again.tokens(text)
    other = Segmenter(["某某局"], cache_dir=tmp_path)
    assert other.fingerprint != first.fingerprint
    assert len(list((tmp_path / "jieba").glob("dict-*.marshal"))) == 2


def test_damaged_segmenter_cache_is_rebuilt(tmp_path: Path) -> None:
    seg = Segmenter(["湖北省经信委"], cache_dir=tmp_path)
    path = tmp_path / "jieba" / f"dict-{seg.fingerprint}.marshal"
    path.write_bytes(b"\x00garbage")
    again = Segmenter(["湖北省经信委"], cache_dir=tmp_path)
    assert "湖北省经信委" in again.tokens("湖北省经信委牵头")
    assert path.stat().st_size > 1000  # rewritten whole


# ------------------------------------------------------------------ persisted in the index


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("bm25idx") / "index"
    Assistant.load(Config(index_dir=d, today="2026-11-22"), embedder=HashEmbedder(), log=quiet)
    return d


@pytest.fixture()
def cfg(tmp_path: Path, built: Path) -> Config:
    shutil.copytree(built, tmp_path / "index")
    return Config(index_dir=tmp_path / "index", today="2026-11-22", model_cache_dir=tmp_path / "cache")


def test_index_files_and_manifest_cover_the_keyword_index(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    bm25_files = sorted(n for n in manifest["files"] if n.startswith("bm25."))
    assert bm25_files == sorted(p.name for p in built.glob("bm25.*"))
    assert {"bm25.json", "bm25.data.npy", "bm25.vocab.json"} <= set(bm25_files)
    assert len(manifest["lexicon"]) == 16


def test_loading_does_not_tokenise_the_corpus(cfg: Config, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(index_mod, "build_bm25", lambda *a, **k: calls.append(1))
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    assert calls == []
    assert bot.searcher.bm25 is bot.vectors.bm25 and bot.searcher.bm25.n == len(bot.corpus.clauses)


def test_persisted_keyword_index_ranks_like_a_fresh_one(cfg: Config, fake_assistant) -> None:
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    fresh = index_mod.build_bm25(bot.corpus, bot.segmenter)
    for q in QUESTIONS:
        toks = bot.segmenter.tokens(q)
        np.testing.assert_array_equal(bot.searcher.bm25.scores(toks), fresh.scores(toks))
        assert bot.search(q, 10, mode="bm25") == fake_assistant.search(q, 10, mode="bm25")


def _rehash(index_dir: Path) -> None:
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {n: index_mod._sha256(index_dir / n) for n in manifest["files"]}
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: (d / "bm25.data.npy").write_bytes(b"\x93NUMPY garbage"), "索引文件 bm25.data.npy 与清单不符"),
        (lambda d: (d / "bm25.vocab.json").unlink(), "索引文件缺失：bm25.vocab.json"),
        (lambda d: ((d / "bm25.indptr.npy").write_bytes(b"oops"), _rehash(d)), "索引文件无法读取"),
        (lambda d: ((d / "bm25.json").write_text('{"n": 3, "k1": 1.5, "b": 0.75, "files": ["bm25.json"]}'),
                    _rehash(d)), "索引文件无法读取"),
    ],
    ids=["flipped", "missing", "unreadable-rehashed", "wrong-count-rehashed"],
)
def test_damaged_keyword_index_is_detected_and_rebuilt(cfg: Config, damage, reason: str) -> None:
    damage(cfg.index_dir)
    logs: list[str] = []
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=logs.append)
    faults = [m for m in logs if m.startswith("索引不可用")]
    assert len(faults) == 1 and reason in faults[0], logs
    assert bot.searcher.bm25.n == len(bot.corpus.clauses)
    index_mod.load(cfg.index_dir, embedder_name="hash-bigram-64", corpus_fingerprint=bot.corpus.fingerprint,
                   lexicon=bot.segmenter.fingerprint)


def test_changed_vocabulary_makes_the_keyword_index_stale(cfg: Config, monkeypatch) -> None:
    words = index_mod.corpus_words
    monkeypatch.setattr(index_mod, "corpus_words", lambda *a: words(*a) | {"数字人民币"})
    logs: list[str] = []
    reembedded: list[int] = []

    class Counting(HashEmbedder):
        def embed_passages(self, texts, batch_size=32, progress=False):
            reembedded.append(len(texts))
            return super().embed_passages(texts)

    bot = Assistant.load(cfg, embedder=Counting(), log=logs.append)
    assert [m for m in logs if m.startswith("索引不可用")] == ["索引不可用（分词词表已变更，关键词索引已过期），正在重建…"]
    assert sum(reembedded) == 0  # every passage vector was reused
    assert "数字人民币" in bot.segmenter.tokens("推广数字人民币")


# ------------------------------------------------------------------ index type by size


def test_index_type_is_chosen_by_size() -> None:
    import faiss

    assert type(index_mod.make_faiss_index(384, 238)) is faiss.IndexFlatIP
    assert type(index_mod.make_faiss_index(384, index_mod.EXACT_MAX)) is faiss.IndexFlatIP
    big = index_mod.make_faiss_index(384, index_mod.EXACT_MAX + 1)
    assert type(big) is faiss.IndexIVFFlat and not big.is_trained
    assert (big.nlist, big.nprobe) == (1024, 64)
    assert index_mod.ivf_params(300_000) == (2048, 64)
    assert index_mod.ivf_params(1_000_000) == (4096, 128)
    assert index_mod.ivf_params(500) == (12, 12)  # tiny: every list probed, i.e. exact


def test_ivf_index_is_trained_searched_filtered_and_persisted(tmp_path: Path, monkeypatch, fake_assistant) -> None:
    monkeypatch.setattr(index_mod, "EXACT_MAX", 10)
    cfg = Config(index_dir=tmp_path / "index", today="2026-11-22")
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    assert bot.vectors.manifest["index_type"] == "IndexIVFFlat"
    again = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    assert again.vectors.faiss_index.nprobe == bot.vectors.faiss_index.nprobe == 6  # all lists at n=238
    for q in QUESTIONS:  # every list probed: the same as exact search
        assert again.search(q, 10, mode="dense") == fake_assistant.search(q, 10, mode="dense")
        assert again.search(q, 5, region="武汉市") == fake_assistant.search(q, 5, region="武汉市")
