"""Adding and removing documents while the app serves: the preview writes nothing, the swap is atomic."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Config, library
from assistant.live import LiveAssistant, ProgressEmbedder

from .conftest import CORPUS
from .fakes import HashEmbedder

DATA = Path(__file__).resolve().parent.parent / "eval" / "laws"
LAW = DATA / "beijing-digital-economy-2022.md"  # copied from shared/laws/
LAW_ID = "beijing-digital-economy-2022"
LAW_FIELDS = {"doc_id": LAW_ID, "region": "北京市", "issuer": "北京市人民代表大会常务委员会"}
LAW_Q = "数据交易机构应当制定什么规则？"  # 第二十二条: 数据交易机构应当制定数据交易规则


def snapshot(*dirs: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for d in dirs for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture
def live(tmp_path) -> LiveAssistant:
    """A served assistant over a scratch copy of the corpus (hashing embedder: fast)."""
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")
    return LiveAssistant(Assistant.load(cfg, embedder=HashEmbedder(), log=lambda m: None))


def cited_docs(bot: Assistant, question: str, **options) -> set[str]:
    return {c.clause_id.split("#")[0] for c in bot.ask(question, **options).citations}


def test_preview_reports_the_parse_and_writes_nothing(live):
    cfg = live.current.config
    before = snapshot(cfg.corpus_dir, cfg.index_dir)
    report = live.preview(LAW, **LAW_FIELDS)
    assert snapshot(cfg.corpus_dir, cfg.index_dir) == before
    assert report.doc_id == LAW_ID and report.embedded == 0
    assert report.metadata["region"] == "北京市" and report.metadata["issuer"] == LAW_FIELDS["issuer"]
    assert report.n_clauses > 0 and report.text_file.endswith(".txt")
    assert LAW_ID not in live.current.documents


def test_preview_gives_the_clis_one_line_errors(live, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"x")
    with pytest.raises(library.LibraryError, match=r"^不支持的文件类型 \.xlsx：只支持 \.txt、\.md、\.docx、\.pdf$"):
        live.preview(bad)
    with pytest.raises(library.LibraryError, match="文档编号只能用小写英文字母、数字和连字符"):
        live.preview(LAW, **{**LAW_FIELDS, "doc_id": "Beijing Law"})
    with pytest.raises(library.LibraryError, match="文档编号 jinan-platform-economy-2020 已存在"):
        live.preview(LAW, **{**LAW_FIELDS, "doc_id": "jinan-platform-economy-2020"})


def test_empty_form_fields_mean_infer(live):
    """The web form sends "" for a field left empty: that must mean "infer it", like an absent CLI option."""
    assert live.preview(LAW, doc_id="", region="北京市", level=None, issuer="北京市人大常委会", title="  ").doc_id


def test_add_serves_the_new_document_and_remove_takes_it_away(live):
    old = live.current
    progress: list[tuple[int, int]] = []
    report = live.add(LAW, progress=lambda done, total: progress.append((done, total)), **LAW_FIELDS)
    assert report.doc_id == LAW_ID and report.embedded > 0
    assert progress[0] == (0, report.embedded) and progress[-1] == (report.embedded, report.embedded)
    new = live.current
    assert new is not old and LAW_ID in new.documents and LAW_ID not in old.documents
    assert new.embedder is old.embedder  # reused, not loaded again
    assert cited_docs(new, LAW_Q, doc_ids=[LAW_ID]) == {LAW_ID}
    assert LAW_ID in cited_docs(new, LAW_Q)

    live.remove(LAW_ID)
    assert LAW_ID not in live.current.documents
    assert LAW_ID not in {p.stem for p in live.current.config.corpus_dir.glob("*.toml")}


def test_questions_during_an_add_are_answered_from_the_old_index(live):
    """While the new document is being embedded, questions go on against the complete old index."""
    embedding, release = threading.Event(), threading.Event()
    inner = live.current.embedder

    class SlowEmbedder(HashEmbedder):
        def embed_passages(self, texts, batch_size=32, progress=False):
            embedding.set()
            assert release.wait(60)
            return inner.embed_passages(texts)

    old = live.current
    old.embedder = SlowEmbedder()  # the add reuses the live assistant's embedder
    errors: list[BaseException] = []
    adder = threading.Thread(target=lambda: _catch(errors, lambda: live.add(LAW, **LAW_FIELDS)))
    adder.start()
    assert embedding.wait(60)
    during = [live.current.ask(LAW_Q) for _ in range(3)]
    assert live.current is old
    assert all(LAW_ID not in {c.clause_id.split("#")[0] for c in a.citations} for a in during)
    release.set()
    adder.join(60)
    assert not errors and not adder.is_alive()
    assert live.current is not old and LAW_ID in cited_docs(live.current, LAW_Q)


def test_a_failed_add_leaves_the_served_assistant_alone(live):
    old = live.current
    with pytest.raises(library.LibraryError, match="内容与已有文档 jinan-platform-economy-2020 完全相同"):
        live.add(CORPUS / "004_0931c75b694a60a7.txt", doc_id="jinan-copy")
    assert live.current is old


def test_progress_embedder_reports_batches_and_returns_the_same_vectors():
    inner = HashEmbedder()
    texts = [f"第{i}条 数据交易规则" for i in range(37)]
    seen: list[tuple[int, int]] = []
    out = ProgressEmbedder(inner, lambda d, t: seen.append((d, t))).embed_passages(texts)
    assert np.array_equal(out, inner.embed_passages(texts))
    assert seen == [(0, 37), (16, 37), (32, 37), (37, 37)]
    assert ProgressEmbedder(inner, None).name == inner.name


def _catch(errors: list, fn) -> None:
    try:
        fn()
    except BaseException as e:  # noqa: BLE001 — reported by the test
        errors.append(e)
