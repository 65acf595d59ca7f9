"""Parse a policy text into numbered clauses (see shared/spec/clause-ids.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Clause:
    """The finest numbered unit of a document.

    ``path`` is the dotted list of numbers ("2.3.1"), or "0" (preamble), "end" (closing text),
    "table" / "table.N" (the Jiangsu task-division table).
    """

    doc_id: str
    path: str
    level: int  # 1..3 for numbered clauses; 0 for "0", "end", "table"; 1 for "table.N"
    label: str  # display label, e.g. "二、（三）1."
    heading: str  # short title of the clause (text of the heading, or its first sentence)
    text: str  # clean text of this clause alone (children excluded)
    parents: tuple[str, ...] = ()  # ancestor clause paths, outermost first
    lead_units: tuple[str, ...] = ()
    participant_units: tuple[str, ...] = ()

    @property
    def clause_id(self) -> str:
        return f"{self.doc_id}#{self.path}"


@dataclass
class ParseReport:
    doc_id: str
    clauses_per_level: dict[int, int] = field(default_factory=dict)
    unplaced_lines: list[str] = field(default_factory=list)
    dropped_debris: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- text clean-up

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "一二三四五六七八九十"


def cn_to_int(s: str) -> int:
    """Chinese numeral up to 99 → int ("十一" → 11, "二十" → 20)."""
    if "十" not in s:
        return _CN_DIGITS[s]
    tens, _, units = s.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def int_to_cn(n: int) -> str:
    if n < 10:
        return "零一二三四五六七八九"[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else "零一二三四五六七八九"[tens]) + "十" + ("" if units == 0 else "零一二三四五六七八九"[units])


# A space is kept only between two ASCII letters/digits ("B2B to C"); everywhere else it is PDF
# extraction noise ("到 2018 年", "超过 95%").
_NOISE_SPACE = re.compile(r"(?<![A-Za-z0-9])[ \t\u3000\u00a0]+|[ \t\u3000\u00a0]+(?![A-Za-z0-9])")
_MD_HEADING = re.compile(r"^#{1,6}\s*")
_RULE = re.compile(r"^(-{3,}|\*{3,}|_{3,})$")
# Reprint tags a news site wrapped around the document; not part of the policy text.
_REPRINT_TAGS = re.compile(r"^[（(]网经社讯[）)]|[（(]编选[:：]网经社[）)]$")
# Lone page numbers and scanner debris such as "000511" or "2016 元 12".
_DEBRIS = re.compile(r"^(\d{1,8}|\d{1,4}[\u4e00-\u9fff]\d{1,4}|[-—]\s*\d{1,4}\s*[-—])$")

_L1 = re.compile(rf"^([{_CN_NUM}]{{1,3}})、\s*")
_L2 = re.compile(rf"^[（(]\s*([{_CN_NUM}]{{1,3}})\s*[）)]\s*")
# "1." "1．" "1﹒" "1、" — but not "1.3万亿元" continuing a broken line.
_L3 = re.compile(r"^(\d{1,2})\s*[.．﹒、](?!\d)\s*")

_SENTENCE_END = tuple("。！？；：:;!?）)」』”】")

_CLOSING = re.compile(
    r"^(本(实施)?(意见|办法|规定|通知|方案|细则)|抄送|"
    r"[\u4e00-\u9fff]{2,20}(人民政府|办公厅|办公室)$|"
    r"\d{4}年\d{1,2}月\d{1,2}日)"
)


def clean_line(line: str) -> str:
    """Strip markdown and extraction noise from one physical line; '' when nothing is left."""
    s = line.strip().strip("\u3000\ufeff").strip()
    s = _MD_HEADING.sub("", s)
    if _RULE.match(s):
        return ""
    s = s.replace("**", "")
    s = _NOISE_SPACE.sub("", s)
    return s


def decode_bytes(raw: bytes) -> str:
    """Decode a policy file: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError("文件既不是 UTF-8 也不是 GBK/GB18030 编码，无法读取")


