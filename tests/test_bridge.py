"""The lay-to-legal terminology bridge: mined from question/article pairs, stored as data, used by the
keyword half of retrieval."""

from __future__ import annotations

import json

from assistant.bridge import Bridge, load_bridge, mine, stard_pairs


def words(text: str) -> list[str]:
    return text.split()


PAIRS = [
    ("老公 欠钱 不还", ["夫妻 共同 债务 清偿"]),
    ("老公 借钱 跑了", ["夫妻 共同 债务 承担"]),
    ("老公 赌博 欠债", ["夫妻 个人 债务 清偿"]),
    ("房东 不退 押金", ["出租人 租赁 押金 返还"]),
    ("房东 涨 房租", ["出租人 租赁 租金 调整"]),
    # Other questions and articles: what makes 夫妻 and 出租人 rare among the answers.
    *[(f"问题{i} 其他", [f"条文{i} 其他 规定"]) for i in range(6)],
]


def test_a_question_word_is_bridged_to_the_article_words_its_answers_share():
    bridge = mine(PAIRS, words, top=3)
    assert {a for a, _ in bridge.terms["老公"][:2]} == {"夫妻", "债务"}  # in all three answers
    assert {a for a, _ in bridge.terms["房东"][:2]} == {"出租人", "租赁"}


def test_a_word_seen_in_one_question_only_is_not_bridged():
    assert "赌博" not in mine(PAIRS, words).terms


def test_the_expansion_leaves_out_the_questions_own_words_and_scales_to_the_strongest():
    bridge = Bridge({"老公": [("夫妻", 2.0), ("债务", 1.0)], "欠钱": [("债务", 1.0), ("老公", 5.0)]})
    expansion = dict(bridge.expansion(["老公", "欠钱"]))
    assert expansion == {"夫妻": 1.0, "债务": 1.0}  # 债务 from both words: 2.0; 老公 is the question's own


def test_the_bridge_round_trips_through_its_file_and_a_damaged_file_is_no_bridge(tmp_path):
    path = tmp_path / "bridge.json"
    Bridge({"房东": [("出租人", 1.5)]}, {"source": "test"}).save(path)
    loaded = load_bridge(path)
    assert loaded is not None and loaded.terms == {"房东": [("出租人", 1.5)]} and loaded.provenance == {"source": "test"}
    path.write_text("{not json", encoding="utf-8")
    assert load_bridge(path) is None


def test_stard_pairs_leave_out_questions_about_the_files_to_avoid(tmp_path):
    rows = [{"question": "q1", "gold": [{"text": "t1", "files": ["a.md"]}]},
            {"question": "q2", "gold": [{"text": "t2", "files": ["b.md"]}]}]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert stard_pairs(path, {"b.md"}) == [("q1", ["t1"])]


def test_the_shipped_bridge_records_where_it_comes_from_and_leaves_the_test_split_out():
    bridge = load_bridge()
    assert bridge is not None and len(bridge.terms) > 500
    assert "STARD" in bridge.provenance["source"] and "劳动合同法" in bridge.provenance["left_out"]


def test_keyword_search_finds_an_article_through_the_bridge(fake_assistant):
    searcher = fake_assistant.searcher
    question = "老公欠钱不还跑了，我要替他还吗？"
    words_of = searcher.segmenter.tokens
    # A clause that shares no word with the question, and its rarest word.
    holder = next(i for i, s in enumerate(searcher.bm25.scores(words_of(question))) if s == 0)
    idf = searcher.bm25.idf
    rare = max((w for w in words_of(searcher.clauses[holder].text) if w in idf), key=lambda w: (idf[w], w))
    saved = searcher.bridge
    try:
        searcher.bridge = None
        without = searcher._bm25_top(question, None, 50)
        searcher.bridge = Bridge({w: [(rare, 1.0)] for w in words_of(question)})
        with_bridge = searcher._bm25_top(question, None, 50)
    finally:
        searcher.bridge = saved
    assert holder in [i for i, _ in with_bridge] and holder not in [i for i, _ in without]
