"""Optional LLM mode: an OpenAI-compatible model rewrites an extractive answer, then every sentence is checked.

The model sees only the clauses the extractive answer cites (numbered [1]..[n]) and the question. Its output
is trusted sentence by sentence, never as a whole: a sentence survives only if

* it carries at least one [n] marker and every marker names one of the cited clauses;
* every figure in it (digits, with %, 万元, 亿元, 年 … when present) occurs in the cited clauses' text;
* at least ``MIN_BIGRAM_SUPPORT`` of its Chinese character bigrams occur in the cited clauses' text
  (document title included; a few framing bigrams such as 根据/规定 are ignored).

The one exception is a short "文件未规定…" statement, which the prompt asks for and which states no fact.
Citations no surviving sentence uses are dropped and the markers renumbered in order. If no cited sentence
survives, or anything goes wrong (missing package, HTTP error, bad JSON, timeout), the extractive answer is
returned unchanged. The API key comes only from the environment and never reaches a log line.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .answer_types import Answer, Citation

if TYPE_CHECKING:
    from .config import Config

Log = Callable[[str], None]

_logger = logging.getLogger(__name__)


def _warn(msg: str) -> None:
    _logger.warning(msg)


# Share of a sentence's CJK bigrams that must occur in the cited clauses (+ document title). On the examples
# in tests/test_llm.py faithful paraphrases score 0.63-1.0, sentences citing the wrong clause or adding
# content 0.0-0.23 (0.43 for "另外，企业可获得500万元补贴。", which the figure check drops anyway).
# 0.5 sits in that gap: the model may reorder and connect ("按…给予") but not attribute one clause's
# content to another.
MIN_BIGRAM_SUPPORT = 0.5

NOTE = "LLM 改写，已核对引用"
DEFAULT_MODEL = "gpt-4o-mini"
_DUMMY_KEY = "not-needed"

# Framing words a faithful answer uses but a clause rarely contains; they count neither for nor against.
_FRAMING = frozenset(
    "根据 依据 按照 文件 条款 规定 明确 提出 指出 表示 其中 此外 另外 同时 以及 上述 该条 本条 条规 定了 "
    "据该 据文 件规 款规".split()
)

_MARKER = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
_LEADING_MARKERS = re.compile(r"^\s*(?:[\[【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】]\s*)+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_UNITS = ("万元", "亿元", "元", "万", "亿", "%", "年", "倍", "个", "家", "人", "项", "天", "月", "日", "次")
_FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])\s*(" + "|".join(map(re.escape, _UNITS)) + ")?")
_CN_FIGURE = re.compile(r"[零〇一二两三四五六七八九十百千]+[万亿]?元|百分之[零〇一二两三四五六七八九十百点]+")
_NOT_SPECIFIED = re.compile(
    r"^[^，,；;：:]{0,30}(?:文件|条款|原文|上述)[^，,；;：:]{0,6}(?:未|没有)(?:作|做)?(?:规定|明确|载明|提及)[^，,；;：:]{0,30}$"
)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.、)]|[（(]\d+[)）])\s*")


# ---------------------------------------------------------------------------- prompt


SYSTEM_PROMPT = (
    "你是政策问答助手。只能依据用户给出的政策条款回答，不得使用条款以外的任何知识，不得推测。\n"
    "要求：\n"
    "1. 用简洁的中文回答，通常不超过五句话。\n"
    "2. 每一句话末尾都要用 [n] 标注所依据的条款编号，可以标注多个，例如 [1][2]；只能使用给出的编号。\n"
    "3. 数字、比例、金额、年份必须与条款原文完全一致，不得换算或估计。\n"
    "4. 条款没有规定的内容，直接说“文件未规定”，不要补充。"
)


def build_messages(question: str, citations: Sequence[Citation]) -> list[tuple[str, str]]:
    parts = []
    for n, c in enumerate(citations, 1):
        parts.append(f"[{n}] 《{c.doc_title}》{c.label}\n{c.clause_text or c.quote}")
    human = "政策条款：\n" + "\n\n".join(parts) + f"\n\n问题：{question}\n\n请按要求回答，每句话末尾标注 [n]。"
    return [("system", SYSTEM_PROMPT), ("human", human)]


def api_key() -> str:
    return os.environ.get("POLICYQA_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY") or _DUMMY_KEY


def _complete(messages: list[tuple[str, str]], config: Config) -> str:
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        base_url=config.llm_base_url, model=config.llm_model or DEFAULT_MODEL, api_key=api_key(),
        timeout=config.llm_timeout, max_retries=0, temperature=0,
    )
    content = llm.invoke(messages).content
    if isinstance(content, list):  # content blocks
        content = "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content)
    return content if isinstance(content, str) else ""


# ---------------------------------------------------------------------------- verification


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def split_sentences(text: str) -> list[list[str]]:
    """Lines of sentences; [n] markers written after a sentence's 。 stay with that sentence."""
    lines = []
    for line in text.splitlines():
        out: list[str] = []
        for part in re.split(r"(?<=[。！？!?])", line):
            lead = _LEADING_MARKERS.match(part)
            if lead and out:
                out[-1] += lead.group(0).rstrip()
                part = part[lead.end():]
            if part.strip():
                out.append(part.strip())
        if out:
            lines.append(out)
    return lines


