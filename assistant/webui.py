"""The Gradio web UI: a thin shell over `Assistant` (chat, unit responsibilities, documents).

Every string that comes from a document or from the user is passed through ``html.escape``
before it goes into an HTML component; the renderers below are pure functions so they can be
tested without a browser.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import re
import sys
import tempfile
import threading
import traceback
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .corpus import STATUS_LABELS

if TYPE_CHECKING:  # gradio is imported lazily: the CLI and the library do not need it
    import gradio as gr

    from .core import Answer, Assistant, Citation

TITLE = "政策问答"
ALL_REGIONS = "全部"
ROLE_LABELS = {"lead": "牵头", "participant": "参加"}
UNIT_HEADERS = ["文件", "条款", "角色", "内容摘要"]
SUMMARY_CHARS = 80

ENTERPRISE_EXAMPLES = [
    "我是武汉的一家跨境电商初创企业，有哪些扶持政策？",
    "济南对天使投资有什么奖励？",
    "江苏对电子商务平台企业有哪些支持措施？",
]
OFFICIAL_EXAMPLES = [
    "湖北省商务厅牵头哪些任务？",
    "农村电商配送体系由谁负责？",
    "武汉的互联网+流通意见现在还有效吗？",
]
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


def write_csv(rows: list[list[str]], name: str) -> str | None:
    """The table as a UTF-8 (with BOM, for Excel) CSV file in a fresh temp dir; None when empty."""
    if not rows:
        return None
    safe = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name.strip())[:40] or "units"
    path = Path(tempfile.mkdtemp(prefix="policyqa-")) / f"责任分工-{safe}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(UNIT_HEADERS)
        w.writerows(rows)
    return str(path)


# ---------------------------------------------------------------------------------------------
# Documents


def document_card(bot: Assistant, doc_id: str) -> str:
    """A document's metadata as HTML: issuer, number, dates, validity today, basis documents."""
    doc = bot.documents.get(doc_id)
    if doc is None:
        return '<p class="pq-muted">请选择文件。</p>'
    today = bot.today()
    status = doc.status(today)
    n_clauses = sum(1 for c in bot.clauses if c.doc_id == doc_id)
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


def clause_choices(bot: Assistant, doc_id: str) -> list[tuple[str, str]]:
    """(display, clause_id) for each clause of a document, indented by level: the clause tree."""
    out = []
    for c in bot.clauses:
        if c.doc_id != doc_id:
            continue
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


def _regions(bot: Assistant) -> list[str]:
    preferred = ["湖北省", "武汉市", "江苏省", "济南市"]
    have = {d.region for d in bot.documents.values()}
    return [r for r in preferred if r in have] + sorted(have - set(preferred))


