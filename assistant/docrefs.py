"""What a question says about documents: which corpus documents it names, which articles, which
documents it names that the corpus does not hold.

People name a document by part of its title ("网络安全法" for 中华人民共和国网络安全法, "北京数字经济
促进条例" for 北京市数字经济促进条例, "互联网+流通意见"), and an article by its number ("第二十一条").
Matching is against the titles of the documents actually loaded, never a list of known titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .clauses import cn_to_int
from .corpus import Document
from .regions import NATIONAL, gazetteer

# What a document title ends with; a name people type ends the same way.
_KIND = r"(?:法|条例|规定|办法|细则|规则|决定|意见|通知|方案|措施|计划|规划|纲要)"
_ARTICLE = re.compile(r"第([零〇一二三四五六七八九十百千两\d]{1,7})条")
# A law-like name in a question: a run of characters ending in a document kind, followed by where a
# name ends (a particle, 第N条, punctuation). Strong kinds only: "规定"/"意见" are everyday words too.
_NAME = re.compile(r"《([^《》]{2,40})》|([\u4e00-\u9fff+＋“”]{3,30}?(?:法|条例|办法|细则|管理规定|指南|指引))"
                   r"(?=第|里|中|对|的|是|有|怎么|如何|规定|要求|关于|什么时候|何时|哪|现在|目前|还|仍|是否|从|自|已|，|,|。|？|\?|\s|$)")
_QUESTION_START = re.compile(r"^(?:请问|那么?|按照?|根据|依据|依照|我们|我|有什么|有没有|什么|哪些|哪个|这个|那个|该)+")
# A run of words that cannot be a title: it asks or says something ("有什么说法", "在…管理办法上").
_NOT_A_NAME = re.compile(r"什么|哪|怎么|如何|吗|呢|有没有|是否|说法|做法|看法|想法|(?<!管理|实施|暂行|试行|细则)办法$|方法|在|对|给|跟|要|想|能|会")
# "2021年出的…指南": what follows a year before the name.
_AFTER_YEAR = re.compile(r"^[年月日]?(?:出台|出|发布|印发|制定|颁布)?的?")
_GENERIC_NAME = re.compile(r"^(?:办法|方法|做法|说法|想法|看法|算法|违法|合法|依法|非法|执法|立法|司法|守法|这部法|该法|本法)$")


def _plain(text: str) -> str:
    return re.sub(r"[“”\"'《》〈〉（）()\s]", "", text).replace("＋", "+")


def title_variants(doc: Document) -> set[str]:
    """The ways a title may be written in a question: as printed, without 中华人民共和国, without the
    issuing place or with its short form (北京市… → 北京…, …), without 关于/加快 openers."""
    title = _plain(doc.short_title)
    if not title:
        return set()
    forms = {title}
    if title.startswith("中华人民共和国"):
        forms.add(title[len("中华人民共和国"):])
    for surface, place in gazetteer().mentions(title):
        if title.startswith(surface):
            rest = title[len(surface):]
            forms.update({rest, place.short + rest})
    for form in list(forms):
        m = re.match(r"^(?:[\u4e00-\u9fff]{0,8}?(?:人民政府|政府|办公厅))?关于(?:加快|推进|促进|进一步)*(.+)$", form)
        if m:
            forms.add(m.group(1))
    return {f for f in forms if len(f) >= 4}


def _core(form: str) -> str:
    """A title form without its ending kind: "互联网+流通发展的意见" → "互联网+流通"."""
    core = re.sub(rf"(?:的)?(?:实施|指导)?{_KIND}$", "", form)
    return re.sub(r"(?:发展|工作)$", "", core)


_GENERIC_TITLE_WORDS = re.compile(r"关于|加快|推进|促进|进一步|发展|的|实施|指导|暂行|若干|管理|" + _KIND)


def _place_before(q: str, start: int, doc: Document) -> bool:
    """Is another issuer named right before a title part ("广东省" in 广东省数字经济促进条例, 国务院…)?"""
    before = q[max(0, start - 12):start]
    if doc.region != NATIONAL and re.search(r"国务院|中华人民共和国|国家|中央", before):
        return True  # a national document's title, not this local one's
    places = gazetteer().mentions(before)
    if not places or doc.region == NATIONAL:
        return False
    named = places[-1][1].name
    return named != doc.region and named not in _plain(doc.short_title)


_PLACE_KIND = re.compile(rf"^(?P<place>[\u4e00-\u9fff]{{2,12}}?)的?(?:这部|那部|这份|那份)?(?P<kind>{_KIND})$")


def _place_and_kind(name: str) -> tuple[str, str] | None:
    """"北京的条例", "湖北那份意见": a document named by its place and kind, not by title → (region, kind)."""
    m = _PLACE_KIND.match(name)
    if not m:
        return None
    place = m.group("place")
    # The whole run must be the place: "广东省数字经济促进条例" is a title, not 广东省's 条例.
    found = [p for surface, p in gazetteer().mentions(place) if surface == place]
    return (found[0].name, m.group("kind")) if found else None


def _match(q: str, doc: Document) -> int:
    """How much of the document's title the question names (characters); 0 when it does not name it."""
    best = 0
    # "按北京的条例": the place's one document of that kind.
    for m in re.finditer(rf"的?(?:这部|那部|这份|那份)?({_KIND})(?=[，,。？?\s]|$|里|中|对|规定|第)", q):
        before = q[max(0, m.start() - 12):m.start()]
        places = [p for surface, p in gazetteer().mentions(before) if before.endswith(surface)]
        if places and places[-1].name == doc.region and _plain(doc.short_title).endswith(m.group(1)):
            best = max(best, 4)
    for form in title_variants(doc):
        at = q.find(form)
        if at >= 0 and not _place_before(q, at, doc):
            best = max(best, len(form))
            continue
        # The tail of the title: "算法推荐管理规定", "网络安全法", "数字经济促进条例".
        for k in range(len(form) - 1, 4, -1):
            tail = form[-k:]
            at = q.find(tail)
            if at >= 0 and len(_GENERIC_TITLE_WORDS.sub("", tail)) >= 3 and not _place_before(q, at, doc):
                best = max(best, k)
                break
        # The distinctive core and a kind: "互联网+流通意见", "互联网+行动意见".
        core = _core(form)
        m = re.search(re.escape(core) + rf"[\u4e00-\u9fff]{{0,6}}?{_KIND}", q) if len(core) >= 4 else None
        if m and not _place_before(q, m.start(), doc):
            best = max(best, len(core))
    return best


