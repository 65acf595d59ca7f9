"""Answers on laws and regulations a user adds (eval/laws, added like `python -m assistant add`).

Expected values are read off the law texts: 网络安全法 第二十一条 (five duties), 第七十六条（三）
(网络运营者), 第五十九条 (penalty), 第七十九条 (施行); 北京市数字经济促进条例 第四十八条 (首席数据官).
"""

from __future__ import annotations

import pytest

from .conftest import follow_up

pytestmark = pytest.mark.slow

# Refusals the word lists and guards of 2026-12-01 gave and the calibrated decision (answering/decision.py)
# does not yet give, or a follow-up it refuses: kept as the specification, measured, not fitted by hand
# (issue 18: a failing item is a measurement; eval/splits.md has the figures).
GAP = pytest.mark.xfail(reason="not yet met by the calibrated answer-or-refuse decision (issue 18)", strict=False)



def cited(answer) -> list[str]:
    return [c.clause_id for c in answer.citations]


def test_an_article_asked_by_number_is_quoted_with_all_its_items(laws_assistant):
    a = laws_assistant.ask("网络安全法第二十一条规定了什么？")
    assert cited(a)[0] == "cybersecurity-law-2016#21"
    assert {f"cybersecurity-law-2016#21.{k}" for k in range(1, 6)} <= set(cited(a))
    assert "网络日志不少于六个月" in a.answer


def test_a_list_question_lists_every_item(laws_assistant):
    a = laws_assistant.ask("按照等级保护制度，网络运营者要履行哪些安全保护义务？")
    assert {f"cybersecurity-law-2016#21.{k}" for k in range(1, 6)} <= set(cited(a))
    assert "共5项" in a.answer


def test_a_definition_is_quoted_from_the_defining_item(laws_assistant):
    a = laws_assistant.ask("网络安全法里说的网络运营者是指什么？")
    assert "cybersecurity-law-2016#76.3" in cited(a)
    assert "网络的所有者、管理者和网络服务提供者" in a.answer


def test_a_penalty_range_is_answered_with_its_figure(laws_assistant):
    a = laws_assistant.ask("网络运营者不履行等级保护的安全保护义务，拒不改正的，会被罚多少钱？")
    assert not a.refused
    assert "cybersecurity-law-2016#59" in cited(a)
    assert "一万元以上十万元以下罚款" in a.answer


def test_duties_written_in_prose_name_their_unit(laws_assistant):
    a = laws_assistant.ask("网络安全工作由哪个部门负责统筹协调？")
    assert "cybersecurity-law-2016#8" in cited(a)
    assert "国家网信部门" in a.answer


def test_a_subject_only_another_regions_document_speaks_of_is_refused_for_this_region(laws_assistant):
    a = laws_assistant.ask("河南的企业要不要设首席数据官？")
    assert a.refused
    assert "首席数据官" in a.answer and cited(a) == ["beijing-digital-economy-2022#48"]


def test_a_law_the_corpus_does_not_hold_is_refused_by_name(laws_assistant):
    a = laws_assistant.ask("个人信息保护法对处理敏感个人信息有什么特别规定？")
    assert a.refused and "《个人信息保护法》" in a.answer


def test_a_national_law_covers_a_place_without_documents_of_its_own(laws_assistant):
    a = laws_assistant.ask("我们是杭州的互联网公司，被认定为关键信息基础设施运营者，要设什么安全管理机构？")
    assert not a.refused
    assert "cybersecurity-law-2016#34.1" in cited(a)


def test_how_long_words_do_not_hide_the_period_asked_for(laws_assistant):
    a = laws_assistant.ask("网络日志至少得留存多久？")
    assert cited(a)[0] == "cybersecurity-law-2016#21.3"
    direct = next(line for line in a.answer.splitlines() if line.startswith("答："))
    assert "网络日志不少于六个月" in direct


def test_a_duty_given_to_the_state_council_in_prose_names_it(laws_assistant):
    # 第三十一条: "关键信息基础设施的具体范围和安全保护办法由国务院制定。"
    a = laws_assistant.ask("关键信息基础设施的安全保护办法由谁制定？")
    assert cited(a)[0] == "cybersecurity-law-2016#31"
    assert "由国务院制定" in a.answer


