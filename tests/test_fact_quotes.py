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
