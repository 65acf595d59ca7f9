"""The HTTP API on the running app: OpenAI-compatible chat (driven by the official `openai` client) and REST.

Plumbing tests run against the real pipeline with the hashing embedder; the tests marked slow check the
answers users get from the real model.
"""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from assistant import api, server
from assistant.cli import main as cli_main
from assistant.library import list_documents
from assistant.records import hit_record

ANGEL_Q = "济南对天使投资有什么奖励？"
ANGEL_CLAUSE = "jinan-platform-economy-2020#4.2"
JIANGSU_DOC = "jiangsu-platform-economy-2015"
MODEL = api.MODEL_ID


@pytest.fixture(scope="module")
def fake_url(fake_assistant):
    running = server.start(server.create_app(fake_assistant))
    try:
        yield running.url
    finally:
        running.close()


@pytest.fixture(scope="module")
def keyed_url(fake_assistant):
    running = server.start(server.create_app(fake_assistant, api_key="s3cret-key"))
    try:
        yield running.url
    finally:
        running.close()


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}v1", api_key=key, max_retries=0, timeout=120)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


# --------------------------------------------------------------------------- OpenAI-compatible, plumbing


def test_models_lists_the_one_model(fake_url):
    assert [m.id for m in client(fake_url).models.list()] == [MODEL]


def test_chat_answer_carries_markers_references_and_the_ask_json(fake_url, fake_assistant):
    resp = client(fake_url).chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)])
    expected = fake_assistant.ask(ANGEL_Q, []).to_json()
    content = resp.choices[0].message.content
    assert resp.choices[0].finish_reason == "stop" and resp.model == MODEL
    assert content.startswith(expected["answer"])
    refs = content.split("\n\n参考：\n", 1)[1].splitlines()
    assert len(refs) == len(expected["citations"])
    for n, (line, c) in enumerate(zip(refs, expected["citations"], strict=True), 1):
        assert line == f"[{n}] 《{c['doc_title']}》{c['label']}（{c['clause_id']}）"
    assert resp.model_extra["policyqa"] == expected


def test_streamed_chunks_add_up_to_the_plain_answer(fake_url):
    oc = client(fake_url)
    plain = oc.chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)])
    chunks = list(oc.chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)], stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len(chunks) > 3  # really streamed in pieces
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks][-1] == "stop"
    assert chunks[-1].model_extra["policyqa"] == plain.model_extra["policyqa"]
    assert all("policyqa" not in (c.model_extra or {}) for c in chunks[:-1])


def test_follow_up_uses_the_conversation_like_ask(fake_url, fake_assistant):
    oc = client(fake_url)
    first = oc.chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)])
    messages = [{"role": "system", "content": "你是政策助手"}, user(ANGEL_Q),
                {"role": "assistant", "content": first.choices[0].message.content}, user("那江苏呢？")]
    follow = oc.chat.completions.create(model=MODEL, messages=messages)
    # The 参考 list the API appended is not part of the history the assistant sees.
    history = [user(ANGEL_Q), {"role": "assistant", "content": first.model_extra["policyqa"]["answer"]}]
    expected = fake_assistant.ask("那江苏呢？", history).to_json()
    assert follow.model_extra["policyqa"] == expected
    assert "江苏" in expected["rewritten_question"]


def test_text_parts_are_accepted_as_content(fake_url):
    resp = client(fake_url).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": [{"type": "text", "text": ANGEL_Q}]}])
    assert ANGEL_CLAUSE in [c["clause_id"] for c in resp.model_extra["policyqa"]["citations"]]


@pytest.mark.parametrize(("messages", "message"), [
    ([user("   ")], "问题为空"),
    ([user("问" * 2001)], "问题过长"),
    ([user(ANGEL_Q), {"role": "assistant", "content": "好的"}], "最后一条消息必须是用户的问题"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}], "只支持文本消息"),
])
def test_bad_questions_are_400_with_a_one_line_message(fake_url, messages, message):
    with pytest.raises(openai.BadRequestError) as info:
        client(fake_url).chat.completions.create(model=MODEL, messages=messages)
    assert info.value.status_code == 400
    error = info.value.body
    assert error["type"] == "invalid_request_error" and error["message"].startswith(message)
    assert "\n" not in error["message"] and "Traceback" not in error["message"]


def test_bad_question_when_streaming_is_400_before_any_chunk(fake_url):
    with pytest.raises(openai.BadRequestError, match="问题为空"):
        client(fake_url).chat.completions.create(model=MODEL, messages=[user("")], stream=True)


