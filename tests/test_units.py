"""Responsibility annotations (shared/spec/clause-ids.md, "Responsibility annotations").

Expected values are copied from the corpus texts; each test names the clause it comes from.
"""

from __future__ import annotations

import pytest

from assistant.clauses import Clause
from assistant.units import UnitEntry, UnitIndex, assign_units, find_duties, find_notes, parse_note

from .conftest import REPO

# Region qualifier per document (the caller's job; see the brief).
REGION = {
    "hubei-platform-economy-2015": {"province": "湖北省"},
    "jiangsu-platform-economy-2015": {"province": "江苏省"},
    "hubei-internet-plus-2015": {"province": "湖北省"},
    "wuhan-internet-plus-circulation-2016": {"province": "湖北省", "city": "武汉市"},
    "jinan-platform-economy-2020": {"province": "山东省", "city": "济南市"},
}
HUBEI = {"province": "湖北省"}
WUHAN = {"province": "湖北省", "city": "武汉市"}
JINAN = {"province": "山东省", "city": "济南市"}
JIANGSU = {"province": "江苏省"}


@pytest.fixture(scope="module")
def assigned(parsed: dict[str, list[Clause]]) -> dict[str, Clause]:
    out: dict[str, Clause] = {}
    for doc_id, clauses in parsed.items():
        for c in assign_units(clauses, **REGION[doc_id]):
            out[c.clause_id] = c
    return out


@pytest.fixture(scope="module")
def index(assigned: dict[str, Clause]) -> UnitIndex:
    return UnitIndex.build(assigned.values())


def names(entries: list[UnitEntry]) -> list[str]:
    return [e.name for e in entries]


# ------------------------------------------------------------------ parse_note: annotation forms


def test_lead_and_participant_note_hubei_platform():
    # hubei-platform-economy-2015 二、（四）
    note = "（牵头单位：省政府金融办；参加单位：人行武汉分行、湖北银监局、湖北证监局、湖北保监局等）"
    assert parse_note(note, **HUBEI) == (
        ["湖北省金融办"],
        ["人民银行武汉分行", "湖北银监局", "湖北证监局", "湖北保监局"],
    )


def test_two_lead_units_hubei_platform():
    # hubei-platform-economy-2015 三、（五）
    note = "（牵头单位：省发展改革委、人行武汉分行；参加单位：省经信委、省商务厅、省通信管理局等）"
    assert parse_note(note, **HUBEI) == (
        ["湖北省发展改革委", "人民银行武汉分行"],
        ["湖北省经济和信息化委", "湖北省商务厅", "湖北省通信管理局"],
    )


def test_deng_fuze_note_makes_every_unit_lead():
    # hubei-internet-plus-2015 二、（一）
    assert parse_note("(省经信委、省发展改革委、省科技厅等负责)", **HUBEI) == (
        ["湖北省经济和信息化委", "湖北省发展改革委", "湖北省科技厅"],
        [],
    )


def test_lead_only_qiantou_note():
    # hubei-internet-plus-2015 四、（一）: the one note of that document that is not "…等负责"
    assert parse_note("（省发展改革委牵头）", **HUBEI) == (["湖北省发展改革委"], [])


def test_zerendanwei_without_qiantou_makes_every_unit_lead():
    # wuhan-internet-plus-circulation-2016 二、（一）1.
    assert parse_note("(责任单位:市网信办、市商务局、市发展改革委)", **WUHAN) == (
        ["武汉市网信办", "武汉市商务局", "武汉市发展改革委"],
        [],
    )


def test_comma_separates_units_and_gequ_is_qualified_by_the_city():
    # wuhan 三、（七）: "," between groups is a separator; 各区人民政府 are Wuhan's districts
    assert parse_note("(责任单位:市委宣传部、市商务局,各区人民政府)", **WUHAN) == (
        ["武汉市委宣传部", "武汉市商务局", "武汉市各区人民政府"],
        [],
    )


def test_youguan_danwei_peihe_names_no_participant():
    # jinan-platform-economy-2020 四、（三）
    assert parse_note("(责任单位:市人力资源社会保障局、市市场监管局牵头,有关单位配合)", **JINAN) == (
        ["济南市人力资源社会保障局", "济南市市场监管局"],
        [],
    )