def build_ui(bot: Assistant) -> gr.Blocks:
    import gradio as gr

    from .core import InputError

    regions = _regions(bot)
    doc_choices = [(doc_label(d), doc_id) for doc_id, d in bot.documents.items()]
    unit_names = [e.name for e in bot.units.entries()]
    first_doc = next(iter(bot.documents), None)

    # ------------------------------------------------------------------ chat handlers
    def submit(message: str, chat: list):
        try:
            question = bot.check_question(message)
        except InputError as e:
            raise gr.Error(str(e), title="无法提问", print_exception=False) from None
        chat = [*chat, {"role": "user", "content": render_user(question)},
                {"role": "assistant", "content": render_notice("正在检索政策条款并组织回答…")}]
        return "", chat, question

    def answer(question: str, chat: list, turns: list, doc_ids, region, p_region, industry, stage):
        try:
            result = bot.ask(question, history=list(turns),
                             **ask_options(doc_ids, region, p_region, industry, stage))
        except InputError as e:
            chat = [*chat[:-1], {"role": "assistant", "content": render_notice(f"⚠ {e}")}]
            return chat, turns, None, ""
        except Exception:  # never a traceback in the page; the server log has it
            traceback.print_exc()
            chat = [*chat[:-1], {"role": "assistant",
                                 "content": render_notice("抱歉，回答时出现内部错误，请稍后重试或换一种问法。")}]
            return chat, turns, None, ""
        chat = [*chat[:-1], {"role": "assistant", "content": render_answer(result)}]
        turns = [*turns, {"role": "user", "content": question}, {"role": "assistant", "content": result.answer}]
        last = {"question": question, "answer": result.answer, "cited": [c.clause_id for c in result.citations]}
        return chat, turns, last, ""

    def clear():
        return [], [], None, "", "", ""

    def feedback(rating: str):
        def handler(last, comment):
            return record_feedback(bot, last, rating, comment), ""
        return handler

    # ------------------------------------------------------------------ units / documents handlers
    def show_unit(name: str):
        rows = unit_table(bot, name)
        return unit_matches(bot, name), rows, write_csv(rows, name or "")

    def show_document(doc_id: str):
        choices = clause_choices(bot, doc_id) if doc_id else []
        first = choices[0][1] if choices else None
        return (document_card(bot, doc_id), gr.update(choices=choices, value=first),
                clause_view(bot, first or ""))

    # ------------------------------------------------------------------ API (for scripts)
    def ask_api(question: str, history: list[dict] | None = None, doc_ids: list[str] | None = None,
                region: str | None = None) -> dict:
        """Answer a policy question: {answer, refused, citations, retrieved, route, ...} (see interfaces.md)."""
        try:
            return bot.ask(question, history=history or [], doc_ids=doc_ids or None,
                           region=region or None).to_json()
        except InputError as e:
            raise gr.Error(str(e), title="无法提问", print_exception=False) from None

    def units_api(name: str) -> list[list[str]]:
        """Clauses a unit leads or takes part in: rows [文件, 条款, 角色, 内容摘要]."""
        return unit_table(bot, name)

    private = {"api_visibility": "private"}
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(
            f"<h1 style='margin:.2em 0'>{TITLE}</h1><p class='pq-muted' style='margin:0'>"
            "基于湖北、武汉、江苏、济南平台经济与“互联网+”政策原文的问答助手：每个回答都标注出处条款，"
            "可展开核对原文。</p>",
            js_on_load=None,
        )
        turns = gr.State([])  # plain-text history for Assistant.ask
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
                    msg = gr.Textbox(placeholder="例如：济南对天使投资有什么奖励？", show_label=False,
                                     scale=8, max_lines=6, elem_id="pq-question", autofocus=True)
                    send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="pq-send")
                    new = gr.Button("新对话", scale=1, min_width=80, elem_id="pq-new")
                with gr.Row():
                    gr.Examples(ENTERPRISE_EXAMPLES, inputs=msg, label="企业常问")
                    gr.Examples(OFFICIAL_EXAMPLES, inputs=msg, label="政府部门常问")
                with gr.Accordion("筛选与企业画像（可选）", open=False):
                    with gr.Row():
                        f_region = gr.Dropdown([ALL_REGIONS, *regions], value=ALL_REGIONS, label="只看地区")
                        f_docs = gr.CheckboxGroup(doc_choices, label="只看这些文件（不选则全部）")
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

                ask_inputs = [pending, chat, turns, f_docs, f_region, p_region, p_industry, p_stage]
                ask_outputs = [chat, turns, last, fb_status]
                for trigger in (msg.submit, send.click):
                    trigger(submit, [msg, chat], [msg, chat, pending], show_progress="hidden",
                            **private).success(answer, ask_inputs, ask_outputs,
                                               show_progress="minimal", **private)
                new.click(clear, None, [chat, turns, last, msg, comment, fb_status], **private)
                up.click(feedback("up"), [last, comment], [fb_status, comment], **private)
                down.click(feedback("down"), [last, comment], [fb_status, comment], **private)

            with gr.Tab("责任分工", id="units"):
                gr.Markdown("查询某个单位**牵头**或**参加**的工作任务。可输入简称，如“省商务厅”“武汉商务局”。")
                with gr.Row():
                    unit = gr.Dropdown(unit_names, value=None, allow_custom_value=True, filterable=True,
                                       label="单位名称", scale=4, elem_id="pq-unit")
                    unit_btn = gr.Button("查询", variant="primary", scale=1, min_width=80, elem_id="pq-unit-go")
                unit_info = gr.HTML(unit_matches(bot, ""), js_on_load=None)
                unit_rows = gr.Dataframe(headers=UNIT_HEADERS, value=[], interactive=False, wrap=True,
                                         column_widths=["24%", "12%", "10%", "54%"], elem_id="pq-unit-table")
                unit_csv = gr.DownloadButton("下载 CSV", value=None, size="sm")
                for trigger in (unit.change, unit_btn.click):
                    trigger(show_unit, unit, [unit_info, unit_rows, unit_csv], show_progress="hidden",
                            trigger_mode="always_last", **private)

            with gr.Tab("文件", id="docs"):
                doc = gr.Dropdown(doc_choices, value=first_doc, label="政策文件", elem_id="pq-doc")
                doc_card = gr.HTML(document_card(bot, first_doc or ""), js_on_load=None)
                first_choices = clause_choices(bot, first_doc) if first_doc else []
                clause = gr.Dropdown(first_choices, value=first_choices[0][1] if first_choices else None,
                                     label="条款目录", elem_id="pq-clause")
                clause_html = gr.HTML(clause_view(bot, first_choices[0][1] if first_choices else ""),
                                      js_on_load=None)
                doc.change(show_document, doc, [doc_card, clause, clause_html], **private)
                clause.change(lambda cid: clause_view(bot, cid), clause, clause_html, **private)

        gr.api(ask_api, api_name="ask")
        gr.api(units_api, api_name="units")
    return demo


