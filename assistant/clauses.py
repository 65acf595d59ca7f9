"""Parse a policy text into numbered clauses (see shared/spec/clause-ids.md).

One parser, two numbering schemes, chosen per document (see ``detect_scheme``):

* **opinion** (意见, 通知, 方案 …): ``一、`` → ``N``, ``（一）`` → ``N.K``, ``1.`` → ``N.K.M``;
* **articles** (法, 条例, 规定, 办法, 司法解释 …): ``第N条`` → ``N``, ``（一）`` inside it → ``N.K``, ``1.``
  inside such an item → ``N.K.M``. 编/章/节 headings are not clauses but the ``sections`` breadcrumb of
  every article under them; so are the ``一、``/``二、`` part headings (and ``（一）`` sub-part headings) that
  judicial interpretations put between their articles.

A text is written in articles when its first numbered marker is 第一条 (the rule of the spec), or when its
line-initial 第N条 markers count up — at least two of them — and the text from the first of them on is
most of the text from its first numbered marker on (an interpretation whose 第一条 stands under a part
heading 一、, an amending decision followed by the amended text). Articles count up from 第一条, or from the
first article printed when the text has no 第一条 (one 编 of the civil code, a truncated text; warned).

A ``1.`` directly inside an article (no ``（一）`` before it in that article) is that article's item:
``N.K`` at level 2, labelled ``第八条2.``. In such articles the Arabic numbers do the job of
``（一）``; this mirrors the opinion scheme, where a ``1.`` directly under ``一、`` is its sub-clause.

A text with neither scheme falls back to one clause per paragraph, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cn2an

OPINION, ARTICLES, PARAGRAPHS = "opinion", "articles", "paragraphs"
SCHEME_NAMES = {OPINION: "意见式编号（一、（一）1.）", ARTICLES: "条文式编号（第N条）", PARAGRAPHS: "无编号（按段落）"}


@dataclass(frozen=True)
class Clause:
    """The finest numbered unit of a document.

    ``path`` is the dotted list of numbers ("2.3.1"), or "0" (preamble), "end" (closing text),
    "table" / "table.N" (the Jiangsu task-division table).
    """

    doc_id: str
    path: str
    level: int  # 1..3 for numbered clauses; 0 for "0", "end", "table"; 1 for "table.N"
    label: str  # display label, e.g. "二、（三）1." or "第八条（三）"
    heading: str  # short title of the clause (text of the heading, or its first sentence)
    text: str  # clean text of this clause alone (children excluded)
    parents: tuple[str, ...] = ()  # ancestor clause paths, outermost first
    lead_units: tuple[str, ...] = ()
    participant_units: tuple[str, ...] = ()
    # 编/章/节 headings above an article, outermost first ("第三章 网络运行安全", "第一节 一般规定").
    sections: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Clauses also come back from JSON (the index), where tuples are lists.
        for name in ("parents", "lead_units", "participant_units", "sections"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

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
    scheme: str = ""  # OPINION | ARTICLES | PARAGRAPHS
    articles: int = 0  # 第N条 clauses (articles scheme)
    divisions: dict[str, int] = field(default_factory=dict)  # "编"/"分编"/"章"/"节" → headings used as breadcrumbs

    def summary(self) -> str:
        """One line for people: the scheme and what it found."""
        if self.scheme == ARTICLES:
            parts = [f"{self.articles} 条"]
            parts += [f"{n} {kind}" for kind, n in self.divisions.items() if n]
            items = self.clauses_per_level.get(2, 0) + self.clauses_per_level.get(3, 0)
            if items:
                parts.append(f"{items} 项")
            return f"{SCHEME_NAMES[ARTICLES]}：" + "，".join(parts)
        return SCHEME_NAMES.get(self.scheme, self.scheme)


# ---------------------------------------------------------------- numerals

_CN_NUM = "一二三四五六七八九十"
_NUMERAL = "零〇一二三四五六七八九十百千两"


def cn_to_int(s: str) -> int:
    """A Chinese numeral → int ("十一" → 11, "一百零一" → 101); Arabic digits pass through. ValueError if neither."""
    if s.isdigit():
        return int(s)
    return int(cn2an.cn2an(s.replace("〇", "零").replace("两", "二"), "strict"))


def _number(s: str) -> int | None:
    try:
        return cn_to_int(s)
    except ValueError:
        return None


def int_to_cn(n: int) -> str:
    """11 → "十一", 101 → "一百零一"."""
    return cn2an.an2cn(n)


# ---------------------------------------------------------------- text clean-up

# A space is kept only between two ASCII letters/digits ("B2B to C"); everywhere else it is PDF
# extraction noise ("到 2018 年", "超过 95%").
_NOISE_SPACE = re.compile(r"(?<![A-Za-z0-9])[ \t\u3000\u00a0]+|[ \t\u3000\u00a0]+(?![A-Za-z0-9])")
_MD_HEADING = re.compile(r"^#{1,6}\s*")
_RULE = re.compile(r"^(-{3,}|\*{3,}|_{3,})$")
# Markdown/HTML markup lines such as "<!-- INFO END -->": not text of the document.
_MARKUP = re.compile(r"^<!--.*-->$")
# Reprint tags a news site wrapped around the document; not part of the policy text.
_REPRINT_TAGS = re.compile(r"^[（(]网经社讯[）)]|[（(]编选[:：]网经社[）)]$")
# Lone page numbers and scanner debris such as "000511" or "2016 元 12".
_DEBRIS = re.compile(r"^(\d{1,8}|\d{1,4}[\u4e00-\u9fff]\d{1,4}|[-—]\s*\d{1,4}\s*[-—])$")

_L1 = re.compile(rf"^([{_CN_NUM}]{{1,3}})、\s*")
_L2 = re.compile(rf"^[（(]\s*([{_CN_NUM}]{{1,3}})\s*[）)]\s*")
# "1." "1．" "1﹒" "1、" — but not "1.3万亿元" continuing a broken line.
_L3 = re.compile(r"^(\d{1,2})\s*[.．﹒、](?!\d)\s*")

# 第N条 at the start of a paragraph (markdown '#' and bold already stripped by clean_line).
_ARTICLE = re.compile(rf"^第([{_NUMERAL}\d]{{1,8}})条")
# What follows 第N条 when it is a cross-reference opening a sentence ("第十条规定的…", "第三条、第五条…").
_XREF_REST = re.compile(
    rf"^(?:第[{_NUMERAL}\d]+[款项]|[、，,和与及或至到中所的]|规定|以及|或者|[（(][{_CN_NUM}]+[）)]项)"
)
# The raw line has a space after the marker: "第十条　…" is an article, whatever follows.
_ARTICLE_SPACED = re.compile(rf"^(?:#{{1,6}}\s*)?(?:\*\*)?\s*第[{_NUMERAL}\d]{{1,8}}条(?:\*\*)?[ \t\u3000\u00a0]")
# 第X编 / 第X分编 / 第X章 / 第X节 headings: short, no sentence punctuation.
_DIVISION = re.compile(rf"^第([{_NUMERAL}\d]{{1,6}})(分编|编|章|节)(.{{0,30}})$")
_DIVISION_RANK = {"编": 0, "分编": 1, "章": 2, "节": 3}
_NOT_A_HEADING = re.compile(r"[。；;，,：:！？!?]|^(规定|的|、|和|至|中)")
# An article's own title in brackets: "第一条【立法目的】为了…".
_ARTICLE_TITLE = re.compile(r"^【([^】]{1,20})】")

_SENTENCE_END = tuple("。！？；：:;!?）)」』”】")

_CLOSING = re.compile(
    r"^(本(实施)?(意见|办法|规定|通知|方案|细则)|抄送|"
    r"[\u4e00-\u9fff]{2,20}(人民政府|办公厅|办公室)$|"
    r"\d{4}年\d{1,2}月\d{1,2}日)"
)
# After the last article: the signature, the date, attachments, distribution lines.
_ARTICLE_CLOSING = re.compile(
    r"^(附件|附表|附录|抄送|印发)|"
    r"^[\u4e00-\u9fff（）()、]{2,40}(人民政府|人民代表大会常务委员会|委员会|办公厅|办公室|部|厅|局|院|署|总局|中心)$|"
    r"^\d{4}年\d{1,2}月\d{1,2}日(印发|发布|公布)?$"
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


def _clean_lines(raw_lines: list[str], report: ParseReport) -> tuple[list[str], list[bool]]:
    """Clean lines without the empty ones and debris (reported), and whether each raw line had a
    space right after a 第N条 marker."""
    lines: list[str] = []
    spaced: list[bool] = []
    for raw in raw_lines:
        s = clean_line(raw)
        if not s:
            continue
        if _MARKUP.match(s):
            report.dropped_debris.append(s)
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
        spaced.append(bool(_ARTICLE_SPACED.match(raw.strip())))
    return lines, spaced


def _article_marker(line: str, spaced: bool) -> tuple[int, str, bool] | None:
    """(number, rest, cross_reference) when the line opens with 第N条."""
    m = _ARTICLE.match(line)
    if not m:
        return None
    n = _number(m.group(1))
    if n is None:
        return None
    rest = line[m.end():]
    return n, rest, (not spaced and bool(_XREF_REST.match(rest)))


def _article_candidates(lines: list[str], spaced: list[bool] | None) -> list[tuple[int, int, str]]:
    """(line index, number, rest) of every line opening with 第N条 that is not a cross-reference."""
    cands = []
    for i, s in enumerate(lines):
        art = _article_marker(s, bool(spaced and spaced[i]))
        if art is not None and not art[2]:
            cands.append((i, art[0], art[1]))
    return cands


def _first_article_number(cands: list[tuple[int, int, str]]) -> int:
    """Articles count up from 第一条; from the first one printed when the text has no 第一条."""
    return 1 if any(n == 1 for _, n, _ in cands) else cands[0][1]


def _count_up(cands: list[tuple[int, int, str]], warnings: list[str], lines: list[str]) -> dict[int, tuple[int, str]]:
    """Line index → (number, rest) of the candidates that count up by one (see ``_accepted_articles``)."""
    accepted: dict[int, tuple[int, str]] = {}
    if not cands:
        return accepted
    expected = _first_article_number(cands)
    for k, (i, n, rest) in enumerate(cands):
        if n == expected:
            accepted[i] = (n, rest)
            expected = n + 1
            continue
        warnings.append(
            f"条号不连续：“{lines[i][:20]}”处应为第{int_to_cn(expected)}条，未作为新条款，并入上一条"
        )
        if n > expected and k + 1 < len(cands) and cands[k + 1][1] == n + 1:
            expected = n + 1
    return accepted


def detect_scheme(lines: list[str], spaced: list[bool] | None = None) -> str:
    """ARTICLES or OPINION.

    ARTICLES when the first numbered marker (第N条 that is not a cross-reference, 一、, （一）) is 第一条 /
    第1条; or when the line-initial 第N条 markers that count up number at least two and the text from
    the first of them to the end is more than half of the text from the first numbered marker on —
    part headings 一、二、 above the articles, or an amending decision before the amended text, do not
    make a text of articles an opinion. Else OPINION.
    """
    first_marker = None
    for i, s in enumerate(lines):
        art = _article_marker(s, bool(spaced and spaced[i]))
        if art is not None and art[0] == 1 and not art[2]:
            return ARTICLES
        if art is not None and not art[2] and first_marker is None:
            first_marker = i
        if _L1.match(s) or _L2.match(s):
            first_marker = i if first_marker is None else first_marker
            break
    accepted = _count_up(_article_candidates(lines, spaced), [], lines)
    if len(accepted) < 2 or first_marker is None:
        return OPINION
    first_article = min(accepted)
    from_article = sum(len(s) for s in lines[first_article:])
    from_marker = sum(len(s) for s in lines[first_marker:])
    return ARTICLES if 2 * from_article > from_marker else OPINION


# ---------------------------------------------------------------- parsing


@dataclass
class _Node:
    path: str
    level: int
    label: str
    parents: tuple[str, ...]
    paras: list[str] = field(default_factory=list)
    heading_line: bool = False  # the marker line was a bare heading ("一、总体要求")
    sections: tuple[str, ...] = ()
    title: str = ""  # an article's bracketed title, when printed
    in_article: bool = False  # an article or one of its items (headings are cut differently)


def _marker(line: str) -> tuple[int, int, str] | None:
    """(level, number, rest) when the line opens a numbered clause of the opinion scheme."""
    for level, rx in ((1, _L1), (2, _L2), (3, _L3)):
        m = rx.match(line)
        if m:
            num = m.group(1)
            n = int(num) if level == 3 else _number(num)
            if n is None:
                return None
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

    Never drops content silently: debris and markup are listed in the report, numbering that is
    not understood is a warning, and a text without any numbering falls back to one clause per
    paragraph. Paths are unique: a marker that would repeat one is kept as text, with a warning.
    """
    report = ParseReport(doc_id=doc_id)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if detect_scheme(*_clean_lines(raw_lines, ParseReport(doc_id=doc_id))) == ARTICLES:
        report.scheme = ARTICLES
        lines, spaced = _clean_lines(raw_lines, report)
        clauses = _parse_articles(lines, spaced, doc_id, report)
    else:
        clauses = _parse_opinion(raw_lines, doc_id, report)
    for c in clauses:
        report.clauses_per_level[c.level] = report.clauses_per_level.get(c.level, 0) + 1
    return clauses, report


