"""The served app: one process, one port — the HTTP API (api.py) with the web UI (webui.py) mounted at /.

    python app.py [--host 127.0.0.1] [--port 7860] [--auth 用户名:密码]

On loopback everything is open. Bound to any other address the app refuses to start without
``POLICYQA_API_KEY``; with a key set, /v1 and /api require ``Authorization: Bearer <key>`` and the web
UI asks for it as the password (any user name) unless ``--auth`` gives its own login.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import os
import socket
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


def create_app(bot: Assistant | LiveAssistant, *, api_key: str | None = None, ui_auth=None) -> FastAPI:
    from . import api, webui
    from .live import LiveAssistant

    live = bot if isinstance(bot, LiveAssistant) else LiveAssistant(bot, log=lambda m: print(m, flush=True))
    app = api.create_api(live, api_key=api_key)
    if ui_auth is None and api_key:
        ui_auth = key_login(api_key)
    return webui.mount(app, webui.build_ui(live), auth=ui_auth)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
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

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="policyqa-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"服务未能在 {host}:{port} 启动")
        time.sleep(0.05)
    return Running(f"http://{host}:{port}/", server, thread)


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

    import uvicorn

    from .core import Assistant

    print("正在加载政策问答助手（首次运行需要建立索引，可能需要几分钟）…", flush=True)
    bot = Assistant.load(log=lambda m: print(m, flush=True))
    print(f"已加载 {len(bot.documents)} 份文件、{len(bot.clauses)} 个条款；正在启动…", flush=True)
    app = create_app(bot, api_key=api_key, ui_auth=auth)
    base = f"http://{args.host}:{args.port}"
    print(f"网页界面 {base}/   接口文档 {base}/docs   OpenAI 兼容接口 {base}/v1（模型 zhengce-wenda）"
          + ("   需要 API 密钥" if api_key else ""), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
