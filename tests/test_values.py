"""Values as data (issue 18, part 3): what ``assistant.values`` reads from Chinese legal text.

Each case states the input, the kind, the normalised low/high, the unit, the bound and the verbatim
text. Normalisation: money in 元, durations in days (年=365, 月=30), percentages 0–100, dates as
proleptic ordinals (``Value.iso`` gives the ISO string).
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest

from assistant.sentences import split
from assistant.values import Value, asked_value_kind, parse_values, satisfies, value_kinds

LAWS = Path("/work/shared/laws")


def one(text: str) -> Value:
    values = parse_values(text)
    assert len(values) == 1, values
    return values[0]


def ordinal(y: int, m: int, d: int) -> float:
    return float(datetime.date(y, m, d).toordinal())


# (input, kind, low, high, unit, bound, verbatim text)
CASES = [
    # money: Arabic, Chinese and mixed numerals with 万/亿 magnitudes
    ("1.3万亿元", "money", 1.3e12, 1.3e12, "元", "", "1.3万亿元"),
    ("5000万元", "money", 5e7, 5e7, "元", "", "5000万元"),
    ("十万元", "money", 1e5, 1e5, "元", "", "十万元"),
    ("一百万元", "money", 1e6, 1e6, "元", "", "一百万元"),
    ("五万元以上五十万元以下", "money", 5e4, 5e5, "元", "range", "五万元以上五十万元以下"),
    ("一万元以上十万元以下", "money", 1e4, 1e5, "元", "range", "一万元以上十万元以下"),
    ("五至十万元", "money", 5e4, 1e5, "元", "range", "五至十万元"),  # the first numeral shares 万
    ("有违法所得的，处一百万元以下罚款", "money", 1e6, 1e6, "元", "max", "一百万元以下"),
    # durations, in days
    ("三十日", "duration", 30, 30, "日", "", "三十日"),
    ("二十个工作日", "duration", 20, 20, "工作日", "", "二十个工作日"),
    ("六个月", "duration", 180, 180, "月", "", "六个月"),
    ("两年", "duration", 730, 730, "年", "", "两年"),
    ("3－5年", "duration", 3 * 365, 5 * 365, "年", "range", "3－5年"),
    ("3-5年", "duration", 3 * 365, 5 * 365, "年", "range", "3-5年"),
    ("十日至十五日", "duration", 10, 15, "日", "range", "十日至十五日"),
    ("不少于六个月", "duration", 180, 180, "月", "min", "不少于六个月"),
    ("20日内", "duration", 20, 20, "日", "max", "20日内"),
    ("应当自开办之日起十五日内办理备案", "duration", 15, 15, "日", "max", "十五日内"),
    ("一年内", "duration", 365, 365, "年", "max", "一年内"),
    ("处五日以上十五日以下拘留", "duration", 5, 15, "日", "range", "五日以上十五日以下"),
    ("半年", "duration", 182.5, 182.5, "年", "", "半年"),
    ("满三年", "duration", 3 * 365, 3 * 365, "年", "min", "满三年"),
    ("最长不超过两年", "duration", 730, 730, "年", "max", "最长不超过两年"),
    # percent, fractions, ratios, multiples
    ("百分之五", "percent", 5, 5, "%", "", "百分之五"),
    ("百分之三十", "percent", 30, 30, "%", "", "百分之三十"),
    ("增长5.5%", "percent", 5.5, 5.5, "%", "", "5.5%"),
    ("5-10%", "percent", 5, 10, "%", "range", "5-10%"),
    ("提高3个百分点", "percent", 3, 3, "百分点", "", "3个百分点"),
    ("三分之二以上", "fraction", 200 / 3, 200 / 3, "分之", "min", "三分之二以上"),
    ("经总人数过半数的业主同意", "fraction", 50, 50, "分之", "min", "过半数"),  # 半数: one half
    ("半数以下", "fraction", 50, 50, "分之", "max", "半数以下"),
    ("按1∶3的比例配套", "ratio", 1 / 3, 1 / 3, ":", "", "1∶3"),
    ("处十倍以上二十倍以下罚款", "multiple", 10, 20, "倍", "range", "十倍以上二十倍以下"),
    ("违法所得一倍以上五倍以下罚款", "multiple", 1, 5, "倍", "range", "一倍以上五倍以下"),
    # counts: a numeral and a measure word
    ("培育三十余家龙头企业", "count", 30, 30, "家", "", "三十余家"),
    ("两个以上", "count", 2, 2, "个", "min", "两个以上"),
    ("10万人", "count", 1e5, 1e5, "人", "", "10万人"),
    # dates and years
    ("二〇二二年三月一日", "date", ordinal(2022, 3, 1), ordinal(2022, 3, 1), "日", "", "二〇二二年三月一日"),
    ("本规定自2022年3月1日起施行。", "date", ordinal(2022, 3, 1), ordinal(2022, 3, 1), "日", "", "2022年3月1日"),
    ("2016-11-07", "date", ordinal(2016, 11, 7), ordinal(2016, 11, 7), "日", "", "2016-11-07"),
    ("2022年3月", "date", ordinal(2022, 3, 1), ordinal(2022, 3, 31), "月", "", "2022年3月"),
    ("2015年", "year", 2015, 2015, "年", "", "2015年"),
    ("到2020年", "year", 2020, 2020, "年", "", "2020年"),
    ("2021-2025年", "year", 2021, 2025, "年", "range", "2021-2025年"),
    # frequency: the period, in days
    ("每年", "frequency", 365, 365, "年", "", "每年"),
    ("每两个月", "frequency", 60, 60, "月", "", "每两个月"),
    # age
    ("不满十四周岁", "age", 14, 14, "岁", "max", "不满十四周岁"),
]


@pytest.mark.parametrize(("text", "kind", "low", "high", "unit", "bound", "verbatim"), CASES,
                         ids=[c[0] for c in CASES])
def test_each_case_reads_as_one_typed_value(text, kind, low, high, unit, bound, verbatim):
    v = one(text)
    assert (v.kind, v.unit, v.bound, v.text) == (kind, unit, bound, verbatim)
    assert v.low == pytest.approx(low) and v.high == pytest.approx(high)
    assert text[v.start:v.end] == v.text


def test_iso_of_a_date_value():
    assert one("二〇二二年三月一日").iso == "2022-03-01"
    assert one("2015年").iso is None  # a year is not a date


def test_full_width_digits_are_read_and_the_offsets_point_at_the_original():
    text = "应当在２０日内报送，罚款５０００万元，比例为３０％"
    values = parse_values(text)
    assert [(v.kind, v.low, v.text) for v in values] == [
        ("duration", 20, "２０日内"), ("money", 5e7, "５０００万元"), ("percent", 30, "３０％")]
    assert all(text[v.start:v.end] == v.text for v in values)


def test_approximate_values_are_flagged():
    assert one("10多万元").approx and one("10多万元").low == 1e5
    assert one("三十余家").approx
    assert not one("三十家").approx


def test_overlapping_candidates_resolve_to_the_longest():
    # "2022年", "3月" and "1日" are candidates too; the date covering them wins.
    assert [v.text for v in parse_values("2022年3月1日")] == ["2022年3月1日"]
    # "个" alone is a measure word; "个工作日" is the longer unit.
    assert one("二十个工作日").unit == "工作日"
    # "百分之五十以上" is one value, not 百 + 五十.
    assert one("百分之五十以上").text == "百分之五十以上"


def test_a_penalty_sentence_gives_two_money_ranges_at_their_offsets():
    text = "处五万元以上五十万元以下罚款；对直接负责的主管人员处一万元以上十万元以下罚款"
    values = parse_values(text)
    assert [(v.kind, v.low, v.high, v.bound) for v in values] == [
        ("money", 5e4, 5e5, "range"), ("money", 1e4, 1e5, "range")]
    assert [text[v.start:v.end] for v in values] == ["五万元以上五十万元以下", "一万元以上十万元以下"]
    assert values[0].start == 1 and values[1].start == text.index("一万元")


def test_several_kinds_in_one_sentence_in_order():
    text = "关键信息基础设施的运营者应当自行或者委托网络安全服务机构对其网络的安全性和可能存在的风险每年至少进行一次检测评估"
    assert [(v.kind, v.text) for v in parse_values(text)] == [("frequency", "每年"), ("count", "一次")]
    assert value_kinds(text) == frozenset({"frequency", "count"})


@pytest.mark.parametrize("text", [
    "第二十一条", "依照本法第二十一条、第二十五条的规定", "第（三）项", "前款第一款", "第20次室务会议",
    "国发〔2015〕80号", "（一）制定内部安全管理制度", "1.加强统筹", "GB/T 22239-2019", "5G网络",
    "统一规划", "一体化", "有下列行为之一的", "零部件", "一次性", "个人信息", "按照一定的规则",
])
def test_references_markers_and_words_with_numerals_are_not_values(text):
    assert parse_values(text) == []


def test_a_bare_year_is_a_year_not_a_duration():
    assert value_kinds("2015年") == frozenset({"year"})
    assert value_kinds("国务院2015年印发") == frozenset({"year"})
    # "统一到2020年" is not a range from 一 to 2020
    assert [(v.kind, v.text) for v in parse_values("统一到2020年")] == [("year", "2020年")]


def test_an_arabic_number_without_unit_is_a_number():
    assert [(v.kind, v.low) for v in parse_values("共79条")] == [("count", 79)]
    assert [(v.kind, v.low) for v in parse_values("得分为85")] == [("number", 85)]


@pytest.mark.parametrize("text", [
    "", "   ", "。。。", "万", "百", "十十十十十", "一点", "点五", "第", "〔〕号", "1∶0", "0分之1", "9999年13月45日",
    "２０２２年２月３０日", "\x00\x01", "万亿万亿元", "多余", "至至至", "-5-", "999999999999999999999999元",
    "一" * 200 + "元", "1" * 5000, "五" * 3000 + "年",
])
def test_garbage_never_raises(text):
    values = parse_values(text)
    assert isinstance(values, list)
    assert all(text[v.start:v.end] == v.text for v in values)


def test_non_strings_give_nothing():
    assert parse_values(None) == []  # type: ignore[arg-type]
    assert asked_value_kind(None) is None  # type: ignore[arg-type]


def test_an_impossible_date_keeps_its_text_without_a_point():
    v = one("2022年2月30日")
    assert v.kind == "date" and v.low is None and v.iso is None


@pytest.mark.parametrize(("question", "kind"), [
    ("网络日志要保存多久？", "duration"),
    ("罚款最多罚多少？", "money"),
    ("要提前几天通知？", "duration"),
    ("能补贴多少钱？", "money"),
    ("分几个阶段？", "count"),
    ("是什么意思？", None),
    ("多少日内要办理备案？", "duration"),
    ("备案需要多长时间？", "duration"),
    ("保存期限是几个月？", "duration"),
    ("全市培育几家龙头企业？", "count"),
    ("需要多少人参加？", "count"),
    ("有几项要求？", "count"),
    ("企业研发投入的比例是多少？", "percent"),
    ("补贴几成？", "percent"),
    ("税率是百分之几？", "percent"),
    ("这部条例什么时候施行？", "when"),
    ("申报截止时间是哪天？", "date"),
    ("哪天开始生效？", "date"),
    ("生效日期是哪一天？", "date"),
    ("罚款金额是多少？", "money"),
    ("最高罚违法所得的几倍？", "multiple"),
    ("注册资本最低要多少？", "number"),
    ("全国统一的投诉电话是多少？", "contact"),  # a number to call, not a quantity
    ("备案系统的网址是什么？", "contact"),
    ("有哪几项义务？", None),  # asks for items, not for a count
    ("第几条规定了个人信息保护？", None),  # asks for an article
    ("我在小区里租房住了好几年了，算不算业主？", None),  # 好几年, 这几天, 前几天: roughly how many, asked of nothing
    ("前几天被罚了，能申请复议吗？", None),
    ("网络运营者有哪些安全保护义务？", None),
    ("有什么补贴？", None),  # asks what exists, not how much
    # The asker's own account counts their things ("a few"); a later clause asks the question.
    ("我想私下收几个小区的湿垃圾拉去卖，没办任何证，被查到会怎样？", None),
    ("我们公司从外地引进了几个技术骨干，他们能享受哪些人才待遇？", None),
    ("我们公司能补贴多少钱，要什么条件？", "money"),  # the asker's clause asks
    ("我们省独生子女父母住院，子女每年能请几天护理假？", "duration"),
])
def test_asked_value_kind_of_lay_questions(question, kind):
    assert asked_value_kind(question) == kind


def test_satisfies_matches_what_is_asked_with_what_a_sentence_holds():
    law = "网络运营者应当采取监测、记录网络运行状态、网络安全事件的技术措施，并按照规定留存相关的网络日志不少于六个月"
    assert satisfies(asked_value_kind("网络日志要保存多久？"), value_kinds(law))
    assert not satisfies(asked_value_kind("罚款最多罚多少？"), value_kinds(law))
    assert satisfies("duration", {"frequency"})  # 每年 answers "多久检测一次"
    assert satisfies("date", {"year"})
    # "When" is answered by a date or by a time limit from an event ("应当在患者死亡后48小时内进行尸检");
    # a calendar question ("哪天") only by a date.
    assert satisfies(asked_value_kind("尸检最晚什么时候要做？"), value_kinds("应当在患者死亡后48小时内进行尸检"))
    assert not satisfies(asked_value_kind("申报截止时间是哪天？"), value_kinds("应当在受理后30日内作出决定"))
    assert satisfies("number", {"money"}) and not satisfies("number", set())
    assert satisfies(None, set())


def _law_sentences() -> list[str]:
    if not LAWS.is_dir():
        return []
    out: list[str] = []
    for path in sorted(LAWS.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            out.extend(s.text for s in split(line))
    return out


def test_every_sentence_of_the_real_laws_parses_verbatim_and_fast():
    sentences = _law_sentences()
    if not sentences:
        pytest.skip(f"{LAWS} is not here")
    began = time.perf_counter()
    values = [(s, v) for s in sentences for v in parse_values(s)]
    elapsed = time.perf_counter() - began
    assert all(s[v.start:v.end] == v.text for s, v in values)
    # non-overlapping, in order, within each sentence
    for s in sentences:
        vs = parse_values(s)
        assert all(a.end <= b.start for a, b in zip(vs, vs[1:], strict=False))
    kinds = {v.kind for _, v in values}
    assert {"money", "duration", "multiple", "date"} <= kinds
    # the penalty ranges of the cybersecurity law are there, and no article number became a value
    assert any(v.text == "五万元以上五十万元以下" for _, v in values)
    assert not any(v.text.startswith("第") for _, v in values)
    assert elapsed < 1.0, f"parsing the three laws took {elapsed:.2f}s"


def test_whole_law_texts_parse_as_one_string():
    if not LAWS.is_dir():
        pytest.skip(f"{LAWS} is not here")
    for path in sorted(LAWS.glob("*-*.md")):
        text = path.read_text(encoding="utf-8")
        vs = parse_values(text)
        assert vs and all(text[v.start:v.end] == v.text for v in vs)


def test_a_bare_count_is_asked_in_its_measure_word():
    from assistant.values import asked_measure, holds_measure

    assert asked_measure("驾照扣多少分？") == "分" and asked_measure("考试一共多少道题？") == "道"
    assert asked_measure("罚款多少钱？") is None and asked_measure("有几个部门？") is None
    assert holds_measure("机动车驾驶人有下列交通违法行为之一，一次记12分：", "分")
    assert not holds_measure("处暂扣六个月机动车驾驶证，并处一千元以上二千元以下罚款。", "分")