def test_named_unit_before_deng_youguan_danwei_peihe_is_participant():
    # jinan 三、（四）
    assert parse_note("(责任单位:市商务局、济南金融控股集团牵头,市统计局等有关单位配合)", **JINAN) == (
        ["济南市商务局", "济南金融控股集团"],
        ["济南市统计局"],
    )


def test_ji_separates_participants():
    # jinan 四、（一）: "…市行政审批服务局及历下区政府…"
    note = (
        "(责任单位:市发展改革委牵头,市工业和信息化局、市商务局、市财政局、市市场监管局、"
        "市行政审批服务局及历下区政府、市中区政府、槐荫区政府、济南高新区管委会等有关单位配合)"
    )
    lead, participants = parse_note(note, **JINAN)
    assert lead == ["济南市发展改革委"]
    assert participants == [
        "济南市工业和信息化局",
        "济南市商务局",
        "济南市财政局",
        "济南市市场监管局",
        "济南市行政审批服务局",
        "济南市历下区政府",
        "济南市市中区政府",
        "济南市槐荫区政府",
        "济南高新区管委会",
    ]


def test_shizhongqu_is_a_district_not_the_city_prefix():
    # 市中区政府 starts with 市 but is Jinan's 市中区: not "济南市中区政府"
    assert parse_note("(责任单位:市中区政府)", **JINAN) == (["济南市市中区政府"], [])


def test_tuan_shiwei_is_the_city_youth_league_committee():
    # jinan 三、（六）
    assert parse_note("(责任单位:团市委、市发展改革委牵头,有关单位配合)", **JINAN) == (
        ["共青团济南市委", "济南市发展改革委"],
        [],
    )


def test_units_carrying_their_own_place_stay_as_printed():
    # hubei-platform-economy-2015 四、（五）; wuhan 二、（五）2.
    lead, participants = parse_note(
        "（牵头单位：省统计局；参加单位：省知识产权局、国家统计局湖北调查总队等）", **HUBEI
    )
    assert participants == ["湖北省知识产权局", "国家统计局湖北调查总队"]
    assert parse_note("(责任单位:市商务局、武汉海关、湖北出入境检验检疫局)", **WUHAN)[0] == [
        "武汉市商务局",
        "武汉海关",
        "湖北出入境检验检疫局",
    ]


# ------------------------------------------------------------------ list rules


def test_shared_suffix_distributes():
    # hubei-internet-plus-2015 三、（三）
    lead, _ = parse_note("（省经信委、省发展改革委、省科技厅，武汉市、襄阳市人民政府等负责)", **HUBEI)
    assert lead == [
        "湖北省经济和信息化委",
        "湖北省发展改革委",
        "湖北省科技厅",
        "武汉市人民政府",
        "襄阳市人民政府",
    ]


def test_gloss_in_angle_brackets_is_not_a_unit():
    # wuhan 二、（一）2.: 〈含武汉东湖新技术开发区、…,下同〉 explains 各区人民政府
    note = (
        "(责任单位:市交通运输委、市商务局、市邮政管理局,武汉新港管委会,各区人民政府〈含武汉东湖新技术开发区、"
        "武汉经济技术开发区、市东湖生态旅游风景区、武汉化工区管委会,下同〉)"
    )
    assert parse_note(note, **WUHAN) == (
        ["武汉市交通运输委", "武汉市商务局", "武汉市邮政管理局", "武汉新港管委会", "武汉市各区人民政府"],
        [],
    )


def test_ge_shi_zhou_xian_renmin_zhengfu_is_one_unit():
    # hubei-internet-plus-2015 三、（一）
    note = (
        "（省经信委、省通信管理局、省发展改革委、省住建厅、省测绘局、基础电信运营企业、广电企业，"
        "各市、州、县人民政府等负责）"
    )
    lead, _ = parse_note(note, **HUBEI)
    assert lead[-1] == "湖北省各市、州、县人民政府"
    assert len(lead) == 8
    assert not {"州", "县人民政府", "湖北省各市"} & set(lead)


def test_trailing_deng_is_dropped_and_categories_stay_as_printed():
    # hubei-internet-plus-2015 三、（二）ends "…省政府金融办，基础电信运营企业等负责"
    lead, _ = parse_note("（省旅游局、省政府金融办，基础电信运营企业等负责）", **HUBEI)
    assert lead == ["湖北省旅游局", "湖北省金融办", "基础电信运营企业"]


