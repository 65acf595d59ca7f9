"""Answering with the real model and index: routes, citations, refusals, follow-ups.

Expected values are read from the source texts (clause ids per shared/spec/clause-ids.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from assistant.core import InputError

from .conftest import follow_up

pytestmark = pytest.mark.slow

MARKER = re.compile(r"\[(\d+)\]")

# Refusals the word lists and guards of 2026-12-01 gave and the calibrated decision (answering/decision.py)
# does not yet give, or a follow-up it refuses: kept as the specification, measured, not fitted by hand
# (issue 18: a failing item is a measurement; eval/splits.md has the figures).
GAP = pytest.mark.xfail(reason="not yet met by the calibrated answer-or-refuse decision (issue 18)", strict=False)



def cited(answer) -> list[str]:
    return [c.clause_id for c in answer.citations]


def test_jinan_angel_investment_reward(real_assistant):
    a = real_assistant.ask("济南对天使投资有什么奖励？")
    assert not a.refused
    assert cited(a)[0] == "jinan-platform-economy-2020#4.2"
    assert "10%" in a.answer and "100万元" in a.answer


def test_jiangsu_high_tech_platform_income_tax_rate(real_assistant):
    a = real_assistant.ask("江苏认定为高新技术企业的平台企业，企业所得税税率是多少？")
    assert "jiangsu-platform-economy-2015#5.2" in cited(a)
    assert a.answer.startswith("答：") and "15%" in a.answer.splitlines()[0]


def test_wuhan_document_validity_is_computed_as_of_today(real_assistant):
    a = real_assistant.ask("武汉的互联网+流通意见现在还有效吗？")
    assert (a.route, cited(a)) == ("validity", ["wuhan-internet-plus-circulation-2016#end"])
    assert "本意见自2016年8月1日起施行,有效期为5年。" in a.answer
    assert "有效期至2021年7月31日" in a.answer and "已过有效期" in a.answer


def test_past_target_years_are_flagged(real_assistant):
    a = real_assistant.ask("武汉电子商务交易额的目标是多少？")
    assert "1.3万亿元" in a.answer.splitlines()[0]
    assert "2020年的目标期限已过" in a.answer


def test_unit_work_lists_every_clause_from_the_unit_index(real_assistant):
    a = real_assistant.ask("湖北省商务厅牵头哪些任务？")
    [entry] = real_assistant.units.lookup("湖北省商务厅")
    assert a.route == "responsibility"
    assert set(entry.lead) | set(entry.participant) == set(cited(a))
    assert "hubei-platform-economy-2015#2.1" in entry.lead


def test_unit_aliases_resolve(real_assistant):
    by_alias = real_assistant.ask("湖北省经信委负责哪些工作？")
    by_name = real_assistant.ask("湖北省经济和信息化委负责哪些工作？")
    assert cited(by_alias) == cited(by_name) and len(cited(by_alias)) > 10


def test_who_leads_names_the_lead_unit_and_quotes_the_note(real_assistant):
    a = real_assistant.ask("济南的会展服务平台由哪个单位负责？")
    assert cited(a)[0] == "jinan-platform-economy-2020#2.11"
    assert "济南市商务局" in a.answer and "(责任单位:市商务局)" in a.answer


def test_out_of_corpus_region_is_refused_with_what_the_corpus_covers(real_assistant):
    a = real_assistant.ask("广东省对直播电商企业有什么补贴？")
    assert a.refused and a.citations == []
    assert "本库没有适用于广东省的政策文件" in a.answer and "本库收录5份文件" in a.answer


def test_wuhan_startup_gets_wuhan_and_hubei_documents_only(real_assistant):
    a = real_assistant.ask("我是武汉的一家跨境电商初创企业，有哪些扶持政策？")
    docs = {cid.split("#")[0] for cid in cited(a)}
    assert a.route == "support" and not a.refused
    assert "wuhan-internet-plus-circulation-2016" in docs
    assert docs <= {"wuhan-internet-plus-circulation-2016", "hubei-internet-plus-2015", "hubei-platform-economy-2015"}


def test_jinan_firm_is_told_there_is_no_shandong_document(real_assistant):
    a = real_assistant.ask("我们是济南的电商平台企业，能享受哪些扶持？")
    assert "本库没有山东省的文件" in a.answer
    assert {cid.split("#")[0] for cid in cited(a)} == {"jinan-platform-economy-2020"}


def test_regionfollow_up(real_assistant):
    history = [{"role": "user", "content": "武汉对电子商务专项资金有什么安排？"},
               {"role": "assistant", "content": "2020年之前市级财政安排电子商务专项资金 [1]"}]
    a = real_assistant.ask("那济南呢？", history)
    assert "济南" in a.rewritten_question and "专项资金" in a.rewritten_question
    assert all(cid.startswith("jinan-") for cid in cited(a))


def test_focus_follow_up_asks_about_the_same_clause(real_assistant):
    history = [{"role": "user", "content": "济南天使投资奖励是多少？"},
               {"role": "assistant", "content": "投资金额10%的奖励,最高奖励100万元 [1]"}]
    a = real_assistant.ask("这个政策由哪些部门牵头落实？", history)
    assert a.route == "responsibility"
    assert cited(a)[0] == "jinan-platform-economy-2020#4.2"


@pytest.mark.parametrize(
    "question",
    ["济南对天使投资有什么奖励？", "湖北对农村电子商务有什么要求？", "江苏平台经济的发展目标是什么？",
     "我是襄阳的物流企业，有什么支持？", "湖北和江苏在融资支持上有什么不同？"],
)
def test_every_marker_points_at_a_citation_whose_quote_is_in_its_clause(real_assistant, question):
    a = real_assistant.ask(question)
    numbers = {int(n) for n in MARKER.findall(a.answer)}
    assert numbers == set(range(1, len(a.citations) + 1))
    for c in a.citations:
        assert c.quote and c.quote in real_assistant.corpus.clause(c.clause_id).text


def test_empty_question_is_an_input_error(real_assistant):
    with pytest.raises(InputError, match="问题为空"):
        real_assistant.ask("   ")


def test_cli_ask_json_shape(real_assistant):
    env = dict(os.environ, POLICYQA_INDEX_DIR=str(real_assistant.config.index_dir), POLICYQA_TODAY="2026-11-22")
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", "济南对天使投资有什么奖励？"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"answer", "refused", "citations", "retrieved"} <= set(data)
    assert set(data["citations"][0]) >= {"clause_id", "doc_title", "label", "quote"}
    assert data["citations"][0]["label"] == "四、（二）"
    assert set(data["retrieved"][0]) == {"clause_id", "score"}


def test_cli_empty_question_is_one_line_error():
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", " "], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr


def test_ordinal_follow_up_answers_the_nth_item(real_assistant):
    history = [{"role": "user", "content": "湖北“互联网+”现代农业有哪些任务？"},
               {"role": "assistant", "content": "推进信息进村入户 [1]；开展智慧农业示范应用 [2]"}]
    a = real_assistant.ask("第二项具体要做什么？", history)
    assert cited(a) == ["hubei-internet-plus-2015#2.2.2"]
    assert "智慧农业云平台" in a.answer


@GAP
def test_unanswerable_detail_is_refused(real_assistant):
    a = real_assistant.ask("济南天使投资奖励要到哪个窗口递交申请材料？")
    assert a.refused and "本库收录5份文件" in a.answer


@GAP
def test_question_about_a_year_after_the_newest_document_is_refused(real_assistant):
    a = real_assistant.ask("济南2023年平台经济交易额实际完成了多少？")
    assert a.refused and "2020年" in a.answer


# ------------------------------------------------------------------ issue 11: answers that answer


def test_a_list_question_gets_the_whole_enumeration(real_assistant):
    # hubei-internet-plus-2015 二、重点行动 has eleven （一）…（十一） actions.
    a = real_assistant.ask("湖北“互联网+”行动有哪些重点行动？")
    items = {f"hubei-internet-plus-2015#2.{k}" for k in range(1, 12)}
    assert items <= set(cited(a))


@GAP
def test_a_figure_about_something_the_documents_never_mention_is_refused(real_assistant):
    a = real_assistant.ask("江苏对平台企业减免房产税的比例是多少？")
    assert a.refused and "房产税" in a.answer and "答：" not in a.answer


def test_a_direct_answer_line_holds_the_asked_thing(real_assistant):
    a = real_assistant.ask("济南对天使投资基金投资平台项目的奖励比例是多少？")
    direct = next(line for line in a.answer.splitlines() if line.startswith("答："))
    assert "天使投资" in direct and "10%" in direct


def test_a_year_to_judge_against_is_not_a_reason_to_refuse(real_assistant):
    a = real_assistant.ask("到2027年，济南对天使投资的奖励还有吗？")
    assert not a.refused


def test_a_policy_of_a_year_the_corpus_does_not_reach_is_refused(real_assistant):
    a = real_assistant.ask("2025年新出台的平台经济政策有哪些？")
    assert a.refused and "2025" in a.answer


def test_a_follow_up_about_who_is_responsible_stays_with_the_cited_clause(real_assistant):
    history = [{"role": "user", "content": "济南怎么发展会展服务平台？"}]
    first = real_assistant.ask(history[0]["content"])
    history.append({"role": "assistant", "content": first.answer})
    a = real_assistant.ask("这项工作由哪些部门负责？", history)
    assert cited(a)[0] == cited(first)[0] == "jinan-platform-economy-2020#2.11"
    assert "济南市商务局" in a.answer


def test_a_citation_never_quotes_a_bare_heading_when_its_clause_says_more(real_assistant):
    a = real_assistant.ask("济南对天使投资有什么奖励？")
    quote = next(c.quote for c in a.citations if c.clause_id == "jinan-platform-economy-2020#4.2")
    assert quote != "加大政策扶持。" and "天使投资" in quote


@GAP
def test_a_refusal_names_the_closest_clauses_as_related(real_assistant):
    a = real_assistant.ask("江苏对平台企业减免房产税的比例是多少？")
    assert "相关但未回答" in a.answer and a.citations


def test_a_follow_up_about_this_clause_answers_from_that_clause(real_assistant):
    # jiangsu 五、（二） lowers operating costs and, in the same clause, lists the provincial special funds.
    a = follow_up(real_assistant, "江苏减轻平台企业运营成本有哪些做法？", "这一条还提到哪些专项资金？")
    assert cited(a) == ["jiangsu-platform-economy-2015#5.2"]
    assert "省级战略性新兴产业发展专项资金" in a.answer


def test_a_lead_in_is_followed_into_the_items_it_announces(real_assistant):
    # wuhan 一、（二） ends "实现以下目标:"; the figures are in its items 1.–3.
    a = follow_up(real_assistant, "武汉“互联网+流通”要实施哪五大工程？", "具体目标是多少？")
    assert {f"wuhan-internet-plus-circulation-2016#1.2.{k}" for k in (1, 2, 3)} <= set(cited(a))
    assert "100个“互联网+流通”创业载体" in a.answer and "1.3万亿元" in a.answer
    assert "实现以下目标" not in a.answer


def test_a_new_topic_in_the_same_frame_is_answered_for_that_topic(real_assistant):
    # jiangsu 重点任务分工表 row 5 (互联网金融) vs row 6 (物流服务平台: 经济和信息化委、交通运输厅).
    a = follow_up(real_assistant, "江苏建设互联网金融服务平台由谁牵头？", "那物流平台呢？")
    assert cited(a) == ["jiangsu-platform-economy-2015#table.6"]
    assert "交通运输厅" in a.answer and "金融办" not in a.answer


@GAP
def test_a_contact_detail_the_documents_do_not_give_is_refused(real_assistant):
    a = real_assistant.ask("想咨询湖北电子商务的事，省商务厅的电话多少？")
    assert a.refused and "联系方式" in a.answer and "答：" not in a.answer


def test_a_subject_only_another_region_speaks_of_is_refused_for_this_region(real_assistant):
    # Only jiangsu 五、（四） gives 3-year contracts points towards 户籍; no Wuhan or Hubei text does.
    a = real_assistant.ask("武汉平台企业的员工劳动合同签满三年，户口能加分吗？")
    assert a.refused
    assert cited(a) == ["jiangsu-platform-economy-2015#5.4"] and "江苏省" in a.answer


def test_support_quotes_what_the_firm_needs_in_its_measure(real_assistant):
    # jiangsu 五、（三）'s grant is 创业投资 for 种子期 firms; what a small firm asking for credit needs is the
    # clause's 转贷 sentence, quoted on the measure's own line (rows come in the table's order: amounts first).
    a = real_assistant.ask("江苏对小微平台企业融资有什么帮助？")
    n = cited(a).index("jiangsu-platform-economy-2015#5.3") + 1
    lines = [line for line in a.answer.splitlines() if line.startswith("- ") and line.endswith(f"[{n}]")]
    assert any("小微企业转贷方式创新试点" in line for line in lines)


def test_figures_written_in_words_find_figures_printed_in_digits(real_assistant):
    a = real_assistant.ask("湖北和江苏分别要培育几家营收超五百亿的平台企业？")
    assert {"hubei-platform-economy-2015#1.3", "jiangsu-platform-economy-2015#1.3.2"} <= set(cited(a))
    assert "超500亿元的互联网平台企业10家" in a.answer


def test_a_latin_term_matches_whatever_its_case(real_assistant):
    a = real_assistant.ask("我们在常州做本地生活o2o，江苏有什么支持？")
    assert "jiangsu-platform-economy-2015#2.4" in cited(a)
    assert "O2O企业" in a.answer


def test_a_comparison_in_two_parts_answers_both_parts_for_each_region(real_assistant):
    # hubei 四、（一） and jiangsu 五、（一）: 省发展改革委 coordinates; a 联席会议制度 is the mechanism.
    a = real_assistant.ask("湖北、江苏两省的平台经济工作分别是谁在统筹协调，用的什么机制？")
    hubei, jiangsu = a.answer.split("【江苏省】")
    for part in (hubei, jiangsu):
        assert "省发展改革委负责统筹协调" in part and "联席会议制度" in part


def test_a_list_named_by_its_heading_is_that_heading_s_items(real_assistant):
    # wuhan 二、重点任务 has five （一）…（五）; the question names the heading, not a unit's tasks.
    a = real_assistant.ask("武汉“互联网+流通”意见的重点任务有哪些？")
    assert a.route == "fact"
    assert {f"wuhan-internet-plus-circulation-2016#2.{k}" for k in range(1, 6)} <= set(cited(a))


def test_an_answer_from_an_expired_document_says_so(real_assistant):
    # The Wuhan opinion took effect 2016-08-01 for five years ("有效期为5年").
    a = real_assistant.ask("武汉“互联网+流通”意见的重点任务有哪些？")
    last = a.answer.splitlines()[-1]
    assert last.startswith("注意：《市人民政府关于加快推进“互联网+流通”发展的意见》有效期至2021年7月31日，现已过期。")
    # …and cites the sentence that sets the period.
    basis = a.citations[int(MARKER.search(last).group(1)) - 1]
    assert basis.clause_id == "wuhan-internet-plus-circulation-2016#end" and "有效期为5年" in basis.quote


@GAP
def test_a_figure_for_a_subject_no_figure_is_given_for_is_refused(real_assistant):
    # jinan 二、（三） names 独角兽 companies but no amount; 四、（二）'s 10% is for angel funds.
    a = real_assistant.ask("济南对平台经济独角兽企业奖励多少钱？")
    assert a.refused and "答：" not in a.answer


def test_a_figure_the_question_states_is_not_the_answer(real_assistant):
    # jiangsu 一、（三）1. sets a 20% growth target; no reward is tied to it.
    a = real_assistant.ask("江苏对营业收入增长20%以上的平台企业奖励多少？")
    assert a.refused and "答：" not in a.answer


def test_a_list_asked_of_a_clause_named_by_its_heading_quotes_that_clause(real_assistant):
    # hubei-platform 一、（三）发展目标 lists its targets in running text ("--…"), not as child clauses.
    a = real_assistant.ask("湖北互联网平台经济的发展目标有哪些？")
    assert cited(a) == ["hubei-platform-economy-2015#1.3"]
    assert "营业收入年均增长20%以上" in a.answer and "营业收入超500亿元的互联网平台企业10家以上" in a.answer


def test_a_firm_asking_for_support_gets_every_grant_of_the_clause_that_fits_it_best(real_assistant):
    # jinan 四、（二） grants: 首版次软件 30% (最高100万元), 博士后工作站 50/20/10万元, 天使投资 10%.
    a = real_assistant.ask("我们是济南的一家平台企业，能拿到哪些奖励和资金扶持？")
    assert cited(a)[0] == "jinan-platform-economy-2020#4.2"
    for grant in ("首版次软件", "博士后科研工作站", "天使投资基金"):
        assert grant in a.answer


def test_still_applies_follow_up_judges_the_documents_just_quoted(real_assistant):
    # The support answer lists the 政策匹配 rows of every document covering Wuhan (Hubei's two, and the Wuhan
    # opinion's apart); the follow-up judges each of those documents, and only those. The Wuhan opinion: in
    # force from 2016-08-01 for five years.
    first = "武汉对“互联网+流通”企业有什么税收优惠？"
    quoted = {cid.split("#")[0] for cid in cited(real_assistant.ask(first))}
    a = follow_up(real_assistant, first, "现在还能享受吗？")
    assert a.route == "validity"
    assert "wuhan-internet-plus-circulation-2016#end" in cited(a) and "已过有效期" in a.answer
    assert {cid.split("#")[0] for cid in cited(a)} == quoted


@GAP
def test_how_to_apply_is_refused_when_the_documents_only_say_what_is_granted(real_assistant):
    a = real_assistant.ask("济南平台企业申请天使投资奖励需要提交哪些材料？")
    assert a.refused and "材料" in a.answer


def test_a_target_year_the_document_does_not_set_is_said_to_be_missing(real_assistant):
    # hubei-internet-plus 一、（二） sets targets for 2018 and 2020 only.
    a = real_assistant.ask("湖北省互联网+行动计划2030年的目标是什么？")
    assert a.route == "target" and a.refused
    assert "2030" in a.answer and "2018年" in a.answer


def test_a_short_article_is_evidence_and_a_bare_heading_is_not():
    from assistant.answering.evidence import has_content
    from assistant.clauses import Clause

    article = Clause("d", "2", 1, "第二条", "本条例所称医疗纠纷", "本条例所称医疗纠纷，是指医患双方因诊疗活动引发的争议。")
    heading = Clause("d", "2", 1, "二、", "重点行动", "重点行动")
    assert has_content(article) and not has_content(heading)
    # An article opens with what it says, even in a few words without a comma.
    short = Clause("d", "62", 1, "第六十二条", "本法所称的著作权即版权", "本法所称的著作权即版权。")
    assert has_content(short)


def test_a_weaker_sentence_that_is_an_item_of_some_list_does_not_make_that_list_the_answer(real_assistant):
    # The best sentence names the 商圈; an item of the 目标 list two places below it is no reason to list 目标.
    a = real_assistant.ask("武汉先把哪些商业街区改造成智慧商圈？")
    assert not a.refused and "wuhan-internet-plus-circulation-2016#2.4.2" in cited(a) and "航空路商圈" in a.answer


def test_closeness_in_meaning_of_a_clause_is_scaled_like_a_sentences(fake_assistant):
    # A list is scored by its lead-in's meaning as sentences are: its best sentence's cosine, 0 at the median
    # of the candidates' sentences and DENSE_WEIGHT at their best.
    from assistant.answering.evidence import DENSE_WEIGHT, Evidence
    from assistant.sentences import split

    bot = fake_assistant
    ev = Evidence(bot._chain.ctx)
    clauses = [c for c in bot.corpus.clauses if c.level > 0 and len(split(c.text)) >= 2][:12]
    question = split(clauses[3].text)[0].text
    close = ev.meaning(question, clauses, clauses)
    assert set(close) == {c.clause_id for c in clauses}
    assert close[clauses[3].clause_id] == pytest.approx(DENSE_WEIGHT)
    assert all(0.0 <= v <= DENSE_WEIGHT + 1e-9 for v in close.values())
    assert sorted(close.values())[-2] < DENSE_WEIGHT  # only the clause that says it is closest


def test_an_item_is_quoted_with_the_lead_in_that_says_what_the_list_is():
    # "在工作时间和工作岗位，突发疾病死亡…的；" means nothing without "职工有下列情形之一的，视同工伤："; a
    # definition item ("网络安全，是指…") says all it means itself.
    from types import SimpleNamespace

    from assistant.answering.fact import _item_context
    from assistant.clauses import Clause

    parent = Clause("w", "15", 1, "第十五条", "", "职工有下列情形之一的，视同工伤：")
    item = Clause("w", "15.1", 2, "第十五条（一）", "", "（一）在工作时间和工作岗位，突发疾病死亡或者在48小时之内经抢救无效死亡的；",
                  parents=("15",))
    terms = Clause("c", "76", 1, "第七十六条", "", "本法下列用语的含义：")
    term = Clause("c", "76.2", 2, "第七十六条（二）", "", "（二）网络安全，是指通过采取必要措施，防范对网络的攻击。",
                  parents=("76",))
    corpus = SimpleNamespace(breadcrumb=lambda c: [parent] if c is item else [terms] if c is term else [])
    assert _item_context(corpus, item)[0] == [(parent, parent.text)]
    assert _item_context(corpus, term) == ([], [])


def test_a_sentence_about_the_other_side_of_before_or_after_does_not_hold_the_word():
    from assistant.answering.evidence import _other_side

    asked = "结婚前爸妈出钱买的房子算谁的？"
    assert _other_side("结婚", asked, "当事人结婚后，父母为双方购置房屋出资的，依照约定处理；")
    assert not _other_side("结婚", asked, "当事人结婚前，父母为双方购置房屋出资的，该出资应当认定为对自己子女个人的赠与。")
    # A question that places nothing before or after its word matches either.
    assert not _other_side("结婚", "结婚买的房子算谁的？", "当事人结婚后，父母为双方购置房屋出资的，依照约定处理；")


def test_what_follows_when_a_duty_is_not_met_continues_the_sentence_before_it():
    from assistant.answering.fact import _CONSEQUENCE

    assert _CONSEQUENCE.match("逾期不申请的，人民法院应当裁定解除保全措施。")
    assert _CONSEQUENCE.match("拒不改正的，处一万元以上十万元以下罚款。")
    assert not _CONSEQUENCE.match("不得擅自改变用途。")  # a duty of its own, not what follows another
    assert not _CONSEQUENCE.match("县级人民政府民政部门负责审批。")


def test_a_place_said_earlier_in_the_conversation_holds_for_a_question_naming_none(real_assistant):
    history = [{"role": "user", "content": "我们是武汉的一家跨境电商初创企业。"}]
    a = real_assistant.ask("有哪些扶持政策？", history)
    assert a.route == "support" and "适用于武汉市企业的文件" in a.answer