def test_a_document_named_by_place_and_kind_answers_a_definition(laws_assistant):
    # 北京市数字经济促进条例 第十六条: "本条例所称公共机构，包括本市各级国家机关、…"
    a = laws_assistant.ask("北京的条例里，公共机构包括哪些单位？")
    assert not a.refused and cited(a)[0] == "beijing-digital-economy-2022#16"
    assert "各级国家机关" in a.answer


@GAP
def test_a_penalty_follow_up_goes_to_the_article_that_cites_the_duty(laws_assistant):
    # 第二十一条（三） keeps logs six months; 第五十九条 punishes breaking 第二十一条.
    a = follow_up(laws_assistant, "网络运营者要把网络日志留多久？", "不留的话怎么罚？")
    assert cited(a)[0] == "cybersecurity-law-2016#59"
    assert "一万元以上十万元以下罚款" in a.answer


def test_each_part_of_a_two_part_question_is_answered(laws_assistant):
    # 第二十四条: the operator must ask for real identity; "用户不提供真实身份信息的，…不得为其提供相关服务。"
    a = laws_assistant.ask("办理网络接入时要用户提供什么？用户拒绝提供的话怎么处理？")
    assert cited(a)[0] == "cybersecurity-law-2016#24"
    assert "真实身份信息" in a.answer and "不得为其提供相关服务" in a.answer
    assert len(a.answer.splitlines()) == len(set(a.answer.splitlines()))  # no sentence quoted twice


def test_a_sentence_cut_at_a_semicolon_is_quoted_with_its_other_half(laws_assistant):
    # 北京条例 第四十八条: "…发现数据安全缺陷、漏洞等风险时，应当立即采取补救措施；发生数据安全事件时，…告知用户…"
    a = laws_assistant.ask("北京开展数据处理活动的，发现数据安全漏洞应当怎么做？")
    assert cited(a)[0] == "beijing-digital-economy-2022#48"
    assert "立即采取补救措施" in a.answer and "告知用户" in a.answer


def test_a_penalty_question_about_a_duty_is_answered_by_the_article_citing_it(laws_assistant):
    # 第二十一条（三） keeps logs; 第五十九条 punishes not fulfilling 第二十一条.
    a = laws_assistant.ask("网络运营者不按规定留存网络日志会怎么罚？")
    assert cited(a)[0] == "cybersecurity-law-2016#59"
    assert "一万元以上十万元以下罚款" in a.answer


def test_a_quoted_lead_in_is_followed_by_the_items_it_announces(laws_assistant):
    # "…履行下列安全保护义务…:" alone says nothing; its items (第二十一条（一）…（五）) are what it announces.
    a = laws_assistant.ask("网络运营者按等级保护制度要做什么？")
    assert "履行下列安全保护义务" in a.answer
    assert "cybersecurity-law-2016#21.3" in cited(a) and "留存相关的网络日志不少于六个月" in a.answer


def test_a_penalty_that_names_the_duty_by_number_is_quoted_with_that_duty(laws_assistant):
    # 第六十六条 punishes "违反本法第三十七条规定" — which says nothing to a reader without 第三十七条 itself.
    a = laws_assistant.ask("关键信息基础设施的运营者把个人信息存到境外服务器，会受什么处罚？")
    assert cited(a)[0] == "cybersecurity-law-2016#66"
    assert "cybersecurity-law-2016#37" in cited(a)
    assert "应当在境内存储" in a.answer


@GAP
def test_a_fine_for_an_article_no_article_punishes_is_refused(laws_assistant):
    # No article of 网络安全法 cites 第十条 (a general duty), so no fine is set for breaking it.
    a = laws_assistant.ask("违反网络安全法第十条罚多少钱？")
    assert a.refused and "答：" not in a.answer


def test_an_article_asked_without_a_title_is_the_one_law_numbered_that_far(laws_assistant):
    # Only 网络安全法 has a 第七十八条 among the loaded documents numbered in articles.
    a = laws_assistant.ask("第七十八条规定了什么？")
    assert cited(a)[0] == "cybersecurity-law-2016#78"
    assert "中央军事委员会" in a.answer


def test_a_fine_in_the_second_half_of_a_sentence_is_part_of_the_direct_answer(laws_assistant):
    # 第五十九条第二款: "关键信息基础设施的运营者不履行…的，…给予警告；拒不改正…的，处十万元以上一百万元以下罚款"
    a = laws_assistant.ask("关键信息基础设施运营者不履行保护义务、拒不改正的，罚款幅度是多少？")
    direct = next(line for line in a.answer.splitlines() if line.startswith("答："))
    assert "关键信息基础设施的运营者" in direct and "处十万元以上一百万元以下罚款" in direct