def _short_name(q: str, doc: Document) -> int:
    """A name the question gives as a short form of the title: its distinctive words, then the title's
    kind ("直播办法", "直播营销管理办法" for 网络直播营销活动监督管理办法). The whole name counts, less
    generic title words (管理, 促进…): what is left must be two characters or more of the title, in one
    piece ("网络交易监督管理办法" is another document, not this one)."""
    title = _plain(doc.short_title)
    best = 0
    for m in _NAME.finditer(q):
        name = _QUESTION_START.sub("", m.group(1) or m.group(2))
        kind = re.search(f"{_KIND}$", name)
        if kind is None or not title.endswith(kind.group(0)):
            continue
        core = _GENERIC_TITLE_WORDS.sub("", name[: kind.start()])
        if len(core) >= 2 and core in title and not _place_before(q, m.start(), doc):
            best = max(best, len(core))
    return best


def named_documents(question: str, documents: Iterable[Document]) -> list[Document]:
    """Documents the question names by (part of) their title, best match first: a title form, its tail
    ("网络安全法"), or its distinctive core followed by a kind ("互联网+流通意见"), unless another place
    is named in front of it ("广东省数字经济促进条例" is not Beijing's). Weaker partial matches beside a
    clearly better one are dropped."""
    q = _plain(question)
    documents = list(documents)
    scored = [(n, d) for d in documents if (n := _match(q, d))]
    if not scored:
        # Only when no title matches: a short form may fit several ("管理办法"); then it names none.
        short = [(n, d) for d in documents if (n := _short_name(q, d))]
        scored = short if len(short) == 1 else []
    if not scored:
        return []
    top = max(n for n, _ in scored)
    return [d for n, d in sorted(scored, key=lambda x: -x[0]) if n >= 0.8 * top]


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


def unknown_names(question: str, documents: Iterable[Document], corpus_text: str) -> list[str]:
    """Law-like names in the question ("个人信息保护法", 《…》) that match no document in the corpus and
    appear nowhere in its text: the question asks about a document the corpus does not hold."""
    docs = list(documents)
    forms = {f for d in docs for f in title_variants(d)}
    outside_titles = _plain(re.sub(r"《[^《》]*》", "", corpus_text))
    out = []
    for m in _NAME.finditer(question):
        name = _plain(m.group(1) or m.group(2))
        name = _QUESTION_START.sub("", _AFTER_YEAR.sub("", name))
        if len(name) < 4 or _GENERIC_NAME.match(name) or (m.group(2) and _NOT_A_NAME.search(name)):
            continue
        if name.startswith("中华人民共和国"):
            name = name[len("中华人民共和国"):]
        if name in forms or named_documents(name, docs) or _place_and_kind(name):
            continue  # a held title, or a place and a kind ("北京的条例"): routing answers for the place
        # Cited by title (《…》) is not held; used in running text (依照网络安全法…) is.
        if re.search(re.escape(name), outside_titles):
            continue
        out.append(name)
    return out