def test_whitespace_from_line_breaks_inside_a_note_is_ignored():
    # hubei-internet-plus-2015 二、（四）: the note is broken across a page line
    assert parse_note("(省发展改革委、省交通\n\n运输厅、省商务厅、武汉海关等负责)", **HUBEI)[0] == [
        "湖北省发展改革委",
        "湖北省交通运输厅",
        "湖北省商务厅",
        "武汉海关",
    ]


# ------------------------------------------------------------------ Jiangsu table (table mode)


def test_table_leading_sheng_distributes_over_bare_departments():
    # jiangsu table row 1
    cell = "省发展改革委、经济和信息化委、科技厅、财政厅、商务厅、金融办等"
    assert parse_note(cell, **JIANGSU, table=True) == (
        [
            "江苏省发展改革委",
            "江苏省经济和信息化委",
            "江苏省科技厅",
            "江苏省财政厅",
            "江苏省商务厅",
            "江苏省金融办",
        ],
        [],
    )


def test_table_sheng_does_not_distribute_over_renmin_yinhang_or_jiangsu_names():
    # jiangsu table row 5
    cell = "省金融办、人民银行南京分行、江苏银监局、江苏证监局、江苏保监局等"
    assert parse_note(cell, **JIANGSU, table=True)[0] == [
        "江苏省金融办",
        "人民银行南京分行",
        "江苏银监局",
        "江苏证监局",
        "江苏保监局",
    ]


def test_table_sheng_does_not_distribute_over_operators():
    # jiangsu table row 7: 省通信管理局 is printed with its own 省; 江苏移动 etc. carry the place
    cell = "省经济和信息化委、省通信管理局、江苏移动、江苏电信、江苏联通、江苏铁塔等"
    assert parse_note(cell, **JIANGSU, table=True)[0] == [
        "江苏省经济和信息化委",
        "江苏省通信管理局",
        "江苏移动",
        "江苏电信",
        "江苏联通",
        "江苏铁塔",
    ]


def test_table_bare_tongxin_guanliju_gets_sheng():
    # jiangsu table row 13: bare 通信管理局 after 省统计局 is a bare department name
    cell = "省统计局、发展改革委、经济和信息化委、商务厅、通信管理局等"
    assert parse_note(cell, **JIANGSU, table=True)[0] == [
        "江苏省统计局",
        "江苏省发展改革委",
        "江苏省经济和信息化委",
        "江苏省商务厅",
        "江苏省通信管理局",
    ]


def test_sheng_distribution_is_table_only():
    # Outside the table every unit carries its own prefix; a bare name is kept as printed.
    assert parse_note("(省商务厅、交通运输厅等负责)", **JIANGSU)[0] == ["江苏省商务厅", "交通运输厅"]


# ------------------------------------------------------------------ aliases in parse_note


@pytest.mark.parametrize(
    ("printed", "kwargs", "canonical"),
    [
        ("省经信委", HUBEI, "湖北省经济和信息化委"),
        ("省经济和信息化委", HUBEI, "湖北省经济和信息化委"),
        ("省人社厅", HUBEI, "湖北省人力资源社会保障厅"),
        ("省政府金融办", HUBEI, "湖北省金融办"),
        ("省发改委", HUBEI, "湖北省发展改革委"),
        ("人行武汉分行", HUBEI, "人民银行武汉分行"),
        ("市人社局", WUHAN, "武汉市人力资源社会保障局"),
        ("市市场监督管理局", JINAN, "济南市市场监管局"),
        ("市工信局", JINAN, "济南市工业和信息化局"),
        ("湖北省经信委", HUBEI, "湖北省经济和信息化委"),
        ("武汉市人社局", WUHAN, "武汉市人力资源社会保障局"),
    ],
)
def test_aliases_resolve_to_one_canonical_name(printed: str, kwargs: dict[str, str], canonical: str):
    assert parse_note(f"({printed}等负责)", **kwargs) == ([canonical], [])


# ------------------------------------------------------------------ find_notes