# ---------------------------------------------------------------- parsing


@dataclass
class _Node:
    path: str
    level: int
    label: str
    parents: tuple[str, ...]
    paras: list[str] = field(default_factory=list)
    heading_line: bool = False  # the marker line was a bare heading ("一、总体要求")


def _marker(line: str) -> tuple[int, int, str] | None:
    """(level, number, rest) when the line opens a numbered clause."""
    for level, rx in ((1, _L1), (2, _L2), (3, _L3)):
        m = rx.match(line)
        if m:
            num = m.group(1)
            n = int(num) if level == 3 else cn_to_int(num)
            return level, n, line[m.end():]
    return None


def _is_bare_heading(rest: str) -> bool:
    return len(rest) <= 40 and not any(p in rest for p in "。；！？")


def _heading_of(first: str) -> str:
    """A clause's heading: its first sentence when short, else the start of the line."""
    if not first:
        return ""
    head, sep, _ = first.partition("。")
    if sep and len(head) <= 40:
        return head
    if _is_bare_heading(first):
        return first
    return first[:30] + "…"


def _join_paras(paras: list[str]) -> str:
    return "\n".join(p for p in paras if p)


def parse_document(text: str, doc_id: str) -> tuple[list[Clause], ParseReport]:
    """Split one policy text into clauses per shared/spec/clause-ids.md.

    Never drops content silently: debris and reprint tags are listed in the report, and a text
    without any numbering falls back to one clause per paragraph.
    """
    report = ParseReport(doc_id=doc_id)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    table_start = next((i for i, ln in enumerate(raw_lines) if ln.startswith("\t")), None)
    table_lines: list[str] = []
    if table_start is not None:
        # The line just before the first tab-indented line is the table's title.
        title_idx = table_start - 1 if table_start > 0 and raw_lines[table_start - 1].strip() else table_start
        table_lines = raw_lines[title_idx:]
        raw_lines = raw_lines[:title_idx]

    lines: list[str] = []
    for raw in raw_lines:
        s = clean_line(raw)
        if not s:
            continue
        tag = _REPRINT_TAGS.search(s)
        if tag:
            report.dropped_debris.append(tag.group(0))
            s = _REPRINT_TAGS.sub("", s)
            if not s:
                continue
        if _DEBRIS.match(s):
            report.dropped_debris.append(s)
            continue
        lines.append(s)

    # Markers must count up (一、二、… / （一）（二）… / 1. 2. …); anything else is ordinary text.
    expected = {1: 1, 2: 1, 3: 1}
    markers: dict[int, tuple[int, int, str]] = {}
    for i, s in enumerate(lines):
        mk = _marker(s)
        if mk is None:
            continue
        level, n, _ = mk
        if level == 3 and expected[2] == 1 and expected[1] == 1:
            continue  # a "1." before any 一、 is part of the preamble
        if n == expected[level] or n == 1:
            markers[i] = mk
            expected[level] = n + 1
            for lower in range(level + 1, 4):
                expected[lower] = 1
        else:
            report.warnings.append(f"编号不连续，按正文处理：{s[:30]}")

    nodes: list[_Node] = []
    if not markers:
        report.warnings.append("未识别到编号（一、（一）1.），已按段落切分条款")
        return _paragraph_fallback(lines, doc_id, report, table_lines)

    last_marker = max(markers)
    end_from = next(
        (i for i in range(last_marker + 1, len(lines)) if _CLOSING.match(lines[i])), len(lines)
    )

    preamble = _Node(path="0", level=0, label="正文前", parents=())
    nodes.append(preamble)
    current = preamble
    counters: list[int] = []  # numbers of the open clause at levels 1..3
    prev_joinable = False
    for i, s in enumerate(lines[:end_from]):
        mk = markers.get(i)
        if mk is not None:
            level, n, rest = mk
            if level == 3 and len(counters) < 2:
                level = len(counters) + 1  # "1." directly under a 一、: treat as its sub-clause
            counters = counters[: level - 1] + [n]
            path = ".".join(str(c) for c in counters)
            parents = tuple(".".join(str(c) for c in counters[:k]) for k in range(1, len(counters)))
            current = _Node(path=path, level=level, label=_label(counters), parents=parents)
            current.heading_line = _is_bare_heading(rest)
            current.paras.append(rest)
            nodes.append(current)
            prev_joinable = bool(rest) and not current.heading_line and not rest.endswith(_SENTENCE_END)
            continue
        if prev_joinable and current.paras and current.path != "0":
            # PDF extraction broke the sentence across lines: rejoin it.
            current.paras[-1] += s
        else:
            current.paras.append(s)
        prev_joinable = current.path != "0" and not s.endswith(_SENTENCE_END)

    if end_from < len(lines):
        nodes.append(_Node(path="end", level=0, label="文末", parents=(), paras=list(lines[end_from:])))

    clauses = [_to_clause(nd, doc_id) for nd in nodes if nd.paras or nd.path != "0"]
    clauses += _parse_table(table_lines, doc_id, report)
    for c in clauses:
        report.clauses_per_level[c.level] = report.clauses_per_level.get(c.level, 0) + 1
    return clauses, report


