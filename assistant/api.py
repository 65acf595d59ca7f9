"""The HTTP API beside the web UI, on the same port: OpenAI-compatible chat under /v1, REST under /api.

Both are thin shells over the live `Assistant` and share one path for input checks and errors:
every error is OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``, with a one-line
Chinese message and a proper status (400 bad input, 401 missing/wrong key, 404 unknown thing,
413 body too large, 500 internal — logged on the server, never a traceback to the client).

Chat answers keep their ``[n]`` markers and end with a 参考 list (title, label, clause id); the same
record as ``ask --json`` travels in the extra field ``policyqa`` (on the last chunk when streaming).
"""

from __future__ import annotations

import hmac
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import records
from .config import Config
from .core import Answer, InputError, check_history
from .guards import BodyLimit, mb
from .library import LibraryError
from .live import LiveAssistant

MODEL_ID = "zhengce-wenda"
REFERENCES_HEADING = "参考："
MAX_BODY_BYTES = Config.max_body_bytes  # a conversation, not a document: uploads go through the web UI
ASK_CONCURRENCY = 2  # answers in flight at once; more only thrash 2 cores (Gradio's queue uses the same)
STREAM_PIECE_CHARS = 24


# ------------------------------------------------------------------------------------------ errors


class APIError(Exception):
    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param


def error_response(status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                   param: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


_STATUS_TYPES = {401: "authentication_error", 404: "not_found_error", 413: "invalid_request_error"}
_STATUS_MESSAGES = {400: "请求体无法解析：应为 UTF-8 编码的 JSON", 404: "没有这个接口", 405: "此接口不支持该请求方法",
                    413: f"请求体过大（上限 {mb(MAX_BODY_BYTES)}）"}
_STATUS_CODES = {400: "invalid_request", 401: "invalid_api_key", 404: "not_found", 405: "method_not_allowed",
                 413: "body_too_large", 429: "too_many_requests"}


_PYDANTIC_MESSAGES = {
    "string_type": "应为文本", "list_type": "应为列表", "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数", "int_parsing": "应为整数", "float_parsing": "应为数字", "too_short": "不能为空",
    "model_type": "应为 JSON 对象", "dict_type": "应为 JSON 对象", "model_attributes_type": "应为 JSON 对象",
}


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    """One Chinese line for the first problem pydantic found, and the field it is about."""
    errors = exc.errors()
    if not errors:
        return "请求格式不对", None
    first = errors[0]
    loc = [str(x) for x in first.get("loc", ()) if x not in ("body", "query", "path")]
    where = ".".join(loc) or None
    kind, ctx = first.get("type", ""), first.get("ctx") or {}
    if kind == "json_invalid":
        return "请求体不是合法的 JSON", None
    if kind == "missing":
        return (f"缺少字段：{where}", where) if where else ("缺少请求体：应为 JSON 对象", None)
    if kind == "greater_than_equal":
        why = f"应不小于 {ctx.get('ge')}"
    elif kind == "less_than_equal":
        why = f"应不大于 {ctx.get('le')}"
    elif kind == "literal_error":
        why = f"取值应为 {ctx.get('expected', '')}"
    else:
        why = _PYDANTIC_MESSAGES.get(kind) or first.get("msg", "不合要求")
    return (f"字段 {where} {why}" if where else f"请求体{why}"), where


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.message, type_=exc.type, code=exc.code, param=exc.param,
                              headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        return error_response(400, message, code="invalid_request", param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own messages are English ("There was an error parsing the body"): ours are Chinese.
        message = _STATUS_MESSAGES.get(exc.status_code) or f"请求无法处理（HTTP {exc.status_code}）"
        return error_response(exc.status_code, message, type_=_STATUS_TYPES.get(exc.status_code, "invalid_request_error"),
                              code=_STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}"))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        traceback.print_exception(exc, file=sys.stderr)  # the server log has the traceback; the client a line
        return error_response(500, f"内部错误（{exc.__class__.__name__}），请稍后重试或把问题反馈给维护者",
                              type_="server_error", code="internal_error")


def _checked(fn: Callable[[], Any]) -> Any:
    """Run an assistant call; bad input becomes a 400 with the assistant's own one-line message."""
    try:
        return fn()
    except (InputError, LibraryError) as e:
        raise APIError(400, str(e), code="invalid_input") from None


# ------------------------------------------------------------------------------------------ auth


def bearer_guard(api_key: str | None) -> Callable[[Request], None]:
    """A dependency that requires ``Authorization: Bearer <api_key>`` (compared in constant time)."""
    expected = (api_key or "").encode("utf-8")

    def guard(request: Request) -> None:
        if not expected:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), expected):
            raise APIError(401, "缺少或错误的 API 密钥：请在请求头中提供 Authorization: Bearer <POLICYQA_API_KEY>",
                           type_="authentication_error", code="invalid_api_key")

    return guard


