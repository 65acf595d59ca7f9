"""Responsibility annotations: which units lead / take part in each clause, and an index over them.

See shared/spec/clause-ids.md, "Responsibility annotations". The corpus prints the units in
four kinds of parenthesised note plus the Jiangsu task-division table:

* ``（牵头单位：省商务厅；参加单位：省发展改革委、…等）``        hubei-platform-economy-2015
* ``(省经信委、省发展改革委、省科技厅等负责)`` / ``（省发展改革委牵头）`` hubei-internet-plus-2015
* ``(责任单位:市网信办、市商务局,各区人民政府〈含…,下同〉)``      wuhan-internet-plus-circulation-2016
* ``(责任单位:市商务局、济南金融控股集团牵头,市统计局等有关单位配合)``  jinan-platform-economy-2020
* table rows ``省发展改革委、经济和信息化委、科技厅…等``            jiangsu-platform-economy-2015

Laws and regulations print no notes: they state duties in prose ("国家网信部门负责统筹协调…",
"市经济和信息化部门应当会同有关部门…", "由国务院有关部门负责…"). ``find_duties`` reads those
sentences; a clause without a note of its own (or inherited) takes its units from them.

Everything here is pure (no I/O); the caller supplies the region qualifier of each document.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.clauses import Clause
from assistant.regions import gazetteer

__all__ = ["UnitEntry", "UnitIndex", "assign_units", "find_notes", "parse_note"]

# Department-name aliases, applied to the part after the region prefix. Canonical forms follow the
# brief ("省经信委 = 省经济和信息化委", "省政府金融办 = 省金融办", "省发改委 = 省发展改革委": the right-hand,
# official short form); departments the brief does not mention keep the form printed in the corpus
# (住建厅, 质监局, 卫生计生委 …) and gain their long/colloquial forms as aliases.
BODY_ALIASES: dict[str, str] = {
    "经信委": "经济和信息化委",
    "经济和信息化委员会": "经济和信息化委",
    "经济信息化委": "经济和信息化委",
    "发改委": "发展改革委",
    "发展和改革委员会": "发展改革委",
    "发展改革委员会": "发展改革委",
    "人社厅": "人力资源社会保障厅",
    "人力资源和社会保障厅": "人力资源社会保障厅",
    "人社局": "人力资源社会保障局",
    "人力资源和社会保障局": "人力资源社会保障局",
    "政府金融办": "金融办",
    "金融工作办公室": "金融办",
    "政府金融工作办公室": "金融办",
    "人民政府金融工作办公室": "金融办",
    "工信厅": "工业和信息化厅",
    "工信局": "工业和信息化局",
    "市场监督管理局": "市场监管局",
    "住房城乡建设厅": "住建厅",
    "住房和城乡建设厅": "住建厅",
    "卫计委": "卫生计生委",
    "卫生和计划生育委员会": "卫生计生委",
    "卫健委": "卫生健康委",
    "卫生健康委员会": "卫生健康委",
    "质量技术监督局": "质监局",
    "工商行政管理局": "工商局",
    "食药监局": "食品药品监督管理局",
    "食品药品监管局": "食品药品监督管理局",
    "环境保护厅": "环保厅",
    "国土厅": "国土资源厅",
    "科学技术厅": "科技厅",
    "科学技术局": "科技局",
    "交通运输委员会": "交通运输委",
    "文旅局": "文化和旅游局",
    "医疗保障局": "医保局",
    "大数据管理局": "大数据局",
}

# Reverse map, for generating the aliases an entry answers to.
_ALIASES_OF_BODY: dict[str, tuple[str, ...]] = {}
for _alias, _canon in BODY_ALIASES.items():
    _ALIASES_OF_BODY[_canon] = (*_ALIASES_OF_BODY.get(_canon, ()), _alias)

# "有关单位配合" names nobody; these words are never units.
_GENERIC_UNITS = frozenset(
    {"有关单位", "相关单位", "各有关单位", "有关部门", "相关部门", "各有关部门", "其他有关单位"}
)

# 各市、州、县人民政府 / 各市、县（市、区）人民政府 is one unit: an enumeration of administrative
# levels, not a list of units, so it is shielded from splitting on 、.
_LEVEL_LIST_RE = re.compile(
    r"各(?:[市州县区](?:[（(][市区、]+[)）])?、)+[市州县区](?:[（(][市区、]+[)）])?(?:人民)?政府"
)
_SEPARATORS_RE = re.compile(r"[、，,；;]|及")
_GLOSS_RE = re.compile(r"〈[^〈〉]*〉")
_WS_RE = re.compile(r"\s+")
# A bare place ("武汉市") printed before a name sharing its suffix ("襄阳市人民政府").
_BARE_PLACE_RE = re.compile(r"^[\u4e00-\u9fff]{1,6}[省市州县区]$")
_PLACE_AND_SUFFIX_RE = re.compile(r"^([\u4e00-\u9fff]{1,6}?[省市州县区])(.+)$")
# Districts of the issuing city ("历下区政府", "市中区政府"). 市中区 starts with 市, so this test must
# run before "leading 市 means the city".
_DISTRICT_RE = re.compile(r"^[\u4e00-\u9fff]{1,3}区(?:人民)?政府$")
_DEPARTMENT_RE = re.compile(r"(?:厅|委|局|办|委员会|署)$")
_ISSUER_PREFIXES = ("人民银行", "人行", "国家", "中国")

_OPEN, _CLOSE = "（(", "）)"


def _clean(s: str) -> str:
    return _WS_RE.sub("", s)


def _one_bracket(s: str) -> str:
    """〔市、区〕 is printed for （市、区） in some provinces' notes: one kind of bracket to parse."""
    return s.replace("〔", "（").replace("〕", "）")