def _parse_opinion(raw_lines: list[str], doc_id: str, report: ParseReport) -> list[Clause]:
    table_start = next((i for i, ln in enumerate(raw_lines) if ln.startswith("\t")), None)
    if table_start is not None and not any(_L1.match(clean_line(ln)) for ln in raw_lines[:table_start]):
        table_start = None  # tab-indented paragraphs, not a table after the numbered text
    table_lines: list[str] = []
    if table_start is not None:
        # The line just before the first tab-indented line is the table's title.
        title_idx = table_start - 1 if table_start > 0 and raw_lines[table_start - 1].strip() else table_start
        table_lines = raw_lines[title_idx:]
        raw_lines = raw_lines[:title_idx]

    lines, _ = _clean_lines(raw_lines, report)

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

    if not markers:
        report.scheme = PARAGRAPHS
        report.warnings.append("未识别到编号（一、（一）1. 或 第N条），已按段落切分条款")
        if _looks_numbered(lines):
            report.warnings.append(f"正文有编号但格式未能识别（如“{_looks_numbered(lines)}”），请检查条款切分")
        return _paragraph_fallback(lines, doc_id, report, table_lines)
    report.scheme = OPINION

    last_marker = max(markers)
    end_from = next(
        (i for i in range(last_marker + 1, len(lines)) if _CLOSING.match(lines[i])), len(lines)
    )

    preamble = _Node(path="0", level=0, label="正文前", parents=())
    nodes: list[_Node] = [preamble]
    used: set[str] = {"0"}
    current = preamble
    counters: list[int] = []  # numbers of the open clause at levels 1..3
    prev_joinable = False
    for i, s in enumerate(lines[:end_from]):
        mk = markers.get(i)
        if mk is not None:
            level, n, rest = mk
            if level == 3 and len(counters) < 2:
                level = len(counters) + 1  # "1." directly under a 一、: treat as its sub-clause
            new_counters = counters[: level - 1] + [n]
            path = ".".join(str(c) for c in new_counters)
            if path in used:
                # A numbering that starts over (an annex with its own 一、…) would repeat an id.
                report.warnings.append(f"编号重复（{path}），按正文处理：{s[:30]}")
            else:
                counters = new_counters
                used.add(path)
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
    return clauses


