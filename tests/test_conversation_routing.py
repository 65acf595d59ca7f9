"""Follow-up rewriting and question routing: pure functions, no model."""

from __future__ import annotations

import tomllib

import pytest

from assistant.conversation import rewrite
from assistant.routing import asks, classify, regions_named

from .conftest import CORPUS

# The regions of the documents in corpus/, as their metadata gives them.
SEED_REGIONS = {tomllib.loads(p.read_text(encoding="utf-8"))["region"] for p in CORPUS.glob("*.toml")}

HISTORY = [
    {"role": "user", "content": "武汉对跨境电商有什么支持？"},
    {"role": "assistant", "content": "- 第一条 [1]\n- 第二条 [2]\n- 又一句 [2]"},
]


def test_region_follow_up_swaps_the_region_and_keeps_the_topic():
    rw = rewrite("那济南呢？", HISTORY)
    assert (rw.kind, rw.question) == ("region_swap", "济南对跨境电商有什么支持？")


def test_topicless_follow_up_keeps_the_previous_topic_in_focus():
    rw = rewrite("牵头单位是谁？", HISTORY)
    assert rw.kind == "focus"
    assert rw.question == "武汉对跨境电商有什么支持，牵头单位是谁？"


def test_more_please_repeats_the_question_and_skips_what_was_shown():
    rw = rewrite("还有吗？", HISTORY)
    assert (rw.kind, rw.question, rw.skip) == ("continue", "武汉对跨境电商有什么支持？", 2)


def test_what_the_asker_said_of_themselves_is_the_setting_of_the_next_question():
    said = [{"role": "user", "content": "我们是刚在深圳注册的一家人工智能初创公司。"}]
    assert rewrite("融资方面有什么支持？", said).question == "我们是刚在深圳注册的一家人工智能初创公司，融资方面有什么支持？"
    # A question asked before is no setting: a question with its own topic stands alone.
    assert rewrite("湖北省商务厅负责什么？", HISTORY).question == "湖北省商务厅负责什么？"


def test_a_question_with_its_own_topic_is_left_alone():
    assert rewrite("湖北省商务厅负责什么？", HISTORY).kind == "none"


def test_a_short_follow_up_with_a_pronoun_is_read_with_what_came_before():
    said = [{"role": "user", "content": "半夜家里暖气管爆了在漏水，我已经打了供热公司的电话。"}]
    rw = rewrite("那他们最晚多久必须到现场？", said)
    assert rw.kind == "focus" and rw.question.startswith("半夜家里暖气管爆了")
    assert rewrite("这种情况能找谁核对？", said).kind == "focus"
    # 他人 (others) is no pronoun for someone just named.
    assert rewrite("拿他人的作品来用要付钱吗？", said).kind == "none"


def test_no_history_means_no_rewrite():
    assert rewrite("那济南呢？", []).question == "那济南呢？"