def _province_short(province: str) -> str:
    for suffix in ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区"):
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


def _canonical_body(body: str) -> str:
    if body.startswith("人行"):
        body = "人民银行" + body[2:]
    return BODY_ALIASES.get(body, body)


def _canonical(name: str, *, province: str, city: str | None) -> str:
    """Qualify one printed unit name with the document's region and resolve aliases."""
    # Whoever issued the document: a city document's "各区人民政府" are that city's districts.
    issuer = city or province
    if not issuer:
        return _canonical_body(name)  # a national document: names are national ("国家网信部门")
    if name in ("团市委", "团省委"):
        # The Communist Youth League committee: official short form 共青团济南市委.
        return f"共青团{city if name == '团市委' and city else province}委"
    if name.startswith("各"):
        # Chosen: "各区人民政府" in Wuhan -> "武汉市各区人民政府" (the set of that city's districts).
        return issuer + name
    if city and _DISTRICT_RE.match(name) and not name.startswith(_province_short(city)):
        # District names are not unique across cities (市中区 exists in several), so qualify them.
        return city + name
    if name.startswith("省") and province.endswith("省"):
        return province + _canonical_body(name[1:])
    if name.startswith("市") and (city or province.endswith("市")):
        # 市… in a city's document is that city's; in a province-level city's (北京市) the province's.
        return (city or province) + _canonical_body(name[1:])
    region, body = _split_region(name)
    if region is not None:
        # Printed fully qualified ("湖北省经信委", "武汉市人社局"): aliases still apply to the body.
        return region + _canonical_body(body)
    # Already carries its own place or issuer (湖北银监局, 人民银行南京分行, 武汉海关, 江苏移动,
    # 济南金融控股集团) or is a category (基础电信运营企业): keep as printed, aliases aside.
    return _canonical_body(name)


def _split_units(text: str) -> list[str]:
    """Split a list of units on the spec's separators, keeping 各市、州、县人民政府 whole."""
    shields: list[str] = []

    def shield(m: re.Match[str]) -> str:
        shields.append(m.group(0))
        return f"\x00{len(shields) - 1}\x00"

    text = _LEVEL_LIST_RE.sub(shield, text)
    items = []
    for raw in _SEPARATORS_RE.split(text):
        item = re.sub(r"\x00(\d+)\x00", lambda m: shields[int(m.group(1))], raw).strip()
        # A trailing 等 ends an open list; "…等有关单位" ends it too.
        item = re.sub(r"等(?:有关单位|相关单位|有关部门|相关部门)?$", "", item)
        if item and item not in _GENERIC_UNITS:
            items.append(item)
    return _distribute_suffix(items)