_NUMBERED_LOOKING = re.compile(
    rf"^([（(]?\d{{1,3}}[)）]|[①-⑳]|第[{_NUMERAL}\d]+(部分|章|节|款|项|篇)|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ]|[A-Za-z][.、)）]|"
    r"Article\s*\d|[一二三四五六七八九十]+是)"
)


def _looks_numbered(lines: list[str]) -> str:
    """The first of at least two lines that start like a numbering we do not read; '' if none."""
    found = [s for s in lines if _NUMBERED_LOOKING.match(s)]
    return found[0][:12] if len(found) >= 2 else ""


def _label(counters: list[int]) -> str:
    parts = []
    for depth, n in enumerate(counters):
        parts.append(f"{int_to_cn(n)}、" if depth == 0 else f"（{int_to_cn(n)}）" if depth == 1 else f"{n}.")
    return "".join(parts)


def _to_clause(nd: _Node, doc_id: str) -> Clause:
    first = nd.paras[0] if nd.paras else ""
    heading = "" if nd.level == 0 else (nd.title or (_article_heading if nd.in_article else _heading_of)(first))
    return Clause(
        doc_id=doc_id,
        path=nd.path,
        level=nd.level,
        label=nd.label,
        heading=heading,
        text=_join_paras(nd.paras),
        parents=nd.parents,
        sections=nd.sections,
    )