# ------------------------------------------------------------------------------------------ models


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    question: str = Field(description="要问的问题", examples=["济南对天使投资有什么奖励？"])
    history: list[Turn] = Field(default_factory=list, description="此前的对话，先问后答，按时间顺序")
    doc_ids: list[str] | None = Field(None, description="只看这些文档")
    region: str | None = Field(None, description="只看适用于该地区的文件（含上级地区），如 武汉市")
    full_clauses: bool = Field(False, description="引用整条条款而不是摘句")


class CitationRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    clause_id: str = Field(examples=["jinan-platform-economy-2020#4.2"])
    doc_title: str
    label: str = Field(examples=["四、（二）"])
    quote: str
    region: str = ""
    year: int | None = None
    status: str = Field("", description="in_force / expired / not_yet / unknown")


class RetrievedRecord(BaseModel):
    clause_id: str
    score: float


class AnswerRecord(BaseModel):
    """What ``python -m assistant ask --json`` prints (shared/spec/interfaces.md)."""

    model_config = ConfigDict(extra="allow")
    answer: str
    refused: bool
    citations: list[CitationRecord]
    retrieved: list[RetrievedRecord]
    route: str = ""
    rewritten_question: str = ""


class SearchHitRecord(BaseModel):
    clause_id: str
    score: float
    dense: float
    bm25: float


class UnitRecord(BaseModel):
    name: str
    aliases: list[str]
    lead: list[str] = Field(description="牵头的条款编号")
    participant: list[str] = Field(description="参加的条款编号")


class DocumentRecord(BaseModel):
    doc_id: str
    title: str
    region: str
    level: str
    issuer: str
    issued: str
    file: str
    n_clauses: int


class MatchRequest(BaseModel):
    region: str = Field("", description="企业所在地，任一级：萧山、杭州市、浙江省", examples=["武汉市"])
    industry: str = Field("", description="所属行业或业务（自由文字）", examples=["农产品电商"])
    size: str = Field("", description="规模或阶段", examples=["小微企业"])
    qualifications: list[str] = Field(default_factory=list, description="已有资质，如 高新技术企业、专精特新")


class MatchRow(BaseModel):
    clause_id: str = Field(examples=["wuhan-internet-plus-circulation-2016#4.1"])
    doc_id: str
    document: str
    label: str
    region: str
    status: str = Field(description="in_force / expired / not_yet / unknown / repealed / superseded")
    status_label: str
    benefit: str = Field(description="主要扶持类别；只表明方向而无具体扶持的为“方向性支持”")
    kinds: list[str]
    amount: str = Field(description="原文中的金额、比例（多处以；分隔），没有则为空")
    amounts: list[dict] = Field(description="解析后的数值：kind、low、high、unit、cap（最高/不超过）")
    conditions: list[str] = Field(description="原文中的对象和条件")
    fit: str = Field(description="符合 / 待核实（条件需企业自行核实）")
    units: list[str] = Field(description="负责部门")
    sentences: list[str]
    score: float


class MatchResponse(BaseModel):
    profile: dict
    region: str
    regions: list[str] = Field(description="适用的地区，由近及远")
    rows: list[MatchRow] = Field(description="现行文件中的措施：有金额的在前，方向性支持在后")
    not_in_force: list[MatchRow] = Field(description="已过期、已废止或已被修订的文件中的措施")
    note: str = ""


