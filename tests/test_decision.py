"""The answer-or-refuse decision: features, the fitted model, and how it is fitted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answering import decision
from assistant.answering.decision import FEATURES, Model, load_model
from assistant.fit_decision import choose_threshold, curve, fit


def _row(label: int, group: str, **x: float) -> dict:
    return {"label": label, "group": group, "source": "synthetic", "features": {f: x.get(f, 0.0) for f in FEATURES}}


def test_the_shipped_weights_name_the_features_the_code_computes():
    model = load_model()
    assert model is not None, "assistant/data/decision.json is missing or fitted on other features"
    assert len(model.weights) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0


def test_weights_fitted_on_other_features_are_not_used(tmp_path):
    path = tmp_path / "decision.json"
    path.write_text(json.dumps({"features": ["something_else"], "weights": [1.0], "bias": 0.0, "threshold": 0.5}))
    assert load_model(path) is None


def test_evidence_that_holds_the_question_is_more_likely_answered():
    model = load_model()
    weak = dict.fromkeys(FEATURES, 0.0) | {"cos_best": 0.8, "dense_top": 0.8}
    strong = weak | {"lex_best": 1.0, "lex_clause": 1.0, "cos_best": 0.92, "dense_top": 0.9}
    assert model.probability(strong) > model.probability(weak)


def test_a_value_asked_and_not_held_lowers_the_probability():
    model = load_model()
    base = dict.fromkeys(FEATURES, 0.0) | {"lex_best": 0.7, "lex_clause": 0.8, "cos_best": 0.9, "dense_top": 0.88,
                                            "asks_value": 1.0}
    assert model.probability(base | {"value_missing": 1.0}) < model.probability(base)


def test_probability_is_the_logistic_of_the_weighted_sum():
    m = Model(tuple(1.0 if f == "lex_best" else 0.0 for f in FEATURES), bias=-0.5, threshold=0.5)
    x = dict.fromkeys(FEATURES, 0.0) | {"lex_best": 0.5}
    assert m.probability(x) == pytest.approx(0.5)


def test_the_threshold_keeps_false_refusals_within_the_bound():
    rng = np.random.default_rng(0)
    y = np.array([1] * 100 + [0] * 100)
    p = np.concatenate([rng.uniform(0.3, 1.0, 100), rng.uniform(0.0, 0.6, 100)])
    points = curve(p, y)
    t = choose_threshold(points, 0.05)
    assert np.mean(p[y == 1] < t) <= 0.05
    # and it is the strictest such threshold: the next one up breaks the bound
    higher = [pt for pt in points if pt["threshold"] > t]
    assert not higher or higher[0]["false_refusal"] > 0.05


def test_fitting_separates_a_pool_it_can_separate_and_reports_held_out_figures():
    rng = np.random.default_rng(1)
    rows = [_row(1, f"doc{i % 10}", lex_best=rng.uniform(0.6, 1), cos_best=0.9) for i in range(80)]
    rows += [_row(0, f"doc{i % 10}", lex_best=rng.uniform(0, 0.4), cos_best=0.85, unknown_share=0.5)
             for i in range(80)]
    result = fit(rows)
    assert result["features"] == list(FEATURES)
    assert result["held_out"]["answer_precision"] > 0.9
    assert result["held_out"]["refuse_recall"] > 0.9
    assert result["pool"] == {"n": 160, "positives": 80, "negatives": 80, "by_source": {"synthetic": 160},
                              "groups": 10}
    lex = result["weights"][FEATURES.index("lex_best")]
    assert lex > 0


def test_an_answer_the_model_rejects_becomes_a_refusal_naming_its_clauses(fake_assistant, monkeypatch):
    question = "济南对天使投资有什么奖励？"
    answered = fake_assistant.ask(question)
    assert not answered.refused and answered.decision["p"] > 0
    reject_all = Model(tuple(0.0 for _ in FEATURES), bias=-10.0, threshold=0.5)
    monkeypatch.setattr(decision, "load_model", lambda *a, **k: reject_all)
    refused = fake_assistant.ask(question)
    assert refused.refused
    assert "相关但未回答" in refused.answer
    assert {c.clause_id for c in refused.citations} <= {c.clause_id for c in answered.citations}
    assert refused.decision["p"] < 0.5


def test_fitting_can_ask_without_the_decision_enforced(fake_assistant, monkeypatch):
    reject_all = Model(tuple(0.0 for _ in FEATURES), bias=-10.0, threshold=0.5)
    monkeypatch.setattr(decision, "load_model", lambda *a, **k: reject_all)
    r = fake_assistant.ask("济南对天使投资有什么奖励？", decide=False)
    assert not r.refused
    assert set(r.decision["features"]) == set(FEATURES)


def test_leaving_a_document_out_answers_as_if_it_were_not_held(fake_assistant):
    r = fake_assistant.ask("济南对天使投资有什么奖励？", exclude_docs=["jinan-platform-economy-2020"], decide=False)
    assert all(not c.clause_id.startswith("jinan-platform-economy-2020#") for c in r.citations)


def test_the_evaluation_report_shows_the_held_out_curve_with_the_shipped_threshold():
    from assistant.evalsplits import render_decision

    rows = [_row(1, f"g{i % 5}", lex_best=0.6 + 0.01 * i) for i in range(20)]
    rows += [_row(0, f"g{i % 5}", lex_best=0.3 - 0.01 * i) for i in range(20)]
    data = fit(rows)
    text = "\n".join(render_decision(data))
    assert f"| **{data['threshold']:.2f}** |" in text
    assert "| 0.50 |" in text or data["threshold"] == 0.5
    assert "| 0.51 |" not in text  # every 0.05, not every step of the curve
    assert "lex_best" in text and "bias" in text
    assert render_decision({}) == []


def test_an_item_holds_the_figure_its_lead_in_announces():
    # "驾驶机动车有拨打、接听手持电话…的；" is answered "一次记3分" by the lead-in above it: the figure asked for
    # is in the answer, and the quoted item is where the question's words are.
    from types import SimpleNamespace

    from assistant.answering.decision import _with_lead_in
    from assistant.answering.fact import _item_context
    from assistant.clauses import Clause
    from assistant.sentences import split

    parent = Clause("r", "11", 1, "第十一条", "", "机动车驾驶人有下列交通违法行为之一，一次记3分：")
    item = Clause("r", "11.6", 2, "第十一条（六）", "", "（六）驾驶机动车有拨打、接听手持电话等妨碍安全驾驶的行为的；",
                  parents=("11",))
    corpus = SimpleNamespace(breadcrumb=lambda c: [parent] if c is item else [])
    scored = SimpleNamespace(clause=item, sentence=split(item.text)[0])
    assert "3分" in _with_lead_in(corpus, scored)
    assert _item_context(corpus, item)[0] == [(parent, parent.text)]
    # The lead-in is the whole sentence, not its last piece: the fine is before the "；" that ends the list's
    # announcement ("…处以五十万元以下的罚款；情节严重的，责令停业整顿、吊销营业执照:").
    parent = Clause("c", "56", 1, "第五十六条", "", "经营者有下列情形之一的，处以违法所得一倍以上十倍以下的罚款，"
                    "没有违法所得的，处以五十万元以下的罚款；情节严重的，责令停业整顿、吊销营业执照:")
    item = Clause("c", "56.6", 2, "第五十六条（六）", "", "（六）对商品或者服务作虚假或者引人误解的宣传的；", parents=("56",))
    corpus = SimpleNamespace(breadcrumb=lambda c: [parent] if c is item else [])
    scored = SimpleNamespace(clause=item, sentence=split(item.text)[0])
    assert "五十万元以下" in _with_lead_in(corpus, scored)


def test_a_fine_is_not_the_sum_a_fee_or_subsidy_question_asks_for():
    from assistant.answering.evidence import holds_value

    fine = "伪造养犬证的，由城市管理行政执法部门处以二千元罚款。"
    assert not holds_value("money", fine, penalty_asked=False)  # "办养犬证要交多少钱？"
    assert holds_value("money", fine, penalty_asked=True)  # "伪造养犬证罚多少？"
    assert holds_value("money", "对首版次软件给予资助，最高资助100万元。", penalty_asked=False)


def test_a_fine_that_is_a_multiple_of_a_sum_answers_how_much_the_fine_is():
    from assistant.answering.evidence import holds_value

    fine = "情节严重的，由劳动保障行政部门处骗取金额1倍以上3倍以下的罚款。"
    assert holds_value("money", fine, penalty_asked=True)  # "骗领失业金，要罚多少？"
    assert not holds_value("money", "按照上年度工资的3倍计算。", penalty_asked=True)  # no fine: no answer


def test_a_figure_asked_beside_who_decides_it_is_not_a_value_asked():
    from types import SimpleNamespace

    from assistant.answering.decision import _value_asked

    who = SimpleNamespace(route=SimpleNamespace(kind="responsibility"))
    assert _value_asked("失业金一个月发多少是谁说了算？", who) == ""
    assert _value_asked("能找哪个部门复核？几天内要申请？", who) == "几天内要申请？"
    fact = SimpleNamespace(route=SimpleNamespace(kind="fact"))
    assert _value_asked("失业金一个月发多少？", fact) == "失业金一个月发多少？"


def test_a_when_question_is_answered_by_the_event_that_sets_the_time():
    from assistant.answering.evidence import holds_value

    # "转账借钱给朋友，借款从什么时候起算成立？"
    assert holds_value("when", "以银行转账、网上电子汇款等形式支付的，自资金到达借款人账户时；", penalty_asked=False)
    assert holds_value("when", "自登记之日起计算。", penalty_asked=False)
    assert not holds_value("when", "借款合同应当采用书面形式。", penalty_asked=False)


def test_a_number_in_another_measure_is_no_answer_to_a_count_asked_in_one():
    from assistant.answering.evidence import holds_value
    from assistant.values import asked_measure

    # "居民区夜里噪音不能超过多少分贝？" is not answered by "处二百元以上一千元以下的罚款".
    measure = asked_measure("居民区夜里噪音不能超过多少分贝？")
    assert not holds_value("number", "处二百元以上一千元以下的罚款。", penalty_asked=False, measure=measure)
    assert holds_value("number", "夜间噪声不得超过45分贝。", penalty_asked=False, measure=measure)
