"""Target answers: every target year (or period) a plan sets, the sentences that set it, each cited,
and whether it has passed as of today (2026-11-22 in the fixture) or the year the question names.
Expected values are read from the seed texts in corpus/."""

from __future__ import annotations

import pytest

from assistant.answering.target import goals_of
from assistant.routing import classify


def cited(answer) -> list[str]:
    return [c.clause_id for c in answer.citations]


@pytest.mark.parametrize(
    "question",
    ["目标分几个阶段？哪几年？", "到2020年的目标是什么？完成了吗？", "按今年算目标到期了吗？",
     "湖北计划哪一年基本实现行政审批事项全覆盖？这个时间点过了吗？"],
)
def test_questions_about_target_years_route_to_target(question):
    assert classify(question).kind == "target"


def test_a_question_for_the_figure_of_a_target_stays_a_fact():
    assert classify("武汉电子商务交易额的目标是多少？").kind == "fact"


def test_a_goal_clause_groups_its_items_under_the_year_before_them(clause_by_id):
    goal = clause_by_id["hubei-platform-economy-2015#1.3"]
    goals = goals_of(goal, [])
    assert goals.years == [2020]
    assert "网络零售交易额年均增长30%以上。" in [s for _, s in goals.by_key["2020"]]


def test_a_period_target_is_kept_with_its_span(clause_by_id):
    goal = clause_by_id["wuhan-internet-plus-circulation-2016#1.2"]
    goals = goals_of(goal, [])
    assert goals.periods == {"在5年内": (5, 5)}


def test_every_target_year_of_the_plan_with_its_sentences(fake_assistant):
    a = fake_assistant.ask("湖北“互联网+”实施意见分了哪几个目标年份？")
    assert a.route == "target"
    assert cited(a) == ["hubei-internet-plus-2015#1.2"]
    lines = a.answer.splitlines()
    assert lines[0] == "《省人民政府关于加快推进“互联网+”行动的实施意见》一、（二）设定了2个目标年份：2018年、2020年 [1]"
    assert "- 2018年（截至今天已过）：" in lines and "- 2020年（截至今天已过）：" in lines
    assert lines[-1] == "文件只规定了目标，没有说明这些目标是否已经实现；本库也没有完成情况的资料。"


def test_targets_are_judged_as_of_the_year_the_question_names(fake_assistant):
    a = fake_assistant.ask("按2019年算，湖北“互联网+”实施意见的目标阶段到期了吗？")
    assert "- 2018年（按2019年算已过）：" in a.answer.splitlines()
    assert "- 2020年（按2019年算尚未到期）：" in a.answer.splitlines()


def test_a_year_no_document_sets_a_target_for_is_refused_with_the_years_set(fake_assistant):
    a = fake_assistant.ask("湖北“互联网+”实施意见到2030年的目标是什么？")
    assert a.refused
    assert a.answer.splitlines()[0] == "文件没有设定2030年的目标，无法回答这个年份的问题。"
    assert "2018年（截至今天已过）[1]、2020年（截至今天已过）[1]" in a.answer


def test_a_period_is_counted_from_the_date_the_document_takes_effect(fake_assistant):
    a = fake_assistant.ask("武汉“互联网+流通”5年内要实现的目标有哪些？")
    assert "- 期限“在5年内”（自2016年8月1日施行起算，约至2021年，截至今天已过）：" in a.answer.splitlines()
    assert "到2020年,全市电子商务交易额达到1.3万亿元。" in a.answer
    assert cited(a)[0] == "wuhan-internet-plus-circulation-2016#1.2"


def test_every_clause_setting_the_period_asked_is_listed(fake_assistant):
    a = fake_assistant.ask("湖北“互联网+”行动里，哪几项是用3年时间来实现的目标？")
    assert set(cited(a)) == {"hubei-internet-plus-2015#2.3", "hubei-internet-plus-2015#2.6",
                             "hubei-internet-plus-2015#2.10"}