class ClauseRecord(BaseModel):
    clause_id: str
    doc_id: str
    path: str
    heading: str
    text: str
    lead_units: list[str]
    participant_units: list[str]
    label: str
    level: int


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """OpenAI's chat request; sampling options (temperature, …) are accepted and have no effect."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    doc_ids: list[str] | None = Field(None, description="扩展：只看这些文档")
    region: str | None = Field(None, description="扩展：只看适用于该地区的文件")


# ------------------------------------------------------------------------------------------ chat


def _text_of(message: ChatMessage) -> str:
    if message.content is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    if any(p.type != "text" for p in message.content):
        raise InputError("只支持文本消息（content 中的 type 应为 text）")
    return "".join(p.text or "" for p in message.content)


def strip_references(content: str) -> str:
    """An answer as this API sent it, without the 参考 list it appended."""
    head, sep, _ = content.rpartition("\n\n" + REFERENCES_HEADING)
    return head if sep else content


def conversation(messages: list[ChatMessage]) -> tuple[str, list[dict]]:
    """(question, history) from OpenAI messages: system prompts are ignored, the last turn must be the user's."""
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise InputError("最后一条消息必须是用户的问题（role 为 user）")
    history = [{"role": m.role, "content": strip_references(_text_of(m)) if m.role == "assistant" else _text_of(m)}
               for m in turns[:-1]]
    return _text_of(turns[-1]), check_history(history)


def chat_content(answer: Answer) -> str:
    """The answer text with its [n] markers, then the 参考 list: title, label, clause id per marker."""
    if not answer.citations:
        return answer.answer
    refs = [f"[{i}] 《{c.doc_title}》{c.label}（{c.clause_id}）" for i, c in enumerate(answer.citations, 1)]
    return f"{answer.answer}\n\n{REFERENCES_HEADING}\n" + "\n".join(refs)


def _pieces(text: str, size: int = STREAM_PIECE_CHARS) -> Iterator[str]:
    """Stream-sized pieces: whole lines, long lines cut after punctuation near ``size`` characters."""
    for line in re.split(r"(?<=\n)", text):
        while len(line) > size:
            cut = max((line.rfind(p, 0, size) for p in "，。；：、"), default=-1)
            cut = cut + 1 if cut > 0 else size
            yield line[:cut]
            line = line[cut:]
        if line:
            yield line


def completion(answer: Answer, model: str) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": chat_content(answer)},
                     "finish_reason": "stop", "logprobs": None}],
        "policyqa": answer.to_json(),
    }


