"""Validity questions: when a document was adopted or issued, from when it applies and until when,
whether it is in force on a date (today, or a year the question names), whether it was amended or
repealed; its document number and the documents it was made on the basis of.

Every fact is quoted from the clause that prints it, found by what the text says — the adoption
line ("…会议通过"), the 施行 sentence wherever it stands ("本法自…起施行" in the last article, a
"2022年3月1日施行" line at the top, "本意见自…起施行，有效期为5年" at the end), the dated signature,
修正/修订 lines, "…同时废止" — never by a fixed position. Status is what the corpus shows: a document
repealed by another corpus document says which one; a document without a printed validity period is
not called valid for ever, only "not repealed by anything in the corpus".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..answer_types import Answer, Citations
from ..clauses import Clause
from ..corpus import Corpus, Document
from ..docfacts import normalise_title, own_period_sentence
from ..retrieval import Hit
from ..sentences import split
from .context import Turn
from .dates import JudgeDate, cn_date, judge_date
from .evidence import Evidence
from .refusal import NAMED_MAX, refuse
from .scope import documents_meant, unheld_names

_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
# The adoption or promulgation event: from its date to the verb ("…第二十四次会议通过", "…令第5号公布").
_ADOPTION = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[^。；\n]*?(?:审议通过|通过|批准|公布|颁布|发布)")
_DATE_ONLY = re.compile(r"[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:印发|发布|公布|签发)?\s*[）)]?")
# A document's own 施行 sentence: "本法自2017年6月1日起施行", "本意见自印发之日起实施，有效期3年", a judicial
# interpretation's "本解释自2021年1月1日起施行".
_OWN_EFFECT = re.compile(
    r"^(?:本|此|该)(?:法|条例|规定|办法|细则|规则|决定|意见|通知|方案|措施|计划|规划|政策|文件|指引|解释|批复|准则|章程|纲要|"
    r"实施意见|实施细则|实施办法)"
    r"[^。；]{0,6}?(?:自|从|于)[^。；]{0,30}?(?:施行|实施|执行|生效)"
)
_EFFECT_LINE = re.compile(r"^[（(]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*起?\s*(?:施行|实施|生效)\s*[）)]?$")
_INLINE_EFFECT = re.compile(r"自\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*起?\s*(?:施行|实施|生效)")
_PERIOD = re.compile(r"有效期")
_REPLACES = re.compile(r"》[^《》。；]{0,30}?(?:同时)?(?:废止|失效|停止执行)")
_AMENDMENT = re.compile(r"(?:根据)?\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[^。；\n]*?(?:修正|修订)")
_BASIS_SENTENCE = re.compile(r"(?:根据|依据|依照|按照|贯彻)[^。]*?(?:制定|提出|结合|精神)")

# What a validity question asks for; a question that asks none of them gets adoption, effect and status.
_ASKS = {
    "basis": re.compile(r"(?:根据|依据|依照|按照)[^，。？]{0,8}(?:哪|什么)|上位|制定依据|依据是|哪份(?:国家|上级)?文件"),
    "number": re.compile(r"文号|字号|发文号|令号"),
    "adopted": re.compile(r"通过|颁布|公布|发布|印发|出台|发文|落款|成文|机关|哪个部门|谁(?:发|出|制|印|定)|哪天发|什么时候发"),
    "effective": re.compile(r"施行|生效|实施|起效|开始|执行|起算"),
    "status": re.compile(r"有效|失效|废止|过期|现行|管用|适用|能用|还能|还在|作数|算数|执行|到期|享受"),
    "amended": re.compile(r"修正|修订|修改|改过"),
    "repealed": re.compile(r"废止|取代|替代|作废"),
}
MAX_FULL = 3  # documents answered in full; more get one line each
_ASKS_ISSUER = re.compile(r"机关|哪个部门|谁|哪个单位|哪家")


def asked(question: str) -> set[str]:
    # Title words are not what is asked: "实施意见" asks nothing about 实施, 《…发布…》 nothing about 发布.
    question = re.sub(r"《[^《》]*》|实施(?:意见|细则|办法|方案|条例)", "", question)
    wants = {name for name, rx in _ASKS.items() if rx.search(question)}
    if not wants:
        wants = {"adopted", "effective", "status"}
    if "amended" in wants or "repealed" in wants:
        wants.add("status")
    return wants


@dataclass(frozen=True)
class Printed:
    """A fact as the document prints it: the clause and the verbatim text quoted from it."""

    clause: Clause
    text: str


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    scope = documents_meant(ctx, turn)
    docs = scope.documents
    unheld = unheld_names(ctx, q, scope)
    if unheld:
        return refuse(ctx, f"本库没有《{unheld[0]}》。")
    when = judge_date(q, ctx.today())
    wants = asked(q)
    total = len(docs)
    if total > NAMED_MAX:
        # A library of thousands is never listed: the documents retrieval found nearest the question.
        held = {d.doc_id: d for d in docs}
        near = [held[d] for d in dict.fromkeys(h.clause_id.split("#", 1)[0] for h in turn.hits) if d in held]
        docs = (near or docs)[:NAMED_MAX]
    cites = ctx.citations()
    lines: list[str] = []
    used: list[Clause] = []
    if "number" in wants:
        if not any(d.doc_number for d in docs):
            return refuse(ctx, "文件原文没有载明文号。")
        for d in docs:
            found = _number(ctx.corpus, d)
            if found:
                lines.append(f"- 《{d.short_title}》的文号为{d.doc_number} [{_cite(cites, used, found)}]")
    # Many documents (the question did not narrow them down): one line each.
    short = scope.everything or len(docs) > MAX_FULL
    for d in docs:
        if "basis" in wants:
            lines.extend(_basis_lines(ctx.corpus, d, cites, used))
        elif short:
            lines.append(_short_line(ctx.corpus, d, when, cites, used))
        elif wants - {"number"}:
            lines.extend(_validity_lines(ctx.corpus, d, when, wants, q, cites, used))
    if not cites.items:
        return refuse(ctx, "")
    if total > len(docs):
        which = "问题没有指明是哪份文件；本库共" if scope.everything else "符合条件的文件共"
        lines.insert(0, f"{which}{total:,}份，以下列出与问题最相关的{len(docs)}份（判断日期：{when.label}）：")
    elif short and "basis" not in wants and len(docs) > 1:
        which = "问题没有指明是哪份文件，以下逐一列出本库" if scope.everything else "以下逐一列出"
        lines.insert(0, f"{which}{len(docs)}份文件的状态（判断日期：{when.label}）：")
    # What the answer was built from: the clauses that print the facts, then what retrieval found.
    shown = {c.clause_id for c in used}
    turn.hits = [Hit(c.clause_id, 1.0) for c in used] + [h for h in turn.hits if h.clause_id not in shown]
    return cites.answer(lines)


def _cite(cites: Citations, used: list[Clause], found: Printed) -> int:
    if found.clause not in used:
        used.append(found.clause)
    return cites.add(found.clause, found.text)


# ---------------------------------------------------------------- what the document prints


def clauses_of(corpus: Corpus, doc_id: str) -> list[Clause]:
    """The document's clauses, the text before the body ("0") first, the closing text ("end") next,
    then the articles from the last one back: where adoption, dates and 施行 are printed."""
    own = corpus.clauses_of(doc_id)
    head = [c for c in own if c.path == "0"]
    tail = [c for c in own if c.path == "end"]
    body = [c for c in own if c.path not in ("0", "end")]
    return head + tail + body[::-1]


def adoption(corpus: Corpus, doc: Document) -> Printed | None:
    """The adoption or promulgation line ("2016年11月7日第十二届…会议通过")."""
    for c in clauses_of(corpus, doc.doc_id):
        if c.level > 0:
            break
        for line in c.text.split("\n"):
            m = _ADOPTION.search(line)
            if m and not re.search(r"施行|实施|生效", m.group(0)):
                return Printed(c, m.group(0).strip())
    return None


def dated(corpus: Corpus, doc: Document) -> Printed | None:
    """The dated signature or 印发 line at the end ("2016年7月6日印发", "2015年7月20日")."""
    for c in clauses_of(corpus, doc.doc_id):
        if c.level > 0:
            break
        for line in reversed(c.text.split("\n")):
            if _DATE_ONLY.fullmatch(line.strip()):
                return Printed(c, line.strip())
    return None


def effect(corpus: Corpus, doc: Document) -> Printed | None:
    """The sentence that says from when the document applies ("本法自2017年6月1日起施行。"), wherever
    it stands; else a "2022年3月1日施行" line at the top; else "自2020年1月1日起施行" inside the
    promulgation line ("…国务院令第722号公布 自2020年1月1日起施行")."""
    line = inline = None
    for c in clauses_of(corpus, doc.doc_id):
        pieces = split(c.text)
        for i, s in enumerate(pieces):
            if _OWN_EFFECT.search(s.text):
                # "…起施行。《旧规定》同时废止。": what it replaced is part of its status.
                after = pieces[i + 1].text if i + 1 < len(pieces) else ""
                return Printed(c, s.text + after if _REPLACES.search(after) else s.text)
            if c.level > 0:
                continue
            if line is None and _EFFECT_LINE.match(s.text):
                line = Printed(c, s.text)
            m = _INLINE_EFFECT.search(s.text)
            if inline is None and m:
                inline = Printed(c, m.group(0))
    return line or inline


# "本解释施行前已经终审…的，不适用本解释": to which cases or acts the document applies in time.
_APPLIES_IN_TIME = re.compile(r"适用(?:本|当时|原)")


def transitional(eff: Printed) -> list[Printed]:
    """The sentences after the 施行 sentence in its article that say which cases, contracts or acts the
    document applies to ("本解释施行后尚未终审的案件，适用本解释；…不适用本解释。")."""
    pieces = split(eff.clause.text)
    at = next((i for i, p in enumerate(pieces) if p.text in eff.text), None)
    if at is None:
        return []
    return [Printed(eff.clause, p.text) for p in pieces[at + 1:] if _APPLIES_IN_TIME.search(p.text)][:3]


def period(corpus: Corpus, doc: Document) -> Printed | None:
    """A sentence printing the validity period ("有效期为5年"), when the 施行 sentence does not."""
    for c in clauses_of(corpus, doc.doc_id):
        for s in split(c.text):
            if own_period_sentence(s.text):
                return Printed(c, s.text)
    return None


def amendments(corpus: Corpus, doc: Document) -> list[Printed]:
    """The 修正 / 修订 events printed at the top, as printed."""
    out: list[Printed] = []
    for c in clauses_of(corpus, doc.doc_id):
        if c.level > 0:
            break
        for m in _AMENDMENT.finditer(c.text):
            text = m.group(0).strip()
            # "…通过 根据…修正": the amendment starts after the adoption event.
            text = re.sub(r"^.*?(?:通过|公布|发布)\s*(?=(?:根据)?\d{4}\s*年)", "", text)
            out.append(Printed(c, text))
    return out


def repeal_sentences(corpus: Corpus, doc: Document) -> list[Printed]:
    """Sentences of this document that repeal another ("…《X》同时废止")."""
    return [Printed(c, s.text) for c in clauses_of(corpus, doc.doc_id) for s in split(c.text)
            if "废止" in s.text and "《" in s.text]


def _names_repealed(question: str, sentence: str, doc: Document) -> bool:
    """Does the question name a title this repealing sentence names — by the title or a tail of it six
    characters or longer ("城市道路交通管理条例" for 郑州市城市道路交通管理条例) that is not also the tail of the
    repealing document's own title?"""
    q, own = normalise_title(question), normalise_title(doc.short_title)
    for title in re.findall(r"《([^《》]+)》", sentence):
        t = normalise_title(title)
        if any(t[-k:] in q and not own.endswith(t[-k:]) for k in range(len(t), 5, -1)):
            return True
    return False


