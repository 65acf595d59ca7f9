"""What a question says about documents: which held documents it names, which articles, which
documents it names that the corpus does not hold.

A title is read as place, core and kind (北京市 | 数字经济促进 | 条例); a name in a question is what ends
in a kind, with a place (北京的, 国家的) or 这部/那部 in front of it or not. The name's core must fit the
title's core: a piece of it (数字经济条例), some of its words (直播营销管理办法), or an abbreviation made
from its words (网安法 = 网络|安全, 个保法 = 个人|信息|保护). Each name keeps the one held title it fits
best; a tie names none. Matching is against the titles of the documents loaded, never a list of titles.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .clauses import cn_to_int
from .corpus import Document
from .regions import NATIONAL, Region, gazetteer

# What a document title ends with; a name people type ends the same way. Longer kinds first: 办法 over 法.
_KINDS = "法典|修正案|办法|法|条例|规定|细则|规则|决定|决议|意见|通知|方案|措施|计划|规划|纲要|解释|规范|守则|指南|指引|批复|答复|解答|安排"
_KIND = rf"(?:{_KINDS})"
# 法 ends a name, not the words 法律/法规/法院… it begins.
_KIND_END = re.compile(rf"{_KIND}(?!律|规(?!定)|院|人|官|治|制|学|理|庭|务|(?:实施)?(?:条例|办法|细则)|修正案)")
_TITLE = re.compile(rf"(?P<core>.*?)的?(?:实施|指导)?(?P<kind>{_KIND})$")
_RUN = re.compile(r"[\u4e00-\u9fff+、]{1,60}$")
_NATIONAL_WORD = re.compile(r"(?:国务院|国家|全国|中央)$")
# Between a place, a name and its kind, part of none: 北京的那部…, …法实施细则, …发展的那份意见.
_ASIDE = re.compile(r"的?(?:[这那该此][部份个项]?)?的?(?:实施|指导)?$")
# Words every title is made of: a name needs two characters beside them to name one title.
_FILLER = re.compile(r"管理|监督|促进|实施|暂行|试行|若干|发展|工作|规定|问题|关于|加快|推进|进一步|的")
# jieba tags of words that continue a name to their right: nouns (网络交易|监督管理办法), conjunctions
# (城镇容貌和|环境卫生管理条例), numerals and measures (县、乡两级|人民代表大会…), punctuation.
_IN_A_NAME = frozenset({"n", "nr", "nrfg", "nrt", "ns", "nt", "nz", "ng", "nw", "vn", "an", "j", "l", "i", "eng",
                        "c", "m", "q", "x"})
# Tags of a first character that make "X?法" a phrase (这部法, 用算法, 不合法), not an abbreviation.
_FUNCTION_TAGS = frozenset({"r", "p", "d", "c", "u", "uj", "ul", "v", "a", "zg", "y", "e"})

_ARTICLE = re.compile(r"第([零〇一二三四五六七八九十百千两\d]{1,7})条")
# A law-like name in a question that may be reported as not held: a run of characters ending in a strong
# kind ("规定"/"意见" are everyday words too), followed by where a name ends.
_NAME = re.compile(r"《([^《》]{2,40})》|([\u4e00-\u9fff+]{2,30}?(?:法|条例|办法|细则|管理规定|指南|指引))"
                   r"(?=第|和|与|及|、|里|中|对|的|是|有|怎么|如何|规定|要求|关于|什么时候|何时|哪|现在|目前|还|仍|是否|从|自|已|，|,|。|？|\?|\s|$)")
_QUESTION_START = re.compile(r"^(?:请问|那个|这个|哪个|那么?|按照?|根据|依据|依照|我们|我|有什么|有没有|什么|哪些|该|以前|之前|原来|原先|过去|老的|旧的|"
                             r"现在|目前|现行|如今)+")
# A run of words that cannot be a title: it asks or says something ("有什么说法", "在…管理办法上").
_NOT_A_NAME = re.compile(r"什么|哪|怎么|如何|吗|呢|有没有|是否|说法|做法|看法|想法|(?<!管理|实施|暂行|试行|细则)办法$|方法|"
                         r"(?:算|违|合|非|犯|执|守|依|司)法$")  # 执法, 守法, 依法 …: words, not names
_NOT_IN_A_NAME = frozenset("在对给跟要想能会")  # as words: 社会保险法 and 能源法 are names
# "2021年出的…指南": what follows a year before the name.
_AFTER_YEAR = re.compile(r"^[年月日]?(?:出台|出|发布|印发|制定|颁布)?的?")


def _plain(text: str) -> str:
    return re.sub(r"[“”\"'《》〈〉（）()\s]", "", text).replace("＋", "+")


@dataclass(frozen=True)
class _Title:
    places: tuple[str, ...]  # regions the title begins with (北京市)
    core: str  # 数字经济促进
    kind: str  # 条例
    extra: str  # a trailing (试行), (七)
    starts: frozenset[int]  # where the core's words begin and end
    ends: frozenset[int]


@functools.cache
def _pos() -> Any:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    tok.tokenizer.initialize()
    return tok


_POS_LOCK = threading.Lock()  # jieba's lazy initialisation is not thread-safe


def _tagged(text: str) -> list[tuple[str, str]]:
    with _POS_LOCK:
        return [(w.word, w.flag) for w in _pos().cut(text, HMM=False)]


@functools.lru_cache(maxsize=16384)
def _title(title: str) -> _Title | None:
    """A title's parts; None when it ends in no kind (a name in a question always does)."""
    m = re.search(r"[（(]([^（）()]{1,8})[）)]\s*$", title)
    extra = _plain(m.group(1)) if m else ""
    t = _plain(title[: m.start()] if m else title).replace("中华人民共和国", "")
    places: list[Region] = []
    for surface, place in gazetteer().mentions(t[:16]):
        # 浙江省杭州市… names one place; 宁波杭州湾新区 names 宁波's 杭州湾.
        if not t.startswith(surface) or (places and not gazetteer().is_within(place, places[-1])):
            break
        t, places = t[len(surface):], [*places, place]
    t = re.sub(r"^[^，。]{0,30}?关于(?:加快|推进|促进|进一步)*", "", t)  # the issuer and opener
    parts = _TITLE.match(t)
    if not parts or not parts["core"]:
        return None
    # Words and the dictionary words inside them (网络安全 → 网络, 安全): an abbreviation takes from each.
    with _POS_LOCK:
        words = list(_pos().tokenizer.tokenize(parts["core"], mode="search", HMM=False))
    return _Title(tuple(p.name for p in places), parts["core"], parts["kind"], extra,
                  frozenset(a for _, a, _ in words), frozenset(b for _, _, b in words))


