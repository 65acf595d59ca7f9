"""Facts a document prints about itself (assistant/docfacts.py), with exact values from the texts."""

from __future__ import annotations

import pytest

from assistant.docfacts import document_facts, normalise_title, title_of

from .conftest import source_text
from .lawtexts import LAWS, law_md, plain_txt

LAW_FACTS = {
    "cybersecurity-law-2016": ("中华人民共和国网络安全法", "全国人民代表大会常务委员会", "2016-11-07", "2017-06-01"),
    "algorithm-recommendation-rules-2021": ("互联网信息服务算法推荐管理规定", "国家互联网信息办公室", "2021-11-16", "2022-03-01"),
    "beijing-digital-economy-2022": ("北京市数字经济促进条例", "北京市人民代表大会常务委员会", "2022-11-25", "2023-01-01"),
}


@pytest.mark.parametrize("name", LAWS)
@pytest.mark.parametrize("form", ["md", "txt"])
def test_law_title_issuer_adoption_and_effective_dates(name, form):
    text = law_md(name) if form == "md" else plain_txt(law_md(name))
    f = document_facts(text)
    assert (f.title, f.issuer, f.issued, f.effective) == LAW_FACTS[name]
    assert f.issued_kind == "adopted" and f.missing == ()
    assert f.title_source == ("markdown" if form == "md" else "first_line")


def test_adoption_line_is_kept_as_printed():
    f = document_facts(law_md("algorithm-recommendation-rules-2021"))
    assert f.promulgation == "2021年11月16日国家互联网信息办公室2021年第20次室务会议审议通过"


def test_effective_sentence_is_kept_without_the_article_number():
    assert document_facts(law_md("cybersecurity-law-2016")).effective_note == "本法自2017年6月1日起施行。"


def test_effective_date_from_a_head_line_when_no_article_says_it():
    text = "# 某某规定\n\n2021年11月16日 某某委员会2021年第3次委务会议审议通过\n\n2022年3月1日 施行\n\n第一条 甲。\n"
    assert document_facts(text).effective == "2022-03-01"


@pytest.mark.parametrize(
    ("line", "issuer", "kind"),
    [
        ("（2018年8月31日第十三届全国人民代表大会常务委员会第五次会议通过）", "全国人民代表大会常务委员会", "adopted"),
        ("（2018年3月11日第十三届全国人民代表大会第一次会议通过）", "全国人民代表大会", "adopted"),
        ("2021年9月29日浙江省第十三届人民代表大会常务委员会第三十二次会议通过", "浙江省人民代表大会常务委员会", "adopted"),
        ("2019年12月15日国家互联网信息办公室令第5号公布", "国家互联网信息办公室", "promulgated"),
        ("2019年10月22日中华人民共和国国务院令第722号公布", "国务院", "promulgated"),
        ("2021年4月2日国家市场监督管理总局2021年第5次局务会议审议通过", "国家市场监督管理总局", "adopted"),
        ("2020年7月1日国务院常务会议通过", "国务院", "adopted"),
    ],
)
def test_issuer_from_the_adoption_or_promulgation_line(line, issuer, kind):
    f = document_facts(f"某某条例\n{line}\n第一条 为了……，制定本条例。\n")
    assert (f.issuer, f.issued_kind) == (issuer, kind)


def test_decree_number_is_the_document_number():
    f = document_facts("某某规定\n2019年12月15日国家互联网信息办公室令第5号公布\n第一条 甲。\n")
    assert (f.doc_number, f.issued) == ("国家互联网信息办公室令第5号", "2019-12-15")


def test_title_promulgated_in_a_sentence():
    text = ("中华人民共和国国务院令\n第722号\n《优化营商环境条例》已经2019年10月8日国务院第66次常务会议通过，"
            "现予公布，自2020年1月1日起施行。\n总理 李克强\n2019年10月22日\n第一章 总则\n第一条 甲。\n")
    f = document_facts(text)
    assert (f.title, f.title_source, f.issuer, f.issued, f.effective) == (
        "优化营商环境条例", "quoted", "国务院", "2019-10-08", "2020-01-01")