def repealing(corpus: Corpus, doc: Document) -> tuple[Document, Printed | None] | None:
    """The corpus document that repeals this one and the sentence that says so."""
    repealer = corpus.repealed_by(doc.doc_id)
    if repealer is None:
        return None
    title = normalise_title(doc.short_title)
    for p in repeal_sentences(corpus, repealer):
        if any(normalise_title(t) == title for t in re.findall(r"《([^《》]+)》", p.text)):
            return repealer, p
    return repealer, None


def _number(corpus: Corpus, doc: Document) -> Printed | None:
    if not doc.doc_number:
        return None
    for c in clauses_of(corpus, doc.doc_id):
        if doc.doc_number in c.text:
            return Printed(c, doc.doc_number)
    return None


# ---------------------------------------------------------------- lines of the answer


_MEETING = re.compile(r"\d{4}\s*年|第[零〇一二三四五六七八九十百千两\d]+次|[^，。\s]{0,4}会议|令|审议|通过|公布|发布|颁布")


def issuer_printed(line: str) -> str:
    """The body that adopted or promulgated, as the line prints it: "2022年11月25日北京市第十五届人民
    代表大会常务委员会第四十五次会议通过" → "北京市第十五届人民代表大会常务委员会"."""
    m = _DATE.match(line)
    body = line[m.end():].strip() if m else line
    cut = _MEETING.search(body)
    return body[: cut.start()].strip(" ，,（(") if cut else ""