@pytest.mark.parametrize(
    "question, kind",
    [
        ("武汉的互联网+流通意见现在还有效吗？", "validity"),
        ("农村电商配送体系由谁负责？", "responsibility"),
        ("省商务厅牵头哪些任务？", "responsibility"),
        ("我是武汉的一家跨境电商初创企业，有哪些扶持政策？", "support"),
        ("湖北和济南在人才政策上有什么不同？", "comparison"),
        ("济南对天使投资有什么奖励？", "fact"),
        # 过期 said of a thing ("过期食品") describes it; said of a document ("过期了吗") asks whether it applies.
        ("我举报了一家卖过期食品的超市，他们有没有义务保密？", "fact"),
        ("楼下小超市一直在卖过期变质的牛奶，市场监管部门会按什么规定来处罚它？", "fact"),  # the milk is 过期
        ("那份办法是否过期？", "validity"),
        ("这个意见是不是已经过期了？", "validity"),
        ("这份文件过期没有？", "validity"),
        ("上海的生活垃圾管理条例是哪天开始正式实施的？", "validity"),
        ("这个条例什么时候生效？", "validity"),
        # A judgment or a contract taking effect is what the question is about, not a document's validity.
        ("判决生效了，我得在多长时间内申请强制执行？", "fact"),
        ("合同生效以后能反悔吗？", "fact"),
        # Validity is a document's: the question names one (a title, a kind of document, its number, 这份…).
        ("年度报告每年什么时候对外发布？", "fact"),
        ("车险还在有效期内，出了事保险公司能拒赔吗？", "fact"),
        ("武政规〔2016〕12号是哪天印发的？", "validity"),
        ("网络安全法什么时候施行？", "validity"),
        # 政策匹配 is for firms: a person or a family asking what they can apply for asks the law.
        ("邻居一家人房子烧没了，他们能申请什么救助吗？", "fact"),
        ("我们家两口子都下岗了，能申请什么补助？", "fact"),
        ("我在武汉做农产品电商，能享受哪些扶持？", "support"),
        ("我们在常州做本地生活O2O，江苏有哪些扶持方向？", "support"),
        ("哪些单位算“公共机构”？", "fact"),  # what a term covers, not who is responsible
        ("公共机构包括哪些单位？", "fact"),
        ("武汉“互联网+流通”意见的重点任务有哪些？", "fact"),  # a list, not a unit's tasks
        # Whether what is done to a firm is lawful is no request for support.
        ("我在武汉开了个小厂，去银行贷款，银行要收贷款承诺费，这合法吗？", "fact"),
        ("失业金一个月发多少是谁说了算？", "responsibility"),  # who decides is who is responsible
        ("景区里游客出了安全事故，平时旅游安全这一块到底是谁负总责？", "responsibility"),
    ],
)
def test_routes(question, kind):
    assert classify(question, doc_regions=SEED_REGIONS).kind == kind


def test_a_follow_up_pointing_back_asks_about_the_documents_just_quoted():
    assert classify("现在还能享受吗？", follows_up=True).kind == "validity"
    assert classify("现在还能享受吗？").kind == "fact"  # asked alone, it names no document


def test_a_named_unit_with_a_word_of_work_asks_about_its_tasks_but_its_staff_do_not():
    assert classify("省商务厅负责哪些工作？", names_unit=True).kind == "responsibility"
    assert classify("政务服务中心的工作人员不收材料，会被怎么处理？", names_unit=True).kind == "fact"
    assert classify("公司负责人不配合检查，会被怎么处罚？", names_unit=True).kind == "fact"


def test_a_city_is_covered_by_the_documents_of_its_province():
    assert regions_named("我们在苏州和襄阳都有公司", SEED_REGIONS) == (["苏州市", "襄阳市"], [])


def test_places_without_documents_of_their_own_or_above_are_uncovered():
    assert regions_named("广东对直播电商有什么补贴？", SEED_REGIONS) == ([], ["广东省"])
    # Jinan has a document, Shandong province does not: nothing applies in Qingdao.
    assert regions_named("青岛的平台企业有什么政策？", SEED_REGIONS) == ([], ["青岛市"])


def test_a_national_document_covers_every_place():
    assert regions_named("我是萧山的跨境电商企业", {"全国"}) == (["萧山区"], [])


def test_support_question_extracts_industry_and_stage():
    route = classify("我是武汉的一家跨境电商初创企业，有哪些扶持政策？", doc_regions=SEED_REGIONS)
    assert (route.regions, route.industry, route.stage) == (["武汉市"], "跨境电商", "初创")


def test_a_question_of_fact_about_support_is_not_a_what_can_we_get_question():
    # Asking how often, or by when, about support is a fact of the documents; a firm asking for itself is matched.
    assert classify("北京市政府多久要向人大常委会报告一次扶持中小企业的政策？").kind == "fact"
    assert classify("济南首版次软件资助的申报截止时间是哪天？").kind == "fact"
    assert classify("中小企业有哪些扶持政策？").kind == "support"
    assert classify("我是一家小微企业，能拿到多少补贴？").kind == "support"


