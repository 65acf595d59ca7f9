"""Facts a document prints about itself: title, issuer and date, effective date, what it repeals.

Pure functions over the text. Nothing is invented: a fact the text does not print stays empty and
``DocFacts.warnings`` says so. Read from

* the title: a markdown ``# `` line, else the first line when it reads like a title (a long title
  broken over two lines is joined), else the first 《…》 near the top;
* the adoption / promulgation line near the top: "2016年11月7日 第十二届全国人民代表大会常务委员会
  第二十四次会议通过" → issuer 全国人民代表大会常务委员会 and the date; "…令第5号公布" → the issuer
  before 令; 修正 / 修订 events kept as printed;
* the 施行 sentence ("本法自2017年6月1日起施行") or a "2022年3月1日 施行" line → effective date, and a
  printed 有效期 → valid until;
* "…《X》同时废止" → the titles it repeals;
* for documents without an adoption line (意见, 通知): the signature and date lines at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .clauses import clean_line, cn_to_int

# Words a document title ends with (before an optional "（2018年修正）" / "（试行）").
_DOC_KINDS = (
    "法", "条例", "规定", "办法", "细则", "规则", "决定", "意见", "实施意见", "通知", "方案", "措施", "计划", "规划",
    "纲要", "指引", "指南", "准则", "标准", "目录", "清单", "公告", "批复", "决议", "章程", "要点", "政策",
)  # fmt: skip
_TITLE_END = re.compile(rf"(?:{'|'.join(sorted(_DOC_KINDS, key=len, reverse=True))})(?:[（(][^（）()]{{1,20}}[）)])?$")
_QUOTED = re.compile(r"《([^《》]{2,80})》")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUM = r"[零〇一二三四五六七八九十百千两\d]+"
_ARTICLE_OR_ITEM = re.compile(rf"^(第[一1]条|[一二三四五六七八九十]+、|第{_NUM}(?:编|章|节))")
# 施行 printed as a sentence ("本法自2017年6月1日起施行") …
_EFFECTIVE = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起?\s*(?:施行|实施|执行|生效)")
_EFFECTIVE_ON_ISSUE = re.compile(r"自(?:公布|发布|印发|颁布)之日起(?:施行|实施|执行|生效)")
_VALID_YEARS = re.compile(rf"有效期(?:为|至)?\s*({_NUM})\s*年")
_VALID_UNTIL = re.compile(r"有效期至\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_REPEAL = re.compile(r"》[^《》。；]{0,30}?废止")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}〔\d{4}〕\d{1,4}号")
# Issuer of an adoption line: drop the session ordinal ("第十二届"), cut at the meeting ("第二十四次会议",
# "2021年第20次室务会议", "常务会议").
_SESSION = re.compile(rf"第{_NUM}届")
_MEETING_START = re.compile(rf"(\d{{4}}年度?)?第{_NUM}次|\d{{4}}年|(常务|室务|部务|局务|署务|委务|行务|办公|主任|全体)?会议")
_ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff（）()]{2,30}(人民政府|人民政府办公厅|办公厅|办公室|委员会|局|厅|部)$")
_DEBRIS_LINE = re.compile(r"^(\d{1,8}|\d{1,4}[\u4e00-\u9fff]\d{1,4})$")
_DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:印发|发布)?$")


@dataclass
class DocFacts:
    title: str = ""
    title_source: str = ""  # "markdown" | "first_line" | "quoted"
    issuer: str = ""
    issued: str = ""  # ISO date of adoption / promulgation / the dated signature
    issued_kind: str = ""  # "adopted" | "promulgated" | "dated"
    promulgation: str = ""  # the adoption or promulgation line as printed
    doc_number: str = ""  # 鄂政发〔2015〕80号, 国家互联网信息办公室令第5号
    effective: str = ""  # ISO
    effective_note: str = ""  # the sentence that says so, as printed
    valid_until: str = ""
    repeals: tuple[str, ...] = ()  # titles, without 《》
    amendments: tuple[str, ...] = ()  # 修正 / 修订 events, as printed
    missing: tuple[str, ...] = ()  # names of the facts above that the text does not print

    @property
    def warnings(self) -> list[str]:
        return [MISSING_WARNINGS[name] for name in self.missing]


MISSING_WARNINGS = {
    "title": "正文未识别到标题（无 # 标题行、像标题的首行或《》书名）：标题留空",
    "issuer": "正文未载明发文或通过机关（无“…会议通过”“…令第N号公布”行或落款）：发文机关留空",
    "issued": "正文未载明通过、公布或成文日期：日期留空",
    "effective": "正文未载明施行日期：施行日期留空",
}


def printed_dates(text: str) -> list[str]:
    """ISO dates of every valid date a text prints ("2023年12月29日…" → "2023-12-29"), in order."""
    return [iso for m in _DATE.finditer(text) if (iso := _iso(*m.groups()))]


def _iso(y: str, m: str, d: str) -> str:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return ""


def _lines(text: str) -> list[str]:
    return [s for s in (clean_line(ln) for ln in text.replace("\r", "\n").split("\n")) if s and not s.startswith("<!--")]


def head_lines(lines: list[str], limit: int = 40) -> list[str]:
    """The lines before the first article / first 一、 / first chapter heading (at most ``limit``)."""
    out = []
    for s in lines[:limit]:
        if _ARTICLE_OR_ITEM.match(s):
            break
        out.append(s)
    return out


# ---------------------------------------------------------------- title


def reads_like_title(line: str) -> bool:
    return 4 <= len(line) <= 80 and not re.search(r"[。；;！？]", line) and bool(_TITLE_END.search(line)) \
        and not _DATE.search(line)


_MASTHEAD = re.compile(rf"(文件|令|公报)$|^第{_NUM}号$|^[\u4e00-\u9fff]{{1,12}}〔\d{{4}}〕\d{{1,4}}号$")


def title_of(text: str) -> tuple[str, str]:
    """(title, source): a markdown heading that is the title, else the first line(s) of the text that
    read like a title (after a masthead "…文件" and a document number), else 《X》 promulgated by the text."""
    for ln in text.split("\n")[:20]:
        m = re.match(r"^\s*(#{1,3})\s+(.+?)\s*#*\s*$", ln)
        if m:
            t = clean_line(m.group(2))
            if t and not _MASTHEAD.search(t) and (len(m.group(1)) == 1 or reads_like_title(t)):
                return t, "markdown"
    lines = [s for s in _lines(text)[:12] if not _DEBRIS_LINE.match(s)]
    while lines and _MASTHEAD.search(lines[0]):
        lines.pop(0)
    if lines:
        first = lines[0]
        if reads_like_title(first):
            return first, "first_line"
        # A long title printed over two lines: "…关于加快…的" / "实施意见".
        if len(lines) > 1 and not re.search(r"[。；，,：:]", first) and reads_like_title(first + lines[1]):
            return first + lines[1], "first_line"
    for s in head_lines(_lines(text), 12):
        # "《X条例》已经…通过，现予公布": the quoted title is this document's.
        m = re.search(r"《([^《》]{2,80})》(?:已经|已于|经|业经|于)", s)
        if m and reads_like_title(m.group(1)):
            return m.group(1), "quoted"
    return "", ""


# ---------------------------------------------------------------- adoption, promulgation, amendment


def issuer_of_meeting(body: str) -> str:
    """"第十二届全国人民代表大会常务委员会第二十四次会议" → "全国人民代表大会常务委员会"."""
    body = _SESSION.sub("", body).strip("（(）) ")
    m = _MEETING_START.search(body)
    issuer = body[: m.start()] if m else body
    return issuer.strip("，, ")


def adoption_of(head: list[str]) -> tuple[str, str, str, str, str]:
    """(issuer, ISO date, kind, line as printed, doc number) of the first adoption or promulgation."""
    for line in head:
        for m in _DATE.finditer(line):
            rest = line[m.end():]
            stop = _DATE.search(rest)
            body = rest[: stop.start()] if stop else rest
            if re.match(r"^\s*(?:起)?\s*(?:施行|实施|生效)", body) or "修正" in body or "修订" in body:
                continue
            decree = re.search(rf"([\u4e00-\u9fff]{{2,30}}?)令(?:\s*\d{{4}}年)?\s*第\s*({_NUM})\s*号", body)
            if decree and re.search(r"(公布|发布|颁布)", body):
                issuer = re.sub(r"^中华人民共和国(?=国务院)", "", decree.group(1).strip())
                kind = "promulgated"
            elif re.search(r"会议(?:审议)?(?:通过|批准)", body):
                issuer = issuer_of_meeting(body[: body.index("会议") + 2])
                kind = "adopted"
            elif re.search(r"(公布|发布|印发)", body):
                issuer = re.split(r"(公布|发布|印发)", body)[0].strip(" ，,（(")
                kind = "promulgated"
            else:
                continue
            number = decree.group(0).strip() if decree else ""
            printed = line.strip("（()）")
            return issuer, _iso(*m.groups()), kind, printed, number
    # "《X条例》已经2019年9月4日国务院第62次常务会议通过" puts the date after the title: handled above;
    # a 令 number printed on its own line ("国家互联网信息办公室令 第5号") has no date.
    return "", "", "", "", ""


def amendments_of(head: list[str]) -> tuple[str, ...]:
    """Every 修正 / 修订 event near the top, as printed ("根据2018年…《关于修改…的决定》修正")."""
    out: list[str] = []
    for line in head:
        parts = re.split(r"(?=根据\d{4}年)|(?<=[过正订布])\s*(?=\d{4}年)", line.strip("（()）"))
        for p in parts:
            p = p.strip(" 　，,")
            if _DATE.search(p) and re.search(r"(修正|修订)$", p):
                out.append(p)
    return tuple(out)


# ---------------------------------------------------------------- effect, validity, repeal


def _sentences(text: str) -> list[str]:
    """Sentences, without the article number that opens one ("第七十九条本法自…" → "本法自…")."""
    return [re.sub(rf"^第{_NUM}条", "", s.strip()) for s in re.split(r"(?<=[。！？])|\n", text) if s.strip()]


def effective_of(lines: list[str], head: list[str]) -> tuple[str, str]:
    """(ISO date, sentence) from the last "本…自…起施行" sentence, else a "2022年3月1日 施行" head line."""
    own, other = ("", ""), ("", "")
    for s in _sentences("\n".join(lines)):
        m = _EFFECTIVE.search(s)
        if m:
            found = (_iso(*m.groups()), s)
            if s.startswith("本"):
                own = found
            else:
                other = found
    if own[0] or other[0]:
        return own if own[0] else other
    for s in head:
        m = re.match(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:起)?(?:施行|实施|生效)$", s)
        if m:
            return _iso(*m.groups()), s
    return "", ""


# A validity period is the document's own only in a sentence about the document ("本意见自印发之日起实施，
# 有效期5年"); "小餐饮登记证有效期为三年" is a licence's.
_OWN_PERIOD = re.compile(r"(?:本|此|该)(?:法|条例|办法|意见|规定|决定|通知|细则|措施|方案|规则|文件|政策)|施行|实施|执行")


def own_period_sentence(sentence: str) -> bool:
    """Does this sentence print the document's own validity period (not a licence's or a permit's)?"""
    return "有效期" in sentence and bool(_OWN_PERIOD.search(sentence))