def completion_chunks(answer: Answer, model: str) -> Iterator[dict]:
    """OpenAI's chunk sequence: the role, the content in pieces, then finish_reason with ``policyqa``."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model}

    def chunk(delta: dict, finish: str | None = None, **extra) -> dict:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
                **extra}

    yield chunk({"role": "assistant", "content": ""})
    for piece in _pieces(chat_content(answer)):
        yield chunk({"content": piece})
    yield chunk({}, "stop", policyqa=answer.to_json())


def sse(chunks: Iterator[dict]) -> Iterator[str]:
    for c in chunks:
        yield f"data: {json.dumps(c, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


# ------------------------------------------------------------------------------------------ the app


def create_api(live: LiveAssistant, *, api_key: str | None = None, title: str = "政策问答 API") -> FastAPI:
    """A FastAPI app with /v1 (OpenAI-compatible) and /api (REST); the web UI is mounted on it later."""
    app = FastAPI(
        title=title,
        description="政策问答的 HTTP 接口：OpenAI 兼容的对话接口（/v1）与 REST 接口（/api）。"
        "每个回答都引用条款编号（doc_id#path）。若服务设置了 POLICYQA_API_KEY，请在请求头中提供 "
        "`Authorization: Bearer <密钥>`。",
        version="1",
    )
    install_error_handlers(app)
    config = live.current.config
    # One body limit for every door, the web UI mounted on this app later included (guards.py).
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes, upload_bytes=config.max_upload_bytes)
    limiter = anyio.CapacityLimiter(ASK_CONCURRENCY)
    guard = [Depends(bearer_guard(api_key))]

    async def run(fn: Callable[[], Any]) -> Any:
        """Assistant work off the event loop, a bounded number at a time."""
        return await anyio.to_thread.run_sync(lambda: _checked(fn), limiter=limiter)

    def ask_live(question: str, history: list[dict], **options) -> Answer:
        bot = live.current  # one Assistant for the whole answer, even if a document is added meanwhile
        return bot.ask(question, history, **options)

    v1 = APIRouter(prefix="/v1", tags=["OpenAI 兼容"], dependencies=guard)

    @v1.get("/models", summary="可用模型（只有一个）")
    async def models() -> dict:
        return {"object": "list", "data": [_model_card()]}

    @v1.get("/models/{model_id}", summary="模型信息")
    async def model(model_id: str) -> dict:
        if model_id != MODEL_ID:
            raise APIError(404, f"没有这个模型：{model_id}（可用：{MODEL_ID}）", type_="not_found_error",
                           code="model_not_found", param="model")
        return _model_card()

    @v1.post("/chat/completions", summary="对话（OpenAI 格式，支持 stream）", max_body_size=config.max_body_bytes)
    async def chat_completions(req: ChatRequest):
        if req.model and req.model != MODEL_ID:
            raise APIError(404, f"没有这个模型：{req.model[:60]}（可用：{MODEL_ID}）", type_="not_found_error",
                           code="model_not_found", param="model")
        question, history = _checked(lambda: conversation(req.messages))
        options = {"doc_ids": req.doc_ids or None, "region": req.region or None}
        result: Answer = await run(lambda: ask_live(question, history, **options))
        if not req.stream:
            return JSONResponse(completion(result, req.model or MODEL_ID))
        return StreamingResponse(sse(completion_chunks(result, req.model or MODEL_ID)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    rest = APIRouter(prefix="/api", tags=["REST"], dependencies=guard)

    @rest.post("/ask", response_model=AnswerRecord, summary="提问（与 ask --json 相同）",
               max_body_size=config.max_body_bytes)
    async def ask(req: AskRequest) -> dict:
        history = [t.model_dump() for t in req.history]
        result: Answer = await run(lambda: ask_live(req.question, history, doc_ids=req.doc_ids or None,
                                                  region=req.region or None, full_clauses=req.full_clauses))
        return result.to_json()

    @rest.post("/match", response_model=MatchResponse, summary="政策匹配：企业画像 → 适用的扶持措施（与 match --json 相同）",
               max_body_size=config.max_body_bytes)
    async def match_profile(req: MatchRequest) -> dict:
        result = await run(lambda: live.current.match(req.region, req.industry, req.size, req.qualifications))
        return result.to_json()

    @rest.get("/search", response_model=list[SearchHitRecord], summary="检索条款（与 search --json 相同）")
    async def search(
        q: Annotated[str, Query(description="问题或关键词")],
        k: Annotated[int, Query(ge=1, le=100)] = 10,
        region: Annotated[str | None, Query(description="只看适用于该地区的文件")] = None,
        doc_id: Annotated[list[str] | None, Query(description="只看这些文档（可重复）")] = None,
    ) -> list[dict]:
        hits = await run(lambda: live.current.search(q, k, region=region or None, doc_ids=doc_id or None))
        return [records.hit_record(h) for h in hits]

    @rest.get("/units", response_model=list[UnitRecord], summary="全部责任单位（与 units --json 相同）")
    async def units() -> list[dict]:
        return [records.unit_record(e) for e in live.current.units.entries()]

    @rest.get("/units/{name}", response_model=list[UnitRecord], summary="一个单位牵头/参加的条款（别名可用）")
    async def unit(name: Annotated[str, Path(description="单位名称或简称，如 省商务厅")]) -> list[dict]:
        entries = live.current.units.lookup(name)
        if not entries:
            raise APIError(404, f"没有找到单位：{name}", type_="not_found_error", code="unit_not_found")
        return [records.unit_record(e) for e in entries]

    @rest.get("/documents", response_model=list[DocumentRecord], summary="语料中的文档（与 list --json 相同）")
    async def documents() -> list[dict]:
        return records.document_records(live.current.corpus)

    @rest.get("/clauses/{clause_id:path}", response_model=ClauseRecord,
              summary="一个条款（与 clauses --json 的一行相同）；# 请写作 %23")
    async def clause(clause_id: str) -> dict:
        c = live.current.corpus.clause(clause_id)
        if c is None:
            raise APIError(404, f"没有这个条款：{clause_id}（编号形如 doc_id#4.2，# 在网址中写作 %23）",
                           type_="not_found_error", code="clause_not_found")
        return records.clause_record(c)

    async def unknown(request: Request) -> None:
        path = request.url.path
        if any(r.endpoint is not unknown and r.path_regex.match(path)
               for router in (v1, rest) for r in router.routes if isinstance(r, APIRoute)):
            raise APIError(405, f"此接口不支持 {request.method} 请求", code="method_not_allowed")
        raise APIError(404, f"没有这个接口：{request.method} {path}", type_="not_found_error", code="not_found")

    for router in (v1, rest):
        # Anything else under /v1 or /api is ours to answer: the web UI mounted at / would serve a page.
        router.add_api_route("/{rest_of_path:path}", unknown, include_in_schema=False,
                             methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        app.include_router(router)
    return app


def _model_card() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "zhengce-wenda"}
