"""Values as data: every amount, period, count, percentage, ratio, date and range in a text, typed.

``parse_values("处五万元以上五十万元以下罚款")`` gives one ``Value(kind="money", low=50000.0,
high=500000.0, unit="元", bound="range", text="五万元以上五十万元以下", …)``. A how-long / how-much
question can then be matched to the sentence that holds a value of the kind it asks for
(``asked_value_kind`` + ``satisfies``), instead of to a sentence that merely matches a regex.

The grammar is general, not fitted to documents:

    value  := [bound-prefix] numeral [多|余] [magnitude] [unit] [bound-suffix]
    range  := value (至|到|-|~|—) value          "3-5年", "十日至十五日", "2015年到2020年"
            | value<min> value<max>             "五万元以上五十万元以下", "一倍以上五倍以下"
    plus dates (2022年3月1日, 二〇二二年三月一日, 2022-03-01), fractions (百分之五, 三分之二),
    ratios (1∶3) and frequencies (每年, 每两个月).

Units live in one table (``_UNITS``): currency, time, Chinese measure words (个 家 人 次 项 …), area,
length, weight, age, percent, 倍. Numerals are read by ``cn2an`` (Chinese, mixed "5000万", "1.3万亿");
magnitudes after Arabic digits are multiplied here because cn2an rejects "1.3万亿".

Normalisation of ``low``/``high``:
  money     in the currency printed (元 for 元/万元/亿元; 美元 stays 美元 — ``unit`` says which)
  duration  in days: 年=365, 月=30, 季度=90, 周=7, 日/天/工作日=1, 小时=1/24, 分钟=1/1440
            (``unit`` keeps "工作日" so a caller can tell working days from calendar days)
  percent   0–100 (5% → 5, 百分之五 → 5, 5‰ → 0.5, 三个百分点 → 3 with unit "百分点")
  fraction  as a percent too (三分之二 → 66.67), so it compares with percentages
  ratio     a / b (1∶3 → 0.333); None for three-part ratios
  multiple  the factor (十倍 → 10)
  area      平方米; length 米; weight 千克; age 年
  count     the number (三家 → 3); the measure word is ``unit``
  date      the proleptic Gregorian ordinal (``datetime.date.toordinal``); ``Value.iso`` gives the ISO
            string. A year-month spans its month (low = first day, high = last day); a month-day
            without a year, or an impossible date, has low = high = None.
  year      the year itself (2015年 → 2015) — a bare year is a point in time, never a duration
  frequency the period in days (每年 → 365, 每两个月 → 60)
  number    an Arabic number with no unit (79, 3.5, 500万 → 5000000)

Not values: ordinals (第二十一条, 第（三）项, 第一款, 第20次), list markers ((一), 1.), document numbers
(〔2015〕80号), standard numbers (GB/T 22239-2019), and Chinese numerals without a unit (统一, 一体化,
之一) unless they open a range ("五至十年").

Matching runs on a copy of the text where width variants (full-width digits, ％, －, ：) are folded by
NFKC one character for one character, so every offset and ``text`` refers to the original string.
Nothing here raises: any failure inside yields no value for that span (garbage in → []).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import cn2an

__all__ = ["Value", "asked_measure", "asked_value_kind", "holds_measure", "parse_values", "satisfies", "value_kinds"]


@dataclass(frozen=True)
class Value:
    kind: str  # money duration count percent fraction ratio multiple date year frequency number area …
    low: float | None  # normalised (see the module doc); None when the text gives no number
    high: float | None  # == low for a point value; both ends of a printed range
    unit: str  # the printed unit, normalised: 元 日 工作日 月 年 小时 % 倍 家 个 人 次 亩 平方米 …
    bound: str  # "" | "min" (以上/不少于/至少/超过/满) | "max" (以下/不超过/最高/以内/内) | "range"
    text: str  # verbatim text[start:end], so it can be quoted
    start: int
    end: int
    approx: bool = False  # 多/余/约/左右: "三十余家", "10多万元"

    @property
    def iso(self) -> str | None:
        """The ISO date of a date value ("2022-03-01"), the first day for a year-month; else None."""
        if self.kind != "date" or self.low is None:
            return None
        try:
            return datetime.date.fromordinal(int(self.low)).isoformat()
        except (ValueError, OverflowError):
            return None


# --- the unit table, stated once: printed form → (kind, factor to the base, normalised unit) ---------
_DAY = 1.0
_UNITS: dict[str, tuple[str, float, str]] = {
    # currency: magnitudes (万/亿) are read with the numeral, so only the currency word is a unit
    "元": ("money", 1, "元"), "块钱": ("money", 1, "元"), "美元": ("money", 1, "美元"),
    "欧元": ("money", 1, "欧元"), "港元": ("money", 1, "港元"),
    # time, in days
    "年": ("duration", 365 * _DAY, "年"), "周年": ("duration", 365 * _DAY, "年"),
    "个月": ("duration", 30 * _DAY, "月"), "月": ("duration", 30 * _DAY, "月"),
    "个季度": ("duration", 90 * _DAY, "季度"), "季度": ("duration", 90 * _DAY, "季度"),
    "周": ("duration", 7 * _DAY, "周"), "个星期": ("duration", 7 * _DAY, "周"), "星期": ("duration", 7 * _DAY, "周"),
    "日": ("duration", _DAY, "日"), "天": ("duration", _DAY, "日"), "自然日": ("duration", _DAY, "日"),
    "个自然日": ("duration", _DAY, "日"),
    "工作日": ("duration", _DAY, "工作日"), "个工作日": ("duration", _DAY, "工作日"),
    "小时": ("duration", _DAY / 24, "小时"), "个小时": ("duration", _DAY / 24, "小时"),
    "分钟": ("duration", _DAY / 1440, "分钟"),
    # age
    "周岁": ("age", 1, "岁"), "岁": ("age", 1, "岁"),
    # percent and multiples
    "%": ("percent", 1, "%"), "‰": ("percent", 0.1, "‰"),
    "个百分点": ("percent", 1, "百分点"), "百分点": ("percent", 1, "百分点"),
    "倍": ("multiple", 1, "倍"),
    # area (平方米), length (米), weight (千克)
    "平方米": ("area", 1, "平方米"), "平方公里": ("area", 1e6, "平方公里"), "平方千米": ("area", 1e6, "平方公里"),
    "公顷": ("area", 1e4, "公顷"), "亩": ("area", 10000 / 15, "亩"),
    "公里": ("length", 1000, "公里"), "千米": ("length", 1000, "公里"), "米": ("length", 1, "米"),
    "厘米": ("length", 0.01, "厘米"), "毫米": ("length", 0.001, "毫米"),
    "吨": ("weight", 1000, "吨"), "千克": ("weight", 1, "千克"), "公斤": ("weight", 1, "千克"),
    "克": ("weight", 0.001, "克"),
}
# Chinese measure words (量词) that count things; each counts in its own unit.
for _w in ("个 家 人 人次 名 位 次 项 件 条 种 类 批 户 所 座 台 套 份 张 本 篇 册 场 轮 笔 辆 艘 架 栋 级 期 层"
           " 款").split():
    _UNITS.setdefault(_w, ("count", 1, _w))

# Longest first, so that "个工作日" wins over "个", "平方公里" over "公里".
_UNIT_RX = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
# A measure word that opens a common compound is not a unit there: 一部分, 一次性, 一条龙, 人民.
_NOT_UNIT = r"(?!(?<=次)性)(?!(?<=条)龙)(?!(?<=人)民)"

_CN_DIGITS = "零〇一二两三四五六七八九"
_MAG_CHARS = "十百千万亿"
_MAG = {"十": 10, "百": 100, "千": 1000, "万": 1e4, "亿": 1e8}
# A Chinese numeral opens with a digit or 十 (so 万物, 百家, 千万 are words, not numbers).
_CNUM = rf"[{_CN_DIGITS}十][{_CN_DIGITS}{_MAG_CHARS}]*(?:点[{_CN_DIGITS}]+)?"
_ANUM = r"(?<![A-Za-z0-9.])\d+(?:,\d{3})*(?:\.\d+)?"
_NUMERAL = (
    rf"(?:(?P<a>{_ANUM})(?P<amag>[{_MAG_CHARS}]*)|(?P<c>{_CNUM})|(?P<half>半))"
    rf"(?P<approx>多|余)?(?P<mag2>[万亿]*)"
)

# Bound words. Longest first in each alternation ("不超过" before "超过", "不满" before "满").
_MIN_PRE = ("不少于", "不低于", "不短于", "不小于", "至少", "最少", "最低", "最短", "超过", "高于", "多于", "大于", "满", "逾")
_MAX_PRE = ("不超过", "不高于", "不多于", "不大于", "不长于", "未超过", "不足", "不满", "未满", "少于", "低于",
            "最高", "最多", "最长", "最大", "至多")
_APPROX_PRE = ("约", "大约", "近", "将近")
_MIN_POST = ("以上", "及以上", "或者以上", "或以上")
_MAX_POST = ("以下", "及以下", "或者以下", "或以下", "以内", "之内", "内")


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_PRE = rf"(?P<pre>(?:(?:{_alt(_MIN_PRE + _MAX_PRE + _APPROX_PRE)})\s*){{1,2}})?"
# 内 is a bound only when it does not open a word (内容, 内资, 内部, 内地, 内涵).
_POST = rf"(?P<post>(?:{_alt(_MIN_POST + _MAX_POST)})(?!(?<=内)[容资部地涵])|左右)?"

_QUANTITY = re.compile(rf"{_PRE}{_NUMERAL}\s*(?P<unit>(?:{_UNIT_RX}){_NOT_UNIT})?{_POST}")

# Dates. Years are four digits (Arabic or Chinese digit characters); month and day in either script.
_YEAR = r"(?P<y>\d{4}|[〇零一二三四五六七八九]{4})"
_MONTH = r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAYN = r"(?P<d>3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_DATE_YMD = re.compile(rf"{_YEAR}\s*年\s*{_MONTH}\s*月\s*{_DAYN}\s*[日号]")
# A year-month not followed by a day (that is _DATE_YMD's, and "2022年12月" must not stop at "1月").
_DATE_YM = re.compile(rf"{_YEAR}\s*年\s*{_MONTH}\s*月(?!份?\s*[\d一二三四五六七八九十])")
_DATE_MD = re.compile(rf"(?<![\d{_CN_DIGITS}十]){_MONTH}\s*月\s*{_DAYN}\s*[日号]")
_DATE_ISO = re.compile(r"(?<![A-Za-z0-9.])(?P<y>\d{4})(?P<sep>[-./])(?P<m>1[0-2]|0?[1-9])(?P=sep)(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)")
# Fractions: 百分之五, 千分之三, 三分之二 (denominator first, as Chinese writes it).
_FRACTION = re.compile(
    rf"{_PRE}(?P<den>百|千|万|{_CNUM}|\d+)分之(?P<num>{_CNUM}|\d+(?:\.\d+)?){_POST}"
)
# 半数 is a half: "过半数的业主同意" is a fraction above one half, like 二分之一以上.
_HALF = re.compile(r"(?P<over>超过|过)?半数(?P<post>以上|以下)?")
_RATIO = re.compile(
    rf"(?<![A-Za-z0-9.:])(?P<a>\d+(?:\.\d+)?|{_CNUM})\s*[:∶比]\s*(?P<b>\d+(?:\.\d+)?|{_CNUM})(?P<more>(?:\s*[:∶]\s*\d+(?:\.\d+)?)*)(?![\d.])"
)
# Frequencies: 每年, 每半年, 每两个月, 每季度.
_FREQUENCY = re.compile(
    rf"每\s*(?P<n>\d+|[{_CN_DIGITS}十]+|半)?\s*(?P<unit>个月|个季度|季度|个星期|星期|周|年|月|日|天|个工作日|工作日|个小时|小时)"
)

# Spans that hold numerals but no values; masked before matching so nothing is read inside them.
_MASKS = re.compile(
    "|".join((
        r"第\s*[（(]?\s*(?:\d+|[零〇一二两三四五六七八九十百千]+)\s*[）)]?",  # 第二十一条, 第（三）项, 第20次
        r"[（(]\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[）)]",  # list markers （一） (1)
        r"[〔\[［【]\s*\d{4}\s*[〕\]］】]\s*(?:第\s*)?\d*\s*号?",  # document numbers 〔2015〕80号
        r"(?m:^[ \t]*\d{1,2}\s*[.、](?!\d))",  # list markers at a line start: "1." "2、"
        r"(?<![A-Za-z])[A-Za-z]{1,6}(?:/[A-Za-z]{1,3})?\s?\d+(?:[.\-—]\d+)*",  # GB/T 22239-2019, IPv6, H5
        r"\d+[A-Za-z]+",  # 5G, 4K, 3D: a digit glued to letters names a thing
    ))
)

# Connectors of "from … to" ranges.
_CONNECTOR = re.compile(r"\s*(?:至|到|-|~|—|–|－|～)\s*")
# What may stand between a "…以上" and a "…以下" that close one range.
_MINMAX_GAP = re.compile(r"\s*(?:、|且|并且)?\s*")

# Width variants that NFKC folds to one ASCII character (digits, letters, %, -, ~, :, ., /). The
# full-width comma and brackets stay: they are Chinese punctuation, not digit grouping.
_FOLD = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFF5F)
         if chr(c) not in "，（）；！？"}
_FOLD |= {0x3000: " ", 0x2236: ":"}


def _fold(text: str) -> str:
    """NFKC for matching, one character for one, so offsets into the fold are offsets into ``text``."""
    return text.translate(_FOLD)


@lru_cache(maxsize=4096)
def _cn_number(s: str) -> float | None:
    """A Chinese or mixed numeral as a number; None when cn2an cannot read it."""
    if not s:
        return None
    try:
        return float(cn2an.cn2an(s, "smart"))
    except Exception:  # noqa: BLE001 — cn2an raises ValueError and others on odd input; never propagate
        pass
    # "一万亿" and the like: read the head, multiply the trailing magnitudes.
    head = s.rstrip("万亿")
    if head != s and head:
        n = _cn_number(head)
        if n is not None:
            return n * _magnitude(s[len(head):])
    return None


def _magnitude(s: str) -> float:
    out = 1.0
    for ch in s:
        out *= _MAG.get(ch, 1)
    return out


def _small_int(s: str) -> int | None:
    """A month, day or year written in either script."""
    if s.isdigit():
        return int(s)
    n = _cn_number(s)
    return int(n) if n is not None and n == int(n) else None


@dataclass(frozen=True)
class _Tok:
    """A candidate before ranges are joined: the Value plus what a range needs to know."""

    value: Value
    number: float | None  # the numeral alone, before the unit factor
    factor: float  # unit factor (days per unit, …); 1 for bare numbers
    tail: str  # trailing magnitude char of the numeral (万 in 十万), for "五至十万元"
    bare: bool  # no unit: a number only a range can give meaning to
    chinese_bare: bool  # bare and written in Chinese: dropped unless it opens a range
    priority: int  # among equally long candidates, lower wins (a date over a quantity)


def _bound(pre: str | None, post: str | None) -> tuple[str, bool]:
    """(bound, approx) from the words around the numeral; the word next to the numeral decides."""
    bound, approx = "", False
    for word in re.findall(_alt(_MIN_PRE + _MAX_PRE + _APPROX_PRE), pre or ""):
        if word in _MIN_PRE:
            bound = "min"
        elif word in _MAX_PRE:
            bound = "max"
        else:
            approx = True
    if post:
        if post == "左右":
            approx = True
        elif not bound:
            bound = "min" if post in _MIN_POST else "max"
    return bound, approx


def _quantity(m: re.Match[str], original: str) -> _Tok | None:
    unit_text = m.group("unit")
    if m.group("a") is not None:
        number = float(m.group("a").replace(",", "")) * _magnitude(m.group("amag"))
        digits = m.group("a")
        tail = m.group("amag")[-1:] or m.group("mag2")[-1:]
    elif m.group("c") is not None:
        digits = m.group("c")
        if digits in ("零", "〇"):  # 零件, 零售: nobody writes 零 for "no items"
            return None
        number = _cn_number(digits)
        tail = (digits[-1] if digits[-1] in "百千万亿" else "") or m.group("mag2")[-1:]
    else:  # 半: 半年, 半个月, 半小时
        if not unit_text or _UNITS[unit_text][0] != "duration":
            return None
        digits, number, tail = "半", 0.5, ""
    if number is None:
        return None
    number *= _magnitude(m.group("mag2"))
    bound, approx = _bound(m.group("pre"), m.group("post"))
    approx = approx or bool(m.group("approx"))
    start, end = m.start(), m.end()
    chinese = m.group("c") is not None
    if not unit_text:
        # No unit: a bare number. Bound words without a unit are not part of it (they read as words).
        if m.group("half"):
            return None
        start, end = (m.start("a") if m.group("a") is not None else m.start("c")), m.end("mag2")
        value = Value("number", number, number, "", "", original[start:end], start, end, bool(m.group("approx")))
        return _Tok(value, number, 1, tail, True, chinese, 5)
    kind, factor, unit = _UNITS[unit_text]
    plain_digits = not m.group("amag") and not m.group("mag2") and not m.group("approx")
    if unit_text == "年" and plain_digits and len(digits) == 4 and re.fullmatch(r"\d{4}|[〇零一二三四五六七八九]{4}", digits):
        # 2015年, 二〇二二年: a year, never a 2015-year duration.
        n = _small_int(digits) if chinese else int(digits)
        value = Value("year", float(n) if n is not None else None, float(n) if n is not None else None, "年",
                      bound, original[start:end], start, end, approx)
        return _Tok(value, n, 1, "", False, False, 3)
    if unit_text == "月" and plain_digits and number == int(number) and 1 <= number <= 12 and not bound:
        # "六月底", "3月": a month of the calendar. Periods are written 个月 (六个月).
        value = Value("date", None, None, "月", "", original[start:end], start, end, approx)
        return _Tok(value, number, 1, "", False, False, 3)
    amount = number * factor
    value = Value(kind, amount, amount, unit, bound, original[start:end], start, end, approx)
    return _Tok(value, number, factor, tail, False, False, 4)


def _date_value(y: int | None, mo: int | None, d: int | None) -> tuple[float | None, float | None]:
    try:
        if y is None or mo is None:
            return None, None
        if d is not None:
            o = float(datetime.date(y, mo, d).toordinal())
            return o, o
        first = datetime.date(y, mo, 1)
        nxt = datetime.date(y + (mo == 12), mo % 12 + 1, 1)
        return float(first.toordinal()), float(nxt.toordinal() - 1)
    except (ValueError, OverflowError):
        return None, None


def _candidates(folded: str, original: str) -> list[_Tok]:
    out: list[_Tok] = []

    def add(value: Value, priority: int) -> None:
        out.append(_Tok(value, value.low, 1, "", False, False, priority))

    for rx, has_day in ((_DATE_YMD, True), (_DATE_ISO, True), (_DATE_YM, False)):
        for m in rx.finditer(folded):
            y = _small_int(m.group("y"))
            low, high = _date_value(y, _small_int(m.group("m")), _small_int(m.group("d")) if has_day else None)
            add(Value("date", low, high, "日" if has_day else "月", "", original[m.start():m.end()],
                      m.start(), m.end()), 0)
    for m in _DATE_MD.finditer(folded):
        # A month and day without a year: a date, but not a point we can place.
        add(Value("date", None, None, "日", "", original[m.start():m.end()], m.start(), m.end()), 1)
    for m in _FRACTION.finditer(folded):
        den_s, num_s = m.group("den"), m.group("num")
        den = _MAG[den_s] if den_s in _MAG else (float(den_s) if den_s.isdigit() else _cn_number(den_s))
        num = float(num_s) if re.fullmatch(r"\d+(?:\.\d+)?", num_s) else _cn_number(num_s)
        if not den or num is None:
            continue
        pct = num / den * 100
        kind, unit = ("percent", "%") if den_s == "百" else ("percent", "‰") if den_s == "千" else ("fraction", "分之")
        bound, approx = _bound(m.group("pre"), m.group("post"))
        add(Value(kind, pct, pct, unit, bound, original[m.start():m.end()], m.start(), m.end(), approx), 1)
    for m in _HALF.finditer(folded):
        bound = "max" if m.group("post") == "以下" else "min" if m.group("over") or m.group("post") else ""
        add(Value("fraction", 50.0, 50.0, "分之", bound, original[m.start():m.end()], m.start(), m.end()), 1)
    for m in _RATIO.finditer(folded):
        a = float(m.group("a")) if m.group("a")[0].isdigit() else _cn_number(m.group("a"))
        b = float(m.group("b")) if m.group("b")[0].isdigit() else _cn_number(m.group("b"))
        if a is None or not b:
            continue
        r = None if m.group("more") else a / b
        add(Value("ratio", r, r, ":", "", original[m.start():m.end()], m.start(), m.end()), 1)
    for m in _FREQUENCY.finditer(folded):
        n_s, unit_text = m.group("n"), m.group("unit")
        n = 1.0 if not n_s else 0.5 if n_s == "半" else float(n_s) if n_s.isdigit() else _cn_number(n_s)
        if n is None:
            continue
        _, factor, unit = _UNITS[unit_text]
        add(Value("frequency", n * factor, n * factor, unit, "", original[m.start():m.end()], m.start(), m.end()), 2)
    for m in _QUANTITY.finditer(folded):
        if m.end() == m.start():
            continue
        tok = _quantity(m, original)
        if tok is not None:
            out.append(tok)
    return out


def _resolve(cands: list[_Tok]) -> list[_Tok]:
    """Non-overlapping candidates, the longest first (then by priority), returned in text order."""
    taken: list[_Tok] = []
    used: list[tuple[int, int]] = []
    for tok in sorted(cands, key=lambda t: (-(t.value.end - t.value.start), t.priority, t.value.start)):
        s, e = tok.value.start, tok.value.end
        if any(s < ue and us < e for us, ue in used):
            continue
        taken.append(tok)
        used.append((s, e))
    return sorted(taken, key=lambda t: t.value.start)


def _join(a: _Tok, b: _Tok, original: str) -> _Tok | None:
    """One range from two values, or None when they do not make one."""
    va, vb = a.value, b.value
    if b.bare or vb.low is None and vb.kind != "date":
        return None
    low = va.low
    if a.bare:
        if vb.kind in ("year", "date") and not re.fullmatch(r"\d{4}", va.text):
            return None  # "统一到2020年": only a year opens a range of years
        if a.number is None or b.number is None:
            return None
        number = a.number
        # "五至十万元", "3-5万元": the first numeral shares the second's magnitude when that fits.
        if b.tail in ("百", "千", "万", "亿") and b.tail not in va.text:
            scaled = number * _MAG[b.tail]
            if scaled <= b.number:
                number = scaled
        if number > b.number:
            return None
        low = number * b.factor
    elif va.kind != vb.kind or (va.unit != vb.unit and va.kind not in ("duration", "money", "date", "year")):
        # Different kinds never make a range; different units do only where low/high share a base
        # (三个月至一年: both in days). "三家至五个" counts different things.
        return None
    if low is not None and vb.high is not None and low > vb.high:
        return None
    start, end = va.start, vb.end
    value = Value(vb.kind, low, vb.high, vb.unit, "range", original[start:end], start, end, va.approx or vb.approx)
    return _Tok(value, b.number, b.factor, b.tail, False, False, b.priority)


def _ranges(toks: list[_Tok], folded: str, original: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(toks):
        cur = toks[i]
        if i + 1 < len(toks):
            nxt = toks[i + 1]
            gap = folded[cur.value.end:nxt.value.start]
            joined = None
            if _CONNECTOR.fullmatch(gap) and cur.value.bound in ("", "min") and nxt.value.bound in ("", "max"):
                joined = _join(cur, nxt, original)
            elif (_MINMAX_GAP.fullmatch(gap) and cur.value.bound == "min" and nxt.value.bound == "max"
                  and not cur.bare):
                joined = _join(cur, nxt, original)  # 五万元以上五十万元以下, 五日以上十五日以下
            if joined is not None:
                out.append(joined)
                i += 2
                continue
        out.append(cur)
        i += 1
    return out


def parse_values(text: str) -> list[Value]:
    """Every value in ``text``, in order, non-overlapping; [] for anything unreadable."""
    if not isinstance(text, str) or not text:
        return []
    try:
        folded = _fold(text)
        masked = _MASKS.sub(lambda m: "\x00" * len(m.group(0)), folded)
        toks = _ranges(_resolve(_candidates(masked, text)), masked, text)
        return [t.value for t in toks if not t.chinese_bare]
    except Exception:  # noqa: BLE001 — a parser of user text must not take the answer down with it
        return []


def value_kinds(text: str) -> frozenset[str]:
    """The kinds of value ``text`` holds ({"money", "duration"} for a penalty clause)."""
    return frozenset(v.kind for v in parse_values(text))


# --- questions ------------------------------------------------------------------------------------
# What a question asks for is read from the same unit table ("几天" → 天 → duration, "几家" → count),
# plus the few words that ask for a kind without naming a unit.
_ASK_UNIT = re.compile(rf"(?<![第哪])(?:多少|几)\s*(?P<unit>(?:{_UNIT_RX}){_NOT_UNIT})")
_ASK_PERCENT = re.compile(r"百分之几|百分之多少|几成|比例|占比|百分比|比率|费率|税率|多少%|百分点")
_ASK_DATE = re.compile(r"哪一?天|哪一?日|哪一?年|何日|日期|几月几[日号]|哪个月|什么日子")
# "When" without a calendar word: a law answers it with a date or with a time limit from an event
# ("应当在患者死亡后48小时内").
_ASK_WHEN = re.compile(r"什么时候|什么时间|何时")
_ASK_DURATION = re.compile(r"多久|多长|多少时间|期限|时限|时长|有效期|保存期|保质期|多少年限")
_ASK_AMOUNT = re.compile(r"多少|几|多高|多大|上限|下限|最高|最多|最低|金额|数额|标准")
_MONEY_WORDS = re.compile(r"钱|元|金额|数额|罚|补贴|补助|奖|资助|赔|费|资金|价|薪|工资")
_ASK_MULTIPLE = re.compile(r"几倍|多少倍")
_ASK_AGE = re.compile(r"几岁|多少岁|多大年龄|年龄")
# "哪几项", "哪些", "几乎", "第几条": they ask for items, an article or nothing — not for a value.
# "好几年", "十几天", "这几年", "前几天" say roughly how many; they ask nothing.
_NOT_ASKING = re.compile(r"哪几|哪些|几乎|第几|几何|[好十这那近过没]几|(?<!提)前几")
# "投诉电话是多少": a telephone number, a web address … is asked, not a quantity.
_ASK_CONTACT = re.compile(r"(?:电话|热线|号码|网址|邮箱|传真)(?:号码)?[是为]?(?:多少|什么|啥)")


def asked_value_kind(question: str) -> str | None:
    """The kind of value ``question`` asks for: money, duration, count, percent, date, when (a date or a time
    limit), multiple, age, contact (a telephone number or an address: ``sentences.offers`` tells it),
    area, …, "number" for a bare 多少 ("注册资本最低多少？"); None when it asks for no value."""
    if not isinstance(question, str) or not question:
        return None
    q = _without_own_account(_fold(question))
    if _ASK_CONTACT.search(q):
        return "contact"
    if _ASK_PERCENT.search(q):
        return "percent"
    if _ASK_MULTIPLE.search(q):
        return "multiple"
    if _ASK_AGE.search(q):
        return "age"
    if _ASK_DATE.search(q):
        return "date"
    if _ASK_WHEN.search(q):
        return "when"
    for m in _ASK_UNIT.finditer(q):
        if not _NOT_ASKING.search(q[max(0, m.start() - 2):m.end()]):
            return _UNITS[m.group("unit")][0]
    if _ASK_DURATION.search(q):
        return "duration"
    asks = _ASK_AMOUNT.search(_NOT_ASKING.sub("", q))
    if asks and _MONEY_WORDS.search(q):
        return "money"
    if re.search(r"多少|(?<![第哪])几", _NOT_ASKING.sub("", q)):
        return "number"
    return None


# The asker's account of themselves asks nothing: in "我想私下收几个小区的湿垃圾拉去卖，…会怎样？" 几 is "a few".
_OWN_ACCOUNT = re.compile(r"(?:我|我们|我家|我司|家里)[^，,；;。？?！!]*")
_ASKING_ELSE = re.compile(r"怎|什么|吗|谁|哪|如何|能不能|可不可以|是否|多少|几")
# ... unless the asker's clause asks itself ("我们公司能补贴多少钱，要什么条件？").
_ASKS_ITSELF = re.compile(r"怎|什么|吗|谁|哪|如何|是否|能|可以|该|应|需")


def _without_own_account(q: str) -> str:
    """The question without the clauses in which the asker says what they did or have, when a later clause
    asks: "几"/"多少" there counts the asker's things, not a value asked."""
    parts = re.split(r"(?<=[，,；;。])", q)
    keep = [p for i, p in enumerate(parts)
            if not (_OWN_ACCOUNT.match(p.strip()) and not _ASKS_ITSELF.search(p)
                    and any(_ASKING_ELSE.search(later) for later in parts[i + 1:]))]
    return "".join(keep)