def test_two_places_are_compared_only_when_named_together_or_compared():
    regions = {"全国", "湖北省", "江苏省", "济南市", "武汉市", "上海市"}
    assert classify("武汉和济南对跨境电商有什么支持？", doc_regions=regions).kind == "comparison"
    assert classify("济南的政策比江苏的多吗？", doc_regions=regions).kind == "comparison"
    # Places that are the asker's circumstances: where the firm is registered, where one works.
    assert classify("公司注册在苏州，我一直在上海的分部上班，劳动官司去哪个法院打？", doc_regions=regions).kind != "comparison"


def test_a_question_pointing_back_is_about_the_previous_topic():
    rw = rewrite("这个政策由哪些部门牵头落实？", HISTORY)
    assert (rw.kind, rw.question) == ("focus", "武汉对跨境电商有什么支持，这个政策由哪些部门牵头落实？")


def test_new_topic_follow_up_keeps_region_and_what_was_asked():
    history = [{"role": "user", "content": "江苏建设互联网金融服务平台是哪些部门负责？"},
               {"role": "assistant", "content": "省金融办 [1]"}]
    rw = rewrite("那物流平台呢？", history)
    assert (rw.kind, rw.question) == ("topic_swap", "江苏物流平台是哪些部门负责？")


def test_ordinal_follow_up_names_the_item():
    history = [{"role": "user", "content": "湖北“互联网+”现代农业有哪些任务？"}, {"role": "assistant", "content": "…"}]
    rw = rewrite("第二项具体要做什么？", history)
    assert (rw.kind, rw.item, rw.previous) == ("ordinal", 2, "湖北“互联网+”现代农业有哪些任务？")


def test_a_follow_up_naming_another_document_asks_the_same_of_it():
    history = [{"role": "user", "content": "北京数字经济促进条例什么时候开始施行？"}, {"role": "assistant", "content": "…"}]
    rw = rewrite("那网络安全法呢？", history)
    assert (rw.kind, rw.question) == ("topic_swap", "网络安全法什么时候开始施行？")


def test_a_conditional_follow_up_points_back():
    history = [{"role": "user", "content": "个人非法侵入他人网络怎么罚？"}, {"role": "assistant", "content": "…"}]
    assert rewrite("如果是公司干的呢？", history).kind == "focus"
    assert rewrite("做不到的话会怎样？", history).kind == "focus"


def test_asking_in_what_situations_asks_for_the_list_of_them():
    # A law enumerates the situations (有下列情形之一的，不予受理：); "什么情况下" asks for them all.
    assert "list" in asks("什么情况下市场监管局会不受理我的投诉？")
    assert "list" in asks("哪种情形可以解除合同？")
    assert "list" not in asks("现在是什么状况？")


def test_a_contact_detail_is_asked_for_as_such():
    assert "contact" in asks("省商务厅电子商务处的联系电话是多少？")
    assert "contact" not in asks("电子商务交易额是多少？")


def test_a_follow_up_made_of_how_many_words_points_back():
    history = [{"role": "user", "content": "武汉怎样建设电子商务创业载体？"}]
    assert rewrite("各要建几个？", history).kind == "focus"
    assert rewrite("分别建多少个？", history).kind == "focus"


def test_asking_the_penalty_points_back_to_the_duty_just_quoted():
    history = [{"role": "user", "content": "网络运营者要把网络日志留多久？"}]
    assert rewrite("违反了怎么罚？", history).kind == "focus"
    assert rewrite("不做会有什么后果？", history).kind == "focus"


def test_a_fine_s_range_is_asked_as_money():
    assert "money" in asks("罚款是什么区间？") and "money" in asks("罚款幅度是多少？")
    assert "definition" in asks("“网络安全”这个词怎么解释？")


def test_a_new_topic_after_a_definition_asks_its_definition():
    history = [{"role": "user", "content": "网络运营者是指什么？"}]
    assert rewrite("那网络数据呢？", history).question == "网络数据是指什么？"