def _head(d: Document) -> str:
    return f"《{d.short_title}》" + (f"（{d.doc_number}）" if d.doc_number else "")


def _adoption_line(corpus: Corpus, d: Document, q: str, cites: Citations, used: list[Clause]) -> str | None:
    found = adoption(corpus, d)
    if found is not None:
        n = _cite(cites, used, found)
        verb = "通过" if re.search(r"通过|批准", found.text) else "公布"
        m = _DATE.match(found.text)
        on = f"于{m.group(0)}" if m else ""
        who = f"由{body}" if (body := issuer_printed(found.text)) else ""
        return f"- {_head(d)}{on}{who}{verb}：“{found.text}” [{n}]"
    found = dated(corpus, d)
    if found is not None:
        n = _cite(cites, used, found)
        kind = "印发日期" if "印发" in found.text else "落款日期"
        who = f"；落款机关为{d.issuer}" if _ASKS_ISSUER.search(q) and d.issuer and d.issuer in found.clause.text else ""
        return f"- {_head(d)}：{kind}为“{found.text}”{who} [{n}]"
    return None


def _validity_lines(corpus: Corpus, d: Document, when: JudgeDate, wants: set[str], q: str,
                    cites: Citations, used: list[Clause]) -> list[str]:
    lines: list[str] = []
    eff = effect(corpus, d)
    # Without a 施行 sentence the dates the text does print (adopted, issued, signed) are what there is.
    if "adopted" in wants or (eff is None and wants & {"effective", "status"}):
        line = _adoption_line(corpus, d, q, cites, used)
        if line:
            lines.append(line)
        else:
            pre = corpus.clause(f"{d.doc_id}#0")
            if pre is not None:
                n = _cite(cites, used, Printed(pre, pre.text.split("\n")[0]))
                lines.append(f"- {_head(d)}：原文未载明通过、公布或印发的日期和机关 [{n}]")
    if wants & {"effective", "status"}:
        if eff is not None:
            lines.append(f"- {_head(d)}：“{eff.text}” [{_cite(cites, used, eff)}]")
            for p in transitional(eff):
                lines.append(f"- {_head(d)}：“{p.text}” [{_cite(cites, used, p)}]")
            if d.valid_until and not _PERIOD.search(eff.text) and (per := period(corpus, d)) is not None:
                lines.append(f"- {_head(d)}：“{per.text}” [{_cite(cites, used, per)}]")
    if "amended" in wants:
        events = amendments(corpus, d)
        for p in events:
            lines.append(f"- {_head(d)}：“{p.text}” [{_cite(cites, used, p)}]")
        if not events:
            anchor = eff or adoption(corpus, d) or dated(corpus, d)
            if anchor is not None:
                lines.append(f"- {_head(d)}：原文没有载明修正或修订 [{_cite(cites, used, anchor)}]")
    # "…以前那个《X》还有效吗？": a document this one repeals, named by the question, is answered by the
    # sentence that repeals it.
    repeals = [p for p in repeal_sentences(corpus, d) if "repealed" in wants or _names_repealed(q, p.text, d)]
    for p in repeals:
        lines.append(f"- {_head(d)}废止了其他文件：“{p.text}” [{_cite(cites, used, p)}]")
    if wants & {"effective", "status", "repealed", "amended"}:
        status = _status_line(corpus, d, when, eff, cites, used)
        lines.append(status if lines else f"- {_head(d)}：{status.strip()}")
    return lines