def markers(sentence: str) -> list[int]:
    return [int(n) for m in _MARKER.finditer(sentence) for n in re.split(r"[,，、\s]+", m.group(1)) if n]


def _bigrams(text: str) -> list[str]:
    return [run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)]


def _figures(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2) or "") for m in _FIGURE.finditer(text)]


def figures_supported(sentence: str, support: str) -> bool:
    """Every number in the sentence occurs in the support text, with a compatible unit (万 ~ 万元, not 元)."""
    sentence, support = _norm(_MARKER.sub("", sentence)), _norm(support)
    have = _figures(support)
    for num, unit in _figures(sentence):
        same = [u for n, u in have if n == num]
        if not same:
            return False
        if unit and not any(u == unit or (u and (u.startswith(unit) or unit.startswith(u))) for u in same):
            return False
    return all(f in support for f in _CN_FIGURE.findall(sentence))


def bigram_support(sentence: str, support: str) -> float:
    """Share of the sentence's CJK bigrams (framing words aside) that occur in the support text."""
    grams = [g for g in _bigrams(_norm(_MARKER.sub("", sentence))) if g not in _FRAMING]
    if not grams:
        return 0.0
    have = set(_bigrams(_norm(support)))
    return sum(g in have for g in grams) / len(grams)


def _support_text(citations: Sequence[Citation], numbers: Sequence[int]) -> str:
    parts = []
    for n in sorted(set(numbers)):
        c = citations[n - 1]
        parts.append(f"{c.doc_title}\n{c.clause_text or c.quote}")
    return "\n".join(parts)


def check_sentence(sentence: str, citations: Sequence[Citation]) -> str:
    """"ok", "not_specified" (a bare 文件未规定 statement) or the reason the sentence is dropped."""
    nums = markers(sentence)
    bare = _BULLET.sub("", _MARKER.sub("", _norm(sentence))).strip().rstrip("。！？!? ")
    if any(n < 1 or n > len(citations) for n in nums):
        return "bad_marker"
    if _NOT_SPECIFIED.match(bare) and not re.search(r"\d", bare):
        return "not_specified"
    if not nums:
        return "no_marker"
    support = _support_text(citations, nums)
    if not figures_supported(sentence, support):
        return "figure"
    if bigram_support(sentence, support) < MIN_BIGRAM_SUPPORT:
        return "unsupported"
    return "ok"


def verify(text: str, citations: Sequence[Citation]) -> tuple[str, list[Citation], int]:
    """Keep the checked sentences of ``text``; returns (answer text, citations used, sentences dropped).

    The answer text is empty when no sentence with a checked citation survives. Citations keep their order;
    unused ones are dropped and the markers renumbered to match, written as " [n]" like the extractive answer.
    """
    kept_lines: list[list[tuple[str, list[int]]]] = []
    dropped = 0
    facts = 0
    for line in split_sentences(text):
        kept = []
        for s in line:
            verdict = check_sentence(s, citations)
            if verdict == "ok":
                facts += 1
                kept.append((s, markers(s)))
            elif verdict == "not_specified":
                kept.append((s, markers(s)))
            else:
                dropped += 1
        if kept:
            kept_lines.append(kept)
    if not facts:
        return "", list(citations), dropped
    used = sorted({n for line in kept_lines for _, nums in line for n in nums})
    new_number = {old: new for new, old in enumerate(used, 1)}

    def renumber(s: str) -> str:
        nums = list(dict.fromkeys(markers(s)))
        body = _MARKER.sub("", s).rstrip()
        # The marker goes after the sentence's own 。 as in the extractive answer; empty marker pairs vanish.
        return body + ("" if not nums else " " + "".join(f"[{new_number[n]}]" for n in nums))

    out = "\n".join("".join(renumber(s) for s, _ in line) for line in kept_lines)
    return out, [citations[n - 1] for n in used], dropped


# ---------------------------------------------------------------------------- entry point


def refine(answer: Answer, config: Config, *, question: str = "", log: Log = _warn) -> Answer:
    """Let the configured LLM rewrite ``answer`` from its cited clauses; keep only what checks out.

    Returns a new ``Answer`` (same citation objects, unused ones dropped, markers renumbered) or, on any
    failure or when nothing verifiable comes back, ``answer`` itself unchanged.
    """
    if answer.refused or not answer.citations or not config.llm_base_url:
        return answer
    question = question or answer.rewritten_question
    try:
        text = _complete(build_messages(question, answer.citations), config)
    except ImportError:
        log("LLM 改写未启用：未安装 langchain-openai（pip install -e '.[llm]'），使用抽取式回答")
        return answer
    except Exception as e:  # any transport/API/parse error: the extractive answer stands
        log(f"LLM 改写失败（{_describe(e)}），使用抽取式回答")
        return answer
    new_text, cites, dropped = verify(text, answer.citations)
    if not new_text:
        log(f"LLM 改写没有可核对的句子（删去 {dropped} 句），使用抽取式回答")
        return answer
    if dropped:
        log(f"LLM 改写：删去 {dropped} 句无法由所引条款核对的句子")
    return replace(answer, answer=new_text, citations=cites, notes=[*answer.notes, NOTE])


def _describe(e: BaseException) -> str:
    """Exception class and HTTP status only: messages can echo request details, so they are never logged."""
    name = type(e).__name__
    status = getattr(e, "status_code", None)
    return f"{name} HTTP {status}" if isinstance(status, int) else name