# ---------------------------------------------------------------- articles


def _article_heading(first: str) -> str:
    """An article's or item's heading: its first clause up to 。/；/：when short, else the start."""
    head = re.split(r"[。；;：:]", first, maxsplit=1)[0]
    return head if len(head) <= 40 else head[:30] + "…"


def _division(line: str) -> tuple[int, str, str] | None:
    """(rank, kind, "第三章 网络运行安全") when the line is a 编/章/节 heading."""
    m = _DIVISION.match(line)
    if not m or _NOT_A_HEADING.search(m.group(3)) or _number(m.group(1)) is None:
        return None
    kind = m.group(2)
    title = m.group(3)
    return _DIVISION_RANK[kind], kind, f"第{m.group(1)}{kind} {title}".strip()


def _accepted_articles(lines: list[str], spaced: list[bool], report: ParseReport) -> dict[int, tuple[int, str]]:
    """Line index → (number, rest) of the lines that open an article.

    Articles count up by one. Anything else opening with 第N条 is text: silently when it reads as a
    cross-reference ("第十条规定的…"), with a warning otherwise. After a number that jumps ahead and
    is confirmed by the next one (第十一条, 第十二条 after 第九条), counting resumes from there, so that
    one missing article does not fold the rest of the law into one clause.

    Counting starts at 第一条; a text without 第一条 (one 编 of the civil code, a truncated text) counts
    from its first article, with a warning.
    """
    cands = _article_candidates(lines, spaced)
    if cands and _first_article_number(cands) != 1:
        report.warnings.append(
            f"条号从第{int_to_cn(cands[0][1])}条开始，没有第一条（文本不全，或是一部法律中的一编）"
        )
    return _count_up(cands, report.warnings, lines)


