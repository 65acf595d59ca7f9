"""`python -m assistant …`: the command line, a thin shell over `Assistant` (JSON for machines)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import Config


class CLIError(Exception):
    """Bad input on the command line: printed as one line on stderr, exit status 2."""


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _load_history(path: str | None) -> list[dict]:
    if not path:
        return []
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CLIError(f"找不到对话历史文件：{path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CLIError(f"无法读取对话历史文件 {path}：{e.__class__.__name__}") from None
    except json.JSONDecodeError as e:
        raise CLIError(f"对话历史文件不是合法的 JSON（第 {e.lineno} 行）：{path}") from None
    if not isinstance(data, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str) for t in data
    ):
        raise CLIError('对话历史必须是列表：[{"role": "user"|"assistant", "content": "…"}, …]')
    return data


def _checked(question: str) -> str:
    """Reject a bad question before the model loads: the user should not wait to hear it's empty."""
    from .core import InputError, check_question

    try:
        return check_question(question, Config.from_env().max_question_chars)
    except InputError as e:
        raise CLIError(str(e)) from None


def _bot(args: argparse.Namespace):
    from .core import Assistant

    return Assistant.load(Config.from_env())


def cmd_ask(args: argparse.Namespace) -> None:
    from .core import InputError

    history = _load_history(args.history)

    question = _checked(" ".join(args.question))
    bot = _bot(args)
    try:
        answer = bot.ask(question, history, full_clauses=args.full, region=args.region,
                         doc_ids=args.doc or None)
    except InputError as e:
        raise CLIError(str(e)) from None
    if args.json:
        _print_json(answer.to_json())
        return
    print(answer.answer)
    if answer.citations:
        print("\n引用：")
        for i, c in enumerate(answer.citations, 1):
            print(f"[{i}] 《{c.doc_title}》{c.label}（{c.clause_id}）\n    “{c.quote}”")


def cmd_search(args: argparse.Namespace) -> None:
    from .core import InputError

    _checked(" ".join(args.question))
    bot = _bot(args)
    try:
        hits = bot.search(" ".join(args.question), args.k, region=args.region, doc_ids=args.doc or None)
    except InputError as e:
        raise CLIError(str(e)) from None
    if args.json:
        from .records import hit_record

        _print_json([hit_record(h) for h in hits])
        return
    for rank, h in enumerate(hits, 1):
        c = bot.corpus.clause(h.clause_id)
        print(f"{rank:>2}. {h.score:.4f}  {h.clause_id}  {c.label} {c.heading}")


def cmd_match(args: argparse.Namespace) -> None:
    """政策匹配 from the command line: the rows of ``Assistant.match``; ``--json`` a list of row records,
    measures of documents in force first, then those no longer in force (their ``status`` says which)."""
    from .core import InputError

    bot = _bot(args)
    try:
        result = bot.match(args.region, args.industry or "", args.size or "", args.qualification or ())
    except InputError as e:
        raise CLIError(str(e)) from None
    rows = [r.to_json() for r in (*result.rows, *result.not_in_force)]
    if args.json:
        _print_json(rows)
        return
    print(f"适用地区：{' → '.join(result.regions) or '全部'}；措施 {len(result.rows)} 条"
          + (f"，另有 {len(result.not_in_force)} 条出自已失效的文件" if result.not_in_force else ""))
    if result.note:
        print(result.note)
    for r in rows:
        amount = f"  {r['amount']}" if r["amount"] else ""
        units = f"  负责：{'、'.join(r['units'])}" if r["units"] else ""
        print(f"- 【{r['benefit']}】{amount}  《{r['document']}》{r['label']}（{r['clause_id']}，{r['status_label']}，"
              f"{r['fit']}）{units}\n    {r['sentences'][0][:120]}")


def cmd_clauses(args: argparse.Namespace) -> None:
    from .corpus import load_corpus
    from .records import clause_record

    corpus = load_corpus(Config.from_env().corpus_dir)
    rows = [clause_record(c) for c in corpus.clauses]
    if args.json:
        _print_json(rows)
        return
    for r in rows:
        print(f"{r['clause_id']:<45} {r['label']:<14} {r['heading'][:40]}")