def _short_line(corpus: Corpus, d: Document, when: JudgeDate, cites: Citations, used: list[Clause]) -> str:
    """One line for a document when the question did not say which one it means."""
    eff = effect(corpus, d)
    anchor = eff or adoption(corpus, d) or dated(corpus, d)
    if anchor is None:
        pre = corpus.clause(f"{d.doc_id}#0")
        anchor = Printed(pre, pre.text.split("\n")[0]) if pre is not None else None
    verdict = _verdict(corpus, d, when, cites, used, short=True)
    if anchor is None:
        return f"- {_head(d)}：{verdict}"
    n = _cite(cites, used, anchor)
    return f"- {_head(d)}：{verdict}（原文：“{anchor.text}”）[{n}]"


def _status_line(corpus: Corpus, d: Document, when: JudgeDate, eff: Printed | None,
                 cites: Citations, used: list[Clause]) -> str:
    verdict = _verdict(corpus, d, when, cites, used)
    anchor = eff or adoption(corpus, d) or dated(corpus, d)
    marker = f" [{_cite(cites, used, anchor)}]" if anchor is not None else ""
    return f"  {verdict}{marker}"


def _verdict(corpus: Corpus, d: Document, when: JudgeDate, cites: Citations, used: list[Clause],
             short: bool = False) -> str:
    """The document's state on the date asked, in words, with the dates it rests on. ``short``: the
    date is said once for all documents, and the caveats briefly."""
    at = f"截至{when.label}" if not when.named or when.first == when.last else f"在{when.label}"
    if short:
        at = ""
    issued = date.fromisoformat(d.issued) if d.issued else None
    if issued and when.last < issued:
        return f"该文件{cn_date(issued)}才通过或印发，{at}尚未出台"
    repeal = repealing(corpus, d)
    if repeal is not None:
        repealer, sentence = repeal
        since = date.fromisoformat(repealer.effective) if repealer.effective else None
        if since is None or since <= when.last:
            said = f"：“{sentence.text}” [{_cite(cites, used, sentence)}]" if sentence else ""
            start = f"自{cn_date(since)}起" if since else ""
            return f"{start}已被本库收录的《{repealer.short_title}》废止{said}"
    effective = date.fromisoformat(d.effective) if d.effective else None
    until = date.fromisoformat(d.valid_until) if d.valid_until else None
    if effective and when.last < effective:
        return f"{at}尚未施行（自{cn_date(effective)}起施行）"
    if effective and when.first < effective <= when.last:
        return f"自{cn_date(effective)}起施行，{when.label}内开始施行"
    if until is not None:
        if when.first > until:
            return f"按此计算，有效期至{cn_date(until)}；{at}已过有效期"
        if when.last > until:
            return f"按此计算，有效期至{cn_date(until)}；{when.label}内到期，{cn_date(until)}以后不再有效"
        return f"按此计算，有效期至{cn_date(until)}；{at}仍在有效期内"
    if short:
        if effective:
            return f"自{cn_date(effective)}起施行，原文未规定有效期，本库没有废止它的文件，仍在施行"
        return "原文未规定施行日期和有效期，无法判断是否仍然有效；本库没有废止它的文件"
    nothing_repeals = "本库收录的文件中也没有废止它的规定（库外是否另有修改或废止，本库无法确认）"
    if effective:
        return f"自{cn_date(effective)}起施行，原文未规定有效期；{nothing_repeals}，按本库所见{at}仍在施行"
    return f"原文未规定施行日期和有效期，本库无法判断它{when.label}是否仍然有效；{nothing_repeals}"


def _basis_lines(corpus: Corpus, d: Document, cites: Citations, used: list[Clause]) -> list[str]:
    """The documents it was made on the basis of, from the sentence that names them."""
    head = f"《{d.short_title}》"
    found = None
    for c in clauses_of(corpus, d.doc_id)[:1] + corpus.clauses_of(d.doc_id)[:3]:
        for s in split(c.text):
            if _BASIS_SENTENCE.search(s.text) and ("《" in s.text or not d.basis):
                found = Printed(c, s.text)
                break
        if found:
            break
    if found is None:
        pre = corpus.clause(f"{d.doc_id}#0")
        if pre is None:
            return [f"- {head}：原文没有写明所依据的上级文件。"]
        n = _cite(cites, used, Printed(pre, pre.text.split("\n")[0]))
        return [f"- {head}：原文没有写明所依据的上级文件 [{n}]"]
    n = _cite(cites, used, found)
    if d.basis:
        basis = "、".join(f"《{b.title}》" + (f"（{b.number}）" if b.number else "") for b in d.basis)
        return [f"- {head}依据{basis} [{n}]"]
    return [f"- {head}：“{found.text}” [{n}]"]