def test_a_topic_picks_its_own_clause_over_the_general_goal(fake_assistant):
    a = fake_assistant.ask("湖北“互联网+”健康养老到2018年要达到哪些目标？")
    assert cited(a) == ["hubei-internet-plus-2015#2.8"]
    assert "远程医疗系统初具规模" in a.answer


def test_a_question_naming_no_document_lists_the_years_of_each(fake_assistant):
    a = fake_assistant.ask("目标分几个阶段？哪几年？")
    bullets = [ln for ln in a.answer.splitlines() if ln.startswith("- ")]
    assert len(bullets) == 5
    assert "- 《济南市促进平台经济规范健康发展的实施意见》设定的目标年份：2022年（截至今天已过）[5]" in bullets


def test_every_quote_is_verbatim_in_its_clause(fake_assistant):
    for q in ("湖北“互联网+”实施意见分了哪几个目标年份？", "武汉“互联网+流通”5年内要实现的目标有哪些？",
              "湖北平台经济的目标年份是哪年？"):
        a = fake_assistant.ask(q)
        assert a.citations and all(c.quote in c.clause_text for c in a.citations)


# An opinion from a region the seed documents do not cover, written the way such opinions are.
HANGZHOU = """杭州市人民政府关于推进直播电商高质量发展的实施意见
杭政〔2023〕9号
各区、县（市）人民政府，市政府各部门、各直属单位：
为推进直播电商高质量发展，结合我市实际，提出如下意见。
一、总体要求
（一）主要目标。到2025年，全市直播电商交易额达到5000亿元，培育10家以上头部直播机构。到2030年，建成全国直播电商中心城市。
二、重点任务
（一）培育直播主体。支持企业开展直播销售，对年交易额超过1亿元的直播机构给予50万元奖励。（市商务局牵头）
三、附则
本意见自2023年3月1日起施行，有效期至2025年12月31日。
杭州市人民政府
2023年2月1日
"""


@pytest.fixture(scope="module")
def hangzhou_bot(tmp_path_factory):
    import shutil

    from assistant.config import Config
    from assistant.core import Assistant
    from assistant.library import add_document

    from .conftest import CORPUS
    from .fakes import HashEmbedder

    root = tmp_path_factory.mktemp("hangzhou")
    shutil.copytree(CORPUS, root / "corpus")
    src = root / "hangzhou.txt"
    src.write_text(HANGZHOU, encoding="utf-8")
    cfg = Config(corpus_dir=root / "corpus", index_dir=root / "index", today="2026-11-22")
    Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None)
    add_document(cfg, src, doc_id="hangzhou-live-2023", embedder=HashEmbedder(), log=lambda m: None)
    return Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None)


def test_a_new_documents_stages_are_listed_with_the_future_one_not_yet_due(hangzhou_bot):
    a = hangzhou_bot.ask("杭州直播电商的目标分几个阶段？")
    # …and the note that the document has expired cites its 有效期 sentence.
    assert cited(a) == ["hangzhou-live-2023#1.1", "hangzhou-live-2023#end"]
    assert a.answer.splitlines()[:5] == [
        "《杭州市人民政府关于推进直播电商高质量发展的实施意见》一、（一）设定了2个目标年份：2025年、2030年 [1]",
        "- 2025年（截至今天已过）：",
        "  到2025年，全市直播电商交易额达到5000亿元，培育10家以上头部直播机构。 [1]",
        "- 2030年（截至今天尚未到期）：",
        "  到2030年，建成全国直播电商中心城市。 [1]",
    ]


def test_a_new_documents_printed_end_of_validity_is_judged_on_the_year_asked(hangzhou_bot):
    assert "有效期至2025年12月31日；在2024年仍在有效期内" in hangzhou_bot.ask("按2024年算，杭州直播电商意见还有效吗？").answer
    assert "截至今天（2026年11月22日）已过有效期" in hangzhou_bot.ask("杭州直播电商实施意见现在还有效吗？").answer
