"""Documents written in articles (shared/spec/clause-ids.md, "Documents written in articles"),
against the three real laws in eval/laws/ and in the forms users bring them (.txt, .docx, GBK)."""

from __future__ import annotations

import re
import textwrap
from collections import Counter

import pytest

from assistant.clauses import ARTICLES, OPINION, PARAGRAPHS, clean_line, cn_to_int, int_to_cn, parse_document
from assistant.library import extract_text

from .lawtexts import LAWS, law_md, plain_lines, write_variants


@pytest.fixture(scope="module")
def laws():
    """Each law parsed from its markdown: name → (clauses by path, report)."""
    out = {}
    for name in LAWS:
        clauses, report = parse_document(law_md(name), name)
        out[name] = ({c.path: c for c in clauses}, report)
    return out


@pytest.fixture(scope="module")
def cyber(laws):
    return laws["cybersecurity-law-2016"][0]


# ---------------------------------------------------------------- counts and scheme


@pytest.mark.parametrize(
    ("name", "articles", "divisions", "items"),
    [
        ("cybersecurity-law-2016", 79, {"章": 7, "节": 2}, 28),
        ("algorithm-recommendation-rules-2021", 35, {"章": 6}, 0),
        ("beijing-digital-economy-2022", 58, {"章": 9}, 0),
    ],
)
def test_articles_chapters_and_items_are_counted(laws, name, articles, divisions, items):
    by_path, report = laws[name]
    assert report.scheme == ARTICLES
    assert (report.articles, report.divisions) == (articles, divisions)
    assert [p for p, c in by_path.items() if c.level == 1] == [str(n) for n in range(1, articles + 1)]
    assert sum(1 for c in by_path.values() if c.level == 2) == items
    assert report.warnings == []


def test_seed_opinions_keep_the_opinion_scheme(parsed):
    from .conftest import source_text

    for doc_id in parsed:
        assert parse_document(source_text(doc_id), doc_id)[1].scheme == OPINION


def test_article_labels_and_headings(cyber):
    c = cyber["31"]
    assert (c.label, c.heading) == ("第三十一条", "国家对公共通信和信息服务、能源、交通、水利、金融、公共服务、…")
    assert cyber["79"].text == "本法自2017年6月1日起施行。"
    assert cyber["79"].heading == "本法自2017年6月1日起施行"


# ---------------------------------------------------------------- 编/章/节 as breadcrumbs


@pytest.mark.parametrize(
    ("first", "last", "sections"),
    [
        (1, 14, ("第一章 总则",)),
        (15, 20, ("第二章 网络安全支持与促进",)),
        (21, 30, ("第三章 网络运行安全", "第一节 一般规定")),
        (31, 39, ("第三章 网络运行安全", "第二节 关键信息基础设施的运行安全")),
        (40, 50, ("第四章 网络信息安全",)),
        (59, 75, ("第六章 法律责任",)),
        (76, 79, ("第七章 附则",)),
    ],
)
def test_cybersecurity_law_chapters_and_sections(cyber, first, last, sections):
    assert {cyber[str(n)].sections for n in range(first, last + 1)} == {sections}


def test_headings_are_not_clauses_nor_clause_text(cyber):
    assert not any("第三章" in c.text or "一般规定" in c.text for c in cyber.values())


def test_table_of_contents_stays_in_the_preamble_and_the_real_chapter_is_the_breadcrumb(laws):
    by_path, _ = laws["beijing-digital-economy-2022"]
    preamble = by_path["0"].text.split("\n")
    assert preamble[:3] == ["北京市数字经济促进条例", "2022年11月25日北京市第十五届人民代表大会常务委员会第四十五次会议通过",
                            "第一章总则"]
    assert preamble[-1] == "第九章附则" and len(preamble) == 11  # the contents, not the real 第一章 before 第一条
    assert by_path["1"].sections == ("第一章 总则",)
    assert by_path["9"].sections == ("第二章 数字基础设施",)
    assert by_path["58"].sections == ("第九章 附则",)