# "扣多少分", "多少道题", "分几级": a bare count asked in a measure word the unit table does not know.
_ASK_MEASURE = re.compile(r"(?<![第哪])(?:多少|几)(?P<m>[\u4e00-\u9fff])")
_NUMBER_BEFORE = r"[\d０-９零〇一二两三四五六七八九十百千万]+"


def asked_measure(question: str) -> str | None:
    """The measure word a question asks a bare number in ("扣多少分" → 分), when the question asks for a bare
    number (``asked_value_kind`` "number"); None otherwise."""
    if asked_value_kind(question) != "number":
        return None
    m = _ASK_MEASURE.search(_fold(question))
    return m.group("m") if m and m.group("m") not in "个些种类项条样么" else None


def holds_measure(text: str, measure: str) -> bool:
    """Does the text print a number in that measure word ("一次记12分", "分为四级")?"""
    return re.search(_NUMBER_BEFORE + re.escape(measure), text) is not None


# Which kinds of value answer a question asking for each kind ("多久" is answered by 每年 too).
_ANSWERED_BY: dict[str, frozenset[str]] = {
    "duration": frozenset({"duration", "frequency"}),
    "percent": frozenset({"percent", "fraction", "ratio"}),
    "date": frozenset({"date", "year"}),
    "when": frozenset({"date", "year", "duration"}),
    "count": frozenset({"count"}),
}
_NUMERIC = frozenset({"money", "duration", "count", "percent", "fraction", "ratio", "multiple", "number", "area",
                      "length", "weight", "age", "frequency"})


def satisfies(asked: str | None, kinds: Iterable[str]) -> bool:
    """Whether a text holding values of ``kinds`` can answer a question asking for ``asked``.

    None asks for nothing, so anything satisfies it; "number" (a bare 多少) is satisfied by any
    numeric value."""
    if asked is None:
        return True
    have = frozenset(kinds)
    if asked == "number":
        return bool(have & _NUMERIC)
    return bool(have & _ANSWERED_BY.get(asked, frozenset({asked})))