def test_find_notes_joins_a_note_broken_across_lines(clause_by_id: dict[str, Clause]):
    text = clause_by_id["hubei-internet-plus-2015#2.4"].text
    assert find_notes(text) == ["(省发展改革委、省交通运输厅、省商务厅、武汉海关等负责)"]


def test_find_notes_ignores_units_in_prose(clause_by_id: dict[str, Clause]):
    # hubei-platform 四、（一）: "省发展改革委负责统筹协调…" is prose; only the note counts
    notes = find_notes(clause_by_id["hubei-platform-economy-2015#4.1"].text)
    assert notes == ["（牵头单位：省发展改革委；参加单位：省服务业工作领导小组成员单位）"]
    # jiangsu 五、（一） has the same prose and no note at all
    assert find_notes(clause_by_id["jiangsu-platform-economy-2015#5.1"].text) == []


def test_find_notes_ignores_document_numbers_and_other_brackets():
    assert (
        find_notes("根据《意见》(国办发〔2019〕38号)精神，由市发展改革委牵头,定期调度。线上到线下（O2O）")
        == []
    )


def test_find_notes_keeps_nested_brackets_whole():
    text = "……。（省经信委、各市、县（市、区）人民政府等负责）"
    assert find_notes(text) == ["（省经信委、各市、县（市、区）人民政府等负责）"]
    assert parse_note(find_notes(text)[0], **JIANGSU)[0] == [
        "江苏省经济和信息化委",
        "江苏省各市、县（市、区）人民政府",
    ]


@pytest.mark.parametrize(
    ("doc_id", "count"),
    [
        ("hubei-platform-economy-2015", 17),
        ("jiangsu-platform-economy-2015", 0),
        ("hubei-internet-plus-2015", 21),
        ("wuhan-internet-plus-circulation-2016", 19),
        ("jinan-platform-economy-2020", 24),
    ],
)
def test_every_printed_note_is_found_in_the_parsed_clauses(
    parsed: dict[str, list[Clause]], doc_id: str, count: int
):
    # Counts from the source text: every "…单位：" / "…负责）" / "…牵头）" / "…配合)" note.
    assert sum(len(find_notes(c.text)) for c in parsed[doc_id]) == count


# ------------------------------------------------------------------ assign_units on parsed clauses

REAL = [
    (
        "hubei-platform-economy-2015#2.1",
        ("湖北省商务厅",),
        (
            "湖北省发展改革委",
            "湖北省经济和信息化委",
            "湖北省科技厅",
            "湖北省工商局",
            "湖北省供销社",
            "湖北省邮政管理局",
        ),
    ),
    (
        "hubei-platform-economy-2015#3.6",
        ("湖北省人力资源社会保障厅",),
        ("湖北省教育厅", "湖北省科技厅"),
    ),
    ("hubei-platform-economy-2015#4.4", ("湖北省工商局",), ("湖北省商务厅", "湖北省质监局")),
    (
        "jiangsu-platform-economy-2015#table.5",
        ("江苏省金融办", "人民银行南京分行", "江苏银监局", "江苏证监局", "江苏保监局"),
        (),
    ),
    (
        "jiangsu-platform-economy-2015#table.7",
        ("江苏省经济和信息化委", "江苏省通信管理局", "江苏移动", "江苏电信", "江苏联通", "江苏铁塔"),
        (),
    ),
    ("jiangsu-platform-economy-2015#table.11", ("江苏省人力资源社会保障厅", "江苏省教育厅"), ()),
    ("hubei-internet-plus-2015#2.7", ("湖北省教育厅", "湖北省发展改革委"), ()),
    ("hubei-internet-plus-2015#2.7.2", ("湖北省教育厅", "湖北省发展改革委"), ()),
    ("hubei-internet-plus-2015#2.10.1", ("湖北省环保厅", "湖北省发展改革委"), ()),
    ("hubei-internet-plus-2015#4.1", ("湖北省发展改革委",), ()),
    (
        "hubei-internet-plus-2015#3.3",
        ("湖北省经济和信息化委", "湖北省发展改革委", "湖北省科技厅", "武汉市人民政府", "襄阳市人民政府"),
        (),
    ),
    ("wuhan-internet-plus-circulation-2016#2.1.1", ("武汉市网信办", "武汉市商务局", "武汉市发展改革委"), ()),
    (
        "wuhan-internet-plus-circulation-2016#2.2.2",
        ("武汉市各区人民政府", "武汉市商务局", "武汉新港管委会"),
        (),
    ),
    ("wuhan-internet-plus-circulation-2016#3.6", ("武汉市统计局", "武汉市商务局"), ()),
    ("jinan-platform-economy-2020#2.1", ("济南市工业和信息化局",), ()),
    ("jinan-platform-economy-2020#2.3", ("济南市商务局",), ()),
    (
        "jinan-platform-economy-2020#3.2",
        ("济南市发展改革委", "济南市历下区政府", "济南市市中区政府", "济南市槐荫区政府", "济南高新区管委会"),
        ("济南市交通运输局",),
    ),
    ("jinan-platform-economy-2020#4.4", ("济南市市场监管局",), ()),
]