def test_context_headings_are_sections_then_ancestor_headings(laws):
    from assistant.corpus import Corpus, Document

    clauses = list(laws["cybersecurity-law-2016"][0].values())
    doc = Document(doc_id="cybersecurity-law-2016", file="x.txt", issuer="", region="全国", level="national")
    corpus = Corpus(documents={doc.doc_id: doc}, clauses=clauses)
    assert corpus.context_headings(corpus.by_id["cybersecurity-law-2016#21.3"]) == [
        "第三章 网络运行安全", "第一节 一般规定", "国家实行网络安全等级保护制度",
    ]
    assert corpus.context_headings(corpus.by_id["cybersecurity-law-2016#0"]) == []


# ---------------------------------------------------------------- items and paragraphs


def test_items_are_numbered_under_their_article(cyber):
    assert [p for p in cyber if p.startswith("21.")] == ["21.1", "21.2", "21.3", "21.4", "21.5"]
    item = cyber["21.3"]
    assert (item.label, item.level, item.parents) == ("第二十一条（三）", 2, ("21",))
    assert item.text == "采取监测、记录网络运行状态、网络安全事件的技术措施，并按照规定留存相关的网络日志不少于六个月；"
    assert item.sections == ("第三章 网络运行安全", "第一节 一般规定")
    assert cyber["76.3"].text == "网络运营者，是指网络的所有者、管理者和网络服务提供者。"


def test_article_text_is_its_lead_in_without_its_items(cyber):
    assert cyber["21"].text == (
        "国家实行网络安全等级保护制度。网络运营者应当按照网络安全等级保护制度的要求，履行下列安全保护义务，"
        "保障网络免受干扰、破坏或者未经授权的访问，防止网络数据泄露或者被窃取、篡改:"  # sic: a half-width colon
    )


def test_unnumbered_paragraphs_stay_in_order_in_their_article(laws):
    by_path, _ = laws["algorithm-recommendation-rules-2021"]
    assert by_path["2"].text == (
        "在中华人民共和国境内应用算法推荐技术提供互联网信息服务（以下简称算法推荐服务），适用本规定。"
        "法律、行政法规另有规定的，依照其规定。\n"
        "前款所称应用算法推荐技术，是指利用生成合成类、个性化推送类、排序精选类、检索过滤类、调度决策类等算法技术向用户提供信息。"
    )


def test_paragraph_after_items_belongs_to_the_article_not_the_last_item():
    text = "第一条 总则。\n第二条 经营者应当：\n（一）公示信息；\n（二）保存记录。\n违反前款规定的，责令改正。\n第三条 附则。\n"
    by_path = {c.path: c for c in parse_document(text, "t")[0]}
    assert by_path["2"].text == "经营者应当：\n违反前款规定的，责令改正。"
    assert by_path["2.2"].text == "保存记录。"


def test_numbered_points_inside_an_item_are_level_3():
    text = "第一条 总则。\n第二条 下列情形：\n（一）包括：\n1.甲；\n2．乙。\n第三条 完。\n"
    clauses = parse_document(text, "t")[0]
    assert [c.path for c in clauses] == ["1", "2", "2.1", "2.1.1", "2.1.2", "3"]
    point = clauses[4]
    assert (point.label, point.level, point.parents, point.text) == ("第二条（一）2.", 3, ("2", "2.1"), "乙。")


def test_label_of_a_level_3_point_in_a_real_numbering():
    lines = ["第一条 总则。"] + [f"第{int_to_cn(n)}条 内容{n}。" for n in range(2, 8)]
    lines += ["第八条 有下列情形之一的：", "（一）甲；", "（二）乙；", "（三）丙，包括：", "1.丙一；", "2.丙二。", "第九条 完。"]
    by_path = {c.path: c for c in parse_document("\n".join(lines), "t")[0]}
    assert by_path["8.3.2"].label == "第八条（三）2."
    assert by_path["8.3"].label == "第八条（三）"


def test_arabic_points_directly_in_an_article_are_its_items():
    text = "第一条 总则。\n第二条 申请材料包括：\n1.申请书；\n2.营业执照。\n第三条 完。\n"
    by_path = {c.path: c for c in parse_document(text, "t")[0]}
    assert (by_path["2.2"].label, by_path["2.2"].level, by_path["2.2"].text) == ("第二条2.", 2, "营业执照。")