# 一、/二、 part headings and （一）/（二） sub-part headings between articles: short, no sentence punctuation.
_PART_RANK, _SUBPART_RANK = 4, 5  # below 编 0, 分编 1, 章 2, 节 3


def _bare_title(rest: str) -> bool:
    return 0 < len(rest) <= 40 and not _NOT_A_HEADING.search(rest)


def _part_headings(lines: list[str], accepted: dict[int, tuple[int, str]]) -> dict[int, tuple[int, str, str]]:
    """Line index → (rank, kind, "一、管辖") of the part headings of a text written in articles.

    A ``一、`` line is a part heading when it reads as a title (short, no sentence punctuation), counts up
    from ``一、`` through the document, does not continue a list (the line before it is not the previous
    number), and the line after it opens an article, or is a sub-part heading followed by one. A ``（一）``
    line is a sub-part heading when it reads as a title, counts up from ``（一）`` within its part and the
    line after it opens an article. Anything else numbered ``一、``/``（一）`` stays what it was: text, or
    an article's item. A table of contents of such headings before 第一条 stays in the preamble.
    """
    out: dict[int, tuple[int, str, str]] = {}

    def sub_heading_at(j: int, expected: int) -> bool:
        m2 = _L2.match(lines[j]) if j < len(lines) else None
        if m2 is None or j + 1 not in accepted:
            return False
        return _number(m2.group(1)) == expected and _bare_title(lines[j][m2.end():])

    def continues_a_list(i: int, n: int) -> bool:
        m_prev = _L1.match(lines[i - 1]) if i > 0 else None
        return bool(m_prev) and _number(m_prev.group(1)) == n - 1

    in_part = False
    part_next = sub_next = 1
    for i, s in enumerate(lines):
        if i in accepted:
            continue
        m1 = _L1.match(s)
        is_part = (
            m1 is not None
            and _number(m1.group(1)) == part_next
            and _bare_title(s[m1.end():])
            and not continues_a_list(i, part_next)
            and (i + 1 in accepted or sub_heading_at(i + 1, 1))
        )
        if is_part:
            out[i] = (_PART_RANK, "部分", s)
            in_part, part_next, sub_next = True, part_next + 1, 1
        elif in_part and sub_heading_at(i, sub_next):
            out[i] = (_SUBPART_RANK, "子部分", s)
            sub_next += 1
    return out


