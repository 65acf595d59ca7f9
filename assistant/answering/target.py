"""Target questions: which years (and periods) a plan sets targets for, what it sets for each, and
whether each has passed as of today or as of the year the question names.

The clause that sets the targets is found by retrieval within the documents the question means,
preferring a goal clause (a heading such as "发展目标") and the clause that shares the question's
words; its sub-items are its targets too. Each sentence goes under the target year it states
("到2018年…"), or under the one stated before it in the same goal ("--打造一批…" after "到2020年…"),
or under a period ("争取在5年内"). The documents never report whether a target was met; the answer
says so. A year the question asks about that no document sets a target for is refused, with the
years that are set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..answer_types import Answer, Citations
from ..clauses import Clause
from ..corpus import Document
from ..lexicon import variants
from ..sentences import split, target_years
from . import fact
from .context import Turn
from .dates import JudgeDate, cn_date, explicit_judge_year, today_judge
from .evidence import Evidence
from .refusal import NAMED_MAX, name_some, refuse
from .scope import IDENTIFYING_YEAR, documents_meant, unheld_names

# A target set as a period rather than a year: "争取在5年内", "通过3－5年努力", "力争利用3年时间".
_CN_DIGITS = "一二三四五六七八九十"
_PERIOD = re.compile(
    rf"(?:利用|通过|用|在|经过)?\s*([\d{_CN_DIGITS}]{{1,3}})(?:\s*[－\-—~～至到]\s*([\d{_CN_DIGITS}]{{1,3}}))?\s*年"
    r"(?:左右)?(?:时间|努力|内|之内)"
)
_YEAR = re.compile(r"(?<![\d〔\[［(（])(20\d\d)\s*年")
MAX_EXTRA = 3  # other clauses of the same document that set further target years
MAX_ALSO = 8  # other clauses of the same document that set the year or period asked


def _int(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    return _CN_DIGITS.index(raw) + 1 if raw in _CN_DIGITS else 0


def sets_targets(text: str) -> bool:
    return bool(target_years(text) or _PERIOD.search(text))


def is_goal(clause: Clause) -> bool:
    """A clause headed as the plan's goals ("发展目标", "工作目标", "主要目标")."""
    return "目标" in clause.heading and len(clause.heading) <= 12


@dataclass
class Goals:
    """The targets one clause (with its sub-items) sets, by year or period, in document order."""

    clause: Clause
    by_key: dict[str, list[tuple[Clause, str]]] = field(default_factory=dict)  # "2020" / "5年内" → sentences
    years: list[int] = field(default_factory=list)
    periods: dict[str, tuple[int, int]] = field(default_factory=dict)  # "3－5年" → (3, 5)

    def add(self, key: str, clause: Clause, sentence: str) -> None:
        self.by_key.setdefault(key, []).append((clause, sentence))


def goals_of(clause: Clause, children: list[Clause]) -> Goals:
    """The targets a clause sets. In a goal clause every sentence after a year or period belongs to
    it, sub-items included ("到2020年…" then "--打造一批…10家以上"); elsewhere (a task that also
    names a year) only the sentences that state a year or period themselves."""
    goals = Goals(clause)
    goal = is_goal(clause)
    current: list[str] = []
    for c in [clause, *children] if goal else [clause]:
        for s in split(c.text):
            years = target_years(s.text)
            period = _PERIOD.search(s.text)
            if years:
                current = [str(y) for y in years]
                goals.years.extend(y for y in years if y not in goals.years)
            elif period:
                lo, hi = _int(period.group(1)), _int(period.group(2) or period.group(1))
                key = period.group(0).strip()
                goals.periods[key] = (lo, hi)
                current = [key]
            elif not goal:
                current = []
            if s.heading or not current:
                continue
            for key in current:
                goals.add(key, c, s.text)
    return goals