def test_restarted_item_list_in_a_later_paragraph_stays_text_with_a_warning():
    text = "第一条 甲：\n（一）一；\n（二）二。\n乙：\n（一）三；\n第二条 完。\n"
    clauses, report = parse_document(text, "t")
    paths = [c.path for c in clauses]
    assert paths == ["1", "1.1", "1.2", "2"] and len(set(paths)) == len(paths)
    assert "（一）三；" in clauses[0].text and any("项号" in w for w in report.warnings)


# ---------------------------------------------------------------- numbers: cross-references, gaps, numerals


def test_cross_reference_opening_a_paragraph_is_not_an_article():
    text = "第一条 甲。\n第二条 乙。\n第一条规定的经营者，适用本条。\n第三条 丙。\n"
    clauses, report = parse_document(text, "t")
    assert [c.path for c in clauses] == ["1", "2", "3"]
    assert clauses[1].text == "乙。\n第一条规定的经营者，适用本条。"
    assert report.warnings == []


def test_cross_references_inside_real_articles_stay_in_them(cyber):
    assert cyber["64"].text.split("\n")[1].startswith("违反本法第四十四条规定，窃取或者以其他非法方式获取")
    assert cyber["44"].text.startswith("任何个人和组织不得窃取或者以其他非法方式获取个人信息")


def test_a_repeated_article_number_is_a_warning_not_a_new_clause():
    md = law_md("cybersecurity-law-2016").replace(
        "第三十一条 国家对公共通信", "第十条 重复的条号。\n\n第三十一条 国家对公共通信")
    clauses, report = parse_document(md, "t")
    by_path = {c.path: c for c in clauses}
    assert [c.path for c in clauses if c.level == 1] == [str(n) for n in range(1, 80)]
    assert by_path["30"].text.endswith("第十条重复的条号。")
    assert report.warnings == ["条号不连续：“第十条重复的条号。”处应为第三十一条，未作为新条款，并入上一条"]


def test_a_skipped_article_number_is_a_warning_and_the_numbers_after_it_keep_their_ids():
    md = law_md("cybersecurity-law-2016").replace("第十条 建设、运营网络", "建设、运营网络")  # 第十条 lost
    clauses, report = parse_document(md, "t")
    ids = [c.path for c in clauses if c.level == 1]
    assert ids == [str(n) for n in range(1, 10)] + [str(n) for n in range(12, 80)]
    assert len(report.warnings) == 1 and report.warnings[0].startswith("条号不连续：“第十一条")


def test_article_numbers_past_one_hundred_use_the_chinese_numerals():
    text = "\n".join(f"第{int_to_cn(n)}条 第{n}条的内容。" for n in range(1, 103))
    clauses, report = parse_document(text, "t")
    assert [c.path for c in clauses][-3:] == ["100", "101", "102"]
    assert clauses[-2].label == "第一百零一条" and report.warnings == []
    assert [cn_to_int(s) for s in ("一百零一", "一百一十", "两百", "十")] == [101, 110, 200, 10]


def test_arabic_article_numbers():
    clauses, report = parse_document("第1条 甲。\n第2条 乙。\n第3条 丙。\n", "t")
    assert (report.scheme, [c.path for c in clauses], clauses[2].label) == (ARTICLES, ["1", "2", "3"], "第3条")


def test_the_first_numbered_marker_decides_the_scheme():
    assert parse_document("前言。\n一、总则\n第一条 甲。\n", "t")[1].scheme == OPINION
    assert parse_document("前言。\n第一条 甲。\n一、是指……\n", "t")[1].scheme == ARTICLES


def test_text_after_the_last_article_is_end():
    text = "标题\n第一条 甲。\n第二条 本办法自2024年1月1日起施行。\n某某市人民政府\n2023年12月1日\n"
    clauses, _ = parse_document(text, "t")
    assert [(c.path, c.text) for c in clauses] == [
        ("0", "标题"), ("1", "甲。"), ("2", "本办法自2024年1月1日起施行。"), ("end", "某某市人民政府\n2023年12月1日"),
    ]


# ---------------------------------------------------------------- the same ids from every form


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    folder = tmp_path_factory.mktemp("laws")
    return {name: write_variants(name, folder) for name in LAWS}


def _signature(text: str, name: str):
    clauses, report = parse_document(text, name)
    return [(c.path, c.label, c.sections, c.text) for c in clauses if c.level], report


