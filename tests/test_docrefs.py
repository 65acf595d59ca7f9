"""Documents and articles a question names, matched against the titles of the loaded documents."""

from __future__ import annotations

import pytest

from assistant.corpus import Document
from assistant.docrefs import article_numbers, cited_articles, cited_items, named_documents, unknown_names

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
