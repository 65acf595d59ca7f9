"""Sentence-level evidence: a clause split into the sentences and list items an answer quotes.

Every ``Sentence.text`` is a substring of its clause's text, so a quote is always verbatim. Each
sentence knows what it offers — a figure, a date, a duration, a duty (应当/不得), a definition, a
penalty, a target year, list items — so that the answer can pick the sentence that holds what the
question asks for, rather than the one that merely shares its words (a heading such as
"加大政策扶持。" shares many words and says nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .values import parse_values

# Sentence ends; the piece keeps its terminator. A newline ends a sentence too (list lines, titles).
_PIECE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
# Inline enumerations that open a new item inside running text: ①…②…, 一是…二是…, （一）…（二）… .
_INLINE_ITEM = re.compile(r"(?=[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮])|(?<=[。；;：:，,])(?=[一二三四五六七八九十]是)")
_ITEM_MARK = re.compile(
    r"^(?:[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮]|[一二三四五六七八九十]是|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[.．、]|[-—]{1,2})"
)

_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d+(?:\.\d+)?(?![A-Za-z])")
_DUTY = re.compile(r"应当|必须|不得|禁止|严禁|有义务|负责")
_DEFINITION = re.compile(r"是指|所称|的含义|本法下列用语|以下简称")
_PENALTY = re.compile(r"罚款|处罚|警告|吊销|没收|拘留|责令(?:限期)?(?:改正|停止|暂停|关闭)|停业整顿|追究|处分|法律责任")
_TARGET_YEAR = re.compile(r"(?:到|至|力争到|争取到|在)(20\d\d)年")
_CONTACT = re.compile(r"\d{3,4}[-－]\d{7,8}|(?<!\d)1\d{10}(?!\d)|(?<![\d.,])\d{5,6}(?=[^\d，。；]{0,4}(?:电话|热线|专线|号码|平台))|(?:电话|热线|传真|邮箱|地址|网址)[:：]|@[\w.-]+\.\w+|https?://|www\.")
# What a sentence can answer, by the words it holds; the values it holds come from values.parse_values.
_OFFERS = {
    "duty": _DUTY, "definition": _DEFINITION, "penalty": _PENALTY, "target": _TARGET_YEAR, "contact": _CONTACT,
}
# A value's kind (values.py) → what a sentence holding it can answer. Any value is a figure.
_VALUE_OFFERS = {
    "money": ("money",), "percent": ("money",), "multiple": ("money",), "fraction": ("money",),
    "duration": ("duration",), "frequency": ("duration",), "date": ("date",),
}


@dataclass(frozen=True)
class Sentence:
    text: str  # verbatim piece of the clause text
    index: int  # position within the clause
    item: bool = False  # opens with a list marker (①, 一是, （一）, 1.)
    heading: bool = False  # a bare heading: short, no clause-internal punctuation, says nothing by itself

    @property
    def lead_in(self) -> bool:
        """"…实现以下目标:": it announces what follows and holds none of it."""
        return self.text.rstrip().endswith(("：", ":"))

    @property
    def offers(self) -> frozenset[str]:
        """What this sentence can answer: figure, money, date, duration, duty, definition, penalty, target,
        contact (a telephone number, an address, a mail or web address)."""
        return offers(self.text)


@lru_cache(maxsize=65536)
def offers(text: str) -> frozenset[str]:
    found = {kind for kind, rx in _OFFERS.items() if rx.search(text)}
    for value in parse_values(text):
        found.update(("figure", *_VALUE_OFFERS.get(value.kind, ())))
    if text.count("、") >= 3:
        found.add("list")  # "工业云、农业云、金融云、…": the sentence enumerates
    return frozenset(found)


def target_years(text: str) -> list[int]:
    """The target years a text sets ("到2020年…"), in order, without repeats."""
    return list(dict.fromkeys(int(y) for y in _TARGET_YEAR.findall(text)))


def is_heading(piece: str) -> bool:
    """"加大政策扶持。", "基本原则。", "第二章 网络安全支持与促进": short, no commas, nothing to quote."""
    body = piece.strip().rstrip("。：:")
    return 0 < len(body) <= 16 and not re.search(r"[，,、；;：:（(]", body) and not _NUMBER.search(body)


def split(text: str, headings: bool = True) -> list[Sentence]:
    """The clause text as sentences and list items, in order; every piece verbatim from ``text``.

    ``headings`` False: nothing in it is a heading — an article of a law opens with what it says
    ("本法所称的著作权即版权。"), never with a title for the text below."""
    out: list[Sentence] = []
    for m in _PIECE.finditer(text):
        piece = m.group(0)
        cuts = [0, *(c.start() for c in _INLINE_ITEM.finditer(piece) if c.start() > 0), len(piece)]
        for a, b in zip(cuts, cuts[1:], strict=False):
            part = piece[a:b].strip()
            if not part or not re.search(r"[\w\u4e00-\u9fff]", part):
                continue
            item = bool(_ITEM_MARK.match(part))
            # Only a clause's opening piece or a bulleted item can be a heading ("加大政策扶持。",
            # "——市场主导。"); a short sentence inside the text is content ("鼓励各单位设立首席数据官。").
            out.append(Sentence(text=part, index=len(out), item=item,
                                heading=headings and is_heading(part) and (not out or item)))
    return out


def enumeration(sentences: list[Sentence]) -> list[Sentence]:
    """The list items of a clause (①…, 一是…, （一）…, 1. …, ——…) when it enumerates at least two."""
    items = [s for s in sentences if s.item]
    return items if len(items) >= 2 else []
