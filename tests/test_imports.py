"""Module structure: data flows one way, so every module imports on its own and no two import each other."""

from __future__ import annotations

import ast
import subprocess
import sys

from .conftest import REPO

PACKAGE = REPO / "assistant"


def _module_name(path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, tuple[ast.Module, bool]]:
    """Every project module: its syntax tree, and whether it is a package's __init__."""
    return {
        _module_name(p): (ast.parse(p.read_text(encoding="utf-8")), p.name == "__init__.py")
        for p in sorted(PACKAGE.rglob("*.py"))
    }


def _imports(name: str, tree: ast.Module, is_package: bool, known: set[str]) -> set[str]:
    """Project modules this module imports anywhere (top level, functions, TYPE_CHECKING blocks)."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)  # `from . import fact` names a module
    # A module's own packages are imported before it anyway; `from . import fact` is an edge to `fact` only.
    ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
    return {m for m in found if m in known and m != name and m not in ancestors}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, tree, is_pkg, set(modules)) for name, (tree, is_pkg) in modules.items()}


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt])
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert cycles == []


def test_answering_depends_on_neither_assistant_nor_llm() -> None:
    graph = _graph()
    answering = [m for m in graph if m.startswith("assistant.answering")]
    assert len(answering) >= 9
    for m in answering:
        assert not graph[m] & {"assistant.core", "assistant.llm", "assistant.webui", "assistant.cli"}, m


def test_answer_data_classes_import_no_answering_code() -> None:
    graph = _graph()
    assert graph["assistant.answer_types"] <= {"assistant.clauses", "assistant.corpus"}
    assert graph["assistant.llm"] == {"assistant.answer_types", "assistant.config"}


def test_every_module_imports_alone() -> None:
    # One fresh interpreter; project modules are forgotten between imports so each is imported first.
    script = (
        "import importlib, sys\n"
        f"names = {sorted(n for n in _graph() if n not in {'assistant.__main__'})!r}\n"
        "for n in names:\n"
        "    for m in [m for m in sys.modules if m == 'assistant' or m.startswith('assistant.')]:\n"
        "        del sys.modules[m]\n"
        "    importlib.import_module(n)\n"
        "print(len(names))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.split()[-1]) >= 25


def test_answer_and_citation_are_the_same_classes_wherever_imported() -> None:
    import assistant
    from assistant import answer_types, core

    assert core.Answer is answer_types.Answer is assistant.Answer
    assert core.Citation is answer_types.Citation is assistant.Citation