def valid_until_of(lines: list[str], effective: str) -> str:
    blob = "\n".join(s for s in re.split(r"(?<=[。；;\n])", "\n".join(lines)) if own_period_sentence(s))
    m = _VALID_UNTIL.search(blob)
    if m:
        return _iso(*m.groups())
    m = _VALID_YEARS.search(blob)
    if m and effective:
        try:
            years = cn_to_int(m.group(1))
        except ValueError:
            return ""
        start = date.fromisoformat(effective)
        try:
            end = start.replace(year=start.year + years)
        except ValueError:  # 29 February
            end = start.replace(year=start.year + years, day=28)
        return (end - timedelta(days=1)).isoformat()
    return ""


def repeals_of(lines: list[str]) -> tuple[str, ...]:
    """Titles of the documents a "…《X》同时废止" sentence repeals, in order, without 《》."""
    out: list[str] = []
    for s in _sentences("\n".join(lines)):
        if _REPEAL.search(s):
            for q in _QUOTED.findall(s[: _REPEAL.search(s).end()]):
                if q not in out:
                    out.append(q)
    return tuple(out)


# ---------------------------------------------------------------- signature (documents without adoption line)


def signature_issuer(lines: list[str]) -> str:
    """The signature line near the end ("武汉市人民政府"), when exactly one is printed.

    An office line followed by "…印发" is the printing office of a 红头 document, not its issuer.
    """
    tail = lines[-15:]
    found = {
        ln for k, ln in enumerate(tail)
        if _ISSUER_LINE.match(ln) and not (k + 1 < len(tail) and tail[k + 1].endswith("印发"))
    }
    return found.pop() if len(found) == 1 else ""


