"""Documents and articles a question names, matched against the titles of the loaded documents."""

from __future__ import annotations

import pytest

from assistant.corpus import Document
from assistant.docrefs import (
    article_numbers,
    cited_articles,
    cited_items,
    document_mentions,
    named_documents,
    unknown_names,
)

CYBER = Document(doc_id="cyber", file="", issuer="", region="全国", level="national", title="中华人民共和国网络安全法")
ALGO = Document(doc_id="algo", file="", issuer="", region="全国", level="national", title="互联网信息服务算法推荐管理规定")
BEIJING = Document(doc_id="bj", file="", issuer="", region="北京市", level="city", title="北京市数字经济促进条例")
WUHAN = Document(doc_id="wh", file="", issuer="", region="武汉市", level="city",
                 title="市人民政府关于加快推进“互联网+流通”发展的意见")
HUBEI = Document(doc_id="hb", file="", issuer="", region="湖北省", level="province",
                 title="省人民政府关于加快推进“互联网+”行动的实施意见")
DOCS = [CYBER, ALGO, BEIJING, WUHAN, HUBEI]


def ids(docs) -> list[str]:
    return [d.doc_id for d in docs]


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("网络安全法从哪天开始施行？", "cyber"),  # the title without 中华人民共和国
        ("算法推荐管理规定第二十一条是关于什么的？", "algo"),  # the tail of the title
        ("北京数字经济促进条例现在生效了没有？", "bj"),  # the place in its short form
        ("武汉的互联网+流通意见现在还有效吗？", "wh"),  # the quoted core and the kind
        ("湖北的互联网+行动意见什么时候印发的？", "hb"),
    ],
)
def test_a_document_is_named_by_part_of_its_title(question, doc_id):
    assert ids(named_documents(question, DOCS)) == [doc_id]


def test_another_places_document_of_the_same_name_is_not_this_one():
    assert named_documents("广东省数字经济促进条例是哪天开始施行的？", DOCS) == []


def test_article_numbers_in_chinese_or_digits():
    assert article_numbers("第二十一条和第3条、第一百零一条") == [21, 3, 101]


def test_a_law_the_corpus_does_not_hold_is_unknown():
    text = "根据《中华人民共和国个人信息保护法》制定本规定。"
    assert unknown_names("个人信息保护法对敏感个人信息有什么规定？", DOCS, text) == ["个人信息保护法"]
    assert unknown_names("广东省数字经济促进条例是哪天开始施行的？", DOCS, text) == ["广东省数字经济促进条例"]


def test_everyday_words_ending_like_a_kind_are_not_names():
    assert unknown_names("有什么办法申请补贴？算法推荐服务提供者不得做什么？", DOCS, "") == []
    # 执法, 守法, 依法 are words, not the end of a law's name.
    assert unknown_names("在安阳，城管、交警这些执法人员来执法的时候，应该先亮证件吗？", DOCS, "") == []


def test_a_held_document_is_not_unknown():
    assert unknown_names("网络安全法第二十一条规定了什么？", DOCS, "") == []


def test_a_place_and_a_kind_name_that_places_document():
    assert ids(named_documents("按北京的条例，公共数据怎么开放？", DOCS)) == ["bj"]
    assert unknown_names("按北京的条例，哪些单位算公共机构？", DOCS, "") == []


def test_a_title_that_begins_with_a_place_is_still_a_title():
    # 广东省 followed by more than a kind is a document the corpus lacks, not Guangdong's "条例".
    assert unknown_names("广东省数字经济促进条例什么时候施行？", DOCS, "") == ["广东省数字经济促进条例"]


def test_the_articles_a_penalty_cites_include_ranges_but_not_other_laws():
    # 网络安全法 第六十四条 and a 直播办法-style article citing the 反不正当竞争法.
    assert cited_articles("违反本法第二十二条第三款、第四十一条至第四十三条规定") == {22, 41, 42, 43}
    assert cited_articles("依照《中华人民共和国反不正当竞争法》第二十条的规定处罚") == set()
    assert cited_items("违反本办法第十五条第（三）项规定的") == {(15, 3)}


LIVESTREAM = Document(doc_id="ls", file="", issuer="", region="全国", level="national", title="网络直播营销活动监督管理办法")