@dataclass(frozen=True)
class Asked:
    """What a target question asks about."""

    years: list[int]  # target years it names ("到2020年的目标")
    periods: list[int]  # periods it names ("用3年时间来实现的目标" → 3)
    topic: list[str]  # words naming what the targets are about (not the document, not target talk)
    several: bool  # about several documents or regions at once ("杭州和宁波…各是…")

    @property
    def anything(self) -> bool:
        return bool(self.years or self.periods)


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    corpus = ctx.corpus
    q = turn.rewrite.question
    today = ctx.today()
    judge = explicit_judge_year(q, today) or today_judge(today)
    scope = documents_meant(ctx, turn, own_region=True)
    unheld = unheld_names(ctx, q, scope)
    if unheld:
        return refuse(ctx, f"本库没有《{unheld[0]}》。")
    asked = _asked(ev, q, judge, scope.documents, len(turn.route.regions) >= 2)
    if scope.everything and not asked.topic:
        return _by_document(ev, scope.documents, asked.years, judge)
    # Every clause in scope that sets a target is a candidate; retrieval only ranks them, so the hits
    # of the chain's own search are enough (a second search would embed the question again).
    hits = turn.hits
    families = _families(corpus, {d.doc_id for d in scope.documents})
    candidates = _candidates(ev, asked, hits, families)
    if asked.anything:
        # A year or period asked for: the clauses that set it, when any does.
        candidates = [(sc, c) for sc, c in candidates if _sets_asked(families[c.clause_id], asked)] or candidates
    if not candidates:
        if scope.everything:
            return fact.compose(turn, ev)
        names = name_some(scope.documents, NAMED_MAX, region=False)
        return refuse(ctx, f"{names}没有设定目标年份或期限（原文没有“到某年”“某年内”这类目标）。")
    chosen = _choose(candidates, asked)
    cites = ctx.citations()
    lines: list[str] = []
    unset: list[int] = []
    for c in chosen:
        doc = corpus.documents[c.doc_id]
        goals = goals_of(c, families[c.clause_id][1])
        doc_years = _years_set_in(corpus, doc)
        unset.extend(y for y in asked.years if y not in doc_years and y not in unset)
        keys = [str(y) for y in asked.years if y in goals.years] if asked.years else list(goals.by_key)
        if asked.years and not keys:
            continue
        lines.extend(_block(doc, goals, keys, judge, cites))
        if asked.anything and not asked.topic:
            lines.extend(_also_setting(ev, doc, goals, asked, judge, cites, [x for _, x in candidates]))
        elif not asked.anything:
            lines.extend(_extra_years(ev, doc, goals, judge, cites))
    if unset and len(unset) == len(asked.years) and not any(ln.startswith("- ") for ln in lines):
        return _refuse_years(ev, unset, scope.documents, judge)
    if unset:
        lines.append(f"文件没有设定{'、'.join(f'{y}年' for y in unset)}的目标。")
    if not cites.items:
        return fact.compose(turn, ev)
    lines.append("文件只规定了目标，没有说明这些目标是否已经实现；本库也没有完成情况的资料。")
    used = {item.clause_id for item in cites.items}
    turn.hits = [h for h in hits if h.clause_id in used] + [h for h in hits if h.clause_id not in used]
    return cites.answer(lines)


# Words of the question about targets in general; they say nothing about which target is meant.
_TARGET_TALK = re.compile(
    r"目标|节点|阶段|年份|期限|到期|过期|过了|完成|实现|达到|达成|状态|时间|各自|分别|计划|设定|设了|哪|几|算|\d|年"
)
_ASKED_PERIOD = re.compile(rf"([\d{_CN_DIGITS}]{{1,3}})\s*年(?:左右)?(?:时间|内|之内|努力)")
_SEVERAL = re.compile(r"各(?:是|自|地|有)|分别|两地|几地|都")


def _asked(ev: Evidence, q: str, judge: JudgeDate, docs: list[Document], regions: bool) -> Asked:
    skip = {int(y) for y in IDENTIFYING_YEAR.findall(q)}
    if judge.named:
        skip.add(judge.year)
    years = list(dict.fromkeys(int(y) for y in _YEAR.findall(q) if int(y) not in skip))
    periods = [_int(n) for n in _ASKED_PERIOD.findall(q)]
    # The question's own words, less those that only say which document it means (its title) and
    # those no document in scope contains (they cannot tell two clauses apart).
    titles = "".join(d.short_title for d in docs)
    texts = [ev.ctx.corpus.doc_texts.get(d.doc_id, "") for d in docs]
    topic = [t for t in ev.content_tokens(q) if not _TARGET_TALK.search(t) and t not in titles
             and any(any(v in x for v in variants(t)) for x in texts)]
    return Asked(years, periods, topic, regions or (bool(_SEVERAL.search(q)) and len(docs) > 1))


def _sets_asked(family: tuple[Clause, list[Clause]], asked: Asked) -> bool:
    goals = goals_of(*family)
    if set(asked.years) & set(goals.years):
        return True
    return any(n in span for span in goals.periods.values() for n in asked.periods)


def _topic_share(ev: Evidence, asked: Asked, text: str) -> float:
    if not asked.topic:
        return 0.0
    idf = ev.ctx.searcher.bm25.idf
    total = sum(idf.get(t, 1.0) for t in asked.topic)
    return sum(idf.get(t, 1.0) for t in asked.topic if any(v in text for v in variants(t))) / total