def test_no_messages_is_400(fake_url):
    with pytest.raises(openai.BadRequestError, match="messages"):
        client(fake_url).chat.completions.create(model=MODEL, messages=[])


def test_bad_json_is_400_in_openai_error_shape(fake_url):
    r = httpx.post(f"{fake_url}v1/chat/completions", content=b'{"messages": [', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error": {"message": "请求体不是合法的 JSON", "type": "invalid_request_error", "param": None,
                                  "code": "invalid_request"}}


def test_body_that_is_not_an_object_is_400(fake_url):
    r = httpx.post(f"{fake_url}v1/chat/completions", json=["x"])
    assert r.status_code == 400 and r.json()["error"]["message"] == "请求体应为 JSON 对象"


def test_oversized_body_is_413(fake_url):
    r = httpx.post(f"{fake_url}v1/chat/completions", json={"messages": [user("问" * 400_000)]})
    assert r.status_code == 413 and "请求体过大" in r.json()["error"]["message"]


def test_unknown_paths_and_methods_under_v1_are_ours(fake_url):
    assert httpx.get(f"{fake_url}v1/embeddings").status_code == 404
    r = httpx.get(f"{fake_url}v1/chat/completions")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_unknown_model_card_is_404(fake_url):
    with pytest.raises(openai.NotFoundError, match="没有这个模型"):
        client(fake_url).models.retrieve("gpt-4")