def test_a_short_form_of_a_title_names_the_one_document_it_fits():
    docs = [*DOCS, LIVESTREAM]
    assert ids(named_documents("直播办法第二十五条规定了什么？", docs)) == ["ls"]
    assert ids(named_documents("直播营销管理办法第十条是什么？", docs)) == ["ls"]
    assert named_documents("有什么管理办法可以参考？", docs) == []  # generic words name nothing


def test_a_management_measure_the_corpus_lacks_is_unknown_even_without_brackets():
    docs = [*DOCS, LIVESTREAM]
    assert unknown_names("网络交易监督管理办法对平台有哪些要求？", docs, "") == ["网络交易监督管理办法"]
    assert named_documents("网络交易监督管理办法对平台有哪些要求？", docs) == []


# Issue 18: a mention is matched against each held title's place, core and kind.
PRIVACY = Document(doc_id="pi", file="", issuer="", region="全国", level="national", title="中华人民共和国个人信息保护法")
GUANGDONG = Document(doc_id="gd", file="", issuer="", region="广东省", level="province", title="广东省数字经济促进条例")
ZHENGZHOU = Document(doc_id="zz", file="", issuer="", region="郑州市", level="city",
                     title="郑州市实施《中华人民共和国工会法》办法")


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("北京的数字经济条例里“数字经济”是怎么定义的？", "bj"),  # a place, 的 and a piece of the core
        ("国家的算法规定对推荐服务有什么要求？", "algo"),  # 国家 is the national document's place
        ("网安法第二十一条讲什么？", "cyber"),  # an abbreviation made from the title's words
        ("请问个保法第十三条讲什么？", "pi"),
        ("那部直播办法第三条是什么？", "ls"),
        ("军队网络的安全保护适用网络安全法吗？", "cyber"),  # after a verb, from the title's first word
    ],
)
def test_informal_names_resolve_to_the_held_title(question, doc_id):
    docs = [*DOCS, LIVESTREAM, PRIVACY]
    assert ids(named_documents(question, docs)) == [doc_id]
    assert unknown_names(question, docs, "") == []


def test_an_abbreviation_of_a_title_not_held_is_unknown():
    assert named_documents("个保法第十三条讲什么？", DOCS) == []
    assert unknown_names("个保法第十三条讲什么？", DOCS, "") == ["个保法"]
    assert unknown_names("个人信息保护法对敏感个人信息有什么规定？", DOCS, "") == ["个人信息保护法"]


def test_two_names_in_one_question_name_two_documents():
    docs = [*DOCS, PRIVACY]
    assert sorted(ids(named_documents("个保法和网安法有什么区别？", docs))) == ["cyber", "pi"]
    assert unknown_names("数安法和网安法有什么区别？", docs, "") == ["数安法"]


def test_a_name_that_fits_two_held_titles_equally_names_neither():
    docs = [*DOCS, GUANGDONG]
    assert named_documents("数字经济促进条例第三条讲什么？", docs) == []
    assert unknown_names("数字经济促进条例第三条讲什么？", docs, "") == []  # held, only ambiguous
    assert ids(named_documents("广东的数字经济促进条例第三条讲什么？", docs)) == ["gd"]


def test_a_place_before_a_name_holds_for_all_of_it():
    # Beijing's 实施工会法办法 is not Zhengzhou's, though 实施|工会法办法 reads as a verb and a name.
    assert named_documents("北京的实施工会法办法第三条讲什么？", [*DOCS, ZHENGZHOU]) == []
    assert ids(named_documents("郑州市实施工会法办法第三条讲什么？", [*DOCS, ZHENGZHOU])) == ["zz"]


def test_the_country_written_right_before_a_short_name_is_its_place():
    noise = Document(doc_id="noise", file="", issuer="", region="全国", level="national", title="中华人民共和国噪声污染防治法")
    assert ids(named_documents("国家噪声法里说的“噪声敏感建筑物”指什么？", [*DOCS, noise])) == ["noise"]
    assert unknown_names("国家噪声法里说的“噪声敏感建筑物”指什么？", [*DOCS, noise], "") == []


def test_a_place_word_inside_a_word_is_not_a_place():
    assert named_documents("国家安全法第二条讲什么？", DOCS) == []  # not 国家's 安全法 = 网络安全法
    assert unknown_names("国家安全法第二条讲什么？", DOCS, "") == ["国家安全法"]