def cmd_units(args: argparse.Namespace) -> None:
    from .corpus import load_corpus
    from .records import unit_record
    from .units import UnitIndex

    index = UnitIndex.build(load_corpus(Config.from_env().corpus_dir).clauses)
    entries = index.lookup(args.name) if args.name else index.entries()
    if args.name and not entries:
        raise CLIError(f"没有找到单位：{args.name}")
    rows = [unit_record(e) for e in entries]
    if args.json:
        _print_json(rows)
        return
    for r in rows:
        print(f"{r['name']}  牵头 {len(r['lead'])} 项  参加 {len(r['participant'])} 项  别名：{'、'.join(r['aliases'])}")


def cmd_build_index(args: argparse.Namespace) -> None:
    from .core import Assistant

    manifest = Assistant.rebuild_index(Config.from_env(), log=lambda m: print(m, file=sys.stderr, flush=True))
    print(f"索引已写入 {Config.from_env().index_dir}：{manifest['n_clauses']} 条条款，{manifest['n_passages']} 个段落，"
          f"{manifest['index_type']}，模型 {manifest['embedder']}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assistant", description="政策问答：查询平台经济政策文件并引用条款作答")
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("ask", help="提一个问题")
    a.add_argument("question", nargs="+")
    a.add_argument("--json", action="store_true", help="输出 JSON")
    a.add_argument("--history", help="对话历史 JSON 文件")
    a.add_argument("--full", action="store_true", help="引用整条条款而不是摘句")
    a.add_argument("--region", help="只看适用于该地区的文件，如 武汉市（含湖北省文件）")
    a.add_argument("--doc", action="append", help="只看指定文档（可重复）")
    a.set_defaults(func=cmd_ask)

    s = sub.add_parser("search", help="检索相关条款")
    s.add_argument("question", nargs="+")
    s.add_argument("-k", type=int, default=10)
    s.add_argument("--json", action="store_true")
    s.add_argument("--region")
    s.add_argument("--doc", action="append")
    s.set_defaults(func=cmd_search)

    c = sub.add_parser("clauses", help="列出全部条款")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_clauses)

    m = sub.add_parser("match", help="政策匹配：按企业画像列出适用的扶持措施")
    m.add_argument("--region", required=True, help="企业所在地，任一级：萧山、杭州市、浙江省")
    m.add_argument("--industry", help="所属行业或业务（自由文字），如 农产品电商")
    m.add_argument("--size", help="规模或阶段，如 小微企业、初创期")
    m.add_argument("--qualification", action="append", help="已有资质（可重复），如 高新技术企业")
    m.add_argument("--json", action="store_true", help="输出 JSON：措施行的列表")
    m.set_defaults(func=cmd_match)

    u = sub.add_parser("units", help="列出责任单位及其条款")
    u.add_argument("name", nargs="?", help="只看这个单位（别名可用）")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_units)

    b = sub.add_parser("build-index", help="从 corpus/ 重建索引")
    b.set_defaults(func=cmd_build_index)

    _register_optional(sub)
    return p


def _register_optional(sub) -> None:
    """Commands from modules that may add their own sub-commands (evaluation, document library)."""
    for module in ("evaluation", "evalsplits", "fit_decision", "query_tuning", "matcheval", "ingest.bulk", "library", "bench"):
        try:
            mod = __import__(f"assistant.{module}", fromlist=["register_cli"])
        except ImportError:
            continue
        if hasattr(mod, "register_cli"):
            mod.register_cli(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except CLIError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as e:
        # Corpus or index problems the user can act on; never a traceback.
        print(f"错误：{e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 — a user sees one line, never a traceback
        print(f"内部错误（{e.__class__.__name__}）：{e}。请把这条信息和问题反馈给维护者。", file=sys.stderr)
        return 1
    return 0
