"""The served app: one process, one port — the HTTP API (api.py) with the web UI (webui.py) mounted at /.

    python app.py [--host 127.0.0.1] [--port 7860] [--auth 用户名:密码]

On loopback everything is open. Bound to any other address the app refuses to start without
``POLICYQA_API_KEY``; with a key set, /v1 and /api require ``Authorization: Bearer <key>`` and the web
UI asks for it as the password (any user name) unless ``--auth`` gives its own login.

Every door is guarded in front of every route (guards.py): one request-body limit, the Host header
(the bound host, localhost, 127.0.0.1, [::1] and ``POLICYQA_ALLOWED_HOSTS``), failed logins and wrong
keys per client. README "Limits and security" lists every limit.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .core import Assistant
    from .live import LiveAssistant

API_KEY_ENV = "POLICYQA_API_KEY"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def key_login(api_key: str) -> Callable[[str, str], bool]:
    """A web UI login that takes the API key as the password, compared in constant time."""
    expected = api_key.encode("utf-8")
    return lambda _user, password: hmac.compare_digest((password or "").encode("utf-8"), expected)


def create_app(bot: Assistant | LiveAssistant, *, api_key: str | None = None, ui_auth=None,
               host: str = "127.0.0.1") -> FastAPI:
    """The API with the web UI mounted, behind the guards; ``host`` is the address it will listen on."""
    from . import api, guards, webui
    from .live import LiveAssistant

    live = bot if isinstance(bot, LiveAssistant) else LiveAssistant(bot, log=lambda m: print(m, flush=True))
    config = live.current.config
    app = api.create_api(live, api_key=api_key)  # with the body limit, which covers the UI mounted below
    if ui_auth is None and api_key:
        ui_auth = key_login(api_key)
    app = webui.mount(app, webui.build_ui(live), auth=ui_auth, max_file_size=config.max_upload_bytes)
    app.add_middleware(guards.LoginLimiter, max_failures=config.login_max_failures,
                       window_s=config.login_window_s, lockout_s=config.login_lockout_s)
    app.add_middleware(guards.HostGuard, allowed=guards.allowed_hosts(host, config.allowed_hosts))
    return app


def bind_address(host: str) -> str:
    """The address to bind for a --host as written: "[::1]" (as in a URL) binds "::1"."""
    host = host.strip()
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def url_host(host: str) -> str:
    """A host as it goes into a URL: an IPv6 address in brackets."""
    host = bind_address(host)
    return f"[{host}]" if ":" in host else host


def check_bindable(host: str, port: int) -> str | None:
    """None when ``host:port`` can be listened on, else why not (one line): checked before the model loads."""
    address = bind_address(host)
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        return f"无法解析监听地址 {host}（{e}）"
    family, _, _, _, sockaddr = infos[0]
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(sockaddr)
    except OSError as e:
        return f"无法监听 {url_host(host)}:{port}（{e.strerror or e}）"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    address = bind_address(host)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


@dataclass
class Running:
    url: str  # ends with "/"
    server: object
    thread: threading.Thread

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start(app: FastAPI, host: str = "127.0.0.1", port: int | None = None, timeout: float = 60.0) -> Running:
    """Serve ``app`` from a background thread (tests, the in-process load test); returns once it listens."""
    import uvicorn

    port = port or free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=bind_address(host), port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="policyqa-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"服务未能在 {host}:{port} 启动")
        time.sleep(0.05)
    return Running(f"http://{url_host(host)}:{port}/", server, thread)


def _parse_auth(raw: str) -> tuple[str, str]:
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError("--auth 的格式应为 用户名:密码")
    return user, password


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="app.py", description="政策问答：网页界面与 HTTP 接口（同一端口）")
    parser.add_argument("--host", default=os.environ.get("POLICYQA_HOST", "127.0.0.1"),
                        help="监听地址（默认 127.0.0.1；环境变量 POLICYQA_HOST）。非本机地址须设置 POLICYQA_API_KEY")
    parser.add_argument("--port", type=int, default=int(os.environ.get("POLICYQA_PORT", "7860")),
                        help="端口（默认 7860；环境变量 POLICYQA_PORT）")
    parser.add_argument("--auth", type=_parse_auth, default=None,
                        help="网页界面的登录口令 用户名:密码（环境变量 POLICYQA_AUTH）")
    args = parser.parse_args(argv)
    auth = args.auth
    if auth is None and os.environ.get("POLICYQA_AUTH"):
        try:
            auth = _parse_auth(os.environ["POLICYQA_AUTH"])
        except argparse.ArgumentTypeError as e:
            parser.error(f"POLICYQA_AUTH: {e}")
    api_key = os.environ.get(API_KEY_ENV, "").strip() or None
    if not is_loopback(args.host) and not api_key:
        parser.error(f"监听非本机地址 {args.host} 时必须设置环境变量 {API_KEY_ENV}（接口用 Bearer 密钥访问）")
    why = check_bindable(args.host, args.port)  # "--host [::1]" without IPv6, a port in use: said now, not later
    if why:
        parser.error(why)

    import uvicorn

    from .config import Config
    from .core import Assistant
    from .library import clean_stale

    print("正在加载政策问答助手（首次运行需要建立索引，可能需要几分钟）…", flush=True)
    try:
        config = Config.from_env()
        clean_stale(config, log=lambda m: print(m, flush=True))
        bot = Assistant.load(config, log=lambda m: print(m, flush=True))
    except (ValueError, OSError) as e:  # a bad corpus file, an unreadable index: one line, no traceback
        print(f"错误：{' '.join(str(e).split())}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    print(f"已加载 {len(bot.documents)} 份文件、{len(bot.clauses)} 个条款；正在启动…", flush=True)
    app = create_app(bot, api_key=api_key, ui_auth=auth, host=args.host)
    base = f"http://{url_host(args.host)}:{args.port}"
    print(f"网页界面 {base}/   接口文档 {base}/docs   OpenAI 兼容接口 {base}/v1（模型 zhengce-wenda）"
          + ("   需要 API 密钥" if api_key else ""), flush=True)
    uvicorn.run(app, host=bind_address(args.host), port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
