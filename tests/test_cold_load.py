"""A cold start reads the parsed clauses from the index instead of parsing every text again, but only
while the index was built from exactly the corpus files and the parser code at hand."""

from __future__ import annotations

import shutil

import pytest

from assistant import Assistant, Config
from assistant import corpus as corpus_mod
from assistant import index as index_mod
from assistant.corpus import load_corpus

from .conftest import CORPUS
from .fakes import HashEmbedder


@pytest.fixture
def built(tmp_path) -> Config:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")
    Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None)
    return cfg


def _no_parsing(monkeypatch) -> None:
    def refuse(*a, **k):
        raise AssertionError("parsed a text")

    monkeypatch.setattr(corpus_mod, "parse_document", refuse)


def test_a_cold_load_of_an_unchanged_corpus_parses_nothing(built, monkeypatch):
    parsed = load_corpus(built.corpus_dir)
    _no_parsing(monkeypatch)
    cached = index_mod.cached_corpus(built.corpus_dir, built.index_dir)
    assert cached is not None
    assert cached.clauses == parsed.clauses and cached.fingerprint == parsed.fingerprint
    assert list(cached.documents) == list(parsed.documents)
    bot = Assistant.load(built, embedder=HashEmbedder(), log=lambda m: None)
    assert bot.ask("济南对天使投资有什么奖励？").citations


def test_a_changed_text_is_parsed_again(built):
    text = next(built.corpus_dir.glob("004_*.txt"))
    text.write_text(text.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    assert index_mod.cached_corpus(built.corpus_dir, built.index_dir) is None


def test_a_changed_parser_parses_again(built, monkeypatch):
    monkeypatch.setattr(corpus_mod, "parser_fingerprint", lambda: "another parser")
    assert index_mod.cached_corpus(built.corpus_dir, built.index_dir) is None


def test_a_damaged_clause_store_is_not_trusted(built):
    with (built.index_dir / "clauses.jsonl").open("a", encoding="utf-8") as f:
        f.write("{}\n")
    assert index_mod.cached_corpus(built.corpus_dir, built.index_dir) is None


def test_a_parse_that_matches_the_index_is_remembered(built, monkeypatch):
    """Parser code changed without changing a clause: the load parses once, records the new source
    fingerprint in the manifest, and the next load reads the clauses from the index again."""
    monkeypatch.setattr(corpus_mod, "parser_fingerprint", lambda: "a harmless change")
    assert index_mod.cached_corpus(built.corpus_dir, built.index_dir) is None
    Assistant.load(built, embedder=HashEmbedder(), log=lambda m: None)
    assert index_mod.cached_corpus(built.corpus_dir, built.index_dir) is not None


def test_item_passages_can_be_left_out_and_the_change_rebuilds_the_index(built, tmp_path):
    from dataclasses import replace

    from assistant.index import is_article_item

    law = tmp_path / "law.md"
    law.write_text("# 某某条例\n\n第一条 为了规范管理，制定本条例。\n\n第二条 下列行为应当备案：\n（一）新建；\n（二）改建。\n",
                   encoding="utf-8")
    from assistant.library import add_document

    add_document(built, law, doc_id="law", region="全国", log=lambda m: None, embedder=HashEmbedder())
    lean = replace(built, item_passages=False)
    messages: list[str] = []
    bot = Assistant.load(lean, embedder=HashEmbedder(), log=messages.append)
    assert any("item_passages" in m for m in messages)  # the setting changed: rebuilt
    items = {c.clause_id for c in bot.corpus.clauses if is_article_item(c)}
    assert items == {"law#2.1", "law#2.2"}
    assert not items & {p.clause_id for p in bot.vectors.passages}
    assert bot.vectors.manifest["item_passages"] is False
    assert "law#2.1" in [cid for cid, _ in bot.retrieve("新建 备案", k=5)]  # still found by its words