@pytest.mark.parametrize("name", LAWS)
@pytest.mark.parametrize("form", ["txt", "gbk", "docx"])
def test_same_clauses_from_markdown_txt_gbk_and_docx(variants, name, form):
    reference, _ = _signature(law_md(name), name)
    text = extract_text(variants[name][form])
    got, report = _signature(text, name)
    assert got == reference
    assert report.warnings == []


@pytest.mark.parametrize("name", LAWS)
def test_same_ids_when_lines_are_hard_wrapped_as_in_pdf_extraction(name):
    wrapped = "\n".join(w for line in plain_lines(law_md(name)) for w in textwrap.wrap(line, 37))
    reference = [c.path for c in parse_document(law_md(name), name)[0]]
    assert [c.path for c in parse_document(wrapped, name)[0]] == reference


@pytest.mark.parametrize("name", LAWS)
def test_nothing_in_a_law_is_lost(laws, name):
    by_path, report = laws[name]
    kept = "".join(c.text + "".join(c.sections) for c in by_path.values()).replace(" ", "")
    for raw in law_md(name).splitlines():
        line = re.sub(r"^(第[一二三四五六七八九十百零]+条|（[一二三四五六七八九十]+）)", "", clean_line(raw))
        if line and line not in report.dropped_debris:
            assert line in kept, line[:30]


# ---------------------------------------------------------------- malformed input


def test_empty_text_gives_no_clauses_and_a_warning():
    clauses, report = parse_document("", "t")
    assert clauses == [] and report.scheme == PARAGRAPHS and report.warnings


def test_text_without_numbering_is_split_by_paragraph_with_a_warning():
    clauses, report = parse_document("支持平台企业发展。\n鼓励企业上云。\n", "t")
    assert [c.path for c in clauses] == ["1", "2"] and report.scheme == PARAGRAPHS
    assert report.warnings == ["未识别到编号（一、（一）1. 或 第N条），已按段落切分条款"]


@pytest.mark.parametrize("text", ["①支持平台发展。\n②鼓励企业上云。\n", "1)支持平台发展。\n2)鼓励企业上云。\n",
                                  "第一部分 总体要求\n内容。\n第二部分 重点任务\n内容。\n"])
def test_numbering_that_is_not_understood_is_reported(text):
    _, report = parse_document(text, "t")
    assert report.scheme == PARAGRAPHS
    assert report.warnings[1].startswith("正文有编号但格式未能识别")


def test_scheme_is_summarised_for_the_report(laws):
    assert laws["cybersecurity-law-2016"][1].summary() == "条文式编号（第N条）：79 条，7 章，2 节，28 项"
    assert laws["beijing-digital-economy-2022"][1].summary() == "条文式编号（第N条）：58 条，9 章"


def test_clause_levels_of_the_cybersecurity_law(laws):
    by_path, report = laws["cybersecurity-law-2016"]
    assert dict(Counter(c.level for c in by_path.values())) == {0: 1, 1: 79, 2: 28} == report.clauses_per_level


def test_parts_chapters_and_sections_nest_after_a_table_of_contents():
    text = ("某某法典\n目录\n第一编 总则\n第一章 基本规定\n第二章 自然人\n第一节 民事能力\n第二编 物权\n"
            "第一编　总　　则\n第一章　基本规定\n第一条　为了……，制定本法。\n第二条　调整……。\n"
            "第二章 自然人\n第一节 民事权利能力\n第三条 自然人……。\n")
    clauses, report = parse_document(text, "t")
    by_path = {c.path: c for c in clauses}
    assert by_path["0"].text.split("\n")[-1] == "第二编物权"
    assert by_path["2"].sections == ("第一编 总则", "第一章 基本规定")
    assert by_path["3"].sections == ("第一编 总则", "第二章 自然人", "第一节 民事权利能力")
    assert report.divisions == {"编": 1, "章": 2, "节": 1}


def test_sections_survive_the_index_clause_store(cyber):
    import json

    from assistant.index import clause_from_json, clause_to_json

    c = cyber["21.3"]
    assert clause_from_json(json.loads(json.dumps(clause_to_json(c), ensure_ascii=False))) == c
