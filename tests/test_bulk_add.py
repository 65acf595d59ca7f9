"""Adding a folder of many files (``python -m assistant add DIR``): a small slice of the national library.

The whole library is a benchmark (``python -m assistant.libbench``); here, a few real texts of
../shared/lawrefbook from several folders, two versions of one law, a broken file and a text that
names no place, with the hashing embedder.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from datetime import date
from pathlib import Path

import pytest

from assistant import Assistant, Config
from assistant import index as index_mod
from assistant.corpus import load_corpus
from assistant.ingest import bulk
from assistant.library import LibraryError, corpus_lock

from .conftest import CORPUS
from .fakes import HashEmbedder

LAWREF = Path(__file__).resolve().parents[2] / "shared" / "lawrefbook"
SLICE = {
    "民法商法": ["公司法(2018-10-26).md", "公司法(2023-12-29).md", "信托法(2001-04-28).md"],
    "行政法规": ["专利代理条例(2018-11-06).md", "城市供水条例(2020-03-27).md",
                "不动产登记暂行条例(2019-03-24).md", "保障中小企业款项支付条例(2020-07-05).md",
                "保障农民工工资支付条例(2019-12-30).md"],
    "司法解释": ["人民检察院刑事诉讼规则(2019-12-02).md"],
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The slice as a user's folder, with a README (left out), a binary file and an empty one (errors)."""
    root = tmp_path / "laws"
    for sub, names in SLICE.items():
        (root / sub).mkdir(parents=True)
        for name in names:
            shutil.copy(LAWREF / sub / name, root / sub / name)
    # A subfolder whose only text names no place: it defers to the folder above.
    (root / "行政法规" / "劳动").mkdir()
    name = "保障农民工工资支付条例(2019-12-30).md"
    (root / "行政法规" / name).rename(root / "行政法规" / "劳动" / name)
    (root / "README.md").write_text("# 说明\n这个文件夹里是法律文本。\n", encoding="utf-8")
    (root / "行政法规" / "坏文件.md").write_bytes(b"\x00\x01\x02binary")
    (root / "司法解释" / "空文件.txt").write_bytes(b"")
    (root / "司法解释" / "目录.xlsx").write_bytes(b"PK")  # not a kind of file add reads: listed, not read
    return root


def _config(tmp_path: Path) -> Config:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return Config(corpus_dir=corpus, index_dir=tmp_path / "index", today="2026-11-22")


def _add(cfg: Config, folder: Path, **kw) -> bulk.BatchReport:
    return bulk.add_many(cfg, [folder], embedder=HashEmbedder(), log=lambda m: None, progress=False, **kw)


def test_a_folder_is_added_whole_and_bad_files_are_listed_not_fatal(tmp_path, folder):
    cfg = _config(tmp_path)
    report = _add(cfg, folder)
    assert sorted(Path(f.path).name for f in report.failed) == ["坏文件.md", "空文件.txt"]
    assert all(f.error for f in report.failed)
    assert len(report.added) == sum(len(v) for v in SLICE.values())
    assert "README.md" not in {Path(f.path).name for f in report.files}
    assert [Path(f.path).name for f in report.unsupported] == ["目录.xlsx"]
    assert any("不支持的文件 1 个" in line for line in report.lines())
    # Every article the parser finds in each file is in the corpus and in the index, once.
    corpus = load_corpus(cfg.corpus_dir)
    assert len(corpus.documents) == 5 + len(report.added)
    stored = [c.clause_id for c in index_mod.load(cfg.index_dir, embedder_name="hash-bigram-64",
                                                  corpus_fingerprint=corpus.fingerprint)[1]]
    assert stored == [c.clause_id for c in corpus.clauses]
    assert sum(f.clauses for f in report.added) == len(corpus.clauses) - len(load_corpus(CORPUS).clauses)
    assert not (cfg.index_dir / index_mod.PENDING).exists()
    messages: list[str] = []
    Assistant.load(cfg, embedder=HashEmbedder(), log=messages.append)
    assert messages == []  # the index the batch saved is current: nothing rebuilt


def test_a_text_that_names_no_place_takes_its_folders_region(tmp_path, folder):
    report = _add(_config(tmp_path), folder)
    for name in ("保障中小企业款项支付条例(2020-07-05).md", "保障农民工工资支付条例(2019-12-30).md"):
        unplaced = next(f for f in report.files if Path(f.path).name == name)
        assert unplaced.region == "全国" and not unplaced.error
        assert any("同一文件夹" in w for w in unplaced.warnings)


def test_a_text_that_names_no_place_given_alone_asks_for_a_region(tmp_path, folder):
    alone = folder / "行政法规" / "保障中小企业款项支付条例(2020-07-05).md"
    report = bulk.add_many(_config(tmp_path), [alone, folder / "行政法规" / "专利代理条例(2018-11-06).md"],
                           embedder=HashEmbedder(), log=lambda m: None, progress=False)
    assert [Path(f.path).name for f in report.failed] == [alone.name]
    assert "--region" in report.failed[0].error


def test_a_rerun_adds_nothing_and_embeds_nothing(tmp_path, folder):
    cfg = _config(tmp_path)
    _add(cfg, folder)
    again = _add(cfg, folder)
    assert again.added == [] and again.embedded == 0
    assert len(again.skipped) == sum(len(v) for v in SLICE.values())