def test_a_defined_term_is_looked_up_by_its_definition(laws_assistant):
    # 第七十六条（二）: "网络安全，是指通过采取必要措施…"
    a = laws_assistant.ask("法律上“网络安全”这个词怎么解释？")
    assert cited(a)[0] == "cybersecurity-law-2016#76.2"
    assert "网络安全，是指通过采取必要措施" in a.answer


def test_a_question_on_a_held_and_an_unheld_document_answers_the_held_one(laws_assistant):
    a = laws_assistant.ask("网络安全法是哪天开始施行的？个人信息保护法还有效吗？")
    assert not a.refused
    assert "2017年6月1日" in a.answer
    assert "《个人信息保护法》不在本库中" in a.answer


def test_an_item_of_a_penalty_list_is_quoted_with_the_lead_in_that_sets_the_penalty(laws_assistant):
    # 第六十条: "…有下列行为之一的，由有关主管部门责令改正，给予警告；…处五万元以上五十万元以下罚款…:
    # …（三）擅自终止为其产品、服务提供安全维护的。"
    a = laws_assistant.ask("网络产品提供者擅自终止为产品提供安全维护，会受到什么处罚？")
    assert not a.refused
    assert "cybersecurity-law-2016#60.3" in cited(a) and "cybersecurity-law-2016#60" in cited(a)
    assert "五万元以上五十万元以下罚款" in a.answer


def test_the_words_that_name_a_document_are_not_what_the_question_asks(laws_assistant):
    # 网络安全 is the name of the law to look in; many of its duties print it, its definition does not.
    evidence = laws_assistant._chain.evidence
    assert evidence.content_tokens("网络安全法里说的“网络运营者”具体指谁？") == ("网络运营者",)
    assert evidence.content_tokens("国家网安法里“网络运营者”指什么？") == ("网络运营者",)
    answer = laws_assistant.ask("网络安全法里说的“网络运营者”具体指谁？")
    assert answer.answer.startswith("答：网络运营者，是指") and "cybersecurity-law-2016#76.3" in cited(answer)


def test_the_pieces_of_a_how_long_phrase_are_not_what_the_question_asks(laws_assistant):
    # Search-mode segmentation cuts 多长时间 into 长时间 too: a word no article prints, which would make the
    # sentence that answers ("留存相关的网络日志不少于六个月") look as if it held little of the question.
    evidence = laws_assistant._chain.evidence
    assert "长时间" not in evidence.content_tokens("网络日志最少要保存多长时间？")
    assert "长时间" in evidence.content_tokens("长时间不用的账户要注销吗？")
    answer = laws_assistant.ask("网络日志最少要保存多长时间？")
    assert not answer.refused and "不少于六个月" in answer.answer


def test_a_definition_asked_for_in_list_words_is_the_definition(laws_assistant):
    answer = laws_assistant.ask("网络安全法里的“个人信息”指的是哪些信息？")
    assert answer.answer.startswith("答：个人信息，是指") and "cybersecurity-law-2016#76.5" in cited(answer)


def test_the_penalty_for_a_duty_is_an_article_that_cites_it_and_punishes(laws_assistant):
    # 第五十九条 punishes breaking 第二十一条; 第三十四条 cites it too ("除本法第二十一条的规定外…") but only adds duties.
    refs = laws_assistant._chain._references_to(["cybersecurity-law-2016#21"])
    assert "cybersecurity-law-2016#59" in refs and "cybersecurity-law-2016#34" not in refs


def test_the_duties_a_penalty_is_looked_up_for_are_the_best_hits_without_one(laws_assistant):
    # "那要是遛狗不拴绳被查到了，怎么罚？" after a question whose answer cited another article: when the article the
    # follow-up points at is cited by no penalty, the best hits that set duties without one are tried next.
    from assistant.retrieval import Hit

    hits = [Hit("cybersecurity-law-2016#59", 1.0), Hit("cybersecurity-law-2016#21", 0.9), Hit("cybersecurity-law-2016#47", 0.8)]
    duties = laws_assistant._chain._duty_without_penalty(hits)
    assert duties[0] == "cybersecurity-law-2016#21" and "cybersecurity-law-2016#59" not in duties
