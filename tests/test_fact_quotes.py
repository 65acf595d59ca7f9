"""Which clauses a fact answer quotes (answering/fact._supporting), on hand-made scores."""

from __future__ import annotations

from assistant.answering.evidence import Scored
from assistant.answering.fact import FIRST_SHARE, LAY_FIRST, LAY_LEX, SUPPORTING_SHARE, _supporting
from assistant.clauses import Clause
from assistant.sentences import Sentence


def scored(path: str, score: float, rank: int, lex: float | None = None) -> Scored:
    text = f"第{path}条的内容。"
    clause = Clause(doc_id="law", path=path, level=1, label=f"第{path}条", heading=text, text=text)
    return Scored(score=score, lex=score if lex is None else lex, clause=clause, sentence=Sentence(text, 0), rank=rank)


def quoted(ranked: list[Scored]) -> list[str]:
    return [clause.path for clause, _, _ in _supporting(sorted(ranked, key=lambda s: -s.score), skip=0)]


def test_clauses_nearly_as_good_as_the_best_are_quoted_best_first():
    assert quoted([scored("1", 1.0, 1), scored("2", SUPPORTING_SHARE + 0.05, 0), scored("3", 0.2, 2)]) == ["1", "2"]


def test_retrievals_first_clause_is_quoted_though_it_shares_fewer_words():
    # Meaning put 第5条 first; words shared with the question put 第6条 ahead of it.
    assert quoted([scored("6", 1.0, 1), scored("5", FIRST_SHARE + 0.05, 0)]) == ["6", "5"]


def test_retrievals_first_clause_is_left_out_when_it_holds_almost_nothing():
    assert quoted([scored("6", 1.0, 1), scored("5", FIRST_SHARE - 0.05, 0)]) == ["6"]


def test_a_question_in_words_the_text_does_not_use_gets_retrievals_first_clauses():
    # No sentence holds the question's words: meaning alone ordered the sentences, retrieval the clauses.
    weak = LAY_LEX / 2
    ranked = [scored("9", 1.0, 5, weak), *(scored(str(r + 1), 0.4, r, weak) for r in range(LAY_FIRST + 1))]
    assert quoted(ranked) == ["9", *(str(r + 1) for r in range(LAY_FIRST))]


def test_a_sentence_that_escalates_is_quoted_with_the_one_it_escalates_from():
    from assistant.answering.fact import _with_continuation
    from assistant.sentences import split

    text = ("不符合享受失业保险待遇条件，骗取失业保险金的，由社会保险经办机构责令退还；"
            "情节严重的，由劳动保障行政部门处骗取金额1倍以上3倍以下的罚款。")
    clause = Clause(doc_id="law", path="28", level=1, label="第二十八条", heading="", text=text)
    ss = [Scored(score=1.0 - 0.1 * s.index, lex=0.5, clause=clause, sentence=s, rank=0) for s in split(text)]
    fine = [x for x in ss if x.sentence.text.startswith("情节严重")]
    assert [x.sentence.index for x in _with_continuation(ss, fine)] == [1, 0]


def test_a_sentence_competes_with_an_enumeration_only_when_it_lists_the_kind_asked():
    from assistant.answering.evidence import closes_series, list_head, list_noun, lists_of

    # "有哪些原则": a series the noun closes is the list asked for.
    assert list_noun("深圳对人工智能产业治理定了哪些原则？") == "原则"
    assert closes_series("原则", "治理遵循和谐友好、公平公正、包容共享、敏捷治理原则，推动发展。")
    # "哪些行业云": a series of …云.
    assert lists_of(list_head("有哪些行业云？"), "建设工业云、农业云、金融云等行业云平台。")
    # "哪些基本条件" is not answered by a duty that happens to list three qualities.
    text = "幼儿园实施保育和教育，应当注重生活性、趣味性和多样性，以游戏为基本活动。"
    noun = list_noun("在浙江开一家幼儿园，需要满足哪些基本条件？")
    assert not closes_series(noun, text) and not lists_of(list_head("需要满足哪些基本条件？"), text)
    # ... and a series counted before its noun ("等10个流通行业").
    assert closes_series(list_noun("武汉要推动哪些流通行业用上大数据？"),
                         "加快技术在商品交易市场、百货零售、超市便利店、再生资源回收等10个流通行业的深度应用。")