def signature_date(lines: list[str]) -> str:
    dates = {m.groups() for ln in lines[-8:] if (m := _DATE_LINE.match(ln))}
    return _iso(*dates.pop()) if len(dates) == 1 else ""


# ---------------------------------------------------------------- all together


def document_facts(text: str) -> DocFacts:
    """Every fact the text prints about itself; warnings name the ones it does not print."""
    lines = _lines(text)
    head = head_lines(lines)
    f = DocFacts()
    f.title, f.title_source = title_of(text)
    f.issuer, f.issued, f.issued_kind, f.promulgation, f.doc_number = adoption_of(head)
    if not f.issuer:
        f.issuer = signature_issuer(lines)
    if not f.issued:
        f.issued = signature_date(lines)
        f.issued_kind = "dated" if f.issued else ""
    if not f.doc_number:
        m = _DOC_NUMBER.search("\n".join(lines[:8]))
        f.doc_number = m.group(0) if m else ""
    f.amendments = amendments_of(head)
    f.effective, f.effective_note = effective_of(lines, head)
    if not f.effective:
        on_issue = next((s for s in _sentences("\n".join(lines)) if _EFFECTIVE_ON_ISSUE.search(s)), "")
        if on_issue:
            f.effective, f.effective_note = f.issued, on_issue.strip()
    f.valid_until = valid_until_of(lines, f.effective)
    f.repeals = repeals_of(lines)

    f.missing = tuple(name for name in MISSING_WARNINGS if not getattr(f, name))
    return f


def normalise_title(title: str) -> str:
    """A title for matching: without 《》〈〉, quotes, spaces and a trailing version note （2018年修正）."""
    t = re.sub(r"[《》〈〉“”\"'‘’「」『』\s\u3000]", "", title)
    return re.sub(r"[（(][^（）()]*(修正|修订|试行|草案)[^（）()]*[）)]$", "", t)