def _align(s: str, t: _Title) -> list[tuple[int, int]] | None:
    """Where ``s`` lies in the title's core, in as few runs as possible, each run beginning a word."""

    @functools.cache
    def go(k: int, pos: int) -> tuple[tuple[int, int], ...] | None:
        if k == len(s):
            return ()
        best = None
        for j in range(pos, len(t.core)):
            if t.core[j] != s[k] or j not in t.starts:
                continue
            n = 1
            while k + n < len(s) and j + n < len(t.core) and t.core[j + n] == s[k + n]:
                n += 1
            for m in range(n, 0, -1):  # the longest run first; a shorter one when the rest needs it
                rest = go(k + m, j + m)
                if rest is not None and (best is None or len(rest) + 1 < len(best)):
                    best = ((j, j + m), *rest)
        return best

    runs = go(0, 0)
    return list(runs) if runs is not None else None


def _fit(s: str, t: _Title, first: bool) -> tuple[int, bool, int, float] | None:
    """How well a name's core ``s`` names the title, best first: its length, the whole core, in fewer
    pieces, covering more of the core; None when it does not name it (or, with ``first``, when it does
    not begin with the title's first word)."""
    if not set(s) <= set(t.core) or (runs := _align(s, t)) is None or (first and runs[0][0] != 0):
        return None
    whole_words = all(a in t.starts and b in t.ends for a, b in runs)
    words = sum(1 for w in t.starts if any(a <= w < b for a, b in runs))
    # Pieces of words make an abbreviation: from the title's first word on, from two words or more.
    if not whole_words and (runs[0][0] != 0 or words < 2):
        return None
    if s != t.core and len(_FILLER.sub("", s)) < 2:
        return None
    return len(s), s == t.core, -len(runs), round(len(s) / len(t.core), 3)


