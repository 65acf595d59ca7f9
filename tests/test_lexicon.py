"""Segmentation vocabulary: the documents' own terms are kept whole."""

from __future__ import annotations

from assistant.lexicon import Segmenter, corpus_terms, variants


def test_quoted_coinages_are_terms():
    assert corpus_terms(["加快推进“互联网+流通”发展，打造“宽带乡村”。"]) == {"互联网+流通", "宽带乡村"}


def test_defined_terms_and_abbreviations_are_terms():
    text = "（三）网络运营者，是指网络的所有者。提供互联网信息服务（以下简称算法推荐服务），适用本规定。"
    assert corpus_terms([text]) == {"网络运营者", "算法推荐服务"}


def test_a_corpus_term_is_one_token():
    seg = Segmenter(corpus_terms(["“泉城大脑”"]))
    assert "泉城大脑" in seg.tokens("泉城大脑由谁建设？")


def test_figures_in_words_also_match_figures_in_digits():
    assert "500亿" in variants("五百亿")
    assert "1000亿" in variants("千亿")
    assert "3年" in variants("三年")
    assert "30%" in variants("百分之三十")
    assert variants("平台") == ("平台",)
