"""Follow-up questions rewritten against the conversation, without an LLM.

"那济南呢？" swaps the region and keeps the topic; "牵头单位是谁？" keeps the topic in focus;
"还有吗？" repeats the previous question and continues the list after what was already shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clauses import cn_to_int
from .regions import gazetteer

_CONTINUE = re.compile(r"^(还有(吗|呢|别的|其他|没有)?|其他的?呢|更多|继续|再来点|再列(几条|一些)?)[？?。!！]*$")
_MARKER = re.compile(r"\[(\d+)\]")
# "第二项具体要做什么？": an item of the list the previous answer was about.
_ORDINAL = re.compile(r"第([一二三四五六七八九十]{1,3}|\d{1,2})(项|条|点|个)")
# A question that opens by pointing back ("这个政策…", "该条款…") is about the previous topic.
_DEICTIC = re.compile(r"^(这个|这项|这条|这些|这一|这件|这方面|这块|这部分|该|此|上述|上面|刚才|它|其|那这|那么这)")
# "他们多久要派人来？", "这种情况找谁？": a person or a situation named earlier, referred to by a pronoun.
_ANAPHORA = re.compile(r"他们|她们|对方|这种|这样|那种|那样|此种|这时|此时|(?<!其)他(?!人)|她")
# Follow-ups that refer back are usually short; one that says more has its own topic.
FOLLOW_UP_CHARS = 20
# "如果是公司干的呢？", "要是不做了呢？": the same matter under another condition.
_CONDITIONAL = re.compile(r"^(?:那|那么)?(?:如果|要是|假如|假设|若是?|万一|换成|换作|改成|对于)|的话")
# "那X呢？" with a new topic X: keep the previous question's frame (region, what was asked).
_TOPIC_SWAP = re.compile(r"^那(么)?(?P<topic>.+?)(呢|怎么样|如何)[？?。]*$")
_ASK_TAIL = re.compile(
    r"(是?由?(谁|哪些?(个)?部门|哪些?(个)?单位)[^，。？?]*|是哪些部门[^，。？?]*|有哪些[^，。？?]*|有什么[^，。？?]*|"
    r"是指什么|指什么|是什么意思|什么意思|怎么定义|如何定义|是什么|怎么[^，。？?]*|如何[^，。？?]*|多少[^，。？?]*|什么时候[^，。？?]*|何时[^，。？?]*|哪天[^，。？?]*|"
    r"多久[^，。？?]*|还有效[^，。？?]*|有效吗|是否[^，。？?]*)[？?。]*$"
)
# A document named by its kind ("网络安全法", "北京数字经济促进条例", "那份意见").
_DOCUMENT = re.compile(r"[\u4e00-\u9fff+“”]{2,30}?(?:法|条例|规定|办法|细则|意见)")
# Words that carry no topic of their own: a question made only of these is about the previous one.
_FOCUS_WORDS = re.compile(
    r"那么?|这个?|这条|该|其|它|上述|具体|一下|呢|吗|呀|啊|谁|哪个|哪些|什么|多少|几|怎么|如何|是|的|有|"
    r"牵头单位|参加单位|责任单位|牵头|负责|参加|配合|部门|单位|目标|指标|时间|时候|何时|年份|期限|"
    r"有效期|有效|施行|文号|出处|原文|条款|内容|要求|标准|金额|比例|数字|数额|规定|说|讲|还|又|都|"
    r"文件|里|写|落实|执行|实施|开展|分别|各|每|要|建|做|在|由|个|项|"
    # "违反了怎么罚？", "不做会有什么后果？": the penalty for the duty just quoted.
    r"违反|违规|不做|罚款|处罚|罚|后果|处理|了|会|被|受|话|"
    # "现在还能申请吗？": whether what was just quoted still applies.
    r"现在|目前|如今|今年|还能|能|申请|享受|用|"
    r"[？?。，,！!、\s]"
)


# A turn that says something and asks nothing: no question mark, no question word.
_STATEMENT = re.compile(r"(?![^？?]*(?:什么|哪|谁|多少|几|怎么|如何|吗|呢|是否|能否|可否|有没有|是不是|能不能|可不可以))[^？?]+")


@dataclass(frozen=True)
class Rewrite:
    question: str  # what retrieval and routing see
    kind: str = "none"  # none | continue | region_swap | topic_swap | focus | ordinal
    skip: int = 0  # for "continue": how many items the previous answer already showed
    item: int = 0  # for "ordinal": "第二项" → 2
    previous: str = ""  # the previous question, for "ordinal"


def _last(history: list[dict], role: str) -> str:
    for turn in reversed(history):
        if isinstance(turn, dict) and turn.get("role") == role and isinstance(turn.get("content"), str):
            return turn["content"]
    return ""


def _regions_in(text: str) -> list[str]:
    """The place names as written in the text ("济南", "湖北省"), in order, without repeats."""
    return list(dict.fromkeys(surface for surface, _ in gazetteer().mentions(text)))


def rewrite(question: str, history: list[dict]) -> Rewrite:
    q = question.strip()
    prev = _last(history, "user")
    if not prev:
        return Rewrite(q)
    ordinal = _ORDINAL.search(q)
    if ordinal and len(q) <= FOLLOW_UP_CHARS:
        raw = ordinal.group(1)
        n = int(raw) if raw.isdigit() else cn_to_int(raw)
        return Rewrite(f"{prev.rstrip('？?。')}，{q}", "ordinal", item=n, previous=prev)
    if _CONTINUE.match(q):
        shown = len(set(_MARKER.findall(_last(history, "assistant"))))
        return Rewrite(prev, "continue", skip=shown)
    if len(q) <= FOLLOW_UP_CHARS:
        new_regions = _regions_in(q)
        rest = q
        for r in new_regions:
            rest = rest.replace(r, "")
        if new_regions and not _FOCUS_WORDS.sub("", rest).replace("省", "").replace("市", ""):
            old = _regions_in(prev)
            swapped = prev
            if old:
                swapped = swapped.replace(old[0], new_regions[0])
                for extra in old[1:]:
                    swapped = swapped.replace(extra, "")
            else:
                swapped = f"{new_regions[0]}{prev}"
            return Rewrite(swapped, "region_swap")
        if not _FOCUS_WORDS.sub("", q) or _DEICTIC.match(q) or _CONDITIONAL.search(q):
            return Rewrite(f"{prev.rstrip('？?。')}，{q}", "focus")
        swap = _TOPIC_SWAP.match(q)
        if swap and _DOCUMENT.fullmatch(swap.group("topic")):
            # "那网络安全法呢？": the same question about another document, in place of the one it named.
            named = _DOCUMENT.search(prev)
            topic = swap.group("topic")
            question = prev.replace(named.group(0), topic, 1) if named else f"{topic}{prev}"
            return Rewrite(question, "topic_swap")
        if swap and not new_regions:
            tail = _ASK_TAIL.search(prev)
            ask = tail.group(0) if tail else "有什么规定？"
            return Rewrite(f"{''.join(_regions_in(prev)[:1])}{swap.group('topic')}{ask}", "topic_swap")
        if _ANAPHORA.search(q):
            return Rewrite(f"{prev.rstrip('？?。')}，{q}", "focus")
    if _STATEMENT.fullmatch(prev.strip()):
        # "我们是刚在深圳注册的一家人工智能初创公司。" then "融资方面有什么支持？": what was said is the
        # question's own setting.
        return Rewrite(f"{prev.strip().rstrip('。.！!')}，{q}")
    return Rewrite(q)
