"""Issue 19, "Close the doors": one test (or a few) per defect found by trying the app as a hostile user would.

The app is served for real (server.create_app on 127.0.0.1, a free port) over a scratch copy of the corpus
and the hashing embedder's index, and driven through its doors: Gradio's queue (/gradio_api/queue/join and
the SSE data stream), /gradio_api/call, /gradio_api/upload, /login, /v1 and /api. Documents that try the
reader's bounds (a zip bomb, a PDF of too many pages, a text of too many characters or clauses) are made
in the test, streamed to disk so that the test itself stays small in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import time
import tracemalloc
import uuid
import zipfile
from dataclasses import replace
from pathlib import Path

import httpx
import openai
import pytest

from assistant import guards, server, webui
from assistant.config import Config
from assistant.core import Assistant, check_history
from assistant.corpus import load_corpus
from assistant.library import LibraryError, add_document, clean_stale, extract_text

from .conftest import CORPUS
from .fakes import HashEmbedder

POLICY = (
    "武汉市人民政府关于促进人工智能产业发展的若干措施\n"
    "一、总体要求\n"
    "（一）发展目标。到2025年，全市人工智能核心产业规模达到500亿元。\n"
    "二、支持措施\n"
    "（一）对新建的人工智能公共算力平台，按设备投资额的20%给予补贴，最高200万元。\n"
    "武汉市人民政府\n"
    "2021年3月5日\n"
)
ANGEL_Q = "济南对天使投资有什么奖励？"


def quiet(_msg: str) -> None:
    pass


def cn_number(n: int) -> str:
    """1 → 一, 21 → 二十一, 305 → 三百零五, 3001 → 三千零一 (for article numbers 第N条)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    if n < 1000:
        head, rest = digits[n // 100] + "百", n % 100
        return head + ("" if not rest else ("零" + digits[rest] if rest < 10 else cn_number(rest) if rest >= 20
                                            else "一" + cn_number(rest)))
    head, rest = digits[n // 1000] + "千", n % 1000
    return head + ("" if not rest else ("零" + cn_number(rest) if rest < 100 else cn_number(rest)))


# ---------------------------------------------------------------- the served app


@pytest.fixture(scope="module")
def live_app(fake_assistant, tmp_path_factory):
    """The app over a scratch corpus and index (hashing embedder): documents could come and go."""
    from assistant.live import LiveAssistant

    root = tmp_path_factory.mktemp("security-app")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(fake_assistant.config.index_dir, root / "index")
    cfg = replace(fake_assistant.config, corpus_dir=root / "corpus", index_dir=root / "index",
                  feedback_file=root / "feedback.jsonl")
    live = LiveAssistant(Assistant.load(cfg, embedder=fake_assistant.embedder, log=quiet))
    running = server.start(server.create_app(live))
    try:
        yield running.url, live
    finally:
        running.close()


def ui_config(url: str) -> dict:
    return httpx.get(f"{url}config", timeout=30).json()


def fn_index(config: dict, elem_id: str, trigger: str) -> int:
    """The id of the event a component with ``elem_id`` fires on ``trigger`` (what the page itself sends)."""
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
    for dep in config["dependencies"]:
        if any(t[0] in ids and t[1] == trigger for t in dep["targets"]):
            return dep["id"]
    raise LookupError(f"no {trigger} event on #{elem_id}")


def queue_call(url: str, fn: int, data: list, timeout: float = 60) -> dict:
    """Join the UI's queue as the page does and read the SSE stream to the event's end: its last message."""
    session = uuid.uuid4().hex[:11]
    joined = httpx.post(f"{url}gradio_api/queue/join", timeout=30, json={
        "data": data, "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": None})
    assert joined.status_code == 200, joined.text
    with httpx.stream("GET", f"{url}gradio_api/queue/data", params={"session_hash": session},
                      timeout=timeout) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError("the queue's stream ended without process_completed")


def file_data(path: Path | str, name: str = "notes.md") -> dict:
    return {"path": str(path), "orig_name": name, "meta": {"_type": "gradio.FileData"}}


# ================================================================ 1. the web UI reads only uploads


def test_ui_queue_refuses_a_server_path_and_adds_nothing(live_app, tmp_path):
    url, live = live_app
    secret = tmp_path / "notes.md"  # a file on the server, outside Gradio's upload cache
    secret.write_text(POLICY, encoding="utf-8")
    corpus_before = sorted(p.name for p in live.current.config.corpus_dir.iterdir())
    config = ui_config(url)
    fields = ["ai-measures-2021", "武汉市", None, "", ""]

    preview = queue_call(url, fn_index(config, "pq-add-preview", "click"), [file_data(secret), *fields])
    shown = json.dumps(preview.get("output", {}), ensure_ascii=False)
    assert "预览" not in shown and "人工智能" not in shown  # nothing of the file came back
    assert not preview.get("success") or "只能读取本次上传的文件" in shown

    added = queue_call(url, fn_index(config, "pq-add-confirm", "click"), [file_data(secret), *fields])
    assert not added.get("success")
    assert "ai-measures-2021" not in live.current.documents
    assert sorted(p.name for p in live.current.config.corpus_dir.iterdir()) == corpus_before
    clause = httpx.get(f"{url}api/clauses/ai-measures-2021%231", timeout=30)
    assert clause.status_code == 404


def test_ui_queue_refuses_a_symlink_out_of_the_upload_cache(live_app, tmp_path):
    url, live = live_app
    secret = tmp_path / "secret.md"
    secret.write_text(POLICY, encoding="utf-8")
    link_dir = webui.upload_cache() / f"policyqa-test-{uuid.uuid4().hex[:8]}"
    link_dir.mkdir(parents=True)
    try:
        (link_dir / "notes.md").symlink_to(secret)
        config = ui_config(url)
        preview = queue_call(url, fn_index(config, "pq-add-preview", "click"),
                             [file_data(link_dir / "notes.md"), "", "武汉市", None, "", ""])
        shown = json.dumps(preview.get("output", {}), ensure_ascii=False)
        assert "预览" not in shown and "人工智能" not in shown
    finally:
        shutil.rmtree(link_dir)


def test_ui_previews_a_real_upload(live_app, tmp_path):
    """The check lets through what the upload box gives: a file uploaded through /gradio_api/upload."""
    url, live = live_app
    local = tmp_path / "ai.md"
    local.write_text(POLICY, encoding="utf-8")
    with local.open("rb") as f:
        up = httpx.post(f"{url}gradio_api/upload", files={"files": ("ai.md", f, "text/markdown")}, timeout=30)
    assert up.status_code == 200, up.text
    cached = up.json()[0]
    preview = queue_call(url, fn_index(ui_config(url), "pq-add-preview", "click"),
                         [file_data(cached, "ai.md"), "", "", None, "", ""])
    assert preview["success"]
    assert "预览：尚未加入" in json.dumps(preview["output"], ensure_ascii=False)
    assert len(live.current.documents) == 5  # a preview writes nothing


def test_uploaded_file_accepts_only_the_cache(tmp_path):
    outside = tmp_path / "x.md"
    outside.write_text("x", encoding="utf-8")
    for bad in (str(outside), {"path": str(outside)}, "/etc/hostname", "", None,
                str(webui.upload_cache() / ".." / "x.md")):
        with pytest.raises(webui.NotUploaded):
            webui.uploaded_file(bad)
    inside = webui.upload_cache() / f"policyqa-test-{uuid.uuid4().hex[:8]}"
    inside.mkdir(parents=True)
    try:
        (inside / "ok.md").write_text("x", encoding="utf-8")
        assert webui.uploaded_file(str(inside / "ok.md")) == (inside / "ok.md").resolve()
        with pytest.raises(webui.NotUploaded):
            webui.uploaded_file(str(inside))  # a folder is not a file
    finally:
        shutil.rmtree(inside)


# ================================================================ 2. archives and documents are read with bounds


DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
DOCX_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>')


def zip_bomb(path: Path, megabytes: float = 200) -> Path:
    """A .docx whose document.xml unpacks to ``megabytes`` MB of one repeated byte (≈ 200 KB on disk),
    streamed into the archive so that it never sits in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", DOCX_TYPES)
        z.writestr("_rels/.rels", DOCX_RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml'
                    b'/2006/main"><w:body><w:p><w:r><w:t>')
            chunk = b"A" * 100_000
            for _ in range(int(megabytes * 10)):
                f.write(chunk)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def refusal_and_peak_memory(path: Path, match: str) -> tuple[str, int]:
    """Reading ``path`` is refused with a message matching ``match``: the message and the peak of Python
    memory allocated on the way (how long it takes is for the probes in the closing note, not a test)."""
    tracemalloc.start()
    try:
        with pytest.raises(LibraryError, match=match) as info:
            extract_text(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(info.value), peak


def test_docx_zip_bomb_is_refused_in_little_memory(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.docx")
    assert bomb.stat().st_size < 2_000_000
    message, peak = refusal_and_peak_memory(bomb, "压缩炸弹")
    assert peak < 20_000_000 and "\n" not in message, (peak, message)


def test_the_bomb_is_a_docx_that_would_be_read(tmp_path):
    """The same archive, small: python-docx reads it (so the big one is refused by the check, not by luck)."""
    assert extract_text(zip_bomb(tmp_path / "small.docx", megabytes=0.2)).startswith("AAAA")


def test_docx_with_a_high_ratio_member_under_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "ratio.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:t>" + b"A" * 5_000_000 + b"</w:t>")  # 5 MB, ~1000× smaller packed
    with pytest.raises(LibraryError, match="压缩比异常"):
        extract_text(path)


def test_docx_with_too_many_members_is_refused(tmp_path):
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in range(Config.max_zip_members + 1):
            z.writestr(f"m/{i}.xml", b"")
    with pytest.raises(LibraryError, match="文件过多"):
        extract_text(path)


def test_ordinary_docx_still_reads(tmp_path):
    import docx

    d = docx.Document()
    for line in POLICY.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "ok.docx")
    assert "人工智能公共算力平台" in extract_text(tmp_path / "ok.docx")


def test_pdf_with_too_many_pages_is_refused_before_extraction(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(Config.max_pdf_pages + 1):
        w.add_blank_page(width=595, height=842)
    path = tmp_path / "long.pdf"
    with path.open("wb") as f:
        w.write(f)
    with pytest.raises(LibraryError, match="页数过多"):
        extract_text(path)


def test_text_over_the_character_cap_is_refused(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("一、总体要求\n" + "平台经济健康发展。" * (Config.max_document_chars // 9 + 10), encoding="utf-8")
    with pytest.raises(LibraryError, match="文字过多"):
        extract_text(path)


def test_pdf_text_over_the_character_cap_is_refused(tmp_path):
    from .test_robustness import text_pdf

    cfg = Config(max_document_chars=50)
    path = tmp_path / "chars.pdf"
    path.write_bytes(text_pdf(["一、总体要求", "（一）" + "平台经济健康发展" * 10]))
    with pytest.raises(LibraryError, match="文字过多"):
        extract_text(path, cfg)


def test_document_over_the_clause_cap_is_refused_and_nothing_is_written(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")
    n = Config.max_document_clauses + 1
    text = "测试管理办法\n" + "\n".join(f"第{cn_number(i)}条 网络运营者应当履行安全保护义务。" for i in range(1, n + 1))
    assert len(text) < Config.max_document_chars
    path = tmp_path / "many.txt"
    path.write_text(text, encoding="utf-8")
    before = sorted(p.name for p in (tmp_path / "corpus").iterdir())
    start = time.perf_counter()
    with pytest.raises(LibraryError, match="条款过多"):
        add_document(cfg, path, region="全国", doc_id="many-articles", embedder=HashEmbedder(), log=quiet)
    assert time.perf_counter() - start < 10
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == before
    assert not (tmp_path / "index").exists()


def test_file_over_the_upload_cap_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.truncate(Config.max_upload_bytes + 1)  # sparse: no 20 MB written
    with pytest.raises(LibraryError, match="文件过大"):
        extract_text(path)


# ================================================================ 3. one body limit for every door; history


@pytest.mark.parametrize("path", ["gradio_api/call/ask", "gradio_api/queue/join", "api/ask", "v1/chat/completions",
                                  "login", "gradio_api/run/predict"])
def test_a_body_over_the_limit_is_413_at_every_door(live_app, path):
    url, _ = live_app
    body = json.dumps({"data": ["问" * 1_100_000]}, ensure_ascii=False).encode("utf-8")  # 3.3 MB
    r = httpx.post(f"{url}{path}", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 413, (path, r.status_code, r.text[:200])
    assert r.json()["error"]["code"] == "body_too_large" and "请求体过大" in r.json()["error"]["message"]


def test_a_chunked_body_over_the_limit_is_413(live_app):
    url, _ = live_app

    def chunks():
        for _ in range(40):
            yield b"x" * 100_000  # 4 MB in all, sent without a Content-Length

    r = httpx.post(f"{url}gradio_api/call/ask", content=chunks(), headers={"content-type": "application/json"},
                   timeout=30)
    assert r.status_code == 413


def test_a_chunked_body_under_the_limit_is_served(live_app):
    url, _ = live_app
    body = json.dumps({"question": ANGEL_Q}, ensure_ascii=False).encode("utf-8")
    r = httpx.post(f"{url}api/ask", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"},
                   timeout=30)
    assert r.status_code == 200 and r.json()["citations"]


def test_an_upload_under_the_upload_cap_is_not_held_to_the_body_limit(live_app, tmp_path):
    url, _ = live_app
    big = tmp_path / "big.txt"
    big.write_bytes(("一、总体要求\n" + "平台经济。" * 300_000).encode("utf-8"))  # 4.5 MB
    with big.open("rb") as f:
        r = httpx.post(f"{url}gradio_api/upload", files={"files": ("big.txt", f, "text/plain")}, timeout=60)
    assert r.status_code == 200, r.text[:200]


def long_history(turns: int = 300, chars: int = 3000) -> list[dict]:
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": ("济南天使投资奖励" * chars)[:chars]}
            for i in range(turns)]


def test_history_keeps_the_newest_turns_within_the_limits():
    cfg = Config()
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"第{i}轮"} for i in range(40)]
    kept = check_history(history, cfg)
    assert kept == history[-cfg.max_history_turns:]
    big = long_history(40, 1500)
    kept = check_history(big, cfg)
    assert kept == big[-(cfg.max_history_chars // 1500):]
    assert sum(len(t["content"]) for t in kept) <= cfg.max_history_chars
    huge_question = [{"role": "user", "content": "问" * (cfg.max_question_chars + 1)},
                     {"role": "assistant", "content": "答"}]
    assert check_history(huge_question, cfg) == huge_question[1:]  # never a question longer than a question
    assert check_history(history) == history  # without limits: validated only


def test_a_long_history_is_answered_quickly_from_its_newest_turns(fake_assistant):
    history = long_history(312, 1000)  # 312,000 characters, ≈ 936 KB of UTF-8
    start = time.perf_counter()
    answer = fake_assistant.ask("那江苏呢？", history)
    assert time.perf_counter() - start < 3.0
    assert answer.answer
    trimmed = fake_assistant.ask("那江苏呢？", check_history(history, fake_assistant.config))
    assert answer.to_json() == trimmed.to_json()


def huge_turn_history() -> list[dict]:
    """The issue's probe: a 936 KB history whose question is longer than any question may be."""
    return [{"role": "user", "content": "济南对天使投资有什么奖励" * 26_000}, {"role": "assistant", "content": "好的"}]


def test_a_history_turn_longer_than_a_question_is_dropped_not_refused(fake_assistant):
    start = time.perf_counter()
    answer = fake_assistant.ask("那江苏呢？", huge_turn_history())
    assert time.perf_counter() - start < 3.0 and answer.answer
    assert answer.to_json() == fake_assistant.ask("那江苏呢？", []).to_json()


def test_api_history_under_the_body_limit_is_answered_not_refused(live_app):
    url, _ = live_app
    body = {"question": "那江苏呢？", "history": huge_turn_history()}
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    assert len(raw) < Config.max_body_bytes
    r = httpx.post(f"{url}api/ask", content=raw, headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 200, r.text[:200]
    assert r.json()["answer"]


# ================================================================ 4. the Host header; logins


@pytest.mark.parametrize("path", ["api/ask", "gradio_api/queue/join", "", "v1/models", "config"])
def test_a_foreign_host_is_refused(live_app, path):
    url, _ = live_app
    method = "POST" if path in ("api/ask", "gradio_api/queue/join") else "GET"
    r = httpx.request(method, f"{url}{path}", json={"question": ANGEL_Q} if method == "POST" else None,
                      headers={"Host": "evil.example:7860"}, timeout=30)
    assert r.status_code in (400, 421), (path, r.status_code)
    assert r.json()["error"]["code"] == "invalid_host"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_are_served(live_app, host):
    url, _ = live_app
    port = url.rstrip("/").rsplit(":", 1)[1]
    r = httpx.get(f"{url}v1/models", headers={"Host": f"{host}:{port}"}, timeout=30)
    assert r.status_code == 200


def test_allowed_hosts():
    assert guards.allowed_hosts("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}
    assert "policy.example.cn" in guards.allowed_hosts("10.0.0.5", "policy.example.cn, other.example")
    assert "10.0.0.5" in guards.allowed_hosts("10.0.0.5")
    assert guards.allowed_hosts("0.0.0.0") is None  # a wildcard bind: the names are not known (a key is required)
    assert guards.allowed_hosts("0.0.0.0", "policy.example.cn") == {"localhost", "127.0.0.1", "::1",
                                                                    "policy.example.cn"}
    assert guards.allowed_hosts("127.0.0.1", "*") is None
    assert guards.host_name("[::1]:7860") == "::1" and guards.host_name("Example.COM.:80") == "example.com"


def test_login_is_locked_after_repeated_failures(fake_assistant):
    running = server.start(server.create_app(fake_assistant, api_key="right-key"))
    try:
        login = f"{running.url}login"
        codes = [httpx.post(login, data={"username": "x", "password": f"guess{i}"}, timeout=30).status_code
                 for i in range(Config.login_max_failures)]
        assert codes == [400] * Config.login_max_failures
        locked = httpx.post(login, data={"username": "x", "password": "right-key"}, timeout=30)
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
        assert "次数过多" in locked.json()["error"]["message"]
        # The API key is the same secret: it cannot be guessed on /v1 meanwhile either.
        assert httpx.get(f"{running.url}v1/models", headers={"Authorization": "Bearer right-key"},
                         timeout=30).status_code == 429
    finally:
        running.close()


def test_wrong_api_keys_are_locked_out_too(fake_assistant):
    running = server.start(server.create_app(fake_assistant, api_key="right-key"))
    try:
        for i in range(Config.login_max_failures):
            r = httpx.get(f"{running.url}v1/models", headers={"Authorization": f"Bearer wrong{i}"}, timeout=30)
            assert r.status_code == 401
        assert httpx.get(f"{running.url}v1/models", headers={"Authorization": "Bearer right-key"},
                         timeout=30).status_code == 429
    finally:
        running.close()


def test_login_limiter_backs_off_exponentially_and_forgets_success():
    now = [1000.0]
    limiter = guards.LoginLimiter(None, max_failures=3, window_s=300, lockout_s=10, clock=lambda: now[0])
    for _ in range(2):
        limiter.failed("1.2.3.4")
    assert limiter.wait("1.2.3.4") == 0
    limiter.failed("1.2.3.4")
    assert limiter.wait("1.2.3.4") == pytest.approx(10)
    now[0] += 11
    limiter.failed("1.2.3.4")
    assert limiter.wait("1.2.3.4") == pytest.approx(20)
    assert limiter.wait("5.6.7.8") == 0  # per client
    limiter.succeeded("1.2.3.4")
    assert limiter.wait("1.2.3.4") == 0
    for _ in range(40):
        limiter.failed("9.9.9.9")
    assert limiter.wait("9.9.9.9") <= guards.MAX_LOCKOUT_S


# ================================================================ 5. the low items


def test_bad_corpus_toml_is_one_line_naming_the_file(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    bad = next((tmp_path / "corpus").glob("*.toml"))
    bad.write_text('doc_id = "x"\ntitle = "unterminated\n', encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_corpus(tmp_path / "corpus")
    assert bad.name in str(info.value) and "\n" not in str(info.value)


def test_server_start_with_a_bad_toml_is_one_line_without_traceback(tmp_path, monkeypatch, capsys):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    bad = next((tmp_path / "corpus").glob("*.toml"))
    bad.write_text("doc_id = \n", encoding="utf-8")
    monkeypatch.setenv("POLICYQA_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(tmp_path / "index"))
    with pytest.raises(SystemExit) as info:
        server.main(["--port", str(server.free_port())])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 1 and bad.name in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_overlong_doc_id_is_refused_with_a_clear_message(tmp_path, monkeypatch, capsys):
    from assistant.cli import main as cli_main

    shutil.copytree(CORPUS, tmp_path / "corpus")
    monkeypatch.setenv("POLICYQA_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(tmp_path / "index"))
    doc = tmp_path / "ai.md"
    doc.write_text(POLICY, encoding="utf-8")
    assert cli_main(["add", str(doc), "--doc-id", "a" * 300, "--region", "武汉市"]) == 2
    err = capsys.readouterr().err.strip()
    assert "文档编号过长" in err and "300" in err and len(err.splitlines()) == 1
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    with pytest.raises(LibraryError, match="文档编号过长"):
        add_document(cfg, doc, doc_id="b" * 101, region="武汉市", dry_run=True)
    assert add_document(cfg, doc, doc_id="c" * 100, region="武汉市", dry_run=True).doc_id == "c" * 100


def test_stale_leftovers_are_cleaned_and_fresh_ones_kept(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    index.mkdir()
    old_adding, new_adding = corpus / ".005_abc.txt.adding", corpus / ".006_def.txt.adding"
    old_staging, new_staging = index / ".staging-old", index / ".staging-new"
    for p in (old_adding, new_adding):
        p.write_text("partial", encoding="utf-8")
    for d in (old_staging, new_staging):
        d.mkdir()
        (d / "vectors.faiss").write_bytes(b"partial")
    keep = corpus / "004_real.txt"
    keep.write_text("a real document", encoding="utf-8")
    hour_ago = time.time() - 3600
    for p in (old_adding, old_staging, old_staging / "vectors.faiss", keep):
        os.utime(p, (hour_ago, hour_ago))
    removed = clean_stale(Config(corpus_dir=corpus, index_dir=index), log=quiet)
    assert set(removed) >= {old_adding, old_staging}
    assert not old_adding.exists() and not old_staging.exists()
    assert new_adding.exists() and new_staging.exists() and keep.exists()  # another change may be in flight


def test_unit_csv_downloads_share_one_folder(fake_assistant):
    import tempfile

    def ours() -> set[str]:
        return {p.name for p in Path(tempfile.gettempdir()).glob("policyqa-*")}

    webui.write_csv([["a", "b", "c", "d"]], "warm-up")
    before = ours()
    paths = [webui.write_csv(webui.unit_table(fake_assistant, name), name)
             for name in ("湖北省商务厅", "省商务厅", "湖北省经信委")]
    assert ours() == before  # no folder per download
    assert len({Path(p).parent for p in paths}) == 1
    assert webui.write_csv(webui.unit_table(fake_assistant, "湖北省商务厅"), "湖北省商务厅") == paths[0]  # reused


def test_unknown_model_is_refused(live_app):
    url, _ = live_app
    oc = openai.OpenAI(base_url=f"{url}v1", api_key="none", max_retries=0, timeout=60)
    with pytest.raises(openai.NotFoundError) as info:
        oc.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ANGEL_Q}])
    assert info.value.body["code"] == "model_not_found" and "没有这个模型" in info.value.body["message"]
    ok = oc.chat.completions.create(model="zhengce-wenda", messages=[{"role": "user", "content": ANGEL_Q}])
    assert ok.choices[0].message.content


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_ipv6_loopback_host_works_or_is_refused_up_front(fake_assistant):
    port = server.free_port()
    why = server.check_bindable("[::1]", port)
    assert (why is None) == _ipv6_loopback()
    if why is not None:
        assert "无法监听" in why and "\n" not in why
        return
    running = server.start(server.create_app(fake_assistant, host="[::1]"), host="[::1]")
    try:
        assert running.url.startswith("http://[::1]:")
        assert httpx.get(f"{running.url}v1/models", timeout=30).status_code == 200
    finally:
        running.close()


def test_main_refuses_an_address_it_cannot_listen_on_before_loading(monkeypatch, capsys):
    def never(*args, **kwargs):
        raise AssertionError("the assistant was loaded before the address was checked")

    monkeypatch.setattr(Assistant, "load", never)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as info:
            server.main(["--host", "127.0.0.1", "--port", str(port)])
    assert info.value.code == 2 and "无法监听" in capsys.readouterr().err


@pytest.mark.parametrize(("path", "body"), [("api/ask", b'\xff\xfe{"question"'), ("v1/chat/completions", b"\xff"),
                                            ("api/ask", b'{"question": '), ("api/ask", b"")])
def test_api_parse_errors_are_chinese_with_a_code(live_app, path, body):
    url, _ = live_app
    r = httpx.post(f"{url}{path}", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert "parsing" not in error["message"] and "None" not in error["message"]


def lying_zip(path: Path, megabytes: float = 50, declared: int = 500_000) -> Path:
    """A .docx whose document.xml says it unpacks to ``declared`` bytes (under every cap, so the ratio check
    does not look at it) while it holds ``megabytes`` MB: both headers are patched after writing."""
    zip_bomb(path, megabytes)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("word/document.xml")
    assert info.file_size < 0xFFFFFFFF
    struct.pack_into("<I", raw, info.header_offset + 22, declared)  # local header: uncompressed size
    name = info.filename.encode()
    central = raw.find(b"PK\x01\x02")
    while central >= 0:
        if raw[central + 46: central + 46 + len(name)] == name:
            struct.pack_into("<I", raw, central + 24, declared)  # central directory: uncompressed size
            break
        central = raw.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(raw))
    return path


def test_a_docx_member_lying_about_its_size_is_refused_in_little_memory(tmp_path):
    liar = lying_zip(tmp_path / "liar.docx")
    with zipfile.ZipFile(liar) as z:
        assert z.getinfo("word/document.xml").file_size == 500_000  # the headers say: nothing to fear
    message, peak = refusal_and_peak_memory(liar, "不符")
    assert peak < 20_000_000 and "\n" not in message, (peak, message)