@pytest.mark.parametrize(("clause_id", "lead", "participants"), REAL, ids=[r[0] for r in REAL])
def test_units_of_real_clauses(
    assigned: dict[str, Clause], clause_id: str, lead: tuple[str, ...], participants: tuple[str, ...]
):
    c = assigned[clause_id]
    assert (c.lead_units, c.participant_units) == (lead, participants)


def test_internet_plus_items_inherit_the_level2_note(assigned: dict[str, Clause]):
    # 二、（二）“互联网+”现代农业 prints its note after the level-2 text; items 1.–3. have none.
    expected = (
        "湖北省农业厅",
        "湖北省发展改革委",
        "湖北省科技厅",
        "湖北省商务厅",
        "湖北省林业厅",
        "湖北省质监局",
        "湖北省食品药品监督管理局",
    )
    ids = [f"hubei-internet-plus-2015#2.2{sfx}" for sfx in ("", ".1", ".2", ".3")]
    assert [assigned[i].lead_units for i in ids] == [expected] * 4


def test_every_internet_plus_item_carries_its_headings_units(assigned: dict[str, Clause]):
    items = [c for c in assigned.values() if c.doc_id == "hubei-internet-plus-2015" and c.level == 3]
    assert len(items) == 29
    for item in items:
        parent = assigned[f"hubei-internet-plus-2015#{item.parents[-1]}"]
        assert item.lead_units and item.lead_units == parent.lead_units, item.clause_id


def test_headings_and_clauses_without_notes_have_no_units(assigned: dict[str, Clause]):
    # Wuhan prints notes per item, so its level-2 headings get nothing; 一、 总体要求 has no note.
    for cid in (
        "wuhan-internet-plus-circulation-2016#2.1",
        "hubei-internet-plus-2015#1.1",
        "jiangsu-platform-economy-2015#table",
    ):
        assert (assigned[cid].lead_units, assigned[cid].participant_units) == ((), ()), cid


def test_a_seed_clause_without_a_note_takes_the_duty_its_prose_states(assigned: dict[str, Clause]):
    # jiangsu 五、（一）: "省发展改革委负责统筹协调全省平台经济发展工作"
    assert assigned["jiangsu-platform-economy-2015#5.1"].lead_units == ("江苏省发展改革委",)


def _clause(path: str, level: int, text: str) -> Clause:
    return Clause(doc_id="d", path=path, level=level, label="", heading="", text=text)


def test_note_after_the_last_item_belongs_to_the_heading():
    clauses = [
        _clause("2.1", 2, "（一）总述。"),
        _clause("2.1.1", 3, "1. 第一项。"),
        _clause("2.1.2", 3, "2. 第二项。(省经信委、省科技厅等负责)"),
    ]
    out = assign_units(clauses, **HUBEI)
    assert [c.lead_units for c in out] == [("湖北省经济和信息化委", "湖北省科技厅")] * 3


def test_item_with_its_own_note_keeps_it():
    clauses = [
        _clause("2.1", 2, "（一）总述。(省经信委等负责)"),
        _clause("2.1.1", 3, "1. 第一项。"),
        _clause("2.1.2", 3, "2. 第二项。(省科技厅负责)"),
    ]
    out = assign_units(clauses, **HUBEI)
    assert [c.lead_units for c in out] == [
        ("湖北省经济和信息化委",),
        ("湖北省经济和信息化委",),
        ("湖北省科技厅",),
    ]