@functools.lru_cache(maxsize=4)
def _index(held: tuple[tuple[str, str], ...]) -> dict[str, dict[str, list[tuple[str, str, _Title]]]]:
    """Held titles by kind, then by each character of their core and by region (for 北京的条例)."""
    out: dict[str, dict[str, list[tuple[str, str, _Title]]]] = {}
    for title, region in dict.fromkeys(held):
        if (t := _title(title)) is None:
            continue
        by = out.setdefault(t.kind, {})
        for key in {*t.core, f"@{region}", *(f"@{p}" for p in t.places)}:
            by.setdefault(key, []).append((title, region, t))
    return out


def _no_word(text: str) -> bool:
    """No word of jieba's dictionary is ``text`` or begins with it."""
    with _POS_LOCK:
        return _pos().tokenizer.FREQ.get(text) is None


def _normal(question: str) -> str:
    """The question as titles are read: 《》 only around a whole name (实施《…工会法》办法 is one)."""
    q = re.sub(rf"《([^《》]*)》(?={_KIND})", r"\1", question.replace("中华人民共和国", ""))
    return re.sub(r"[“”\"'‘’（）()\s]", "", q).replace("＋", "+")


@functools.lru_cache(maxsize=1024)
def _starts(text: str) -> dict[int, tuple[str | None, bool]]:
    """Where in ``text`` (the words before a kind) a name may begin: (the place named before it, whether
    it must begin with a title's first word). Anywhere after a place (北京的, 国家的, 国家噪声法), 的, 这部 or another
    name; after a word that does not continue a name (请问, 适用, 在) only with the title's first word —
    such words are in titles too (广东省水污染|防治条例 is not 艾滋病防治条例); never inside a word
    (国家安全法 is not 国家's 安全法)."""
    names_end = {m.end() + 1 for m in _KIND_END.finditer(text) if text[m.end():m.end() + 1] in ("和", "与", "及", "、")}
    after_word, at = set(), 0
    for word, flag in _tagged(text):
        at += len(word)
        if flag not in _IN_A_NAME:
            after_word.add(at)
    places, at = {}, 0
    for surface, place in gazetteer().mentions(text):
        at = text.index(surface, at) + len(surface)
        places[at] = place.name
    # A place named before holds for the rest of the name: 北京的实施工会法办法 is not 郑州's.
    out: dict[int, tuple[str | None, bool]] = {0: (None, False)}
    place, named = None, False
    for i in range(1, len(text) + 1):
        bare = _ASIDE.sub("", text[:i])
        national = _NATIONAL_WORD.search(bare)
        # 国家的…法, and 国家噪声法 — but not 国家安全法: glued on, 国家 is a place only when it and the next
        # characters begin no word of the dictionary.
        named = len(bare) in places or bool(national and (len(bare) < i or _no_word(national.group(0) + text[i:i + 2])))
        if named:
            place = places.get(len(bare), NATIONAL)
        elif i in names_end:
            place = None
        free = named or len(bare) < i or i in names_end
        if free or i in after_word:
            out[i] = place, not free
    if not named:
        out.pop(len(text), None)  # a place and a kind (北京的条例) only right after each other
    return out


def _named(q: str, docs: list[Document]) -> list[tuple[int, int, tuple, list[str]]]:
    """(start, end, score, titles) for each name in ``q`` that fits a held title: the title it fits
    best, or the several it fits equally well."""
    index = _index(tuple((d.short_title, d.region) for d in docs))
    out = []
    for m in _KIND_END.finditer(q):
        run = _RUN.search(q, 0, m.start())
        by = index.get(m.group(0))
        if not run or not by:
            continue
        text = _ASIDE.sub("", run.group(0))
        best: dict[str, tuple[tuple, int]] = {}
        for i, (place, first) in _starts(text).items():
            s = text[i:]
            if not s and not place:
                continue
            for title, region, t in by.get(s[-1] if s else f"@{place}", ()):
                if place and place != region and place not in t.places:
                    continue  # another place's document of the same name
                fit = _fit(s, t, first) if s else (0, False, 0, 0.0)
                if fit is None:
                    continue
                # Of equal fits: without a place, the national document; the (试行)/(二) asked for, else
                # the title without one.
                asked = re.match(rf"{re.escape(t.extra)}(?![一二三四五六七八九十〇零\d])", q[m.end():])
                extra = 2 if t.extra and asked else int(not t.extra)
                score = (*fit[:2], not place and region == NATIONAL, *fit[2:], extra)
                best[title] = max(best.get(title, ((), 0)), (score, -i))
        if best:
            top = max(score for score, _ in best.values())
            winners = [(title, -i) for title, (score, i) in best.items() if score == top]
            out.append((run.start() + min(i for _, i in winners), m.end(), top, [t for t, _ in winners]))
    # A name inside a longer one is part of it: 适用《公司法》若干问题的规定 does not name 公司法.
    return [n for n in out if not any(o[0] <= n[0] and n[1] < o[1] for o in out)]


