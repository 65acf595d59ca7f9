from __future__ import annotations

from pathlib import Path

import pytest

from assistant.clauses import Clause, parse_document

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"

# seed file → doc_id, as fixed by shared/spec/clause-ids.md
DOC_FILES = {
    "hubei-platform-economy-2015": "000_86aa0d200ea659ef.txt",
    "jiangsu-platform-economy-2015": "001_6eaff146bbf267eb.txt",
    "hubei-internet-plus-2015": "002_f62b7695849a2f81.txt",
    "wuhan-internet-plus-circulation-2016": "003_afb609e7fb887cd1.txt",
    "jinan-platform-economy-2020": "004_0931c75b694a60a7.txt",
}


def source_text(doc_id: str) -> str:
    return (CORPUS / DOC_FILES[doc_id]).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def parsed() -> dict[str, list[Clause]]:
    """Every seed document parsed, by doc_id."""
    return {doc_id: parse_document(source_text(doc_id), doc_id)[0] for doc_id in DOC_FILES}


@pytest.fixture(scope="session")
def clause_by_id(parsed: dict[str, list[Clause]]) -> dict[str, Clause]:
    return {c.clause_id: c for cs in parsed.values() for c in cs}


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory):
    """The real pipeline on the real corpus, with a hashing embedder: fast, for plumbing tests."""
    from assistant import Assistant, Config

    from .fakes import HashEmbedder

    cfg = Config(index_dir=tmp_path_factory.mktemp("index-fake"), today="2026-11-22")
    return Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None)


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory):
    """The default assistant exactly as users get it (converted e5 model), index in a temp dir.

    Model conversion is cached in the user's cache dir like in production, so only the first run
    on a machine pays for it.
    """
    from assistant import Assistant, Config

    cfg = Config.from_env(index_dir=tmp_path_factory.mktemp("index-real"), today="2026-11-22")
    return Assistant.load(cfg)


@pytest.fixture(scope="session")
def laws_assistant(real_assistant, tmp_path_factory):
    """The default assistant with the three laws of eval/laws added as a user would (``add`` with
    --doc-id/--region/--level from eval/laws/laws.toml), reusing the seed index's vectors."""
    from assistant import Assistant
    from assistant.evaluation import load_extra_corpus, stage_corpus

    staged = stage_corpus(real_assistant.config, [load_extra_corpus(REPO / "eval" / "laws" / "laws.toml")],
                          tmp_path_factory.mktemp("laws"), embedder=real_assistant.embedder, log=lambda m: None)
    return Assistant.load(staged, embedder=real_assistant.embedder, log=lambda m: None)


def follow_up(bot, first: str, second: str):
    """Ask ``second`` after ``first``, with the first answer in the history as a chat client sends it."""
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": bot.ask(first).answer}]
    return bot.ask(second, history)