def test_assign_units_returns_new_clauses_and_keeps_the_rest():
    original = _clause("1.1", 2, "（一）总述。(省经信委等负责)")
    (out,) = assign_units([original], **HUBEI)
    assert original.lead_units == ()
    assert (out.path, out.text, out.lead_units) == ("1.1", original.text, ("湖北省经济和信息化委",))


# ------------------------------------------------------------------ UnitIndex


def test_lookup_with_alias_and_province_prefix_finds_every_clause_naming_the_unit(
    assigned: dict[str, Clause], index: UnitIndex
):
    # Every Hubei clause whose own note names 省经信委 / 省经济和信息化委, plus the internet-plus
    # items that inherit such a note from their level-2 clause.
    hubei = [c for c in assigned.values() if c.doc_id.startswith("hubei-")]
    naming = {
        c.clause_id
        for c in hubei
        if any("省经信委" in n or "省经济和信息化委" in n for n in find_notes(c.text))
    }
    inherited = {c.clause_id for c in hubei if c.level == 3 and f"{c.doc_id}#{c.parents[-1]}" in naming}
    (entry,) = index.lookup("湖北省经信委")
    assert entry.name == "湖北省经济和信息化委"
    assert set(entry.lead) | set(entry.participant) == naming | inherited
    assert len(naming) == 25  # 11 hubei-platform notes + 14 hubei-internet-plus notes (counted in the source)
    assert "hubei-platform-economy-2015#2.2" in entry.lead  # 牵头单位：省经信委
    assert "hubei-platform-economy-2015#2.1" in entry.participant  # 参加单位：…省经信委…


@pytest.mark.parametrize("query", ["湖北省经信委", "湖北省经济和信息化委", "湖北经信委", "省经信委"])
def test_lookup_forms_of_one_unit(index: UnitIndex, query: str):
    assert names(index.lookup(query, province="湖北省")) == ["湖北省经济和信息化委"]


def test_lookup_without_province_returns_every_provinces_entry(index: UnitIndex):
    assert names(index.lookup("省商务厅")) == ["江苏省商务厅", "湖北省商务厅"]
    assert names(index.lookup("省商务厅", province="江苏省")) == ["江苏省商务厅"]


def test_lookup_city_department_within_a_province(index: UnitIndex):
    assert names(index.lookup("市商务局", province="湖北省")) == ["武汉市商务局"]
    assert names(index.lookup("市商务局")) == ["武汉市商务局", "济南市商务局"]


def test_lookup_names_kept_as_printed(index: UnitIndex):
    assert names(index.lookup("人行武汉分行")) == ["人民银行武汉分行"]
    assert names(index.lookup("江苏移动")) == ["江苏移动"]
    assert index.lookup("国家统计局") == []


def test_lookup_youth_league_by_its_printed_form(index: UnitIndex):
    assert names(index.lookup("团市委")) == ["共青团济南市委"]
    assert names(index.find_in_text("团市委牵头的工作有哪些")) == ["共青团济南市委"]


def test_entries_are_sorted_and_unique(index: UnitIndex):
    all_names = names(index.entries())
    assert all_names == sorted(set(all_names))
    assert "有关单位" not in "".join(all_names)


def test_entry_separates_lead_and_participant_clauses(index: UnitIndex):
    (entry,) = index.lookup("济南市统计局")
    assert entry.lead == ()
    assert entry.participant == ("jinan-platform-economy-2020#3.4",)


def test_find_in_text_prefers_the_longest_mention(index: UnitIndex):
    found = names(index.find_in_text("湖北省经信委和人行武汉分行牵头了哪些工作？"))
    assert found == ["湖北省经济和信息化委", "人民银行武汉分行"]


def test_find_in_text_ambiguous_short_form_yields_all_candidates(index: UnitIndex):
    assert names(index.find_in_text("省商务厅负责什么？")) == ["江苏省商务厅", "湖北省商务厅"]


def test_find_in_text_without_units(index: UnitIndex):
    assert index.find_in_text("平台经济的发展目标是什么？") == []


# ------------------------------------------------------------------ duties written in prose (laws)

LAWS = REPO / "eval" / "laws"


def law_sentence(file: str, start: str) -> str:
    """The paragraph of a shared law text that starts with ``start`` (quoted from the source)."""
    text = (LAWS / file).read_text(encoding="utf-8")
    return next(line for line in text.splitlines() if line.startswith(start))


