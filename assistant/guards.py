"""The app's doors, guarded in front of every route (the API's and the mounted web UI's alike).

Plain ASGI middleware, so that nothing behind them — FastAPI's routes, Gradio's queue, upload and
login endpoints — can be reached around them:

- `BodyLimit`: a request body over the limit is refused with 413 before any route reads it;
  a declared Content-Length is checked at once, a body sent without one is counted as it arrives.
- `HostGuard`: a request whose Host header names another server is refused with 400 (a DNS-rebinding
  page in a user's browser cannot drive the app on loopback).
- `LoginLimiter`: failed logins of the web UI and wrong API keys are counted per client; past a few,
  that client waits, twice as long after each further failure (429 with Retry-After).

Every refusal is the API's error shape with a one-line Chinese message (README "Limits and security").
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections import deque
from collections.abc import Iterable

UPLOAD_PATHS = ("/gradio_api/upload", "/upload")  # Gradio's file upload: the upload cap, not the body cap
UPLOAD_OVERHEAD = 64_000  # multipart headers around one uploaded file
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("", "0.0.0.0", "::")
MAX_LOCKOUT_S = 900.0
MAX_TRACKED_CLIENTS = 10_000


async def send_error(send, status: int, message: str, code: str, headers: Iterable[tuple[str, str]] = ()) -> None:
    body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}},
                      ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope, name: bytes) -> bytes | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            return v
    return None


def mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


class BodyLimit:
    """413 for any request whose body is over ``max_bytes`` (``upload_bytes`` on Gradio's upload path)."""

    def __init__(self, app, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.upload_bytes = (upload_bytes + UPLOAD_OVERHEAD) if upload_bytes else max_bytes

    def limit_for(self, path: str) -> int:
        return self.upload_bytes if path.startswith(UPLOAD_PATHS) else self.max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        message = f"请求体过大（上限 {mb(limit)}）"
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit() or int(length) > limit:
                await send_error(send, 413, message, "body_too_large")
                return
            await self.app(scope, receive, send)  # the server never delivers more than the declared length
            return
        if _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # no body
            return
        # A body sent in chunks: read it here, counting, and hand it on only when it fits.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                return  # the client went away
            size += len(msg.get("body", b""))
            if size > limit:
                await send_error(send, 413, message, "body_too_large")
                return
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replayed():
            return replay.pop() if replay else await receive()

        await self.app(scope, replayed, send)


def host_name(header: str) -> str:
    """The name in a Host header, without the port, brackets or a trailing dot, in lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


def allowed_hosts(bound_host: str, configured: str = "") -> frozenset[str] | None:
    """The names the Host header may carry; None means unchecked.

    Always the bound host and localhost, 127.0.0.1, ::1, plus the configured names (comma-separated).
    ``configured == "*"`` turns the check off; so does a wildcard bind (0.0.0.0, ::) with no names
    configured, since the names clients use for the machine are not known then (a key is required there).
    """
    names = [n.strip() for n in (configured or "").split(",") if n.strip()]
    if "*" in names:
        return None
    bound = host_name(bound_host)
    if bound in WILDCARDS and not names:
        return None
    out = {*LOOPBACK_NAMES, *(host_name(n) for n in names)}
    if bound not in WILDCARDS:
        out.add(bound)
        try:
            out.add(str(ipaddress.ip_address(bound)))  # "::0001" and "::1" are one address
        except ValueError:
            pass
    return frozenset(out)


class HostGuard:
    """400 for a request whose Host header is not one of ``allowed`` (None: every host is served)."""

    def __init__(self, app, allowed: frozenset[str] | None) -> None:
        self.app, self.allowed = app, allowed

    async def __call__(self, scope, receive, send) -> None:
        if self.allowed is not None and scope["type"] in ("http", "websocket"):
            raw = _header(scope, b"host")
            name = host_name(raw.decode("latin-1")) if raw else ""
            if name not in self.allowed:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await send_error(send, 400, f"不受理的主机名（Host: {name[:60] or '缺失'}）：请用本服务监听的地址访问",
                                 "invalid_host")
                return
        await self.app(scope, receive, send)


class _Client:
    __slots__ = ("failures", "locked_until")

    def __init__(self) -> None:
        self.failures: deque[float] = deque()
        self.locked_until = 0.0


class LoginLimiter:
    """Failed logins (POST /login answered 400/401) and wrong API keys (401 under /v1, /api), per client.

    After ``max_failures`` failures within ``window_s`` a client is refused (429) for ``lockout_s``,
    doubled with each further failure in the window, at most 15 minutes; a success clears its count.
    """

    def __init__(self, app, *, max_failures: int, window_s: float, lockout_s: float,
                 login_paths: tuple[str, ...] = ("/login", "/login/"),
                 key_prefixes: tuple[str, ...] = ("/v1/", "/api/"), clock=time.monotonic) -> None:
        self.app = app
        self.max_failures, self.window_s, self.lockout_s = max_failures, window_s, lockout_s
        self.login_paths, self.key_prefixes, self.clock = login_paths, key_prefixes, clock
        self.clients: dict[str, _Client] = {}

    def _watched(self, scope) -> str | None:
        path = scope.get("path", "")
        if path in self.login_paths and scope.get("method") == "POST":
            return "login"
        if path.startswith(self.key_prefixes):
            return "key"
        return None

    def wait(self, client: str) -> float:
        """Seconds this client must wait before its next attempt (0: go ahead)."""
        c = self.clients.get(client)
        return max(0.0, c.locked_until - self.clock()) if c else 0.0

    def failed(self, client: str) -> None:
        now = self.clock()
        if client not in self.clients and len(self.clients) >= MAX_TRACKED_CLIENTS:
            self._prune(now)
        c = self.clients.setdefault(client, _Client())
        c.failures.append(now)
        while c.failures and now - c.failures[0] > self.window_s:
            c.failures.popleft()
        over = len(c.failures) - self.max_failures
        if over >= 0:
            c.locked_until = now + min(self.lockout_s * 2 ** min(over, 20), MAX_LOCKOUT_S)

    def succeeded(self, client: str) -> None:
        self.clients.pop(client, None)

    def _prune(self, now: float) -> None:
        stale = [k for k, c in self.clients.items()
                 if c.locked_until <= now and (not c.failures or now - c.failures[-1] > self.window_s)]
        for k in stale:
            del self.clients[k]
        while len(self.clients) >= MAX_TRACKED_CLIENTS:  # still full: forget the oldest
            del self.clients[next(iter(self.clients))]

    async def __call__(self, scope, receive, send) -> None:
        kind = self._watched(scope) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?",))[0]
        wait = self.wait(client)
        if wait > 0:
            seconds = int(wait) + 1
            await send_error(send, 429, f"登录失败或密钥错误的次数过多：请 {seconds} 秒后再试", "too_many_attempts",
                             headers=[("retry-after", str(seconds))])
            return
        status: list[int] = []

        async def watched_send(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watched_send)
        code = status[0] if status else 0
        if code == 401 or (kind == "login" and code == 400):
            self.failed(client)
        elif 200 <= code < 300 and (kind == "login" or _header(scope, b"authorization")):
            self.succeeded(client)