def launch(demo: gr.Blocks, *, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None, **extra: Any):
    """Launch with the app's fixed safety settings: no extra file access, no tracebacks, no share link."""
    demo.queue(default_concurrency_limit=2)
    return demo.launch(
        server_name=host, server_port=port, auth=auth, share=False,
        allowed_paths=[], show_error=False, css=CSS,
        footer_links=["api"], run_history=False, enable_monitoring=False, mcp_server=False,
        pwa=False, ssr_mode=False,
        **extra,
    )


def _parse_auth(raw: str) -> tuple[str, str]:
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("--auth 的格式应为 用户名:密码")
    return user, password


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="app.py", description="政策问答 Web 界面")
    parser.add_argument("--host", default=os.environ.get("POLICYQA_HOST", "127.0.0.1"),
                        help="监听地址（默认 127.0.0.1；环境变量 POLICYQA_HOST）")
    parser.add_argument("--port", type=int, default=int(os.environ.get("POLICYQA_PORT", "7860")),
                        help="端口（默认 7860；环境变量 POLICYQA_PORT）")
    parser.add_argument("--auth", type=_parse_auth, default=None,
                        help="访问口令 用户名:密码（环境变量 POLICYQA_AUTH）")
    args = parser.parse_args(argv)
    auth = args.auth
    if auth is None and os.environ.get("POLICYQA_AUTH"):
        try:
            auth = _parse_auth(os.environ["POLICYQA_AUTH"])
        except argparse.ArgumentTypeError as e:
            parser.error(f"POLICYQA_AUTH: {e}")

    from .core import Assistant

    print("正在加载政策问答助手（首次运行需要建立索引，可能需要几分钟）…", flush=True)
    bot = Assistant.load(log=lambda m: print(m, flush=True))
    print(f"已加载 {len(bot.documents)} 份文件、{len(bot.clauses)} 个条款；正在启动网页界面…", flush=True)
    demo = build_ui(bot)
    print(f"请在浏览器打开 http://{args.host}:{args.port}/", flush=True)
    launch(demo, host=args.host, port=args.port, auth=auth)


if __name__ == "__main__":
    main()
