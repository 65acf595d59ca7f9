"""Validity and basis questions: dates, effective periods, document numbers and higher-level documents."""

from __future__ import annotations

import re
from datetime import date

from ..answer_types import Answer, Citations
from ..corpus import STATUS_LABELS, Document, region_chain
from ..routing import Route
from .context import Context, Turn
from .evidence import Evidence, sentences
from .refusal import refuse

_DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(印发)?")
_BASIS = re.compile(r"根据|依据|依照|上位|哪份(国家)?文件")


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    docs = _docs_meant(ctx, q, turn.route)
    today = ctx.today()
    cites = ctx.citations()
    lines: list[str] = []
    asks_basis = bool(_BASIS.search(q))
    for d in docs:
        lines.extend(_basis_lines(ctx, d, cites) if asks_basis else _validity_lines(ctx, d, today, cites))
    asks_number = "文号" in q or "字号" in q
    if asks_number and not any(d.doc_number for d in docs):
        return refuse(ctx, "文件原文没有载明文号。")
    if asks_number:
        for d in docs:
            pre = ctx.corpus.clause(f"{d.doc_id}#0")
            if d.doc_number and pre is not None and d.doc_number in pre.text:
                n = cites.add(pre, d.doc_number)
                lines.insert(0, f"- 《{d.short_title}》的文号为{d.doc_number} [{n}]")
    if not cites.items:
        return refuse(ctx, "")
    return cites.answer(lines)


def _docs_meant(ctx: Context, q: str, route: Route) -> list[Document]:
    docs = list(ctx.corpus.documents.values())
    by_number = [d for d in docs if d.doc_number and d.doc_number in q]
    if by_number:
        return by_number
    if route.regions:
        applying = {name for r in route.regions for name in region_chain(r)}
        docs = [d for d in docs if d.region in applying] or docs
    topical = [d for d in docs if _title_match(q, d)]
    return topical or docs


def _title_match(q: str, d: Document) -> bool:
    title = d.short_title.replace("“", "").replace("”", "")
    q = q.replace("“", "").replace("”", "")
    keys = [k for k in ("互联网+流通", "流通", "互联网+行动", "互联网+", "平台经济") if k in title]
    return any(k in q for k in keys[:1])


def _basis_lines(ctx: Context, d: Document, cites: Citations) -> list[str]:
    pre = ctx.corpus.clause(f"{d.doc_id}#0")
    head = f"《{d.short_title}》"
    if not d.basis or pre is None:
        return [f"- {head}：原文没有写明所依据的上级文件。"] if pre is None else [
            f"- {head}：原文没有写明所依据的上级文件 [{cites.add(pre, pre.text.split(chr(10))[0])}]"
        ]
    quote = next((s for s in sentences(pre.text) if "《" in s), pre.text.split("\n")[-1])
    n = cites.add(pre, quote)
    basis = "、".join(f"《{b.title}》（{b.number}）" for b in d.basis)
    return [f"- {head}依据{basis} [{n}]"]


def _validity_lines(ctx: Context, d: Document, today: date, cites: Citations) -> list[str]:
    head = f"《{d.short_title}》" + (f"（{d.doc_number}）" if d.doc_number else "")
    end = ctx.corpus.clause(f"{d.doc_id}#end")
    pre = ctx.corpus.clause(f"{d.doc_id}#0")
    lines = []
    status = d.status(today)
    date_line = None
    if end is not None:
        date_line = next((s for s in end.text.split("\n") if _DATE_LINE.fullmatch(s.strip())), None)
    if date_line:
        n = cites.add(end, date_line)
        kind = "印发日期" if "印发" in date_line else "落款日期"
        lines.append(f"- {head}：{kind}为“{date_line}” [{n}]")
    elif pre is not None:
        n = cites.add(pre, pre.text.split("\n")[0])
        lines.append(f"- {head}：原文未载明发布日期 [{n}]")
    if d.effective and end is not None:
        quote = next((s for s in sentences(end.text) if "施行" in s or "有效期" in s), end.text.split("\n")[0])
        n = cites.add(end, quote)
        lines.append(f"- {head}：“{quote}” [{n}]")
        if d.valid_until:
            verdict = "已过有效期" if status == "expired" else "仍在有效期内"
            lines.append(
                f"  按此计算，有效期至{_cn_date(d.valid_until)}；截至今天（{_cn_date(today.isoformat())}）{verdict}。"
            )
        return lines
    lines.append(f"  原文未规定施行日期和有效期，本库无法判断它今天是否仍然有效（{STATUS_LABELS[status]}）。")
    return lines


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"