def document_kind(title: str) -> str:
    """The kind a title ends in (法, 条例, 解释, 意见 …), "" when none: a document's category in lists."""
    t = _title(title)
    return t.kind if t is not None else ""


def title_variants(doc: Document) -> set[str]:
    """The ways a title may be written in a question: as printed, without 中华人民共和国, from its core
    on (without place, issuer and 关于加快…) or with the place's short form in front."""
    title = _plain(doc.short_title)
    forms = {title, title.removeprefix("中华人民共和国")}
    if (t := _title(doc.short_title)) is not None and t.core in title:
        rest = title[title.index(t.core):]
        forms |= {rest, t.core + t.kind, *(r.short + rest for p in t.places if (r := gazetteer().get(p)))}
    return {f for f in forms if len(f) >= 4}


def named_documents(question: str, documents: Iterable[Document]) -> list[Document]:
    """Documents the question names by (part of) their title, best fit first: a place and a title, a
    piece of the title, some of its words or an abbreviation of them ("网安法"), or a place and a kind
    ("北京的条例") when that place holds one document of that kind."""
    docs = list(documents)
    scores: dict[str, tuple] = {}
    for _, _, score, titles in _named(_normal(question), docs):
        if len(titles) == 1:  # a name that fits several titles equally names none of them
            scores[titles[0]] = max(scores.get(titles[0], ()), score)
    ranked = sorted(scores, key=lambda t: scores[t], reverse=True)
    return [d for title in ranked for d in docs if d.short_title == title]


def document_mentions(question: str, documents: Iterable[Document]) -> list[tuple[str, str]]:
    """(the words that name it, its title) for each held document the question names ("国家噪声法",
    "中华人民共和国噪声污染防治法"), as the question writes them (without quotes and brackets)."""
    q = _normal(question)
    return [(q[a:b], titles[0]) for a, b, _, titles in _named(q, list(documents)) if len(titles) == 1]


def article_numbers(question: str) -> list[int]:
    """The article numbers a question names ("第二十一条" → 21), in order."""
    out = []
    for raw in _ARTICLE.findall(question):
        try:
            n = int(raw) if raw.isdigit() else cn_to_int(raw)
        except (KeyError, ValueError):
            continue
        if n not in out:
            out.append(n)
    return out


_CITED = re.compile(r"(?<![》〉])第([零〇一二三四五六七八九十百千两\d]{1,7})条(?:(?:第[^条，。；]{1,6}[款项])*至第([零〇一二三四五六七八九十百千两\d]{1,7})条)?")


def cited_articles(text: str) -> set[int]:
    """The article numbers a text cites of its own document ("违反本法第二十二条第三款、第四十一条至第四十三条
    规定" → {22, 41, 42, 43}); an article of another law, named right before it (《…》第N条), is not one."""
    out: set[int] = set()
    for m in _CITED.finditer(text):
        try:
            first = cn_to_int(m.group(1))
            last = cn_to_int(m.group(2)) if m.group(2) else first
        except (KeyError, ValueError):
            continue
        out.update(range(first, min(last, first + 50) + 1))
    return out


_CITED_ITEM = re.compile(r"第([零〇一二三四五六七八九十百千两\d]{1,7})条第[（(]([一二三四五六七八九十]{1,3})[）)]项")


def cited_items(text: str) -> set[tuple[int, int]]:
    """(article, item) pairs a text cites ("违反本办法第十五条第（三）项" → {(15, 3)})."""
    out: set[tuple[int, int]] = set()
    for m in _CITED_ITEM.finditer(text):
        try:
            out.add((cn_to_int(m.group(1)), cn_to_int(m.group(2))))
        except (KeyError, ValueError):
            continue
    return out