def test_a_title_printed_over_two_lines_is_joined():
    assert title_of("杭州市人民政府关于加快跨境电子商务发展的\n实施意见\n各区人民政府：\n") == (
        "杭州市人民政府关于加快跨境电子商务发展的实施意见", "first_line")


def test_a_masthead_is_not_the_title():
    assert title_of(source_text("wuhan-internet-plus-circulation-2016")) == (
        "市人民政府关于加快推进“互联网+流通”发展的意见", "markdown")
    assert title_of(source_text("hubei-internet-plus-2015")) == ("省人民政府关于加快推进“互联网+”行动的实施意见", "first_line")


def test_a_basis_document_quoted_in_the_preamble_is_not_the_title():
    assert title_of(source_text("jinan-platform-economy-2020")) == ("", "")


def test_amendments_are_kept_as_printed():
    text = ("中华人民共和国某某法\n（2013年10月25日第十二届全国人民代表大会常务委员会第五次会议通过　"
            "根据2018年10月26日第十三届全国人民代表大会常务委员会第六次会议《关于修改〈中华人民共和国某某法〉的决定》修正）\n"
            "第一条 甲。\n")
    f = document_facts(text)
    assert f.amendments == (
        "根据2018年10月26日第十三届全国人民代表大会常务委员会第六次会议《关于修改〈中华人民共和国某某法〉的决定》修正",)
    assert (f.issued, f.issuer) == ("2013-10-25", "全国人民代表大会常务委员会")


def test_a_revision_is_an_amendment_not_the_adoption():
    text = ("某某法\n（1993年9月2日第八届全国人民代表大会常务委员会第三次会议通过　"
            "2019年4月23日第十三届全国人民代表大会常务委员会第十次会议修订）\n第一条 甲。\n")
    f = document_facts(text)
    assert f.issued == "1993-09-02"
    assert f.amendments == ("2019年4月23日第十三届全国人民代表大会常务委员会第十次会议修订",)


def test_repealed_titles_from_the_same_time_sentence():
    text = ("某某条例\n第一条 甲。\n第二条 本条例自2024年1月1日起施行。2005年3月25日某某市人民代表大会常务委员会公布的"
            "《某某市信息化促进条例》和《某某市信息化管理办法》同时废止。\n")
    assert document_facts(text).repeals == ("某某市信息化促进条例", "某某市信息化管理办法")


def test_effective_on_publication_takes_the_publication_date():
    f = document_facts("某某办法\n2020年5月6日某某省人民政府令第3号公布\n第一条 甲。\n第二条 本办法自公布之日起施行。\n")
    assert (f.effective, f.effective_note) == ("2020-05-06", "本办法自公布之日起施行。")


def test_validity_period_gives_valid_until():
    f = document_facts(source_text("wuhan-internet-plus-circulation-2016"))
    assert (f.effective, f.valid_until) == ("2016-08-01", "2021-07-31")


def test_a_licences_validity_period_is_not_the_documents():
    text = ("某某省食品摊点管理条例\n第一条 甲。\n第二条 登记证有效期为三年。\n第三条 本条例自2017年6月1日起施行。\n")
    f = document_facts(text)
    assert (f.effective, f.valid_until) == ("2017-06-01", "")


def test_an_opinion_without_adoption_line_takes_its_signature():
    text = "某某市人民政府关于促进数字经济发展的意见\n一、总体要求\n（一）目标。\n某某市人民政府\n2021年3月5日\n"
    f = document_facts(text)
    assert (f.issuer, f.issued, f.issued_kind) == ("某某市人民政府", "2021-03-05", "dated")


def test_facts_not_printed_are_empty_with_warnings():
    f = document_facts("一、支持电子商务企业发展。\n")
    assert (f.title, f.issuer, f.issued, f.effective) == ("", "", "", "")
    assert f.missing == ("title", "issuer", "issued", "effective") and len(f.warnings) == 4


def test_titles_match_across_quotes_spaces_and_version_notes():
    assert normalise_title("《中华人民共和国网络安全法》") == normalise_title("中华人民共和国网络安全法（2016年修正）")
    assert normalise_title("关于“互联网+”的意见") == normalise_title('关于"互联网+"的意见')