def _candidates(ev: Evidence, asked: Asked, hits, families: dict[str, tuple[Clause, list[Clause]]],
                ) -> list[tuple[float, Clause]]:
    """Clauses that set targets, best first: about the question's topic (in its heading above all),
    a goal clause when the question names no topic, retrieved high, setting the year asked."""
    corpus = ev.ctx.corpus
    rank = {h.clause_id: i for i, h in enumerate(hits)}
    pool = {cid: c for cid, (c, kids) in families.items()
            if c.level > 0 and sets_targets("".join(x.text for x in [c, *kids]))}
    # A chapter that sets nothing itself ("一、工作思路和目标") only contains the clauses that do.
    pool = {cid: c for cid, c in pool.items()
            if sets_targets(c.text) or not any(k.clause_id in pool for k in families[cid][1])}
    # Topic words no candidate contains cannot tell them apart: without any left, the goal clause leads.
    blobs = [c.text + "".join(corpus.context_headings(c)) for c in pool.values()]
    topic = [t for t in asked.topic if any(any(v in b for v in variants(t)) for b in blobs)]
    asked = replace(asked, topic=topic)
    scored = []
    for c in pool.values():
        text = "".join(x.text for x in [c, *families[c.clause_id][1]])
        years = target_years(text)
        blob = c.text + "".join(corpus.context_headings(c))
        score = (_topic_share(ev, asked, blob) + 0.3 * _topic_share(ev, asked, c.heading)
                 + (0.1 if asked.topic else 0.3) * is_goal(c) + 0.03 * min(len(years), 3)
                 + 0.02 * c.level)  # the goal clause itself, not the chapter above it
        if c.clause_id in rank:
            score += 0.2 / (1 + rank[c.clause_id])
        if asked.anything and _sets_asked(families[c.clause_id], asked):
            score += 0.3
        scored.append((score, c))
    return sorted(scored, key=lambda x: -x[0])


def _families(corpus, doc_ids: set[str]) -> dict[str, tuple[Clause, list[Clause]]]:
    """Each clause of the documents with its descendants, in document order, in one pass."""
    out: dict[str, tuple[Clause, list[Clause]]] = {}
    for c in (c for d in corpus.documents if d in doc_ids for c in corpus.clauses_of(d)):
        out[c.clause_id] = (c, [])
        for p in c.parents:
            parent = out.get(f"{c.doc_id}#{p}")
            if parent is not None:
                parent[1].append(c)
    return out


def _choose(candidates: list[tuple[float, Clause]], asked: Asked) -> list[Clause]:
    """The best clause of each document that is nearly as good as the best overall; of every
    document when the question is about several."""
    best = candidates[0][0]
    chosen: list[Clause] = []
    for score, c in candidates:
        if any(x.doc_id == c.doc_id for x in chosen):
            continue
        if asked.several or score >= 0.85 * best:
            chosen.append(c)
    return chosen


def _years_set_in(corpus, doc: Document) -> set[int]:
    return {y for c in corpus.clauses_of(doc.doc_id) for y in target_years(c.text)}


def _passed(year: int, judge: JudgeDate) -> str:
    at = "截至今天" if not judge.named else f"按{judge.label}算"
    if year < judge.year:
        return f"{at}已过"
    if year == judge.year:
        return f"{at}在期限当年（{year}年底到期）"
    return f"{at}尚未到期"


def _period_end(doc: Document, span: tuple[int, int]) -> str:
    """The year a period ends, counted from the document's 施行 (or issue) date: "约至2021年"."""
    start = doc.effective or doc.issued
    if not start:
        return ""
    lo, hi = span
    y = int(start[:4])
    ends = f"{y + lo}年" if lo == hi else f"{y + lo}—{y + hi}年"
    basis = "施行" if doc.effective else "印发"
    return f"自{cn_date(start)}{basis}起算，约至{ends}"


def _block(doc: Document, goals: Goals, keys: list[str], judge: JudgeDate, cites: Citations) -> list[str]:
    c = goals.clause
    head = cites.add(c, goals.by_key[keys[0]][0][1] if keys and goals.by_key.get(keys[0]) else c.heading)
    years = [k for k in keys if k.isdigit()]
    periods = [k for k in keys if not k.isdigit()]
    parts = [f"{len(years)}个目标年份：" + "、".join(f"{y}年" for y in years)] if years else []
    parts += [f"期限“{p}”" for p in periods]
    lines = [f"《{doc.short_title}》{c.label}设定了" + "；".join(parts) + f" [{head}]"]
    for key in keys:
        if key.isdigit():
            title = f"{key}年（{_passed(int(key), judge)}）"
        else:
            lo, hi = goals.periods.get(key, (0, 0))
            end = _period_end(doc, (lo, hi))
            start_year = int((doc.effective or doc.issued or "0")[:4])
            state = f"，{_passed(start_year + hi, judge)}" if end and start_year else ""
            title = f"期限“{key}”（{end}{state}）" if end else f"期限“{key}”"
        lines.append(f"- {title}：")
        for clause, sentence in goals.by_key.get(key, []):
            lines.append(f"  {sentence} [{cites.add(clause, sentence)}]")
    return lines