def _distribute_suffix(items: list[str]) -> list[str]:
    """ "武汉市、襄阳市人民政府" -> 武汉市人民政府, 襄阳市人民政府."""
    out = list(items)
    for i, item in enumerate(out):
        if not _BARE_PLACE_RE.match(item):
            continue
        for following in out[i + 1 :]:
            if _BARE_PLACE_RE.match(following):
                continue
            m = _PLACE_AND_SUFFIX_RE.match(following)
            if m and m.group(1)[-1] == item[-1]:
                out[i] = item + m.group(2)
            break
    return out


def _distribute_province(items: list[str], province: str) -> list[str]:
    """Jiangsu table: a leading 省 distributes over bare department names that follow it."""
    if not items or not items[0].startswith("省"):
        return items
    short = _province_short(province)
    out = [items[0]]
    for item in items[1:]:
        carries_place = item.startswith(("省", "市", short, *_ISSUER_PREFIXES)) or "分行" in item
        out.append(item if carries_place or not _DEPARTMENT_RE.search(item) else "省" + item)
    return out


def _dedupe(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def parse_note(
    note: str, *, province: str, city: str | None = None, table: bool = False
) -> tuple[list[str], list[str]]:
    """Return (lead, participants) for one note or table cell: canonical names, printed order.

    ``province`` / ``city`` qualify 省… / 市… names ("省商务厅" -> "湖北省商务厅"). ``table=True``
    is for the Jiangsu 责任部门 cell, where a leading 省 distributes over bare department names.
    """
    body = _GLOSS_RE.sub("", _one_bracket(_clean(note)))
    if body[:1] in _OPEN and body[-1:] in _CLOSE:
        body = body[1:-1]
    body = re.sub(r"^(?:责任单位|责任部门)[:：]", "", body)
    lead_text, part_text = body, ""
    if "牵头单位" in body:
        # （牵头单位：…；参加单位：…）: the ；between the two parts is not a unit separator.
        m = re.match(r"牵头单位[:：](.*?)(?:[；;]\s*(?:参加|配合)单位[:：](.*))?$", body)
        if m:
            lead_text, part_text = m.group(1), m.group(2) or ""
    elif body.endswith("负责"):
        lead_text = body[: -len("负责")]
    elif "牵头" in body:
        # "A、B牵头,C等有关单位配合" / "A牵头,有关单位配合" / "A牵头"
        lead_text, _, rest = body.partition("牵头")
        rest = rest.lstrip(",，;；、")
        part_text = rest[: -len("配合")] if rest.endswith("配合") else rest
    elif body.endswith("配合"):
        lead_text, part_text = "", body[: -len("配合")]
    lead_items = _split_units(lead_text)
    part_items = _split_units(part_text)
    if table:
        lead_items = _distribute_province(lead_items, province)
    lead = _dedupe(_canonical(u, province=province, city=city) for u in lead_items)
    # A unit named in both roles counts as lead only (never happens in the corpus; keeps entries sane).
    participants = [
        u for u in _dedupe(_canonical(u, province=province, city=city) for u in part_items) if u not in lead
    ]
    return lead, participants


def _is_note(content: str) -> bool:
    c = _GLOSS_RE.sub("", _clean(content))
    if re.match(r"(?:牵头单位|责任单位|责任部门)[:：]", c):
        return True
    # "(…等负责)", "（省发展改革委牵头）", "(…牵头,…配合)": the note must end on the verb; prose
    # such as "(由企业负责实施)" does not, and a 。 means a sentence rather than a list.
    return "。" not in c and bool(re.search(r"(?:负责|牵头|配合)$", c)) and len(c) > 2


def find_notes(text: str) -> list[str]:
    """The parenthesised responsibility notes in a clause text, in order, whitespace removed.

    Brackets are matched by depth (full- and half-width mixed, as printed), so a note containing
    "各市、县（市、区）人民政府" is returned whole. Notes broken across lines are joined.
    """
    notes: list[str] = []
    depth, start = 0, -1
    for i, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                group = text[start : i + 1]
                if _is_note(group[1:-1]):
                    notes.append(_clean(group))
    return notes


# What ends the name of a government body in prose (longer alternatives first). 机构 alone is too
# broad (具备资格的机构), so only the supervisory kinds qualify.
_BODY_SUFFIX = (
    "主管部门|部门|机关|人民政府|政府|委员会|办公厅|办公室|总局|厅|局|委|办|署|部|院|中心|监管机构|管理机构"
)
# Words a body's name never contains: where a name stops ("市统计部门|会同经济和信息化部门").
_STOP = "由|会同|负责|应当|依照|依据|按照|根据|配合|牵头|组织|统筹|在各自|对|的|将|要|可以|须|必须|要求|其(?!他)|加强|推动|推进|支持|鼓励|引导|发挥|培育|依托|立足"
_NAME = rf"(?:(?!{_STOP})[\u4e00-\u9fff]){{0,24}}(?:{_BODY_SUFFIX})"
# "国务院电信、公安、市场监管等有关部门": bare items before the one that carries the suffix.
_BARE = rf"(?:(?!{_STOP})[\u4e00-\u9fff]){{1,12}}、"
_BODY_LIST_RE = re.compile(rf"(?:{_BARE})*{_NAME}(?:、(?:{_BARE})*{_NAME})*")
_BODY_END_RE = re.compile(rf"(?:{_BODY_SUFFIX})$")
# What may open a sentence before its actor: an article number (第八条), 应当, 由 …
_LEAD_IN_RE = re.compile(r"^(?:第[一二三四五六七八九十百千零〇\d]+条)?(?:应当|并|由|经|通过|具体办法由|同时)*")
# A body opening a sentence is its actor only when a duty follows at once ("省发展改革委负责…",
# "…部门应当会同…", "…机关依照本法…"); "立足湖北产业布局，…" merely ends in 局.
_DUTY_START = re.compile(
    r"(?:具体|分别|共同|统一|依法|要|应当|可以)?(?:负责|主管|牵头|会同|配合|统筹|组织|指导|推进|推动|制定|建立|编制|开展|"
    r"实施|完善|健全|加强|依照|依据|按照|根据|在各自|对本|做好|抓好|承担|承办|监督|履行|管理[^，。；]{0,16}工作)|依法对"
)
# "市公安部门是本市养犬管理的主管部门": the body put in charge of a field.
_IS_IN_CHARGE = re.compile(r"是[^，。；]{0,30}(?:主管部门|主管机关|管理部门)")
_LEVEL = re.compile(r"[省市区县乡镇]")  # an administrative level, alone before a body's name
_GENERIC_PREFIX_RE = re.compile(r"^(?:其他|有关|相关|各有关|各相关|各)+")


def _split_conjunction(text: str) -> list[str]:
    """和/及/与 separate two bodies only after a complete name ("公安部门和其他有关机关"), never
    inside one ("经济和信息化部门")."""
    for m in re.finditer(r"以及|和|及|与", text):
        if _BODY_END_RE.search(text[: m.start()]) and _BODY_END_RE.search(text[m.end() :]):
            return [text[: m.start()], *_split_conjunction(text[m.end() :])]
    return [text]


def _bodies(listed: str) -> list[str]:
    """The bodies of a printed list, the shared suffix distributed, generic ones ("有关部门") dropped."""
    parts = [q for p in listed.split("、") for q in _split_conjunction(p) if q]
    parts = [re.sub(r"等(?:有关|相关|其他)?(?=(?:部门|机关|单位)$)", "", p) for p in parts]
    final = parts[-1] if parts else ""
    suffix = m.group(0) if (m := _BODY_END_RE.search(final)) else ""

    def named(part: str) -> str:
        if _BODY_END_RE.search(part):
            return part
        # "区、县公安部门": a bare level takes the whole name after the last one's level (区公安部门), not the suffix.
        if _LEVEL.fullmatch(part) and _LEVEL.match(final):
            return part + final[1:]
        return part + suffix

    names = [named(p) for p in parts]
    return [n for n in names if _BODY_END_RE.sub("", _GENERIC_PREFIX_RE.sub("", n))]


def find_duties(text: str) -> tuple[list[str], list[str]]:
    """(lead, partners) named in prose: the bodies a sentence makes act, and those it acts 会同/配合.

    "国家网信部门负责统筹协调…" → lead 国家网信部门; "市统计部门会同经济和信息化部门完善…" → lead 市统计部门,
    partner 经济和信息化部门; "…，由公安机关没收违法所得" → lead 公安机关; "由有关主管部门责令改正"
    names nobody in particular and yields nothing; "…部门的职责，按照…确定" is not an act.
    """
    lead: list[str] = []
    partners: list[str] = []

    def take(match: re.Match[str] | None, after: str) -> None:
        if match is None or after.startswith("的"):
            return
        lead.extend(_bodies(match.group(0)))
        with_ = re.search(r"(?:会同|配合)", after)
        if with_:
            partner = _BODY_LIST_RE.match(after, with_.end())
            if partner:
                partners.extend(_bodies(partner.group(0)))

    for sentence in re.split(r"[。；;：:\n]", _clean(text)):
        opening = _LEAD_IN_RE.sub("", sentence)
        m = _BODY_LIST_RE.match(opening)
        if m and (_DUTY_START.match(opening, m.end()) or _IS_IN_CHARGE.match(opening, m.end())):
            take(m, opening[m.end():])
        for by in re.finditer(r"由", sentence):
            m = _BODY_LIST_RE.match(sentence, by.end())
            if m and by.start() > 0:
                take(m, sentence[m.end():])
    lead = _dedupe(lead)
    return lead, [p for p in _dedupe(partners) if p not in lead]


def _table_cell(text: str) -> str:
    """The 责任部门 cell of a table row clause: its last line/cell (the whole text if one line)."""
    cells = [c for c in re.split(r"[\n\t|]+", text) if c.strip()]
    return cells[-1].strip() if cells else ""


def _parent_path(path: str) -> str | None:
    return path.rsplit(".", 1)[0] if "." in path else None


def assign_units(clauses: list[Clause], *, province: str, city: str | None = None) -> list[Clause]:
    """Fill lead_units / participant_units of every clause of one document (new Clause objects).

    Inheritance (hubei-internet-plus-2015 style): the note printed with a level-2 clause applies to
    that clause and to each of its numbered items, so items without a note of their own take the
    parent's units. If instead the only note under a level-2 clause is printed at the end of its
    last item (parent and earlier items without notes), that note is the heading's note and is
    shared by the parent and all items. Items with their own note keep it.
    """
    own: dict[str, tuple[list[str], list[str]]] = {}
    has_note: dict[str, bool] = {}
    for c in clauses:
        lead: list[str] = []
        part: list[str] = []
        if re.fullmatch(r"table\.\d+", c.path):
            notes = find_notes(c.text) or [_table_cell(c.text)]
            table = True
        else:
            notes = find_notes(c.text)
            table = False
        for note in notes:
            note_lead, note_part = parse_note(note, province=province, city=city, table=table)
            lead += note_lead
            part += note_part
        lead = _dedupe(lead)
        own[c.path] = (lead, [p for p in _dedupe(part) if p not in lead])
        has_note[c.path] = bool(lead or part)

    children: dict[str, list[str]] = {}
    for c in clauses:
        parent = _parent_path(c.path)
        if c.level == 3 and parent is not None:
            children.setdefault(parent, []).append(c.path)

    final = dict(own)
    for c in clauses:
        kids = children.get(c.path, [])
        if c.level != 2 or not kids:
            continue
        source = c.path if has_note[c.path] else None
        if (
            source is None
            and len(kids) >= 2
            and has_note[kids[-1]]
            and not any(has_note[k] for k in kids[:-1])
        ):
            source = kids[-1]  # note printed after the last item: it belongs to the heading
            final[c.path] = own[source]
        if source is None:
            continue
        for k in kids:
            if not has_note[k] or k == source:
                final[k] = own[source]

    # No note, own or inherited: the duties the clause states in prose (how laws assign work).
    for c in clauses:
        if not any(final[c.path]) and c.level > 0:
            lead, partners = find_duties(c.text)
            final[c.path] = (
                _dedupe(_canonical(u, province=province, city=city) for u in lead),
                _dedupe(_canonical(u, province=province, city=city) for u in partners),
            )

    return [
        dataclasses.replace(c, lead_units=tuple(final[c.path][0]), participant_units=tuple(final[c.path][1]))
        for c in clauses
    ]


# ---------------------------------------------------------------------------------------------
# Index


@dataclass(frozen=True)
class UnitEntry:
    name: str  # canonical, region-qualified
    aliases: tuple[str, ...]  # other forms this entry answers to (short, long, 省/市-prefixed, bare)
    lead: tuple[str, ...]  # clause_ids where the unit leads, in input order
    participant: tuple[str, ...]  # clause_ids where it takes part


def _split_region(name: str) -> tuple[str | None, str]:
    """("湖北省", "商务厅") for "湖北省商务厅"; (None, name) when no region prefix is recognised.

    The prefix is the longest full region name (from the gazetteer) the name starts with.
    """
    g = gazetteer()
    for n in range(min(len(name) - 1, 12), 1, -1):
        if any(r.name == name[:n] for r in g.candidates(name[:n])):
            return name[:n], name[n:]
    return None, name


def _region_level(region: str) -> str:
    found = [r for r in gazetteer().candidates(region) if r.name == region]
    return "province" if found and found[0].level == "province" else "city"


def _within(region: str, province: str) -> bool:
    """Is ``region`` (a city) inside ``province``? Unknown or ambiguous places are not filtered out."""
    g = gazetteer()
    place, outer = g.get(region), g.get(province)
    if place is None or outer is None:
        return True
    return g.is_within(place, outer)


# Bodies too generic to be recognised on their own in a question ("人民政府" alone names no one).
_GENERIC_BODIES = frozenset({"人民政府", "政府", "委", "办"})


def _aliases_for(name: str) -> tuple[str, ...]:
    region, body = _split_region(name)
    bodies = (body, *_ALIASES_OF_BODY.get(body, ()))
    forms: list[str] = []
    league = re.fullmatch(r"共青团(.+?)([省市])委", name)
    if league:
        # As printed in notes ("团市委") and in speech ("团济南市委", "济南团市委").
        place, level = league.groups()
        forms += [f"团{level}委", f"团{place}{level}委", f"{place}团{level}委"]
    if region is None:
        if name.startswith("人民银行"):
            forms.append("人行" + name[len("人民银行") :])
        forms += bodies[1:]
    else:
        short = "省" if _region_level(region) == "province" else "市"
        for b in bodies:
            forms.append(region + b)
            # "市人民政府" / "市各区人民政府" alone would name every city's: not useful short forms.
            if b not in _GENERIC_BODIES and not b.startswith("各"):
                forms.append(short + b)
                if not b.startswith("委"):  # "委宣传部" is not a name, "省委宣传部" is
                    forms.append(b)
        if region.endswith(("省", "市")):
            # "湖北经信委", "武汉商务局": common in questions.
            forms += [region[:-1] + b for b in bodies if not b.startswith(("各", "委"))]
    return tuple(sorted({f for f in forms if f != name}))


class UnitIndex:
    """Units -> clauses, with alias-aware lookup. Build it from clauses after ``assign_units``."""

    def __init__(self, entries: Iterable[UnitEntry]) -> None:
        self._entries = sorted(entries, key=lambda e: e.name)
        self._by_name = {e.name: e for e in self._entries}
        self._by_body: dict[str, list[UnitEntry]] = {}
        self._surfaces: dict[str, list[UnitEntry]] = {}
        for e in self._entries:
            self._by_body.setdefault(_split_region(e.name)[1], []).append(e)
            for form in (e.name, *e.aliases):
                # Two characters are too short to mean a unit in free text.
                if len(form) >= 3:
                    self._surfaces.setdefault(form, []).append(e)

    @classmethod
    def build(cls, clauses: Iterable[Clause]) -> UnitIndex:
        lead: dict[str, list[str]] = {}
        part: dict[str, list[str]] = {}
        for c in clauses:
            for u in c.lead_units:
                lead.setdefault(u, []).append(c.clause_id)
            for u in c.participant_units:
                part.setdefault(u, []).append(c.clause_id)
        names = _dedupe([*lead, *part])
        return cls(
            UnitEntry(
                name=n,
                aliases=_aliases_for(n),
                lead=tuple(_dedupe(lead.get(n, []))),
                participant=tuple(_dedupe(part.get(n, []))),
            )
            for n in names
        )

    def entries(self) -> list[UnitEntry]:
        return list(self._entries)

    def lookup(self, query: str, *, province: str | None = None) -> list[UnitEntry]:
        """Entries a unit name refers to, resolving aliases and the region prefix.

        "湖北省经信委" -> [湖北省经济和信息化委]; "省商务厅" -> every province's 商务厅 unless
        ``province`` is given; "市商务局" with province="湖北省" -> Hubei cities' 商务局 (a city
        such as "武汉市" may be passed as ``province`` too); "经信委" -> any region's.
        """
        q = _canonical_body(_clean(query))
        if q in self._by_name:
            return [self._by_name[q]]
        region, body = _split_region(q)
        level: str | None = None
        if region is None and q.startswith("省"):
            level, body = "province", q[1:]
        elif region is None and q.startswith("市") and not q.startswith("市中区"):
            level, body = "city", q[1:]
        body = _canonical_body(body)

        def wanted(entry_region: str | None) -> bool:
            if region is not None:
                return entry_region == region
            if entry_region is None:
                return level is None and province is None
            if level is not None and _region_level(entry_region) != level:
                return False
            if province is None:
                return True
            if _region_level(province) == "province" and _region_level(entry_region) == "city":
                return _within(entry_region, province)
            return entry_region == province

        found = [e for e in self._by_body.get(body, []) if wanted(_split_region(e.name)[0])]
        if not found and region is None and level is None:
            # Names kept as printed (人民银行武汉分行) are also reachable through their aliases.
            found = [e for e in self._surfaces.get(_clean(query), [])]
        return sorted(_dedupe_entries(found), key=lambda e: e.name)

    def find_in_text(self, text: str) -> list[UnitEntry]:
        """Units mentioned in free text (a question), longest mention first.

        Overlapping mentions resolve to the longest ("湖北省经信委" wins over "经信委"); an ambiguous
        short form ("省商务厅") yields every entry it may mean.
        """
        t = _clean(text)
        matches: list[tuple[int, int]] = []  # (start, end)
        for form in self._surfaces:
            start = t.find(form)
            while start != -1:
                matches.append((start, start + len(form)))
                start = t.find(form, start + 1)
        taken: list[tuple[int, int]] = []
        for s, e in sorted(matches, key=lambda m: (-(m[1] - m[0]), m[0])):
            if all(e <= ts or s >= te for ts, te in taken):
                taken.append((s, e))
        found: list[UnitEntry] = []
        for s, e in taken:  # already longest first, then by position
            found += sorted(self._surfaces[t[s:e]], key=lambda x: x.name)
        return _dedupe_entries(found)


def _dedupe_entries(entries: Iterable[UnitEntry]) -> list[UnitEntry]:
    seen: set[str] = set()
    out = []
    for e in entries:
        if e.name not in seen:
            seen.add(e.name)
            out.append(e)
    return out