def _label(counters: list[int]) -> str:
    parts = []
    for depth, n in enumerate(counters):
        parts.append(f"{int_to_cn(n)}、" if depth == 0 else f"（{int_to_cn(n)}）" if depth == 1 else f"{n}.")
    return "".join(parts)


def _to_clause(nd: _Node, doc_id: str) -> Clause:
    first = nd.paras[0] if nd.paras else ""
    heading = "" if nd.level == 0 else _heading_of(first)
    return Clause(
        doc_id=doc_id,
        path=nd.path,
        level=nd.level,
        label=nd.label,
        heading=heading,
        text=_join_paras(nd.paras),
        parents=nd.parents,
    )


def _paragraph_fallback(
    lines: list[str], doc_id: str, report: ParseReport, table_lines: list[str]
) -> tuple[list[Clause], ParseReport]:
    clauses = [
        Clause(doc_id=doc_id, path=str(i), level=1, label=f"第{i}段", heading=_heading_of(s), text=s)
        for i, s in enumerate(lines, start=1)
    ]
    clauses += _parse_table(table_lines, doc_id, report)
    for c in clauses:
        report.clauses_per_level[c.level] = report.clauses_per_level.get(c.level, 0) + 1
    return clauses, report


def _parse_table(table_lines: list[str], doc_id: str, report: ParseReport) -> list[Clause]:
    """The task-division table: a title line, a header, then rows of (序号, 工作任务, 责任部门)."""
    if not table_lines:
        return []
    title = clean_line(table_lines[0])
    cells = [clean_line(ln) for ln in table_lines[1:]]
    cells = [c for c in cells if c]
    header: list[str] = []
    while cells and not cells[0].isdigit():
        header.append(cells.pop(0))
    clauses = [
        Clause(
            doc_id=doc_id, path="table", level=0, label=title or "表格", heading=title,
            text=_join_paras([title, "\t".join(header)]),
        )
    ]
    while cells:
        row = []
        while cells and (not row or not cells[0].isdigit()):
            row.append(cells.pop(0))
        if len(row) != 3:
            report.unplaced_lines.append("\t".join(row))
            if not row[0].isdigit():
                continue
        n, task, dept = row[0], (row[1] if len(row) > 1 else ""), "".join(row[2:])
        clauses.append(
            Clause(
                doc_id=doc_id, path=f"table.{n}", level=1, label=f"{title}第{n}项", heading=task,
                text=f"{task}\n责任部门：{dept}", parents=("table",),
            )
        )
    return clauses