@pytest.mark.parametrize("question", ["有什么办法申请补贴？", "用什么方法核实身份？", "推荐算法对用户有什么影响？",
                                      "这种做法是否违法？", "这部法什么时候施行？"])
def test_ordinary_words_ending_in_a_kind_name_nothing(question):
    docs = [*DOCS, LIVESTREAM, PRIVACY]
    assert named_documents(question, docs) == []
    assert unknown_names(question, docs, "") == []


def test_a_name_inside_a_longer_name_is_part_of_it():
    law = Document(doc_id="tm", file="", issuer="", region="全国", level="national", title="中华人民共和国商标法")
    assert named_documents("商标法实施条例第三条讲什么？", [law]) == []
    assert unknown_names("商标法实施条例第三条讲什么？", [law], "") == ["商标法实施条例"]


def test_the_version_asked_for_in_brackets():
    docs = [Document(doc_id=f"a{n}", file="", issuer="", region="全国", level="national",
                     title=f"中华人民共和国刑法修正案（{n}）") for n in ("十", "十二")]
    assert ids(named_documents("《刑法修正案（十二）》改了什么？", docs)) == ["a十二"]
    assert ids(named_documents("刑法修正案（十）改了什么？", docs)) == ["a十"]
    assert named_documents("刑法修正案改了什么？", docs) == []


def test_the_benchmark_asks_every_form_of_every_title(tmp_path):
    from assistant.docref_bench import forms, run

    for folder, name, title in [("行政法", "网络安全法.md", "中华人民共和国网络安全法"),
                                ("DLC/北京地方法规/地方性法规", "a.md", "北京市数字经济促进条例"),
                                ("DLC/浙江地方法规/地方性法规", "b.md", "杭州市个人信息保护条例")]:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / name).write_text(f"# {title}\n\n<!-- INFO END -->\n\n第一条 …\n", encoding="utf-8")
    assert forms(BEIJING) == {"full": "北京市数字经济促进条例", "place": "北京的数字经济促进条例",
                              "tail": "数字经济促进条例", "abbrev": "数经促条例"}
    result = run(tmp_path)
    assert result["titles"] == 3
    assert result["forms"]["all"]["accuracy"] == 1.0 and result["forms"]["all"]["false_not_held"] == 0.0


def test_the_words_that_name_a_document_are_reported_with_its_title():
    assert document_mentions("国家网安法里“网络运营者”指什么？", DOCS) == [("网安法", "中华人民共和国网络安全法")]
    assert document_mentions("网络运营者指什么？", DOCS) == []


SCORING = Document(doc_id="sc", file="", issuer="", region="全国", level="national", title="道路交通安全违法行为记分管理办法")
ZHENGZHOU_BIKES = Document(doc_id="zz", file="", issuer="", region="郑州市", level="city", title="郑州市电动自行车管理条例")


def test_a_name_ending_in_the_last_words_of_a_held_title_is_not_reported_as_missing():
    # People put their own word for the subject before the title's last words: 驾照 + 记分管理办法.
    assert unknown_names("现在这个驾照记分管理办法是什么时候开始实施的？", [SCORING], "") == []
    # ... but a few common words (保护) are no clue, and another place's document of that name is not this one.
    assert unknown_names("个人信息保护法对人脸识别有什么规定？", [SCORING, CYBER], "") == ["个人信息保护法"]
    assert unknown_names("浙江省电动自行车管理条例怎么规定上牌？", [ZHENGZHOU_BIKES], "") == ["浙江省电动自行车管理条例"]


ZHEJIANG_BIKES = Document(doc_id="zj", file="", issuer="", region="浙江省", level="province", title="浙江省电动自行车管理条例")


def test_a_places_document_named_with_characters_left_out_is_not_reported_as_missing():
    # 电动车 is 电动|自行|车 with characters left out; 水污染防治 is not 大气污染防治.
    assert unknown_names("浙江那个电动车条例里说的“电动自行车”指什么？", [ZHEJIANG_BIKES], "") == []
    air = Document(doc_id="air", file="", issuer="", region="浙江省", level="province", title="浙江省大气污染防治条例")
    assert unknown_names("浙江省水污染防治条例怎么规定？", [air], "") == ["浙江省水污染防治条例"]
