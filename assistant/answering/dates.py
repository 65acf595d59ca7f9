"""The date a question asks to judge against: today, or a year it names ("到2027年还管用吗")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .scope import IDENTIFYING_YEAR

_YEAR = re.compile(r"(?<![\d〔\[［(（])(19\d\d|20\d\d)\s*年")
# "按2026年算", "现在是2026年", "截至2025年", "2027年时": a year named as the date to judge against.
_JUDGE_YEAR = re.compile(
    r"(?:按照?|以|截至|截止到?|现在是|今年是|如今是|目前是|眼下是|当前是)\s*(19\d\d|20\d\d)\s*年"
    r"|(19\d\d|20\d\d)\s*年(?:时|的时候|为准|来算|算)"
)
_RELATIVE = {"今年": 0, "明年": 1, "去年": -1, "后年": 2, "前年": -2}


@dataclass(frozen=True)
class JudgeDate:
    """A day, or a whole year, to judge a document or a target against."""

    first: date
    last: date
    named: bool  # the question named the year; False: today

    @property
    def label(self) -> str:
        if not self.named:
            return f"今天（{cn_date(self.first)}）"
        if self.first == self.last:
            return cn_date(self.first)
        return f"{self.first.year}年"

    @property
    def year(self) -> int:
        return self.first.year


def today_judge(today: date) -> JudgeDate:
    return JudgeDate(today, today, False)


def _year_judge(year: int, today: date) -> JudgeDate:
    if year == today.year:
        return JudgeDate(today, today, True)
    return JudgeDate(date(year, 1, 1), date(year, 12, 31), True)


def explicit_judge_year(question: str, today: date) -> JudgeDate | None:
    """A year the question names as the date to judge against ("按今年算", "现在是2026年"), or None."""
    m = _JUDGE_YEAR.search(question)
    if m:
        return _year_judge(int(m.group(1) or m.group(2)), today)
    for word, delta in _RELATIVE.items():
        if word in question:
            return _year_judge(today.year + delta, today)
    return None


def judge_date(question: str, today: date) -> JudgeDate:
    """For a validity question every year it names is the date to judge against ("到2027年还管用吗",
    "2019年开的企业当年适用吗"), except a year that identifies a document ("2016年印发的意见") or sits
    in a document number (〔2016〕); without one, today."""
    explicit = explicit_judge_year(question, today)
    if explicit is not None:
        return explicit
    identifying = {int(y) for y in IDENTIFYING_YEAR.findall(question)}
    years = [int(y) for y in _YEAR.findall(question) if int(y) not in identifying]
    return _year_judge(years[-1], today) if years else today_judge(today)


def cn_date(d: date | str) -> str:
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return f"{d.year}年{d.month}月{d.day}日"