def _place_and_kind(name: str) -> bool:
    """"北京的条例", "湖北那份意见": a place and a kind, which routing answers for the place."""
    m = re.match(rf"^(?P<place>[\u4e00-\u9fff]{{2,12}}?)的?(?:这部|那部|这份|那份)?{_KIND}$", name)
    # The whole run must be the place: "广东省数字经济促进条例" is a title, not 广东省's 条例.
    return bool(m) and any(surface == m["place"] for surface, _ in gazetteer().mentions(m["place"]))


def unknown_names(question: str, documents: Iterable[Document], corpus_text: str) -> list[str]:
    """Law-like names in the question ("个人信息保护法", 《…》) that name no held document and appear
    nowhere in the corpus text outside a title: the question asks about a document the corpus lacks."""
    q = _normal(question)
    named = [(a, b) for a, b, _, _ in _named(q, list(documents))]
    out = []
    for m in _NAME.finditer(q):
        if any(a < m.end() and m.start() < b for a, b in named):
            continue
        name = _QUESTION_START.sub("", _AFTER_YEAR.sub("", _plain(m.group(1) or m.group(2))))
        name = name.removeprefix("中华人民共和国")
        words = _tagged(name)
        phrase = (len(name) == 3 and words[0][1] in _FUNCTION_TAGS) or any(w in _NOT_IN_A_NAME for w, _ in words)
        if len(name) < 3 or (m.group(2) and (phrase or _NOT_A_NAME.search(name))) or _place_and_kind(name):
            continue  # 这部法, 用算法, 不合法; 在…办法上
        # Cited by title (《…》) is not held; used in running text (依照网络安全法…) is.
        if name not in _outside_titles(corpus_text) and not _tail_held(name, documents):
            out.append(name)
    return out


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _tail_held(name: str, documents: Iterable[Document]) -> bool:
    """Do the name's last words, half of what it says or more, fit a held title of its kind ("驾照记分管理办法":
    记分管理 of 道路交通安全违法行为记分管理办法)? People put their own word for the subject before the title's
    last words; such a name may mean that document, so it is not reported as one the corpus lacks."""
    parts = _TITLE.match(name)
    if not parts or not parts["core"]:
        return False
    titles = {(region, t) for by in _index(tuple((d.short_title, d.region) for d in documents))
              .get(parts["kind"], {}).values() for _, region, t in by}
    # A place's document named in the asker's words ("浙江那个电动车条例"): what the name says beside the place
    # is the core of a title of that kind held for that place with characters left out (电动|自行|车).
    if places := gazetteer().mentions(parts["core"]):
        surface, place = places[-1]
        rest = parts["core"][parts["core"].find(surface) + len(surface):]
        said = _FILLER.sub("", re.sub(r"^的?(?:这|那)[部份个项]?", "", rest))
        if len(said) >= 2 and any(place.name in (region, *t.places) and _subsequence(said, t.core)
                                  for region, t in titles):
            return True
    words = [w for w, _ in _tagged(parts["core"])]
    own = len(_FILLER.sub("", parts["core"]))
    for k in range(1, len(words)):
        tail, before = "".join(words[k:]), "".join(words[:k])
        # At least half of what the name says beside the words every title uses (保护 alone is no clue) …
        if 2 * len(_FILLER.sub("", tail)) < max(own, 4):
            break
        if not _no_word(words[k - 1] + tail[:2]):
            continue  # never inside a word: 国家安全法 is not 国家 + 网络安全法's 安全
        # … and a place named before it is the title's own (浙江省电动自行车管理条例 is not 郑州's).
        places = {p.name for _, p in gazetteer().mentions(before)}
        if any(_fit(tail, t, False) is not None and places <= {region, *t.places} for region, t in titles):
            return True
    return False


@functools.lru_cache(maxsize=1)
def _outside_titles(corpus_text: str) -> str:
    """The corpus text without what it quotes as titles (《…》): built once per corpus, not per question
    (one kept: a changed corpus replaces it)."""
    return _plain(re.sub(r"《[^《》]*》", "", corpus_text))
