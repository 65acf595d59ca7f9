"""The clause parser, against the five seed documents (shared/spec/clause-ids.md)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest

from assistant.clauses import clean_line, cn_to_int, decode_bytes, parse_document

from .conftest import DOC_FILES, source_text

# (doc_id, clauses per level) — counted by hand in the source texts; level 0 = "0", "end", "table".
EXPECTED_LEVELS = {
    "hubei-platform-economy-2015": {0: 2, 1: 4, 2: 20},
    "jiangsu-platform-economy-2015": {0: 2, 1: 5 + 14, 2: 24, 3: 4},  # level 1 includes table.1–14
    "hubei-internet-plus-2015": {0: 2, 1: 4, 2: 23, 3: 29},
    "wuhan-internet-plus-circulation-2016": {0: 2, 1: 3, 2: 14, 3: 15},
    "jinan-platform-economy-2020": {0: 2, 1: 4, 2: 26},
}


@pytest.mark.parametrize("doc_id", DOC_FILES)
def test_clause_counts_per_level(parsed, doc_id):
    assert dict(Counter(c.level for c in parsed[doc_id])) == EXPECTED_LEVELS[doc_id]


@pytest.mark.parametrize("doc_id", DOC_FILES)
def test_paths_are_unique(parsed, doc_id):
    paths = [c.path for c in parsed[doc_id]]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize(
    "clause_id, label, heading, starts_with",
    [
        ("hubei-platform-economy-2015#3.6", "三、（六）", "加强平台经济人才队伍建设", "加强平台经济人才队伍建设。充分发挥湖北科教资源优势"),
        ("jiangsu-platform-economy-2015#1.3.3", "一、（三）3.", "平台产业集聚度提升", "平台产业集聚度提升。到2020年，培育2个规模超万亿元"),
        ("hubei-internet-plus-2015#2.10.1", "二、（十）1.", "加快推进智慧环保", "加快推进智慧环保。加快建设省级环保云平台"),
        ("wuhan-internet-plus-circulation-2016#2.5.2", "二、（五）2.", "构建跨境电子商务新通道", "构建跨境电子商务新通道。大力引进和培育一批跨境电子商务交易平台"),
        ("jinan-platform-economy-2020#4.2", "四、（二）", "加大政策扶持", "加大政策扶持。加快认定一批市级平台企业"),
        ("jinan-platform-economy-2020#2", "二、", "重点领域", "重点领域"),
    ],
)
def test_spot_check_ids_labels_headings(clause_by_id, clause_id, label, heading, starts_with):
    c = clause_by_id[clause_id]
    assert (c.label, c.heading) == (label, heading)
    assert c.text.startswith(starts_with)


def test_parents_are_the_ancestor_paths(clause_by_id):
    assert clause_by_id["hubei-internet-plus-2015#2.11.3"].parents == ("2", "2.11")


def test_preamble_is_path_0_and_holds_number_and_salutation(clause_by_id):
    c = clause_by_id["hubei-internet-plus-2015#0"]
    assert "鄂政发〔2015〕80号" in c.text
    assert "各市、州、县人民政府，省政府各部门：" in c.text


def test_closing_text_is_path_end_so_dates_can_be_cited(clause_by_id):
    end = clause_by_id["wuhan-internet-plus-circulation-2016#end"]
    assert end.text.startswith("本意见自2016年8月1日起施行,有效期为5年。")
    assert end.text.endswith("2016年7月6日印发")
    assert clause_by_id["hubei-platform-economy-2015#end"].text == "2015年7月20日"


def test_closing_text_does_not_swallow_the_last_clause(clause_by_id):
    # the last clause of the Wuhan document continues across a broken line before 本意见自…
    last = clause_by_id["wuhan-internet-plus-circulation-2016#3.7"]
    assert last.text.endswith("(责任单位:市委宣传部、市商务局,各区人民政府)")


def test_heading_only_level1_clause_has_its_heading_as_text(clause_by_id):
    c = clause_by_id["hubei-internet-plus-2015#2"]
    assert (c.label, c.text) == ("二、", "重点行动")


# ---------------------------------------------------------------- one test per hazard


def test_full_width_indentation_is_removed(clause_by_id):
    assert clause_by_id["hubei-platform-economy-2015#1.1"].text.startswith("指导思想。全面贯彻")


def test_double_hyphen_bullets_stay_in_the_clause_above(clause_by_id, parsed):
    principles = clause_by_id["hubei-platform-economy-2015#1.2"]
    assert "\n--市场主导。" in principles.text and "--规划引领。" in principles.text
    assert not any(c.text.startswith("--") for c in parsed["hubei-platform-economy-2015"])


def test_em_dash_bullets_stay_in_the_clause_above(clause_by_id):
    assert "\n——市场主导、创新发展。" in clause_by_id["jiangsu-platform-economy-2015#1.2"].text


def test_double_hyphen_inside_a_sentence_is_kept_as_a_dash(clause_by_id):
    assert "省级工业云平台--湖北“兴业云”" in clause_by_id["hubei-platform-economy-2015#2.2"].text


@pytest.mark.parametrize("marker", ["1.", "1．", "1﹒", "1、"])
def test_level3_marker_variants(marker):
    text = f"一、总则\n（一）目标。\n{marker}第一项。\n2.第二项。\n"
    clauses, _ = parse_document(text, "t")
    assert [c.path for c in clauses] == ["1", "1.1", "1.1.1", "1.1.2"]


def test_jiangsu_small_full_stop_markers(clause_by_id):
    assert clause_by_id["jiangsu-platform-economy-2015#1.3.4"].heading == "平台经济竞争能力增强"


@pytest.mark.parametrize("marker", ["(一）", "（一)", "(一)", "（一）", "( 一 )"])
def test_half_and_full_width_parentheses_mixed_in_one_marker(marker):
    clauses, _ = parse_document(f"一、总则\n{marker}目标。内容。\n", "t")
    assert [c.path for c in clauses] == ["1", "1.1"]


def test_markdown_heading_levels_do_not_decide_clause_levels(clause_by_id):
    # "## (二)工作目标" and "#### (一)工作思路" are both level 2; "### 一、" and "## 二、" both level 1
    assert clause_by_id["wuhan-internet-plus-circulation-2016#1.2"].heading == "工作目标"
    assert clause_by_id["wuhan-internet-plus-circulation-2016#2.4"].level == 2
    assert clause_by_id["wuhan-internet-plus-circulation-2016#2"].text == "重点任务"
    assert "#" not in "".join(c.text for c in clause_by_id.values())


def test_bold_markup_is_removed(clause_by_id):
    c = clause_by_id["hubei-internet-plus-2015#2.10.2"]
    assert c.heading == "推动资源循环利用创新发展" and "**" not in c.text


def test_page_debris_is_dropped_and_reported():
    doc_id = "hubei-internet-plus-2015"
    clauses, report = parse_document(source_text(doc_id), doc_id)
    assert report.dropped_debris == ["2016元12", "000511"]
    assert "000511" not in clauses[0].text


def test_sentences_broken_by_pdf_extraction_are_rejoined(clause_by_id):
    goal = clause_by_id["hubei-internet-plus-2015#1.2"].text
    assert "提供有力支撑。" in goal
    logistics = clause_by_id["hubei-internet-plus-2015#2.4"].text
    assert logistics.endswith("(省发展改革委、省交通运输厅、省商务厅、武汉海关等负责)")


def test_spaces_inside_numbers_are_removed(clause_by_id):
    assert "力争到2018年" in clause_by_id["hubei-internet-plus-2015#2.7"].text
    assert "超过95%。到2020年,全市电子商务交易额达到1.3万亿元" in clause_by_id[
        "wuhan-internet-plus-circulation-2016#1.2.3"
    ].text


def test_reprint_prefix_is_dropped_from_the_preamble(clause_by_id):
    assert clause_by_id["jinan-platform-economy-2020#0"].text.startswith("各区县人民政府,市政府各部门(单位):")
    assert clause_by_id["jinan-platform-economy-2020#end"].text == "济南市人民政府办公厅\n2020年3月2日"


def test_jiangsu_task_table_title_and_rows(clause_by_id, parsed):
    table = clause_by_id["jiangsu-platform-economy-2015#table"]
    assert table.heading == "重点任务分工表"
    row5 = clause_by_id["jiangsu-platform-economy-2015#table.5"]
    assert row5.heading == "多方构建互联网金融服务平台，制定促进平台经济发展的金融支持政策"
    assert row5.text.endswith("责任部门：省金融办、人民银行南京分行、江苏银监局、江苏证监局、江苏保监局等")
    assert [c.path for c in parsed["jiangsu-platform-economy-2015"]][-15:] == ["table"] + [f"table.{n}" for n in range(1, 15)]


def test_jiangsu_has_no_end_clause(parsed):
    assert "end" not in {c.path for c in parsed["jiangsu-platform-economy-2015"]}


# ---------------------------------------------------------------- nothing lost

_MARKER = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.．﹒、](?!\d))")


def _squash(s: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFC", s))


@pytest.mark.parametrize("doc_id", DOC_FILES)
def test_nothing_is_lost(doc_id):
    clauses, report = parse_document(source_text(doc_id), doc_id)
    all_text = _squash("".join(c.label + c.text for c in clauses))
    debris = {_squash(d) for d in report.dropped_debris}
    for raw in source_text(doc_id).splitlines():
        line = clean_line(raw)
        for d in report.dropped_debris:
            line = line.replace(d, "")
        line = _MARKER.sub("", _squash(line))
        if not line or line in debris:
            continue
        assert line in all_text, f"lost: {line[:40]}"


# ---------------------------------------------------------------- helpers and new documents


def test_chinese_numerals():
    assert [cn_to_int(s) for s in ["一", "九", "十", "十一", "二十", "二十三"]] == [1, 9, 10, 11, 20, 23]


def test_gbk_text_is_decoded():
    assert decode_bytes("一、总体要求".encode("gbk")) == "一、总体要求"


def test_text_without_numbering_falls_back_to_paragraph_clauses_with_a_warning():
    clauses, report = parse_document("第一段内容。\n\n第二段内容。\n", "plain")
    assert [(c.path, c.text) for c in clauses] == [("1", "第一段内容。"), ("2", "第二段内容。")]
    assert report.warnings


def test_out_of_sequence_marker_is_kept_as_text_and_reported():
    clauses, report = parse_document("一、总则\n（一）目标。\n（三）跳号。\n", "t")
    assert [c.path for c in clauses] == ["1", "1.1"]
    assert "跳号" in clauses[-1].text and report.warnings


def test_tab_indented_paragraphs_are_not_a_table():
    clauses, report = parse_document("\t一、总则\n\t（一）目标。\n\t二、措施\n\t（一）资金支持。\n", "t")
    assert [c.path for c in clauses] == ["1", "1.1", "2", "2.1"] and report.warnings == []


def test_numbering_that_starts_over_keeps_ids_unique_with_a_warning():
    # an annex with its own 一、 after the text: the ids of the text stay, the annex is text
    clauses, report = parse_document("一、总则\n（一）目标。\n二、措施\n附件\n一、申报条件\n", "t")
    paths = [c.path for c in clauses]
    assert paths == ["1", "1.1", "2"] and "一、申报条件" in clauses[-1].text
    assert report.warnings == ["编号重复（1），按正文处理：一、申报条件"]


def test_marker_with_an_impossible_numeral_is_text():
    clauses, _ = parse_document("一、总则\n一一、不是编号。\n", "t")
    assert [c.path for c in clauses] == ["1"] and clauses[0].text == "总则\n一一、不是编号。"