def _extra_years(ev: Evidence, doc: Document, goals: Goals, judge: JudgeDate, cites: Citations) -> list[str]:
    """Other clauses of the document that set target years the goal clause does not."""
    corpus = ev.ctx.corpus
    seen = set(goals.years)
    family = {goals.clause.clause_id, *(c.clause_id for c in corpus.children(goals.clause))}
    out: list[str] = []
    for c in corpus.clauses_of(doc.doc_id):
        if c.clause_id in family or len(out) >= MAX_EXTRA:
            continue
        for s in split(c.text):
            new = [y for y in target_years(s.text) if y not in seen]
            if new:
                seen.update(new)
                label = "、".join(f"{y}年（{_passed(y, judge)}）" for y in new)
                out.append(f"- 此外，{c.label}设定了{label}的目标：{s.text} [{cites.add(c, s.text)}]")
    return out


def _also_setting(ev: Evidence, doc: Document, goals: Goals, asked: Asked, judge: JudgeDate, cites: Citations,
                  candidates: list[Clause]) -> list[str]:
    """Other clauses of the document that set the year or period asked, each with the sentence that does."""
    corpus = ev.ctx.corpus
    family = {goals.clause.clause_id, *(c.clause_id for c in corpus.children(goals.clause))}
    out: list[str] = []
    order = {c.clause_id: i for i, c in enumerate(corpus.clauses_of(doc.doc_id))}
    for c in sorted(candidates, key=lambda x: (x.doc_id != doc.doc_id, order.get(x.clause_id, 0))):
        if c.doc_id != doc.doc_id or c.clause_id in family or len(out) >= MAX_ALSO:
            continue
        other = goals_of(c, [])
        keys = [str(y) for y in asked.years if y in other.years]
        keys += [k for k, span in other.periods.items() if any(n in span for n in asked.periods)]
        said = [sentence for k in keys for _, sentence in other.by_key.get(k, [])]
        if said:
            body = "".join(dict.fromkeys(said))
            title = c.heading.rstrip("。") if len(c.heading) <= 20 else ""
            out.append(f"- 另见{c.label}{title}：{body} [{cites.add(c, said[0])}]")
    return out


def _years_line(ev: Evidence, d: Document, judge: JudgeDate, cites: Citations) -> str | None:
    """"《X》设定的目标年份：2018年（已过）[1]、2020年（已过）[1]", each year cited where first set."""
    firsts: dict[int, tuple[Clause, str]] = {}
    for c in ev.ctx.corpus.clauses_of(d.doc_id):
        for s in split(c.text):
            for y in target_years(s.text):
                firsts.setdefault(y, (c, s.text))
    if not firsts:
        return None
    parts = []
    for y in sorted(firsts):
        c, s = firsts[y]
        parts.append(f"{y}年（{_passed(y, judge)}）[{cites.add(c, s)}]")
    return f"- 《{d.short_title}》设定的目标年份：" + "、".join(parts)


def _by_document(ev: Evidence, docs: list[Document], asked: list[int], judge: JudgeDate) -> Answer:
    """The question names no document, region or topic: the target years of each document, one line each."""
    cites = ev.ctx.citations()
    lines = [line for d in docs if (line := _years_line(ev, d, judge, cites))]
    if asked and not any(f"{y}年（" in ln for y in asked for ln in lines):
        return _refuse_years(ev, asked, docs, judge)
    lines.insert(0, "问题没有指明是哪份文件。本库各文件设定的目标年份如下（具体目标请指明文件或地区再问）：")
    lines.append("文件只规定了目标，没有说明这些目标是否已经实现；本库也没有完成情况的资料。")
    return cites.answer(lines)


def _refuse_years(ev: Evidence, unset: list[int], docs: list[Document], judge: JudgeDate) -> Answer:
    """No document in scope sets a target for the years asked: say so, and which years they do set."""
    cites = ev.ctx.citations()
    asked = "、".join(f"{y}年" for y in unset)
    lines = [f"文件没有设定{asked}的目标，无法回答这个年份的问题。"]
    lines += [line for d in docs if (line := _years_line(ev, d, judge, cites))]
    if len(lines) == 1:
        lines.append("本库这些文件没有设定目标年份。")
    return cites.answer(lines, refused=True)