def test_internal_errors_are_one_line_500s(fake_url, fake_assistant, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("index exploded\nwith details")

    monkeypatch.setattr(fake_assistant, "ask", boom)
    r = httpx.post(f"{fake_url}api/ask", json={"question": ANGEL_Q})
    assert r.status_code == 500
    assert r.json()["error"]["message"] == "内部错误（RuntimeError），请稍后重试或把问题反馈给维护者"


# --------------------------------------------------------------------------- the key


def test_key_is_required_when_set(keyed_url):
    with pytest.raises(openai.AuthenticationError, match="API 密钥"):
        client(keyed_url, key="wrong").models.list()
    r = httpx.get(f"{keyed_url}api/documents")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert [m.id for m in client(keyed_url, key="s3cret-key").models.list()] == [MODEL]
    assert httpx.get(f"{keyed_url}api/documents", headers={"Authorization": "Bearer s3cret-key"}).status_code == 200


def test_key_login_for_the_web_ui_compares_the_password():
    login = server.key_login("s3cret-key")
    assert login("anyone", "s3cret-key") and not login("anyone", "s3cret") and not login("anyone", None)


def test_loopback_detection():
    assert all(server.is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(server.is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "example.com", "::"))


def test_binding_beyond_loopback_without_a_key_is_refused_before_loading(monkeypatch, capsys):
    monkeypatch.delenv("POLICYQA_API_KEY", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        server.main(["--host", "0.0.0.0"])
    assert exit_info.value.code != 0
    assert "POLICYQA_API_KEY" in capsys.readouterr().err


# --------------------------------------------------------------------------- REST: the CLI's JSON


def cli_json(capsys, *argv: str):
    assert cli_main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_rest_ask_is_ask_json(fake_url, fake_assistant):
    history = [user(ANGEL_Q), {"role": "assistant", "content": "……"}]
    r = httpx.post(f"{fake_url}api/ask", json={"question": "那江苏呢？", "history": history}, timeout=120)
    assert r.status_code == 200
    assert r.json() == fake_assistant.ask("那江苏呢？", history).to_json()


def test_rest_ask_filters(fake_url, fake_assistant):
    r = httpx.post(f"{fake_url}api/ask", json={"question": "电子商务", "doc_ids": [JIANGSU_DOC]}, timeout=120)
    cited = {c["clause_id"].split("#")[0] for c in r.json()["citations"]}
    assert cited <= {JIANGSU_DOC}


@pytest.mark.parametrize(("body", "message"), [
    ({"question": ""}, "问题为空"),
    ({}, "缺少字段：question"),
    ({"question": ANGEL_Q, "history": [{"role": "bot", "content": "x"}]}, "字段 history.0.role 取值应为"),
    ({"question": ANGEL_Q, "doc_ids": ["no-such-doc"]}, "未知文档编号：no-such-doc"),
])
def test_rest_ask_bad_input_is_400(fake_url, body, message):
    r = httpx.post(f"{fake_url}api/ask", json=body)
    assert r.status_code == 400 and r.json()["error"]["message"].startswith(message)


def test_rest_search_is_search_json(fake_url, fake_assistant):
    r = httpx.get(f"{fake_url}api/search", params={"q": ANGEL_Q, "k": 3, "region": "济南市"})
    assert r.json() == [hit_record(h) for h in fake_assistant.search(ANGEL_Q, 3, region="济南市")]
    assert r.json()[0]["clause_id"].startswith("jinan-")


def test_rest_search_checks_k(fake_url):
    r = httpx.get(f"{fake_url}api/search", params={"q": ANGEL_Q, "k": 0})
    assert r.status_code == 400 and r.json()["error"] == {
        "message": "字段 k 应不小于 1", "type": "invalid_request_error", "param": "k", "code": "invalid_request"}


def test_rest_units_is_units_json(fake_url, capsys):
    r = httpx.get(f"{fake_url}api/units/湖北省商务厅")
    assert r.json() == cli_json(capsys, "units", "湖北省商务厅", "--json")


def test_rest_unknown_unit_is_404(fake_url):
    r = httpx.get(f"{fake_url}api/units/不存在的委员会")
    assert r.status_code == 404 and r.json()["error"]["message"] == "没有找到单位：不存在的委员会"


def test_rest_clause_is_a_clauses_json_row(fake_url, capsys):
    row = next(c for c in cli_json(capsys, "clauses", "--json") if c["clause_id"] == ANGEL_CLAUSE)
    r = httpx.get(f"{fake_url}api/clauses/{ANGEL_CLAUSE.replace('#', '%23')}")
    assert r.json() == row and row["label"] == "四、（二）"
    assert httpx.get(f"{fake_url}api/clauses/jinan-platform-economy-2020%2399").status_code == 404


def test_rest_documents_is_list_json(fake_url, fake_assistant):
    assert httpx.get(f"{fake_url}api/documents").json() == list_documents(fake_assistant.config)


def test_openapi_docs_show_every_endpoint(fake_url):
    assert httpx.get(f"{fake_url}docs").status_code == 200
    paths = httpx.get(f"{fake_url}openapi.json").json()["paths"]
    for path in ("/api/ask", "/api/search", "/api/units/{name}", "/api/documents", "/api/clauses/{clause_id}",
                 "/v1/models", "/v1/chat/completions"):
        assert path in paths, path
    assert paths["/api/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "AskRequest")


def test_web_ui_is_served_on_the_same_port(fake_url):
    r = httpx.get(fake_url)
    assert r.status_code == 200 and "gradio" in r.text.lower()


# --------------------------------------------------------------------------- the real model (Done when)


@pytest.fixture(scope="module")
def real_url(real_assistant):
    running = server.start(server.create_app(real_assistant))
    try:
        yield running.url
    finally:
        running.close()


@pytest.mark.slow
@pytest.mark.parametrize("stream", [False, True])
def test_openai_client_gets_the_angel_investment_figure_and_clause(real_url, stream):
    oc = client(real_url)
    if stream:
        chunks = list(oc.chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)], stream=True))
        content = "".join(c.choices[0].delta.content or "" for c in chunks)
        extra = chunks[-1].model_extra["policyqa"]
    else:
        resp = oc.chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)])
        content, extra = resp.choices[0].message.content, resp.model_extra["policyqa"]
    # The clause: 对天使投资基金投资我市平台企业项目予以投资金额10%的奖励,最高奖励100万元
    assert "10%" in content and "100万元" in content
    assert ANGEL_CLAUSE in content and "四、（二）" in content
    n = [c["clause_id"] for c in extra["citations"]].index(ANGEL_CLAUSE) + 1
    assert re.search(rf"10%[^\n]*\[{n}\]", content)  # the figure's sentence points at that clause
    assert extra["refused"] is False


@pytest.mark.slow
def test_openai_client_follow_up_is_answered_about_jiangsu(real_url):
    oc = client(real_url)
    first = oc.chat.completions.create(model=MODEL, messages=[user(ANGEL_Q)])
    follow = oc.chat.completions.create(model=MODEL, messages=[
        user(ANGEL_Q), {"role": "assistant", "content": first.choices[0].message.content}, user("那江苏呢？")])
    extra = follow.model_extra["policyqa"]
    assert extra["rewritten_question"] == "江苏对天使投资有什么奖励？"
    assert extra["citations"] and {c["clause_id"].split("#")[0] for c in extra["citations"]} == {JIANGSU_DOC}
    assert "jinan" not in follow.choices[0].message.content
