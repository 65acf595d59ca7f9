"""Optional LLM mode (assistant/llm.py) against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant import llm
from assistant.config import Config
from assistant.core import Answer, Citation
from assistant.corpus import load_corpus

from .conftest import CORPUS

ANGEL = "jinan-platform-economy-2020#4.2"  # 天使投资 10%, 最高100万元; 首版次软件 30%; 博士后工作站 50/20/10万元
RIGHTS = "jinan-platform-economy-2020#4.3"  # 职业伤害保障试点, 社保政策
ACCEL = "jinan-platform-economy-2020#3.5"  # 平台企业加速器, 租金补贴
QUESTION = "济南对天使投资有什么奖励？"


# ---------------------------------------------------------------------------- scripted server


def completion(content: str, model: str = "scripted") -> dict:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


Reply = str | Callable[[dict], str] | tuple


class ScriptedLLM:
    """POST /v1/chat/completions answers with the next scripted reply and records what was asked.

    A reply is a completion's text, a function of the request body returning that text,
    ("status", code, body) for a raw HTTP error/garbage, or ("sleep", seconds, text).
    """

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.headers.append({k.lower(): v for k, v in self.headers.items()})
                try:
                    owner.requests.append(json.loads(body))
                except ValueError:
                    owner.requests.append({"raw": body.decode("utf-8", "replace")})
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, b'{"error": {"message": "not found"}}')
                reply = owner.replies.pop(0) if owner.replies else "文件未规定。"
                if isinstance(reply, tuple) and reply[0] == "status":
                    return self._send(reply[1], reply[2])
                if isinstance(reply, tuple) and reply[0] == "sleep":
                    owner.release.wait(reply[1])
                    reply = reply[2]
                text = reply(owner.requests[-1]) if callable(reply) else reply
                self._send(200, json.dumps(completion(text), ensure_ascii=False).encode())

            def _send(self, code: int, payload: bytes) -> None:
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def prompt(self, i: int = -1) -> str:
        return "\n".join(m["content"] for m in self.requests[i]["messages"])

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    s = ScriptedLLM()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # Loopback only, whatever proxy or key the developer's shell has.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                "POLICYQA_LLM_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


# ---------------------------------------------------------------------------- answers from the real corpus


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


def cite(corpus, clause_id: str, quote: str = "") -> Citation:
    c = corpus.clause(clause_id)
    doc = corpus.documents[c.doc_id]
    return Citation(clause_id=c.clause_id, doc_title=doc.display_title, label=c.label,
                    quote=quote or c.text[:60], region=doc.region, year=doc.year, clause_text=c.text,
                    status="in_force")


@pytest.fixture
def extractive(corpus) -> Answer:
    """An extractive answer citing [1] 4.2 (天使投资) and [2] 4.3 (权益保护)."""
    c1 = cite(corpus, ANGEL, "对天使投资基金投资我市平台企业项目予以投资金额10%的奖励,最高奖励100万元")
    c2 = cite(corpus, RIGHTS)
    return Answer(
        answer=f"根据现有文件：\n- {c1.quote}。 [1]\n- {c2.quote} [2]", citations=[c1, c2], refused=False,
        retrieved=[(ANGEL, 0.9), (RIGHTS, 0.5)], route="fact", rewritten_question=QUESTION,
        notes=["原有说明"],
    )


def config(server: ScriptedLLM, timeout: float = 5.0) -> Config:
    return Config(llm_base_url=server.url, llm_model="scripted", llm_timeout=timeout, today="2026-11-22")


FAITHFUL_1 = "济南对天使投资基金投资本市平台企业项目，按投资金额的10%给予奖励，最高奖励100万元"
FAITHFUL_2 = "济南将开展职业伤害保障试点，引导更多平台从业人员参保"


def test_corpus_text_is_what_the_tests_assume(corpus):
    assert "对天使投资基金投资我市平台企业项目予以投资金额10%的奖励,最高奖励100万元" in corpus.clause(ANGEL).text
    assert "开展职业伤害保障试点" in corpus.clause(RIGHTS).text


# ---------------------------------------------------------------------------- (a) faithful answer


def test_faithful_answer_passes_through_with_its_markers(server, extractive):
    server.replies.append(f"{FAITHFUL_1}[1]。\n{FAITHFUL_2}[2]。")
    lines: list[str] = []
    out = llm.refine(extractive, config(server), log=lines.append)
    assert out.answer == f"{FAITHFUL_1}。 [1]\n{FAITHFUL_2}。 [2]"
    assert out.citations == extractive.citations
    assert all(a is b for a, b in zip(out.citations, extractive.citations, strict=True))
    assert out.notes == ["原有说明", llm.NOTE]
    assert (out.refused, out.route, out.retrieved) == (False, "fact", extractive.retrieved)
    assert extractive.notes == ["原有说明"]  # the extractive answer itself is not modified
    assert lines == []  # nothing dropped, nothing to say


def test_markers_after_the_full_stop_and_combined_markers_are_understood(server, extractive):
    server.replies.append(f"{FAITHFUL_1}。[1]{FAITHFUL_2}。【1，2】")
    out = llm.refine(extractive, config(server), log=lambda m: None)
    assert out.answer == f"{FAITHFUL_1}。 [1]{FAITHFUL_2}。 [1][2]"


# ---------------------------------------------------------------------------- (b) unsupported sentences


def test_hallucinated_and_misattributed_sentences_are_removed(server, extractive):
    server.replies.append(
        f"{FAITHFUL_1}[1]。"
        "另外，企业可获得500万元补贴。"  # no marker, figure nowhere in the clauses
        "对首版次软件产品给予最高100万元资助[2]。"  # true of [1], but cites [2]: figure check
        "平台从业人员可以享受社保补贴和职业伤害保险[1]。"  # cites [1], which says nothing of it: bigram check
        "天使投资成功后，天使基金承诺让渡部分股权予以回报[3]。"  # true, but there is no [3]
        "\n天使投资成功后，天使基金承诺让渡部分股权予以回报[1]。"
    )
    lines: list[str] = []
    out = llm.refine(extractive, config(server), log=lines.append)
    assert out.answer == f"{FAITHFUL_1}。 [1]\n天使投资成功后，天使基金承诺让渡部分股权予以回报。 [1]"
    assert "500万元" not in out.answer and "社保补贴" not in out.answer
    # [2] is no longer used by any sentence: its citation goes.
    assert out.citations == [extractive.citations[0]] and out.citations[0] is extractive.citations[0]
    assert lines == ["LLM 改写：删去 4 句无法由所引条款核对的句子"]


def test_unused_citations_are_dropped_and_markers_renumbered(server, extractive):
    server.replies.append(f"{FAITHFUL_2}[2]。")
    out = llm.refine(extractive, config(server), log=lambda m: None)
    assert out.answer == f"{FAITHFUL_2}。 [1]"
    assert out.citations == [extractive.citations[1]] and out.citations[0] is extractive.citations[1]


def test_not_specified_statement_is_kept_next_to_facts_but_is_not_an_answer_alone(server, extractive):
    server.replies.append(f"{FAITHFUL_1}[1]。文件未规定申请流程。")
    out = llm.refine(extractive, config(server), log=lambda m: None)
    assert out.answer == f"{FAITHFUL_1}。 [1]文件未规定申请流程。"
    server.replies.append("文件未规定具体的奖励办法。")
    lines: list[str] = []
    assert llm.refine(extractive, config(server), log=lines.append) is extractive
    assert len(lines) == 1 and "使用抽取式回答" in lines[0]


def test_nothing_verifiable_returns_the_extractive_answer(server, extractive):
    server.replies.append("另外，企业可获得500万元补贴。平台从业人员可以享受社保补贴和职业伤害保险[1]。")
    lines: list[str] = []
    assert llm.refine(extractive, config(server), log=lines.append) is extractive
    assert lines == ["LLM 改写没有可核对的句子（删去 2 句），使用抽取式回答"]


# ---------------------------------------------------------------------------- (c), (d) failures


@pytest.mark.parametrize("reply", [
    ("status", 500, b'{"error": {"message": "boom"}}'),
    ("status", 200, b"this is not json"),
    ("status", 200, b'{"choices": "nonsense"}'),
    ("status", 404, b"<html>no</html>"),
])
def test_server_errors_return_the_extractive_answer(server, extractive, reply):
    server.replies.append(reply)
    lines: list[str] = []
    assert llm.refine(extractive, config(server), log=lines.append) is extractive
    assert len(server.requests) == 1  # max_retries=0
    assert len(lines) == 1 and lines[0].startswith("LLM 改写失败（") and lines[0].endswith("使用抽取式回答")


def test_timeout_returns_the_extractive_answer(server, extractive):
    server.replies.append(("sleep", 5.0, f"{FAITHFUL_1}[1]。"))
    lines: list[str] = []
    start = time.monotonic()
    assert llm.refine(extractive, config(server, timeout=0.5), log=lines.append) is extractive
    assert time.monotonic() - start < 3.0
    assert len(lines) == 1 and "Timeout" in lines[0]


def test_unreachable_server_returns_the_extractive_answer(extractive):
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as s:
        port = s.server_address[1]  # bound, then closed: nothing listens there
    cfg = Config(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="x", llm_timeout=2)
    lines: list[str] = []
    assert llm.refine(extractive, cfg, log=lines.append) is extractive
    assert len(lines) == 1


def test_refused_or_uncited_answers_and_no_url_make_no_request(server, extractive):
    from dataclasses import replace

    assert llm.refine(replace(extractive, refused=True), config(server)).refused
    assert llm.refine(replace(extractive, citations=[]), config(server)).citations == []
    assert llm.refine(extractive, Config()) is extractive
    assert server.requests == []


# ---------------------------------------------------------------------------- (e) request and secrets


def test_request_carries_the_cited_clauses_and_the_question(server, extractive):
    server.replies.append(f"{FAITHFUL_1}[1]。")
    llm.refine(extractive, config(server), log=lambda m: None)
    body = server.requests[0]
    assert body["model"] == "scripted" and body["temperature"] == 0
    prompt = server.prompt()
    for n, c in enumerate(extractive.citations, 1):
        assert f"[{n}] 《{c.doc_title}》{c.label}\n{c.clause_text}" in prompt
    assert QUESTION in prompt and "文件未规定" in prompt
    # Only the cited clauses: not the extractive answer's text, not other clauses.
    assert "根据现有文件" not in prompt and "平台企业加速器" not in prompt
    server.replies.append(f"{FAITHFUL_1}[1]。")
    llm.refine(extractive, config(server), question="天使投资奖励多少？", log=lambda m: None)
    assert "问题：天使投资奖励多少？" in server.prompt()


def test_api_key_comes_from_the_environment_and_never_reaches_the_logs(
    server, extractive, monkeypatch, caplog, capsys
):
    monkeypatch.setenv("POLICYQA_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")
    caplog.set_level(logging.DEBUG)  # openai, httpx, langchain: everything
    server.replies += [
        f"{FAITHFUL_1}[1]。另外，企业可获得500万元补贴。",
        ("status", 401, b'{"error": {"message": "Incorrect API key provided: sk-secret", "code": "invalid_api_key"}}'),
        ("status", 500, b'{"error": {"message": "sk-secret"}}'),
    ]
    for _ in range(3):
        llm.refine(extractive, config(server))  # default log: the assistant.llm logger
    assert [h.get("authorization") for h in server.headers] == ["Bearer sk-secret"] * 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "assistant.llm"]
    assert len(warnings) == 3 and "HTTP 401" in warnings[1] and "HTTP 500" in warnings[2]
    captured = capsys.readouterr()
    everything = caplog.text + captured.out + captured.err + "".join(r.getMessage() for r in caplog.records)
    assert "sk-secret" not in everything and "sk-other" not in everything


def test_api_key_fallbacks(monkeypatch):
    assert llm.api_key() == "not-needed"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    assert llm.api_key() == "sk-openai"
    monkeypatch.setenv("POLICYQA_LLM_API_KEY", "sk-policyqa")
    assert llm.api_key() == "sk-policyqa"


# ---------------------------------------------------------------------------- the rule itself


def _support(corpus, clause_id: str) -> str:
    c = cite(corpus, clause_id)
    return f"{c.doc_title}\n{c.clause_text}"


# The examples the threshold MIN_BIGRAM_SUPPORT = 0.5 was chosen on: faithful paraphrases score 0.63-1.0,
# sentences citing a clause that does not say them 0.0-0.23 (0.43 with a made-up figure).
FAITHFUL = [
    (ANGEL, FAITHFUL_1 + "。"),
    (ANGEL, "天使投资成功后，天使基金承诺让渡部分股权予以回报。"),
    (ANGEL, "根据文件规定，对首版次软件产品按销售后1年内销售合同累计到账额的30%给予资助，最高100万元。"),
    (ANGEL, "新获批平台企业与高校设立的国家、省、市博士后科研工作站分别可获50万元、20万元、10万元资金扶持。"),
    (ACCEL, "入驻平台企业加速器的企业可以获得租金补贴。"),
    (RIGHTS, FAITHFUL_2 + "。"),
]
UNFAITHFUL = [
    (RIGHTS, "对天使投资基金投资我市平台企业项目予以奖励。"),
    (RIGHTS, "天使投资成功后，天使基金承诺让渡部分股权予以回报。"),
    (ACCEL, "市级股权投资基金可直接参股跟投领军平台企业投资孵化的本地创业企业。"),
    (ANGEL, "平台从业人员可以享受社保补贴和职业伤害保险。"),
    (ANGEL, "符合条件的企业还可以申请税收减免和用地优惠。"),
    (ANGEL, "天使投资机构还可以获得办公用房租金补贴和人才住房保障。"),
]


@pytest.mark.parametrize(("clause_id", "sentence"), FAITHFUL)
def test_faithful_paraphrases_clear_the_threshold(corpus, clause_id, sentence):
    support = _support(corpus, clause_id)
    assert llm.bigram_support(sentence, support) >= llm.MIN_BIGRAM_SUPPORT + 0.1
    assert llm.figures_supported(sentence, support)


@pytest.mark.parametrize(("clause_id", "sentence"), UNFAITHFUL)
def test_misattributed_sentences_fall_below_it(corpus, clause_id, sentence):
    assert llm.bigram_support(sentence, _support(corpus, clause_id)) <= llm.MIN_BIGRAM_SUPPORT - 0.2


@pytest.mark.parametrize(("sentence", "ok"), [
    ("最高奖励100万元。", True),
    ("最高奖励100万。", True),  # 万 ~ 万元
    ("最高奖励100元。", False),
    ("最高奖励1000万元。", False),
    ("按投资金额的10%给予奖励。", True),
    ("按投资金额的1%给予奖励。", False),  # "1" occurs inside "10" and "100", but not as a number
    ("按投资金额的20%给予奖励。", False),
    ("最高奖励五百万元。", False),
    ("最高奖励１００万元。", True),  # full-width digits
])
def test_figures_must_occur_in_the_clause(corpus, sentence, ok):
    assert llm.figures_supported(sentence, corpus.clause(ANGEL).text) is ok


def test_sentence_splitting_keeps_trailing_markers_with_their_sentence():
    assert llm.split_sentences("甲。[1]乙[2]！ [3]\n\n丙？") == [["甲。[1]", "乙[2]！ [3]"], ["丙？"]]
    assert llm.markers("甲 [1][2]，乙【3、4】") == [1, 2, 3, 4]


# ---------------------------------------------------------------------------- end to end


def test_assistant_ask_returns_the_verified_llm_text(server, tmp_path: Path, caplog):
    from assistant import Assistant

    from .fakes import HashEmbedder

    def reply(body: dict) -> str:
        # Cite whichever number the prompt gave the 天使投资 clause, as a real model would.
        prompt = "\n".join(m["content"] for m in body["messages"])
        n = next(i for i in range(1, 10) if f"[{i}] " in prompt
                 and "天使投资基金" in prompt.split(f"[{i}] ", 1)[1].split(f"\n\n[{i + 1}] ", 1)[0])
        return f"{FAITHFUL_1}[{n}]。另外，企业可获得500万元补贴。"

    server.replies.append(reply)
    cfg = Config(index_dir=tmp_path, llm_base_url=server.url, llm_model="scripted", today="2026-11-22")
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None)
    caplog.set_level(logging.WARNING, logger="assistant.llm")
    out = bot.ask(QUESTION)
    assert out.answer == f"{FAITHFUL_1}。 [1]"
    assert [c.clause_id for c in out.citations] == [ANGEL]
    assert llm.NOTE in out.notes and not out.refused
    assert QUESTION in server.prompt()
    assert [r.getMessage() for r in caplog.records] == ["LLM 改写：删去 1 句无法由所引条款核对的句子"]
    assert out.to_json()["answer"] == out.answer
