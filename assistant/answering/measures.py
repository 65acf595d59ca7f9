"""Support measures as data: what a clause offers an enterprise, read from the clause's own sentences.

A measure is one clause that offers something: its benefit sentences (a grant verb — 给予, 奖励, 补贴,
支持 … — in a sentence that is not a duty or a penalty), the kind of each (资金与奖励, 税收, 融资 …, from the
sentence's own words), the amounts they print (``values.parse_values``: money and rates, with the cap
words 最高/不超过 kept), the beneficiary and conditions as printed (对…的, 符合…条件的, 经认定的…) and the
units responsible (the clause's annotated lead units, else the units its text names). A clause that only
supports or encourages ("支持…发展") without granting a kind of benefit is a measure of kind 方向性支持.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..clauses import Clause
from ..sentences import split as split_sentences
from ..values import parse_values

DIRECTION = "方向性支持"
# The kinds of benefit, each named by the words a sentence granting it uses.
SUPPORT_KINDS = {
    "资金与奖励": ("资金", "奖励", "补贴", "补助", "资助", "专项", "以奖代补", "给予支持", "一次性"),
    "税收": ("税", "所得税"),
    "融资": ("融资", "贷款", "基金", "投资", "担保", "上市", "债", "信贷", "贴息"),
    "人才": ("人才", "职称", "培训", "引进"),
    "场地与租金": ("租金", "房租", "场地", "载体", "园区", "办公用房", "用地"),
    "认定与荣誉": ("认定", "示范", "评选", "品牌", "名单"),
    "准入与便利": ("登记", "审批", "许可", "经营场所", "简化"),
}
# A sentence offers something when it gives or eases (给予, 补贴, 放宽 …); one that only supports or
# encourages (支持…发展, 鼓励…) points a direction. What kind of benefit it gives comes from its own words.
_GIVES = re.compile(r"给予|奖励|奖补|补贴|补助|资助|贴息|减免|减按|免征|免收|减征|优惠|享受|以奖代补|予以|倾斜|放宽|简化|"
                    r"绿色通道|优先")
_GRANT = re.compile(rf"{_GIVES.pattern}|支持|鼓励|扶持")
# A sentence that binds or punishes grants nothing, whatever words it shares with one that does.
_NOT_A_GRANT = re.compile(r"罚款|处罚|责令|吊销|没收|追究|不得|禁止|违反")
_CONDITION = re.compile(
    r"对(?:于)?[^，。；：]{2,40}?(?:的(?=[，,]|企业|项目|平台|给予|按|最高|经|可|将|予以)|(?=[，,](?:给予|按|最高|可|予以|一次性)))|"
    r"符合[^，。；]{2,40}?条件的|经(?:认定|评定|认证|备案|审核)[^，。；]{0,20}?的|"
    r"(?:年|首次|当年)[^，。；]{0,24}?(?:达到|超过|突破|以上)[^，。；]{0,16}?的|"
    r"(?:新|首次)?(?:认定|评为|获评|入选)为?[^，。；]{2,30}?的"
)
AMOUNT_KINDS = ("money", "percent", "multiple")


@dataclass(frozen=True)
class Amount:
    text: str  # as printed ("最高不超过200万元", "50%")
    kind: str  # money | percent | multiple
    low: float | None
    high: float | None
    unit: str
    cap: bool  # 最高/不超过: an upper limit, not a fixed sum


@dataclass(frozen=True)
class Measure:
    clause_id: str
    doc_id: str
    kinds: tuple[str, ...]  # the kinds of benefit its sentences grant, in order; (DIRECTION,) for a goal only
    sentences: tuple[str, ...]  # the benefit sentences, as printed
    amounts: tuple[Amount, ...] = ()
    conditions: tuple[str, ...] = ()  # beneficiary and conditions as printed
    units: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.kinds[0]

    @property
    def concrete(self) -> bool:
        return self.kind != DIRECTION

    @property
    def amount_text(self) -> str:
        return "；".join(a.text for a in self.amounts)


def benefit_kind(sentence: str) -> str | None:
    """The kind of benefit a sentence grants (its most-named kind's keywords), DIRECTION when it only
    supports or encourages, None when it grants nothing."""
    if not _GRANT.search(sentence) or _NOT_A_GRANT.search(sentence):
        return None
    if not _GIVES.search(sentence):
        return DIRECTION
    scores = {kind: sum(1 for k in keys if k in sentence) for kind, keys in SUPPORT_KINDS.items()}
    kind, score = max(scores.items(), key=lambda kv: kv[1])
    return kind if score else "资金与奖励" if parse_values(sentence) else DIRECTION


def measure_of(clause: Clause, units: tuple[str, ...] = ()) -> Measure | None:
    """The measure a clause holds, or None when it offers nothing. ``units``: the units its text names,
    used when the clause carries no annotated lead unit."""
    parts = split_sentences(clause.text)
    # A heading is no benefit sentence, unless it is the clause's only sentence.
    granted = [(s.text, kind) for s in parts if not (s.heading and len(parts) > 1)
               if (kind := benefit_kind(s.text)) is not None]
    if not granted:
        return None
    concrete = list(dict.fromkeys(k for _, k in granted if k != DIRECTION))
    kinds = tuple(concrete) if concrete else (DIRECTION,)
    # With something concrete granted, the sentences that only point a direction are left out.
    sentences = [t for t, k in granted if not concrete or k != DIRECTION]
    amounts = tuple(a for s in sentences for a in _amounts(s))
    conditions = tuple(dict.fromkeys(m.group(0) for s in sentences for m in _CONDITION.finditer(s)))
    return Measure(
        clause_id=clause.clause_id, doc_id=clause.doc_id, kinds=kinds, sentences=tuple(sentences),
        amounts=amounts, conditions=conditions, units=tuple(clause.lead_units) or units,
    )


def _amounts(sentence: str) -> list[Amount]:
    out = []
    for v in parse_values(sentence):
        if v.kind not in AMOUNT_KINDS:
            continue
        lead = re.search(r"(?:最高|不超过|最多)+$", sentence[max(0, v.start - 6) : v.start])
        text = (lead.group(0) if lead and not v.text.startswith(lead.group(0)) else "") + v.text
        out.append(Amount(text=text, kind=v.kind, low=v.low, high=v.high, unit=v.unit,
                          cap=v.bound == "max" or bool(lead)))
    return out
