"""Load test for the app: C concurrent clients × N questions each, through the OpenAI-compatible
``/v1/chat/completions`` (the official ``openai`` client, default) or the web UI's Gradio ``/ask``.

    python eval/load_test.py --url http://127.0.0.1:7860/          # a running app (python app.py)
    python eval/load_test.py --in-process                         # start the app here, on a free port
    python eval/load_test.py --in-process -c 4 -n 3 --json
    python eval/load_test.py --in-process --via gradio            # the web UI's queue instead

Only loopback addresses are accepted. The run is bounded in count (clients × questions, capped) and
in wall time (--timeout: requests still running then count as errors and the run ends). It reports
errors (must be 0), p50/p95 latency, throughput and the peak RSS of the serving process (this process
with --in-process; with --url the process listening on that port, or --pid).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import resource
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from anywhere in the checkout

QUESTIONS_FILE = HERE / "questions.jsonl"
API_NAME = "/ask"  # assistant/webui.py: gr.api(ask_api, api_name="ask")
VIAS = ("openai", "gradio")
MAX_CLIENTS = 64
MAX_PER_CLIENT = 200


def load_questions(path: Path = QUESTIONS_FILE) -> list[tuple[str, list[dict]]]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(it["question"], it.get("history") or []) for it in items]


def check_loopback(url: str) -> str:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return url
    try:
        if ipaddress.ip_address(host).is_loopback:
            return url
    except ValueError:
        pass
    raise SystemExit(f"load_test: only loopback addresses are allowed (got {host or url!r})")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _no_proxy_for_loopback() -> None:
    extra = "127.0.0.1,localhost,::1"
    for key in ("NO_PROXY", "no_proxy"):
        os.environ[key] = ",".join(x for x in (os.environ.get(key, ""), extra) if x)


def peak_rss_mb(pid: int | None) -> float | None:
    """VmHWM (peak resident set) of a process in MB; this process when pid is None."""
    if pid is None:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return round(int(m.group(1)) / 1024, 1) if m else None


def listening_pid(port: int) -> int | None:
    """The pid that listens on a loopback TCP port (Linux /proc; None when it can't be found)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    return None


def start_in_process(bot=None, port: int | None = None):
    """Serve the app (API and web UI, as app.py does) around ``bot`` (default: Assistant.load()) on 127.0.0.1."""
    from assistant import server

    if bot is None:
        from assistant.core import Assistant

        bot = Assistant.load()
    running = server.start(server.create_app(bot), port=port)
    return running, running.url


def _gradio_asker(url: str, timeout: float):
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False,
                    httpx_kwargs={"timeout": max(5.0, min(60.0, timeout))})

    def ask(question: str, history: list[dict], remaining: float) -> None:
        result = client.submit(question, history, None, None, api_name=API_NAME).result(timeout=remaining)
        if not isinstance(result, dict) or not isinstance(result.get("answer"), str):
            raise ValueError(f"unexpected response {str(result)[:80]!r}")

    return ask


def _openai_asker(url: str, timeout: float):
    import openai

    client = openai.OpenAI(base_url=url.rstrip("/") + "/v1", api_key=os.environ.get("POLICYQA_API_KEY") or "none",
                           max_retries=0, timeout=timeout)

    def ask(question: str, history: list[dict], remaining: float) -> None:
        messages = [*history, {"role": "user", "content": question}]
        resp = client.with_options(timeout=max(1.0, remaining)).chat.completions.create(
            model="zhengce-wenda", messages=messages)
        if not isinstance(resp.choices[0].message.content, str) or "policyqa" not in (resp.model_extra or {}):
            raise ValueError(f"unexpected response {str(resp)[:80]!r}")

    return ask