def _parse_articles(lines: list[str], spaced: list[bool], doc_id: str, report: ParseReport) -> list[Clause]:
    accepted = _accepted_articles(lines, spaced, report)
    report.articles = len(accepted)
    parts = _part_headings(lines, accepted)
    last = max(accepted)
    end_from = next((j for j in range(last + 1, len(lines)) if _ARTICLE_CLOSING.match(lines[j])), len(lines))

    preamble = _Node(path="0", level=0, label="正文前", parents=())
    nodes: list[_Node] = [preamble]
    used: set[str] = {"0"}
    sections: dict[int, tuple[str, str]] = {}  # rank → (kind, heading) in force
    preamble_heading_at: dict[int, int] = {}  # rank → index in preamble.paras of the heading in force
    divisions: dict[str, int] = {}
    article: _Node | None = None
    item: _Node | None = None  # the open item of the article (level 2)
    current = preamble  # the node that receives continuation lines
    style = ""  # how the open article numbers its items: "paren" （一） or "arabic" 1.
    item_next = sub_next = 1
    prev_joinable = False

    def count_division(kind: str) -> None:
        divisions[kind] = divisions.get(kind, 0) + 1

    def open_node(path: str, level: int, label: str, parents: tuple[str, ...], rest: str) -> _Node:
        nd = _Node(path=path, level=level, label=label, parents=parents, sections=article_sections, in_article=True)
        if rest:
            nd.paras.append(rest)
        nodes.append(nd)
        used.add(path)
        return nd

    article_sections: tuple[str, ...] = ()
    for i, s in enumerate(lines[:end_from]):
        if i in accepted:
            n, rest = accepted[i]
            if article is None:
                # The headings in force are article 1's breadcrumb, not preamble text (a table of
                # contents before them stays in the preamble).
                for at in sorted(preamble_heading_at.values(), reverse=True):
                    del preamble.paras[at]
                for rank in sorted(sections):
                    count_division(sections[rank][0])
            article_sections = tuple(sections[r][1] for r in sorted(sections))
            title = _ARTICLE_TITLE.match(rest)
            article = open_node(str(n), 1, f"第{_printed(lines[i], n)}条", (), rest)
            article.title = title.group(1) if title else ""
            current, item, style, item_next, sub_next = article, None, "", 1, 1
            prev_joinable = bool(rest) and not rest.endswith(_SENTENCE_END)
            continue

        div = _division(s) or parts.get(i)
        if div is not None:
            rank, kind, heading = div
            sections = {r: h for r, h in sections.items() if r < rank}
            sections[rank] = (kind, heading)
            if article is None:
                preamble.paras.append(s)
                preamble_heading_at = {r: x for r, x in preamble_heading_at.items() if r < rank}
                preamble_heading_at[rank] = len(preamble.paras) - 1
            else:
                count_division(kind)
            prev_joinable = False
            continue

        if article is not None:
            m2, m3 = _L2.match(s), _L3.match(s)
            if m2 or m3:
                k = _number(m2.group(1)) if m2 else int(m3.group(1))
                rest = s[(m2 or m3).end():]
                art_path = article.path
                if m2 and style in ("", "paren") and k == item_next and f"{art_path}.{k}" not in used:
                    style = "paren"
                    item = open_node(f"{art_path}.{k}", 2, f"{article.label}（{int_to_cn(k)}）", (art_path,), rest)
                    current, item_next, sub_next = item, k + 1, 1
                elif m3 and style == "paren" and item is not None and k == sub_next \
                        and f"{item.path}.{k}" not in used:
                    current = open_node(f"{item.path}.{k}", 3, f"{item.label}{k}.", (art_path, item.path), rest)
                    sub_next = k + 1
                elif m3 and style in ("", "arabic") and k == item_next and f"{art_path}.{k}" not in used:
                    style = "arabic"
                    item = open_node(f"{art_path}.{k}", 2, f"{article.label}{k}.", (art_path,), rest)
                    current, item_next = item, k + 1
                else:
                    report.warnings.append(f"{article.label}中的项号不连续或重复，按正文处理：{s[:30]}")
                    current.paras.append(s)
                    prev_joinable = False
                    continue
                prev_joinable = bool(rest) and not rest.endswith(_SENTENCE_END)
                continue

        if prev_joinable and current is not preamble and current.paras:
            # PDF extraction broke the sentence across lines: rejoin it.
            current.paras[-1] += s
        elif article is not None:
            # An unnumbered paragraph (款) belongs to the article, after its items too.
            article.paras.append(s)
            current, item = article, None
        else:
            preamble.paras.append(s)
        prev_joinable = current is not preamble and not s.endswith(_SENTENCE_END)

    report.divisions = divisions
    if end_from < len(lines):
        nodes.append(_Node(path="end", level=0, label="文末", parents=(), paras=list(lines[end_from:])))
    return [_to_clause(nd, doc_id) for nd in nodes if nd.paras or nd.path != "0"]


def _printed(line: str, n: int) -> str:
    """The article number as the text prints it: 三十一 or 31."""
    m = _ARTICLE.match(line)
    return m.group(1) if m and m.group(1).isdigit() else int_to_cn(n)


# ---------------------------------------------------------------- fallback and table


def _paragraph_fallback(
    lines: list[str], doc_id: str, report: ParseReport, table_lines: list[str]
) -> list[Clause]:
    clauses = [
        Clause(doc_id=doc_id, path=str(i), level=1, label=f"第{i}段", heading=_heading_of(s), text=s)
        for i, s in enumerate(lines, start=1)
    ]
    clauses += _parse_table(table_lines, doc_id, report)
    return clauses


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