def test_a_body_that_is_made_responsible_leads():
    text = law_sentence("cybersecurity-law-2016.md", "第八条")
    assert find_duties(text) == (["国家网信部门", "国务院电信主管部门", "公安部门"], [])


def test_a_shared_suffix_distributes_over_bare_names_and_generic_bodies_are_dropped():
    text = law_sentence("algorithm-recommendation-rules-2021.md", "第三条")
    assert find_duties(text)[0] == ["国家网信部门", "国务院电信部门", "公安部门", "市场监管部门"]


def test_a_body_put_in_charge_of_a_field_leads():
    # "主管…工作" is how a law names the body in charge of its whole field.
    assert find_duties("市卫生健康行政部门主管本市行政区域内的院前医疗急救工作。") == (["市卫生健康行政部门"], [])


def test_a_body_that_supervises_manages_or_decides_leads():
    assert find_duties("财政部门和审计部门依法对失业保险基金的收支、管理情况进行监督。") == (["财政部门", "审计部门"], [])
    assert find_duties("劳动保障行政部门管理失业保险工作，履行下列职责：") == (["劳动保障行政部门"], [])
    assert find_duties("国家对残疾人就业实行扶持。") == ([], [])  # 国家 is no body


def test_a_body_declared_in_charge_of_a_field_leads_it():
    assert find_duties("市公安部门是本市养犬管理的主管部门。") == (["市公安部门"], [])


def test_levels_listed_before_a_body_each_take_its_whole_name():
    assert find_duties("区、县公安部门负责本辖区内的养犬管理。") == (["区公安部门", "县公安部门"], [])
    assert find_duties("市、区人民政府应当加强领导。") == (["市人民政府", "区人民政府"], [])


def test_the_bodies_after_hui_tong_take_part():
    text = law_sentence("beijing-digital-economy-2022.md", "第七条")
    assert find_duties(text) == (["市统计部门"], ["经济和信息化部门"])


def test_the_agent_after_you_leads_even_mid_sentence():
    text = law_sentence("algorithm-recommendation-rules-2021.md", "第三十四条")
    assert find_duties(text) == (["国家互联网信息办公室"], ["工业和信息化部", "公安部", "国家市场监督管理总局"])


def test_an_unnamed_authority_is_nobody_in_particular():
    text = law_sentence("cybersecurity-law-2016.md", "第五十九条")
    assert find_duties(text) == ([], [])


def test_a_name_ending_like_a_body_without_a_duty_is_not_a_unit():
    assert find_duties("立足湖北产业布局，发挥政府在规划引导方面的重要作用。") == ([], [])


def test_a_clause_without_a_note_takes_its_units_from_prose():
    clauses = [Clause(doc_id="bj", path="5", level=1, label="第五条", heading="",
                      text=law_sentence("beijing-digital-economy-2022.md", "第五条"))]
    (c,) = assign_units(clauses, province="北京市")
    assert c.lead_units == ("北京市经济和信息化部门", "区经济和信息化部门")


def test_units_of_a_national_document_keep_their_printed_names():
    clauses = [Clause(doc_id="cs", path="8", level=1, label="第八条", heading="",
                      text=law_sentence("cybersecurity-law-2016.md", "第八条"))]
    (c,) = assign_units(clauses, province="")
    assert c.lead_units == ("国家网信部门", "国务院电信主管部门", "公安部门")


def test_a_state_council_duty_in_prose_names_the_state_council():
    # 网络安全法 第三十一条: "关键信息基础设施的具体范围和安全保护办法由国务院制定。"
    assert find_duties("关键信息基础设施的具体范围和安全保护办法由国务院制定。") == (["国务院"], [])


def test_a_note_with_square_brackets_keeps_the_bracketed_place_whole():
    lead, _ = parse_note("（责任单位：省商务厅、省财政厅，各市、县〔市、区〕政府）", province="浙江省")
    assert lead == ["浙江省商务厅", "浙江省财政厅", "浙江省各市、县（市、区）政府"]


def test_a_body_named_inside_an_attribute_is_no_actor():
    # "政府确定的收费项目": the government determined the fees; the kindergarten is no body that acts.
    assert find_duties("公办幼儿园执行政府确定的收费项目和标准。") == ([], [])