def run_load(
    url: str | None = None, *, bot=None, clients: int = 20, per_client: int = 10, timeout: float = 300.0,
    questions: list[tuple[str, list[dict]]] | None = None, pid: int | None = None, log=print, via: str = "openai",
) -> dict:
    """Run the load; return the figures. Starts the app in this process when ``url`` is None."""
    if via not in VIAS:
        raise SystemExit(f"load_test: --via must be one of {', '.join(VIAS)}")
    make_asker = _openai_asker if via == "openai" else _gradio_asker
    clients = max(1, min(clients, MAX_CLIENTS))
    per_client = max(1, min(per_client, MAX_PER_CLIENT))
    questions = questions or load_questions()
    _no_proxy_for_loopback()
    running = None
    if url is None:
        running, url = start_in_process(bot)
        pid = None
    else:
        check_loopback(url)
        pid = pid or listening_pid(urlparse(url).port or 80)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    # Connect every client first, one after another: session set-up is not what is measured.
    connected: list = []
    for c in range(clients):
        try:
            connected.append(make_asker(url, timeout))
        except Exception as e:  # noqa: BLE001 — every failure is an error to count
            connected.append(None)
            errors.extend([f"client {c}: connect: {e.__class__.__name__}: {e}"] * per_client)
    load_before = list(os.getloadavg())
    started = time.perf_counter()
    deadline = started + timeout

    def client_loop(c: int) -> None:
        ask = connected[c]
        if ask is None:
            return
        for i in range(per_client):
            question, history = questions[(c * per_client + i) % len(questions)]
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                with lock:
                    errors.append(f"client {c} q{i}: not sent before the deadline")
                continue
            t0 = time.perf_counter()
            try:
                ask(question, history, remaining)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(f"client {c} q{i}: {e.__class__.__name__}: {str(e)[:120]}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client_loop, args=(c,), daemon=True) for c in range(clients)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.perf_counter()) + 5)
        wall = time.perf_counter() - started
        with lock:
            done, failed = list(latencies), list(errors)
        missing = max(0, clients * per_client - len(done) - len(failed))
        samples = failed[:5] + ([f"{missing} request(s) still running at the hard timeout"] if missing else [])
        figures = {
            "url": url,
            "via": via,
            "clients": clients,
            "questions_per_client": per_client,
            "requests": clients * per_client,
            "ok": len(done),
            "errors": len(failed) + missing,
            "error_samples": samples,
            "p50_s": round(statistics.median(done), 3) if done else None,
            "p95_s": round(_percentile(done, 95), 3) if done else None,
            "max_s": round(max(done), 3) if done else None,
            "wall_s": round(wall, 2),
            "throughput_qps": round(len(done) / wall, 2) if wall else None,
            "peak_rss_mb": peak_rss_mb(pid),
            "rss_of": "this process (app in-process)" if running is not None else (f"pid {pid}" if pid else "unknown"),
            "load_avg_before": load_before,
            "load_avg_1m_5m_15m": list(os.getloadavg()),
            "cpus": os.cpu_count(),
        }
    finally:
        if running is not None:
            running.close()
    log(
        f"[{via}] {figures['ok']}/{figures['requests']} ok, {figures['errors']} errors; p50 {figures['p50_s']} s, "
        f"p95 {figures['p95_s']} s; {figures['throughput_qps']} q/s over {figures['wall_s']} s; "
        f"peak RSS {figures['peak_rss_mb']} MB ({figures['rss_of']}); load average {figures['load_avg_1m_5m_15m']} "
        f"on {figures['cpus']} CPUs"
    )
    for e in figures["error_samples"]:
        log(f"  error: {e}")
    return figures


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Load test for the 政策问答 web app's ask API (loopback only)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running app, e.g. http://127.0.0.1:7860/")
    where.add_argument("--in-process", action="store_true", help="start the app in this process on a free port")
    p.add_argument("-c", "--clients", type=int, default=20, help=f"concurrent clients (default 20, max {MAX_CLIENTS})")
    p.add_argument("-n", "--questions", type=int, default=10,
                   help=f"questions per client (default 10, max {MAX_PER_CLIENT})")
    p.add_argument("--timeout", type=float, default=600.0, help="hard wall-time limit in seconds (default 600)")
    p.add_argument("--via", choices=VIAS, default="openai",
                   help="openai: POST /v1/chat/completions with the openai client (default); gradio: the UI's /ask")
    p.add_argument("--pid", type=int, help="pid of the app for peak RSS (default: the process on --url's port)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    if args.url:
        check_loopback(args.url)
    figures = run_load(args.url, clients=args.clients, per_client=args.questions, timeout=args.timeout,
                       pid=args.pid, via=args.via, log=(lambda m: print(m, file=sys.stderr)) if args.json else print)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    return 0 if figures["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