def test_two_versions_of_a_law_get_ids_by_their_own_dates(tmp_path, folder):
    report = _add(_config(tmp_path), folder)
    ids = {Path(f.path).name: f.doc_id for f in report.added}
    assert ids["公司法(2018-10-26).md"] == "gsf-2018"
    assert ids["公司法(2023-12-29).md"] == "gsf-2023"


def test_a_second_writer_is_refused_while_one_runs(tmp_path, folder):
    cfg = _config(tmp_path)
    with corpus_lock(cfg), pytest.raises(LibraryError, match="正在进行"):
        _add(cfg, folder)


def _killed_add(cfg: Config, folder: Path) -> None:
    """In a child process: add with tiny chunks and die (SIGKILL) writing the second chunk, between a
    document's text and its metadata."""
    calls = {"n": 0}
    real = bulk._write_document

    def write(corpus_dir, files):
        calls["n"] += 1
        if calls["n"] == 3:
            text = next(n for n in files if n.endswith(".txt"))
            (corpus_dir / text).write_bytes(files[text])
            os.kill(os.getpid(), signal.SIGKILL)
        real(corpus_dir, files)

    bulk._write_document = write
    _add(cfg, folder, chunk_clauses=200)


def test_killed_midway_a_rerun_finishes_the_job_without_embedding_again(tmp_path, folder):
    cfg = _config(tmp_path)
    child = multiprocessing.get_context("fork").Process(target=_killed_add, args=(cfg, folder))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    # What the kill left: two documents whole, one text without metadata (invisible), vectors pending.
    half = load_corpus(cfg.corpus_dir)
    assert len(half.documents) == 5 + 2
    pending = index_mod.pending_vectors(cfg.index_dir, "hash-bigram-64")
    assert pending

    report = _add(cfg, folder)
    assert len(report.skipped) == 2
    clean = tmp_path / "clean"
    clean.mkdir()
    one_go = _add(_config(clean), folder)
    # What was embedded before the kill is not embedded again.
    assert report.embedded + len(pending) == one_go.embedded
    resumed = load_corpus(cfg.corpus_dir)
    assert resumed.fingerprint == load_corpus(clean / "corpus").fingerprint
    assert len(list(cfg.corpus_dir.glob("*.txt"))) == len(resumed.documents)  # the orphan text is gone


@pytest.fixture
def versions_bot(tmp_path, folder) -> Assistant:
    cfg = _config(tmp_path)
    _add(cfg, folder)
    return Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None)


def test_the_older_version_of_a_law_is_marked_replaced(versions_bot):
    corpus = versions_bot.corpus
    today = date(2026, 11, 22)
    assert corpus.status("gsf-2018", today) == "superseded"
    assert corpus.status("gsf-2023", today) != "superseded"
    old = corpus.versions["gsf-2018"]
    assert (old.replaced_by, old.replaced_on) == ("gsf-2023", "2023-12-29")
    # Before the revision took effect (2024-07-01) the older text still applied.
    assert corpus.status("gsf-2018", date(2024, 3, 1)) != "superseded"


def test_the_current_version_ranks_above_the_older_one(versions_bot):
    hits = [cid.split("#")[0] for cid, _ in versions_bot.retrieve("公司法 有限责任公司 股东 出资", k=20)]
    versions = [d for d in hits if d.startswith("gsf-")]
    assert versions and versions[0] == "gsf-2023"


def test_a_question_naming_a_year_is_answered_from_that_years_version(versions_bot):
    now = versions_bot.ask("公司法第一条规定了什么？")
    then = versions_bot.ask("2018年的公司法第一条规定了什么？")
    assert {c.clause_id.split("#")[0] for c in now.citations} == {"gsf-2023"}
    assert {c.clause_id.split("#")[0] for c in then.citations} >= {"gsf-2018"}
    assert "gsf-2023#1" not in {c.clause_id for c in then.citations}


def test_the_cli_adds_a_folder_and_names_what_failed(tmp_path, folder, monkeypatch, capsys):
    from assistant import cli, library

    cfg = _config(tmp_path)
    monkeypatch.setenv("POLICYQA_CORPUS_DIR", str(cfg.corpus_dir))
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(cfg.index_dir))
    monkeypatch.setattr(library, "_load_embedder", lambda config, embedder, log: embedder or HashEmbedder())
    assert cli.main(["add", str(folder), "--quiet", "--json"]) == 2  # two files failed; the rest are in
    out = capsys.readouterr()
    report = __import__("json").loads(out.out)
    assert report["added"] == sum(len(v) for v in SLICE.values()) and report["failed"] == 2
    assert "2 个文件未能加入" in out.err and "Traceback" not in out.err
    assert cli.main(["add", str(folder), "--doc-id", "x"]) == 2
    assert "只能用于单个文件" in capsys.readouterr().err
    assert cli.main(["add", str(tmp_path / "nowhere"), "--quiet"]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_a_run_killed_before_its_index_is_finished_by_the_next(tmp_path, folder):
    """Every document written, the index not built (killed in the last step): a rerun adds nothing, embeds
    nothing new, and builds the index from the pending vectors."""
    cfg = _config(tmp_path)
    _add(cfg, folder)
    for name in ("manifest.json", "clauses.jsonl"):
        (cfg.index_dir / name).unlink()
    again = _add(cfg, folder)
    assert again.added == [] and again.embedded == 0
    corpus = load_corpus(cfg.corpus_dir)
    index_mod.load(cfg.index_dir, embedder_name="hash-bigram-64", corpus_fingerprint=corpus.fingerprint)
