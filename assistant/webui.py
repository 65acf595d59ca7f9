"""The Gradio web UI: a thin shell over `Assistant` (chat, unit responsibilities, documents).

It is mounted on the FastAPI app of assistant/server.py (one process, one port, beside the HTTP API)
and answers from ``live.current``: documents added or removed in the 文件 tab are served at once.

Every string that comes from a document or from the user is passed through ``html.escape``
before it goes into an HTML component; the renderers below are pure functions so they can be
tested without a browser. Every file a handler reads is one the user uploaded: its path must lie in
Gradio's upload cache (``uploaded_file``), whatever path a request names.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .corpus import STATUS_LABELS
from .lexicon import corpus_terms
from .regions import gazetteer
from .sentences import split as split_sentences

if TYPE_CHECKING:  # gradio is imported lazily: the CLI and the library do not need it
    import gradio as gr
    from fastapi import FastAPI

    from .core import Answer, Assistant, Citation
    from .library import AddReport
    from .live import LiveAssistant

TITLE = "政策问答"
ALL_REGIONS = "全部"
ROLE_LABELS = {"lead": "牵头", "participant": "参加"}
UNIT_HEADERS = ["文件", "条款", "角色", "内容摘要"]
SUMMARY_CHARS = 80

INDUSTRIES = ["跨境电商", "电子商务", "平台经济", "农村电商", "物流快递", "互联网金融", "软件和信息服务", "文化创意"]
STAGES = ["初创期", "成长期", "成熟期"]

CSS = """
.pq-answer { line-height: 1.7; }
.pq-answer p { margin: 0 0 .3em 0; }
.pq-answer ul { margin: .2em 0 .3em 1.2em; padding: 0; }
.pq-ref { color: #1d4ed8; font-weight: 600; }
.pq-notes { color: #6b7280; font-size: 0.9em; margin-top: .4em; }
.pq-cites { margin-top: .8em; display: flex; flex-direction: column; gap: .5em; }
.pq-cite { border: 1px solid #d1d5db; border-left: 4px solid #2563eb; border-radius: 6px;
           padding: .5em .75em; background: #f9fafb; color: #111827; }
.pq-cite-head { font-size: .92em; display: flex; flex-wrap: wrap; gap: .35em .6em; align-items: baseline; }
.pq-cite-n { font-weight: 700; color: #1d4ed8; }
.pq-cite-title { font-weight: 600; }
.pq-cite-meta { color: #4b5563; }
.pq-cite-label { font-weight: 600; color: #92400e; }
.pq-cite details { margin-top: .3em; }
.pq-cite summary { cursor: pointer; color: #374151; }
.pq-clause-text { margin-top: .4em; line-height: 1.7; white-space: normal; }
.pq-cite mark, .pq-clause mark { background: #fde68a; color: inherit; padding: 0 .1em; }
.pq-badge { display: inline-block; font-size: .8em; padding: 0 .5em; border-radius: 999px;
            border: 1px solid currentColor; white-space: nowrap; }
.pq-in_force { color: #15803d; } .pq-expired { color: #b91c1c; }
.pq-not_yet { color: #b45309; } .pq-unknown { color: #6b7280; }
.pq-doc table { border-collapse: collapse; width: 100%; border: none !important; }
.pq-doc table tr { border-bottom: 1px solid #e5e7eb; }
.pq-doc table th, .pq-doc table td { border-left: none !important; border-right: none !important; }
.pq-doc table th { text-align: left; white-space: nowrap; width: 8em; padding: .35em .8em .35em 0;
                   color: #4b5563; vertical-align: top; font-weight: 500; border: none; background: none; }
.pq-doc table td { padding: .35em 0; border: none; }
.pq-doc h3, .pq-clause h3 { margin: 0 0 .5em 0; }
.pq-crumb { color: #6b7280; font-size: .9em; }
.pq-units { margin-top: .6em; font-size: .95em; }
.pq-muted { color: #6b7280; }
"""


def esc(text: object) -> str:
    """HTML-escape anything (None → ""), newlines become <br> so HTML blocks stay one block."""
    if text is None:
        return ""
    out = html.escape(str(text), quote=True)
    # "$" starts LaTeX in the chatbot's markdown renderer; a blank line would end an HTML block.
    return out.replace("$", "&#36;").replace("\r\n", "\n").replace("\n", "<br>")


def status_badge(status: str) -> str:
    if not status:
        return ""
    label = STATUS_LABELS.get(status, status)
    return f'<span class="pq-badge pq-{esc(status)}">{esc(label)}</span>'


def highlight(text: str, quote: str) -> str:
    """The escaped text with the first occurrence of ``quote`` wrapped in <mark>."""
    quote = (quote or "").strip()
    start = text.find(quote) if quote else -1
    if start < 0:
        return esc(text)
    end = start + len(quote)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


_MARKER_RE = re.compile(r"\[(\d{1,3})\]")


def render_answer_text(text: str) -> str:
    """Answer text escaped, "- " lines as a list, [n] markers styled."""
    out: list[str] = []
    items: list[str] = []
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(("- ", "• ", "* ")):
            items.append(f"<li>{esc(stripped[2:])}</li>")
            continue
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if stripped:
            out.append(f"<p>{esc(stripped)}</p>")
    if items:
        out.append(f"<ul>{''.join(items)}</ul>")
    return _MARKER_RE.sub(r'<span class="pq-ref">[\1]</span>', "".join(out))


def render_citation(n: int, c: Citation) -> str:
    meta = " · ".join(esc(x) for x in (c.region, f"{c.year}年" if c.year else "") if x)
    head = (
        f'<div class="pq-cite-head"><span class="pq-cite-n">[{n}]</span>'
        f'<span class="pq-cite-title">{esc(c.doc_title)}</span>'
        f'<span class="pq-cite-label">{esc(c.label)}</span>'
        + (f'<span class="pq-cite-meta">{meta}</span>' if meta else "")
        + status_badge(c.status)
        + "</div>"
    )
    full = c.clause_text or c.quote
    body = (
        f'<details><summary>“{esc(c.quote)}”</summary>'
        f'<div class="pq-clause-text">{highlight(full, c.quote)}</div></details>'
    )
    # The chat sanitiser drops data-* attributes: the clause id goes into a class (for tests, styling).
    return f'<div class="pq-cite {clause_class(c.clause_id)}">{head}{body}</div>'


def clause_class(clause_id: str) -> str:
    """A CSS class naming a clause: "jinan-platform-economy-2020#4.2" → "pq-cid-jinan-platform-economy-2020-4-2"."""
    return "pq-cid-" + re.sub(r"[^A-Za-z0-9_-]", "-", clause_id)


def render_citations(answer: Answer) -> str:
    """The citation cards under an answer, as one HTML block (empty string when there are none)."""
    if not answer.citations:
        return ""
    cards = "".join(render_citation(i, c) for i, c in enumerate(answer.citations, 1))
    return f'<div class="pq-cites">{cards}</div>'


def render_answer(answer: Answer) -> str:
    """A whole assistant message: answer text, notes and citation cards, one HTML block."""
    notes = "".join(f'<div class="pq-notes">{esc(n)}</div>' for n in getattr(answer, "notes", None) or ())
    return f'<div class="pq-answer">{render_answer_text(answer.answer)}</div>{notes}{render_citations(answer)}'


def render_user(text: str) -> str:
    return f'<div class="pq-user">{esc(text)}</div>'


def render_notice(text: str) -> str:
    return f'<div class="pq-answer pq-muted">{esc(text)}</div>'


# ---------------------------------------------------------------------------------------------
# Units


def _summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def doc_label(doc) -> str:
    """How a document is named in lists: region first, since two provinces' titles read alike."""
    return f"{doc.region} · {doc.short_title}"


def unit_table(bot: Assistant, name: str) -> list[list[str]]:
    """Rows [文件, 条款, 角色, 内容摘要] for every clause the named unit leads or takes part in."""
    name = (name or "").strip()
    if not name:
        return []
    rows: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    entries = bot.units.lookup(name)
    for entry in entries:
        for role, ids in (("lead", entry.lead), ("participant", entry.participant)):
            for cid in ids:
                clause = bot.corpus.clause(cid)
                if clause is None or (cid, role) in seen:
                    continue
                seen.add((cid, role))
                doc = bot.documents.get(clause.doc_id)
                title = doc_label(doc) if doc else clause.doc_id
                who = ROLE_LABELS[role]
                if len(entries) > 1:
                    who = f"{who}（{entry.name}）"
                rows.append([title, clause.label, who, _summary(clause.heading or clause.text)])
    return rows


def unit_matches(bot: Assistant, name: str) -> str:
    """A one-line HTML summary of which units a typed name resolved to."""
    name = (name or "").strip()
    if not name:
        return '<p class="pq-muted">请选择或输入单位名称（可用简称，如“省商务厅”“经信委”）。</p>'
    entries = bot.units.lookup(name)
    if not entries:
        return f'<p class="pq-muted">未找到单位“{esc(name)}”：请换一种写法，或从下拉列表中选择。</p>'
    parts = [
        f"<b>{esc(e.name)}</b>（牵头 {len(e.lead)} 项，参加 {len(e.participant)} 项）" for e in entries
    ]
    return "<p>" + "；".join(parts) + "</p>"


CSV_DIR_NAME = "policyqa-csv"  # one folder in the temp dir for every unit-table download
CSV_KEEP_S = 600  # Gradio copies a returned file into its cache at once; ours go after ten minutes


def write_csv(rows: list[list[str]], name: str, folder: Path | None = None, *, headers: list[str] | None = None,
              prefix: str = "责任分工") -> str | None:
    """The table as a UTF-8 (with BOM, for Excel) CSV file; None when empty.

    All downloads share one folder (``CSV_DIR_NAME`` in the temp dir), a file named by its content, so
    that asking again makes no new file, and files older than CSV_KEEP_S are removed as new ones come.
    """
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(headers or UNIT_HEADERS)
            w.writerows(rows)

    return _download(rows, name, folder, prefix, ".csv", write)


def write_xlsx(rows: list[list[str]], name: str, folder: Path | None = None, *, headers: list[str],
               prefix: str) -> str | None:
    """The table as an Excel workbook (openpyxl); None when empty."""
    def write(tmp: Path) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = prefix[:31]
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        book.save(tmp)

    return _download(rows, name, folder, prefix, ".xlsx", write)


def _download(rows: list[list[str]], name: str, folder: Path | None, prefix: str, suffix: str, write) -> str | None:
    if not rows:
        return None
    folder = folder or Path(tempfile.gettempdir()) / CSV_DIR_NAME
    folder.mkdir(mode=0o700, exist_ok=True)
    safe = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name.strip())[:40] or "table"
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:10]
    path = folder / f"{prefix}-{safe}-{digest}{suffix}"
    now = time.time()
    for old in folder.glob("*.*"):
        try:
            if old != path and now - old.stat().st_mtime > CSV_KEEP_S:
                old.unlink()
        except OSError:
            pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{suffix}")
    write(tmp)
    os.replace(tmp, path)
    return str(path)


# ---------------------------------------------------------------------------------------------
# 政策匹配

MATCH_HEADERS = ["扶持类别", "金额", "对象与条件", "负责部门", "文件 · 条款", "效力", "条件核实", "条款编号"]
SIZES = ["小微企业", "初创企业", "中型企业", "规上企业", "龙头企业"]


def match_rows(rows: list) -> list[list[str]]:
    """``matching.Row`` objects as rows of MATCH_HEADERS."""
    return [[r.benefit, r.amount, "；".join(r.conditions), "、".join(r.units), f"《{r.document}》{r.label}",
             r.status_label, r.fit, r.clause_id] for r in rows]


def match_summary(result) -> str:
    """One paragraph: the regions that apply, how many measures, and the note when nothing matched."""
    where = " → ".join(result.regions) if result.regions else "全部地区"
    text = f"适用地区：{esc(where)}。现行文件中的措施 {len(result.rows)} 条（有金额的在前，方向性支持在后）"
    if result.not_in_force:
        text += f"；另有 {len(result.not_in_force)} 条出自已失效或已被修订的文件，列在下方"
    text += "。点击一行查看条款原文。"
    if result.note:
        text += f"<br>{esc(result.note)}"
    return f"<p>{text}</p>"


# ---------------------------------------------------------------------------------------------
# Documents


def document_card(bot: Assistant, doc_id: str) -> str:
    """A document's metadata as HTML: issuer, number, dates, validity today, basis documents."""
    doc = bot.documents.get(doc_id)
    if doc is None:
        return '<p class="pq-muted">请选择文件。</p>'
    today = bot.today()
    status = doc.status(today)
    n_clauses = len(bot.corpus.clauses_of(doc_id))
    rows: list[tuple[str, str]] = [
        ("发文机关", esc(doc.issuer)),
        ("文号", esc(doc.doc_number) or '<span class="pq-muted">未载明</span>'),
        ("地区", esc(doc.region) + (f"（{esc(doc.parent_region)}）" if doc.parent_region else "")),
        ("印发/成文日期", esc(doc.issued) or '<span class="pq-muted">未载明</span>'),
        ("施行日期", esc(doc.effective) or '<span class="pq-muted">未载明</span>'),
        ("有效期至", esc(doc.valid_until) or '<span class="pq-muted">未载明</span>'),
        ("效力状态", f"{status_badge(status)} <span class=\"pq-muted\">（截至 {today.isoformat()}）</span>"),
    ]
    if doc.validity_note:
        rows.append(("有效期说明", esc(doc.validity_note)))
    if doc.basis:
        items = "".join(
            f"<li>{esc(b.title)}" + (f"（{esc(b.number)}）" if b.number else "") + "</li>" for b in doc.basis
        )
        rows.append(("依据文件", f'<ul style="margin:0;padding-left:1.2em">{items}</ul>'))
    rows.append(("条款数", str(n_clauses)))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<div class="pq-doc"><h3>{esc(doc.display_title)}</h3><table>{body}</table></div>'


DOC_HEADERS = ["标题", "地区", "级别", "类别", "日期", "效力", "条款数", "编号"]
DOC_PAGE = 50  # rows per page of the document table
ANY = "不限"


def document_filters(bot: Assistant) -> dict[str, list[str]]:
    """The choices of each filter of the document table, from the documents held."""
    docs = bot.documents.values()
    return {
        "region": [ANY, *sorted({d.region for d in docs}, key=lambda r: (r != "全国", r))],
        "level": [ANY, *[LEVEL_LABELS.get(x, x) for x in ("national", "province", "city", "county")
                         if any(d.level == x for d in docs)]],
        "kind": [ANY, *sorted({_kind(d) for d in docs} - {""})],
        "status": [ANY, *dict.fromkeys(STATUS_LABELS[bot.corpus.status(d.doc_id, bot.today())] for d in docs)],
    }


def _kind(doc) -> str:
    from .docrefs import document_kind

    return document_kind(doc.short_title)


def document_table(bot: Assistant, query: str = "", region: str = ANY, level: str = ANY, kind: str = ANY,
                   status: str = ANY, page: int = 1) -> tuple[list[list[str]], str, int]:
    """One page of the documents that match the search (title, issuer, number or id) and filters:
    (rows of DOC_HEADERS, a line saying how many match and which page this is, the page shown)."""
    corpus, today = bot.corpus, bot.today()
    words = (query or "").split()
    rows = []
    for d in corpus.documents.values():
        seen = f"{d.display_title} {d.issuer} {d.doc_number} {d.doc_id}"
        if any(w not in seen for w in words):
            continue
        label = STATUS_LABELS[corpus.status(d.doc_id, today)]
        level_label = LEVEL_LABELS.get(d.level, d.level)
        doc_kind = _kind(d)
        if (region not in (ANY, None, "", d.region) or level not in (ANY, None, "", level_label)
                or kind not in (ANY, None, "", doc_kind) or status not in (ANY, None, "", label)):
            continue
        rows.append([d.display_title, d.region, level_label, doc_kind, d.issued or d.effective, label,
                     str(len(corpus.clauses_of(d.doc_id))), d.doc_id])
    rows.sort(key=lambda r: (r[1] != "全国", r[1], r[0]))
    pages = max(1, -(-len(rows) // DOC_PAGE))
    page = min(max(1, int(page or 1)), pages)
    info = f"共 {len(rows)} 个文件（本库 {len(corpus.documents)} 个），第 {page}/{pages} 页"
    return rows[(page - 1) * DOC_PAGE : page * DOC_PAGE], info, page


def clause_choices(bot: Assistant, doc_id: str) -> list[tuple[str, str]]:
    """(display, clause_id) for each clause of a document, indented by level: the clause tree."""
    out = []
    for c in bot.corpus.clauses_of(doc_id):
        indent = "\u3000" * max(c.level - 1, 0)
        label = c.label or {"0": "（序言）", "end": "（结尾）", "table": "（分工表）"}.get(c.path, c.path)
        out.append((f"{indent}{label} {_summary(c.heading, 40)}".rstrip(), c.clause_id))
    return out


def clause_view(bot: Assistant, clause_id: str) -> str:
    """A clause's breadcrumb, full text and units, as HTML."""
    clause = bot.corpus.clause(clause_id) if clause_id else None
    if clause is None:
        return '<p class="pq-muted">请选择条款。</p>'
    crumbs = [f"{p.label} {p.heading}".strip() for p in bot.corpus.breadcrumb(clause)]
    crumb = " › ".join(esc(x) for x in crumbs)
    units = ""
    if clause.lead_units:
        units += f"<div><b>牵头单位：</b>{esc('、'.join(clause.lead_units))}</div>"
    if clause.participant_units:
        units += f"<div><b>参加单位：</b>{esc('、'.join(clause.participant_units))}</div>"
    if not units:
        units = '<div class="pq-muted">本条未载明责任单位。</div>'
    return (
        '<div class="pq-clause">'
        + (f'<div class="pq-crumb">{crumb}</div>' if crumb else "")
        + f"<h3>{esc(clause.label)} {esc(clause.heading)}</h3>"
        f'<div class="pq-clause-text">{esc(clause.text)}</div>'
        f'<div class="pq-units">{units}</div></div>'
    )


# ---------------------------------------------------------------------------------------------
# Adding and removing documents

LEVEL_LABELS = {"national": "全国", "province": "省级", "city": "市级", "county": "区县级"}
CLAUSE_LEVEL_NAMES = {0: "正文前/文末/表头", 1: "一级", 2: "二级", 3: "三级"}
UPLOAD_TYPES = [".txt", ".md", ".docx", ".pdf"]
CHAT_KEEP = 100  # messages the chat shows (and the server keeps) per session; older ones scroll away


def level_choices() -> list[tuple[str, str]]:
    from .library import LEVELS

    return [(f"{LEVEL_LABELS.get(lv, lv)}（{lv}）", lv) for lv in LEVELS]


def render_parse_report(report: AddReport) -> str:
    """The preview before a document is added: inferred metadata and how the text was parsed."""
    m = report.metadata
    title = m.get("title") or (
        f"{m.get('title_reconstructed', '')}（{m.get('title_note', '')}）" if m.get("title_reconstructed") else ""
    )
    levels = "，".join(f"{CLAUSE_LEVEL_NAMES.get(k, k)} {v} 条" for k, v in sorted(report.clauses_per_level.items()))
    units = "、".join(report.units[:10]) + ("…" if len(report.units) > 10 else "")
    none = '<span class="pq-muted">未识别</span>'
    rows = [
        ("文档编号", esc(report.doc_id)),
        ("标题", esc(title) or none),
        ("发文机关", esc(m.get("issuer")) or none),
        ("地区", esc(m.get("region")) or none),
        ("级别", esc(LEVEL_LABELS.get(m.get("level", ""), m.get("level", ""))) or none),
        ("文号", esc(m.get("doc_number")) or none),
        ("日期", esc(m.get("issued")) or none),
        ("条款", f"{report.n_clauses} 个" + (f"（{esc(levels)}）" if levels else "")),
        ("责任单位", f"{len(report.units)} 个" + (f"：{esc(units)}" if units else "")),
        ("未归位的行", f"{len(report.unplaced_lines)} 行"
         + "".join(f"<div class='pq-muted'>{esc(_summary(u, 60))}</div>" for u in report.unplaced_lines[:5])),
        ("丢弃的杂项", f"{len(report.dropped_debris)} 处（页码等）"),
    ]
    rows += [("警告", esc(w)) for w in report.warnings]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (f'<div class="pq-doc pq-preview"><h3>预览：尚未加入，核对后点“确认加入”</h3>'
            f"<table>{body}</table></div>")


def render_error(message: str) -> str:
    return f'<p class="pq-error">⚠ {esc(message)}</p>'


class NotUploaded(ValueError):
    """A file input that names a path outside Gradio's upload cache: never read."""


def upload_cache() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def uploaded_file(file: object) -> Path:
    """The path of a file the user uploaded in this app, symlinks resolved; NotUploaded for anything else.

    Gradio puts every upload in its cache folder; a request can still name any path as a file input's
    value (``{"path": "/etc/…", "meta": {"_type": "gradio.FileData"}}``), and the mounted app's own
    check does not run, so every handler that reads a file asks here first.
    """
    raw = file.get("path") if isinstance(file, dict) else getattr(file, "path", file)
    if not isinstance(raw, (str, os.PathLike)) or not str(raw):
        raise NotUploaded("请先选择要上传的文件")
    try:
        path = Path(raw).resolve(strict=True)
    except (OSError, RuntimeError):
        raise NotUploaded("只能读取本次上传的文件：找不到这个上传文件，请重新上传") from None
    if not path.is_relative_to(upload_cache()) or not path.is_file():
        raise NotUploaded("只能读取本次上传的文件：请通过“政策文件”上传框选择文件，不能指定服务器上的路径")
    return path


def prefill(report: AddReport) -> dict[str, str]:
    """The form fields as the parser inferred them."""
    m = report.metadata
    return {"doc_id": report.doc_id, "region": m.get("region", ""), "level": m.get("level", ""),
            "issuer": m.get("issuer", ""), "title": m.get("title", "")}


# ---------------------------------------------------------------------------------------------
# Feedback

_feedback_lock = threading.Lock()


def record_feedback(bot: Assistant, last: dict | None, rating: str, comment: str = "") -> str:
    """Append one JSON line about the last answer to ``bot.config.feedback_file``; a status message."""
    if not last:
        return "还没有可以评价的回答。"
    row = {
        "time": datetime.now().isoformat(timespec="seconds"),
        "question": last.get("question", ""),
        "answer": last.get("answer", ""),
        "cited": list(last.get("cited", [])),
        "rating": rating,
        "comment": (comment or "").strip(),
    }
    path = Path(bot.config.feedback_file)
    try:
        with _feedback_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as e:
        print(f"反馈写入失败：{path}：{e}", file=sys.stderr)
        return "反馈未能保存，请稍后再试。"
    return "感谢反馈！" if rating == "up" else "感谢反馈，我们会改进。"


# ---------------------------------------------------------------------------------------------
# Asking


def _profile(region: str, industry: str, stage: str) -> dict | None:
    p = {
        "region": "" if region in (None, "", ALL_REGIONS, "不限") else region,
        "industry": (industry or "").strip(),
        "stage": "" if stage in (None, "", "不限") else stage,
    }
    return p if any(p.values()) else None


def ask_options(doc_ids: list[str] | None, region: str | None, p_region: str, industry: str, stage: str) -> dict:
    return {
        "doc_ids": list(doc_ids) if doc_ids else None,
        "region": None if region in (None, "", ALL_REGIONS) else region,
        "profile": _profile(p_region, industry, stage),
    }


_LEVEL_ORDER = {"national": 0, "province": 1, "city": 2, "county": 3}


def _regions(bot: Assistant) -> list[str]:
    """The regions of the loaded documents: national first, then provinces, cities, counties."""
    level = {d.region: _LEVEL_ORDER.get(d.level, 9) for d in bot.documents.values()}
    return sorted(level, key=lambda r: (level[r], r))


def example_questions(bot: Assistant) -> tuple[list[str], list[str]]:
    """Example questions for the loaded corpus (enterprise, official), built from its documents,
    regions and units, so that they fit whatever documents the user has added."""
    docs = sorted(bot.documents.values(), key=lambda d: (-_LEVEL_ORDER.get(d.level, 0), d.doc_id))
    enterprise: list[str] = []
    official: list[str] = []
    local = next((d for d in docs if d.level in ("city", "county", "province")), None)
    if local is not None:
        place = gazetteer().get(local.region)
        enterprise.append(f"我是{place.short if place else local.region}的一家企业，有哪些扶持政策？")
        # A term the document itself uses where it grants support ("对“天使投资”…给予奖励").
        support = [x.text for c in bot.corpus.clauses_of(local.doc_id) for x in split_sentences(c.text)
                   if re.search(r"支持|奖励|补贴|资助|扶持", x.text)]
        terms = Counter(t for t in corpus_terms(support) if 2 <= len(t) <= 8)
        if terms:
            enterprise.append(f"{place.short if place else local.region}对“{terms.most_common(1)[0][0]}”有什么支持？")
    for d in docs[:1]:
        if d.short_title:
            enterprise.append(f"{d.short_title}有哪些重点任务？")
    leads = sorted(bot.units.entries(), key=lambda e: -len(e.lead))
    if leads and leads[0].lead:
        official.append(f"{leads[0].name}牵头哪些任务？")
    with_units = [c for c in bot.clauses if c.lead_units and c.heading and len(c.heading) <= 20]
    if with_units:
        official.append(f"{with_units[0].heading.rstrip('。')}由谁负责？")
    newest = max(bot.documents.values(), key=lambda d: d.issued or "", default=None)
    if newest is not None and newest.short_title:
        official.append(f"{newest.short_title}现在还有效吗？")
    return enterprise or ["有哪些扶持政策？"], official or ["哪些部门负责这些工作？"]


def build_ui(bot: Assistant | LiveAssistant) -> gr.Blocks:
    """The app; handlers answer from ``live.current``, so added or removed documents show at once."""
    import gradio as gr

    from .core import InputError
    from .library import LibraryError
    from .live import LiveAssistant

    live = bot if isinstance(bot, LiveAssistant) else LiveAssistant(bot)
    start = live.current
    regions = _regions(start)
    doc_choices = [(doc_label(d), doc_id) for doc_id, d in start.documents.items()]
    unit_names = [e.name for e in start.units.entries()]
    enterprise_examples, official_examples = example_questions(start)
    first_doc = next(iter(start.documents), None)

    # ------------------------------------------------------------------ chat handlers
    # The conversation lives on the server (gr.State): the browser sends the question, not the whole
    # rendered chat, so a long conversation stays far under the request-body limit.
    def submit(message: str, chat: list):
        try:
            question = live.current.check_question(message)
        except InputError as e:
            raise gr.Error(str(e), title="无法提问", print_exception=False) from None
        chat = [*chat, {"role": "user", "content": render_user(question)},
                {"role": "assistant", "content": render_notice("正在检索政策条款并组织回答…")}][-CHAT_KEEP:]
        return "", chat, chat, question

    def answer(question: str, chat: list, turns: list, doc_ids, region, p_region, industry, stage):
        try:
            result = live.current.ask(question, history=list(turns),
                                      **ask_options(doc_ids, region, p_region, industry, stage))
        except InputError as e:
            chat = [*chat[:-1], {"role": "assistant", "content": render_notice(f"⚠ {e}")}]
            return chat, chat, turns, None, ""
        except Exception:  # never a traceback in the page; the server log has it
            traceback.print_exc()
            chat = [*chat[:-1], {"role": "assistant",
                                 "content": render_notice("抱歉，回答时出现内部错误，请稍后重试或换一种问法。")}]
            return chat, chat, turns, None, ""
        chat = [*chat[:-1], {"role": "assistant", "content": render_answer(result)}]
        turns = [*turns, {"role": "user", "content": question},
                 {"role": "assistant", "content": result.answer}][-live.current.config.max_history_turns:]
        last = {"question": question, "answer": result.answer, "cited": [c.clause_id for c in result.citations]}
        return chat, chat, turns, last, ""

    def clear():
        return [], [], [], None, "", "", ""

    def feedback(rating: str):
        def handler(last, comment):
            return record_feedback(live.current, last, rating, comment), ""
        return handler

    # ------------------------------------------------------------------ units / documents handlers
    def show_unit(name: str):
        rows = unit_table(live.current, name)
        return unit_matches(live.current, name), rows, write_csv(rows, name or "")

    def show_document(doc_id: str):
        bot = live.current
        choices = clause_choices(bot, doc_id) if doc_id else []
        first = choices[0][1] if choices else None
        return (document_card(bot, doc_id), gr.update(choices=choices, value=first),
                clause_view(bot, first or ""))

    def refreshed(selected: str | None = None):
        """New choices for every list that names documents, regions or units (after a change, on page load)."""
        bot = live.current
        docs = [(doc_label(d), doc_id) for doc_id, d in bot.documents.items()]
        if selected not in bot.documents:
            selected = next(iter(bot.documents), None)
        regs = _regions(bot)
        return (gr.update(choices=docs, value=selected), gr.update(choices=docs, value=[]),
                gr.update(choices=[ALL_REGIONS, *regs], value=ALL_REGIONS),
                gr.update(choices=["不限", *regs], value="不限"),
                gr.update(choices=[e.name for e in bot.units.entries()]))

    def preview(file, doc_id, region, level, issuer, title):
        """Parse and infer without writing: the report, and the form prefilled from what was inferred."""
        if not file:
            return (gr.update(), gr.update(), gr.update(), gr.update(), gr.update(),
                    render_error("请先选择要上传的文件（.txt/.md/.docx/.pdf）"), gr.update(interactive=False))
        try:
            path = uploaded_file(file)
        except NotUploaded as e:
            return (gr.update(), gr.update(), gr.update(), gr.update(), gr.update(),
                    render_error(str(e)), gr.update(interactive=False))
        try:
            report = live.preview(path, doc_id=doc_id, region=region, level=level, issuer=issuer, title=title)
        except LibraryError as e:
            return (gr.update(), gr.update(), gr.update(), gr.update(), gr.update(),
                    render_error(f"{Path(file).name}：{e}"), gr.update(interactive=False))
        f = prefill(report)
        return (f["doc_id"], f["region"], gr.update(value=f["level"] or None), f["issuer"], f["title"],
                render_parse_report(report), gr.update(interactive=True))

    def add(file, doc_id, region, level, issuer, title, progress=gr.Progress()):  # noqa: B008
        if not file:
            raise gr.Error("请先选择要上传的文件", title="无法加入", print_exception=False)
        try:
            path = uploaded_file(file)
        except NotUploaded as e:
            raise gr.Error(str(e), title="无法加入", print_exception=False) from None
        progress(0, desc="正在解析并核对…")

        def embedded(done: int, total: int) -> None:
            desc = "正在嵌入新文件的段落" if done < total else "正在写入索引并载入…"
            progress((done, total), desc=desc, unit="段")

        try:
            report = live.add(path, progress=embedded, doc_id=doc_id, region=region, level=level, issuer=issuer,
                              title=title)
        except LibraryError as e:
            raise gr.Error(f"{Path(file).name}：{e}", title="无法加入", print_exception=False) from None
        status = (f"已加入 {report.doc_id}：{report.n_clauses} 个条款，新嵌入 {report.embedded} 个段落和句子。"
                  "现在就可以在“政策问答”中提问。")
        return (status, None, "", "", gr.update(value=None), "", "", "", gr.update(interactive=False),
                *refreshed(report.doc_id))

    def remove(doc_id, selected):
        if not doc_id:  # nothing selected, or the confirmation was cancelled
            return ("", *refreshed(selected))
        try:
            live.remove(doc_id)
        except LibraryError as e:
            raise gr.Error(str(e), title="无法删除", print_exception=False) from None
        return (f"已删除 {doc_id}，索引已更新。", *refreshed(None))

    # ------------------------------------------------------------------ API (for scripts)
    def ask_api(question: str, history: list[dict] | None = None, doc_ids: list[str] | None = None,
                region: str | None = None) -> dict:
        """Answer a policy question: {answer, refused, citations, retrieved, route, ...} (see interfaces.md)."""
        try:
            return live.current.ask(question, history=history or [], doc_ids=doc_ids or None,
                                    region=region or None).to_json()
        except InputError as e:
            raise gr.Error(str(e), title="无法提问", print_exception=False) from None

    def units_api(name: str) -> list[list[str]]:
        """Clauses a unit leads or takes part in: rows [文件, 条款, 角色, 内容摘要]."""
        return unit_table(live.current, name)

    private = {"api_visibility": "private"}
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(
            f"<h1 style='margin:.2em 0'>{TITLE}</h1><p class='pq-muted' style='margin:0'>"
            f"基于本库收录的{len(start.documents)}份政策文件（{html.escape('、'.join(_regions(start)))}）原文的问答助手："
            "每个回答都标注出处条款，可展开核对原文。</p>",
            js_on_load=None,
        )
        turns = gr.State([])  # plain-text history for Assistant.ask
        chat_log = gr.State([])  # the chat as shown, kept here rather than sent back by the browser
        last = gr.State(None)  # the last answer, for feedback
        pending = gr.State("")
        with gr.Tabs():
            with gr.Tab("政策问答", id="chat"):
                chat = gr.Chatbot(
                    label="对话", height=560, feedback_options=None, elem_id="pq-chat",
                    placeholder="请输入问题，或点击下方示例。回答中的 [1] [2] 对应下方引用的政策条款。",
                    allow_tags=False, buttons=["copy"],
                )
                with gr.Row():
                    msg = gr.Textbox(placeholder=f"例如：{enterprise_examples[0]}", show_label=False,
                                     scale=8, max_lines=6, elem_id="pq-question", autofocus=True)
                    send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="pq-send")
                    new = gr.Button("新对话", scale=1, min_width=80, elem_id="pq-new")
                with gr.Row():
                    gr.Examples(enterprise_examples, inputs=msg, label="企业常问")
                    gr.Examples(official_examples, inputs=msg, label="政府部门常问")
                with gr.Accordion("筛选与企业画像（可选）", open=False):
                    with gr.Row():
                        f_region = gr.Dropdown([ALL_REGIONS, *regions], value=ALL_REGIONS, label="只看地区")
                        # A searchable multi-select: a list of check boxes does not scale to thousands.
                        f_docs = gr.Dropdown(doc_choices, value=[], multiselect=True, filterable=True,
                                             label="只看这些文件（可输入搜索；不选则全部）", elem_id="pq-filter-docs")
                    with gr.Row():
                        p_region = gr.Dropdown(["不限", *regions], value="不限", label="企业所在地")
                        p_industry = gr.Dropdown(INDUSTRIES, value=None, allow_custom_value=True,
                                                 label="所属行业（可输入）")
                        p_stage = gr.Dropdown(["不限", *STAGES], value="不限", label="发展阶段")
                with gr.Row():
                    up = gr.Button("有帮助", size="sm", scale=0, min_width=100, elem_id="pq-up")
                    down = gr.Button("没帮助", size="sm", scale=0, min_width=100, elem_id="pq-down")
                    comment = gr.Textbox(placeholder="补充意见（可选）", show_label=False, scale=5)
                    fb_status = gr.Markdown("", elem_id="pq-feedback-status")

                ask_inputs = [pending, chat_log, turns, f_docs, f_region, p_region, p_industry, p_stage]
                ask_outputs = [chat_log, chat, turns, last, fb_status]
                for trigger in (msg.submit, send.click):
                    trigger(submit, [msg, chat_log], [msg, chat_log, chat, pending], show_progress="hidden",
                            **private).success(answer, ask_inputs, ask_outputs,
                                               show_progress="minimal", **private)
                new.click(clear, None, [chat_log, chat, turns, last, msg, comment, fb_status], **private)
                up.click(feedback("up"), [last, comment], [fb_status, comment], **private)
                down.click(feedback("down"), [last, comment], [fb_status, comment], **private)

            with gr.Tab("责任分工", id="units"):
                gr.Markdown("查询某个单位**牵头**或**参加**的工作任务。可输入全称或简称"
                            + (f"，如“{unit_names[0]}”。" if unit_names else "。"))
                with gr.Row():
                    unit = gr.Dropdown(unit_names, value=None, allow_custom_value=True, filterable=True,
                                       label="单位名称", scale=4, elem_id="pq-unit")
                    unit_btn = gr.Button("查询", variant="primary", scale=1, min_width=80, elem_id="pq-unit-go")
                unit_info = gr.HTML(unit_matches(start, ""), js_on_load=None)
                unit_rows = gr.Dataframe(headers=UNIT_HEADERS, value=[], interactive=False, wrap=True,
                                         column_widths=["24%", "12%", "10%", "54%"], elem_id="pq-unit-table")
                unit_csv = gr.DownloadButton("下载 CSV", value=None, size="sm")
                for trigger in (unit.change, unit_btn.click):
                    trigger(show_unit, unit, [unit_info, unit_rows, unit_csv], show_progress="hidden",
                            trigger_mode="always_last", **private)

            with gr.Tab("政策匹配", id="match"):
                gr.Markdown("填写企业情况，列出适用的扶持措施：扶持类别、金额、对象与条件、负责部门、出处和效力。"
                            "地区可填任一级（如 萧山、杭州市、浙江省），行业用自己的话写。")
                with gr.Row():
                    m_region = gr.Textbox(label="所在地区（必填）", placeholder="如 武汉市", scale=2,
                                          elem_id="pq-match-region")
                    m_industry = gr.Textbox(label="行业或业务", placeholder="如 农产品电商", scale=3,
                                            elem_id="pq-match-industry")
                    m_size = gr.Dropdown(SIZES, value=None, allow_custom_value=True, label="规模或阶段", scale=2)
                    m_quals = gr.Textbox(label="已有资质（用、或逗号分隔）", placeholder="如 高新技术企业、专精特新",
                                         scale=3)
                    m_go = gr.Button("匹配", variant="primary", scale=1, min_width=80, elem_id="pq-match-go")
                m_info = gr.HTML("", elem_id="pq-match-info", js_on_load=None)
                m_table = gr.Dataframe(headers=MATCH_HEADERS, value=[], interactive=False, wrap=True,
                                       elem_id="pq-match-table",
                                       column_widths=["9%", "12%", "20%", "16%", "20%", "8%", "7%", "8%"])
                with gr.Row():
                    m_csv = gr.DownloadButton("下载 CSV", value=None, size="sm", elem_id="pq-match-csv")
                    m_xlsx = gr.DownloadButton("下载 Excel", value=None, size="sm", elem_id="pq-match-xlsx")
                m_clause = gr.HTML("", elem_id="pq-match-clause", js_on_load=None)
                with gr.Accordion("已失效或已被修订的文件中的措施", open=False):
                    m_old = gr.Dataframe(headers=MATCH_HEADERS, value=[], interactive=False, wrap=True,
                                         elem_id="pq-match-old")

                def run_match(region, industry, size, quals):
                    bot = live.current
                    try:
                        result = bot.match(region or "", industry or "", size or "",
                                           [q for q in re.split(r"[、，,;；\s]+", quals or "") if q])
                    except InputError as e:
                        raise gr.Error(str(e), title="无法匹配", print_exception=False) from None
                    rows, old = match_rows(result.rows), match_rows(result.not_in_force)
                    name = f"{region}-{industry}" if industry else region
                    files = [write_csv(rows + old, name, headers=MATCH_HEADERS, prefix="政策匹配"),
                             write_xlsx(rows + old, name, headers=MATCH_HEADERS, prefix="政策匹配")]
                    return (match_summary(result), rows, old, *[gr.update(value=f) for f in files],
                            clause_view(bot, rows[0][-1]) if rows else "")

                m_inputs = [m_region, m_industry, m_size, m_quals]
                m_outputs = [m_info, m_table, m_old, m_csv, m_xlsx, m_clause]
                for trigger in (m_go.click, m_region.submit, m_industry.submit):
                    trigger(run_match, m_inputs, m_outputs, show_progress="minimal", **private)

                def open_clause(evt):
                    row = evt.row_value if evt is not None else None
                    return clause_view(live.current, row[-1]) if row else gr.update()

                open_clause.__annotations__ = {"evt": gr.SelectData}
                m_table.select(open_clause, None, m_clause, **private)
                m_old.select(open_clause, None, m_clause, **private)

            with gr.Tab("文件", id="docs"):
                filters = document_filters(start)
                with gr.Row():
                    d_query = gr.Textbox(label="搜索标题、发文机关、文号", scale=3, elem_id="pq-doc-search")
                    d_region = gr.Dropdown(filters["region"], value=ANY, label="地区", filterable=True,
                                           scale=1, elem_id="pq-doc-region")
                    d_level = gr.Dropdown(filters["level"], value=ANY, label="级别", scale=1)
                    d_kind = gr.Dropdown(filters["kind"], value=ANY, label="类别", scale=1, elem_id="pq-doc-kind")
                    d_status = gr.Dropdown(filters["status"], value=ANY, label="效力", scale=1)
                first_rows, first_info, _ = document_table(start)
                d_info = gr.Markdown(first_info, elem_id="pq-doc-info")
                d_table = gr.Dataframe(headers=DOC_HEADERS, value=first_rows, interactive=False, wrap=True,
                                       elem_id="pq-doc-table",
                                       column_widths=["40%", "9%", "7%", "7%", "10%", "9%", "6%", "12%"])
                d_page = gr.State(1)
                with gr.Row():
                    d_prev = gr.Button("上一页", size="sm", scale=0, min_width=90, elem_id="pq-doc-prev")
                    d_next = gr.Button("下一页", size="sm", scale=0, min_width=90, elem_id="pq-doc-next")
                with gr.Row():
                    doc = gr.Dropdown(doc_choices, value=first_doc, label="政策文件", elem_id="pq-doc", scale=5)
                    remove_btn = gr.Button("删除此文件", variant="stop", size="sm", scale=1, min_width=100,
                                           elem_id="pq-doc-remove")
                doc_status = gr.Markdown("", elem_id="pq-doc-status")
                doc_card = gr.HTML(document_card(start, first_doc or ""), js_on_load=None)
                first_choices = clause_choices(start, first_doc) if first_doc else []
                clause = gr.Dropdown(first_choices, value=first_choices[0][1] if first_choices else None,
                                     label="条款目录", elem_id="pq-clause")
                clause_html = gr.HTML(clause_view(start, first_choices[0][1] if first_choices else ""),
                                      js_on_load=None)
                with gr.Accordion("加入文件", open=True):
                    gr.Markdown("上传 .txt / .md / .docx / .pdf（有文字层）文件，UTF-8 或 GBK 均可。先核对下面的"
                                "解析结果和自动识别的信息（可修改后点“重新预览”），再确认加入；加入后立即可以提问。")
                    upload = gr.File(label="政策文件", file_types=UPLOAD_TYPES, type="filepath",
                                     elem_id="pq-upload")
                    with gr.Row():
                        a_doc_id = gr.Textbox(label="文档编号（小写英文、数字、连字符）", elem_id="pq-add-doc-id")
                        a_region = gr.Textbox(label="所属地区（如 武汉市）", elem_id="pq-add-region")
                        a_level = gr.Dropdown(level_choices(), value=None, label="级别", elem_id="pq-add-level")
                    with gr.Row():
                        a_issuer = gr.Textbox(label="发文机关", elem_id="pq-add-issuer")
                        a_title = gr.Textbox(label="标题（空则取正文第一行）", elem_id="pq-add-title")
                    with gr.Row():
                        preview_btn = gr.Button("重新预览", elem_id="pq-add-preview")
                        confirm_btn = gr.Button("确认加入", variant="primary", interactive=False,
                                                elem_id="pq-add-confirm")
                    add_report = gr.HTML("", elem_id="pq-add-report", js_on_load=None)

                table_inputs = [d_query, d_region, d_level, d_kind, d_status]

                def table_page(query, region, level, kind, status, page):
                    rows, info, page = document_table(live.current, query, region, level, kind, status, page)
                    return rows, info, page

                for control in table_inputs:
                    control.change(lambda *a: table_page(*a, 1), table_inputs, [d_table, d_info, d_page],
                                   trigger_mode="always_last", **private)
                d_prev.click(lambda *a: table_page(*a[:-1], a[-1] - 1), [*table_inputs, d_page],
                             [d_table, d_info, d_page], **private)
                d_next.click(lambda *a: table_page(*a[:-1], a[-1] + 1), [*table_inputs, d_page],
                             [d_table, d_info, d_page], **private)

                def pick(evt):
                    row = evt.row_value if evt is not None else None
                    return gr.update(value=row[-1]) if row else gr.update()

                # Gradio hands the clicked row to a parameter annotated SelectData; the annotation must be
                # the class itself (this module's annotations are strings).
                pick.__annotations__ = {"evt": gr.SelectData}

                d_table.select(pick, None, doc, **private)
                fields = [a_doc_id, a_region, a_level, a_issuer, a_title]
                lists = [doc, f_docs, f_region, p_region, unit]
                doc.change(show_document, doc, [doc_card, clause, clause_html], **private)
                clause.change(lambda cid: clause_view(live.current, cid), clause, clause_html, **private)
                # A fresh upload is previewed with everything inferred; "重新预览" uses the edited fields.
                upload.upload(lambda f: preview(f, "", "", None, "", ""), upload,
                              [*fields, add_report, confirm_btn], **private)
                upload.clear(lambda: ("", gr.update(interactive=False)), None, [add_report, confirm_btn],
                             **private)
                preview_btn.click(preview, [upload, *fields], [*fields, add_report, confirm_btn], **private)
                confirm_btn.click(add, [upload, *fields], [doc_status, upload, *fields, add_report, confirm_btn,
                                                                 *lists], show_progress_on=add_report, **private)
                remove_btn.click(
                    remove, [doc, doc], [doc_status, *lists], show_progress_on=doc_status, **private,
                    js="(d, s) => [d && confirm('确定从语料库删除 ' + d + ' 吗？删除后索引随即更新。') ? d : null, s]",
                )

        demo.load(lambda: refreshed(None), None, lists, **private)
        gr.api(ask_api, api_name="ask")
        gr.api(units_api, api_name="units")
    return demo


# Fixed safety settings: no extra file access, no tracebacks, no share link, no telemetry; the upload
# cap is Config.max_upload_bytes.
MOUNT_SETTINGS: dict[str, Any] = {
    "allowed_paths": [], "show_error": False, "css": CSS, "footer_links": ["api"], "run_history": False,
    "enable_monitoring": False, "mcp_server": False, "pwa": False, "ssr_mode": False,
}


def mount(app: FastAPI, demo: gr.Blocks, *, auth=None, max_file_size: int | None = None) -> FastAPI:
    """Mount the UI at / of the API's FastAPI app (after its routes, so /v1, /api and /docs stay theirs)."""
    import gradio as gr

    from .config import Config

    demo.queue(default_concurrency_limit=2)
    mounted = gr.mount_gradio_app(app, demo, path="", auth=auth, max_file_size=max_file_size or Config.max_upload_bytes,
                                  **MOUNT_SETTINGS)
    # Gradio checks that a file input names a file in its upload cache only once an app has launched;
    # a mounted app never does, so say it has (uploaded_file checks in every handler all the same).
    demo.has_launched = True
    return mounted
