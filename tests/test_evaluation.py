"""Metric functions of the evaluation harness (fast), and one plumbing run with the fake assistant."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.evaluation import (
    DEFAULT_LAWS,
    aggregate,
    all_gold_at_k,
    citation_precision,
    citation_recall,
    clause_starts,
    evaluate,
    evaluate_runs,
    extra_manifests,
    failing,
    load_extra_corpus,
    mrr,
    must_include_ok,
    normalize,
    percentile,
    quotes_outside_their_clause,
    recall_at_k,
    register_cli,
    satisfies,
    select_items,
    split_text,
    stage_corpus,
)

from .conftest import CORPUS, REPO

D = "d"


def test_satisfies_exact_and_descendant():
    assert satisfies("d#2.1", "d#2.1")
    assert satisfies("d#2.1.3", "d#2.1")
    assert satisfies("d#table.4", "d#table")


def test_satisfies_dot_boundary():
    assert not satisfies("d#2.10", "d#2.1")
    assert not satisfies("d#2.1", "d#2.10")
    assert not satisfies("d#21", "d#2")


def test_parent_does_not_satisfy_child():
    assert not satisfies("d#2", "d#2.1")
    assert not satisfies("d#table", "d#table.4")


def test_satisfies_needs_same_document():
    assert not satisfies("e#2.1", "d#2.1")
    assert not satisfies("d#", "d#2")


def test_recall_at_k():
    ranked = ["d#1", "d#2.1.1", "d#3", "e#2.1", "d#4"]
    gold = ["d#2.1", "e#2.1"]
    assert recall_at_k(ranked, gold, 1) == 0.0
    assert recall_at_k(ranked, gold, 3) == 0.5
    assert recall_at_k(ranked, gold, 5) == 1.0
    assert recall_at_k(ranked, [], 5) is None
    assert all_gold_at_k(ranked, gold, 3) == 0.0
    assert all_gold_at_k(ranked, gold, 5) == 1.0


def test_recall_counts_each_gold_once():
    assert recall_at_k(["d#2.1.1", "d#2.1.2"], ["d#2.1", "d#3"], 5) == 0.5


def test_mrr_first_satisfying():
    assert mrr(["d#1", "d#2", "d#2.1.4"], ["d#2.1"]) == pytest.approx(1 / 3)
    assert mrr(["d#2.1"], ["d#2.1", "d#9"]) == 1.0
    assert mrr(["d#2"], ["d#2.1"]) == 0.0
    assert mrr([], ["d#2.1"]) == 0.0
    assert mrr(["d#1"], []) is None


def test_citation_precision_and_recall():
    gold = ["d#2.1", "d#3"]
    cited = ["d#2.1.1", "d#2", "d#2.1.1"]  # duplicates count once; the parent d#2 is not a hit
    assert citation_precision(cited, gold) == 0.5
    assert citation_recall(cited, gold) == 0.5
    assert citation_precision([], gold) is None
    assert citation_recall([], gold) == 0.0
    assert citation_recall(cited, []) is None


def test_must_include_normalizes():
    groups = [["30%"], ["100万元", "一百万元"]]
    assert must_include_ok("按３０％资助，最高 100 万元。", groups)
    assert must_include_ok("最高一百万元，比例30%", groups)
    assert not must_include_ok("最高100万元", groups)
    assert must_include_ok("anything", []) is None
    assert normalize("Ａ １\u3000b\n") == "A1b"


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)


def test_aggregate_refusal_and_errors():
    items = [
        {"id": "a", "type": "fact", "gold": ["d#1"], "must_include": [["x"]], "answerable": True},
        {"id": "b", "type": "unanswerable", "gold": [], "must_include": [], "answerable": False},
        {"id": "c", "type": "fact", "gold": ["d#2"], "must_include": [["y"]], "answerable": True},
    ]
    recs = [
        {
            "retrieved": ["d#1"],
            "cited": ["d#1"],
            "answer": "x",
            "refused": False,
            "t_ask": 0.1,
            "t_retrieve": 0.01,
        },
        {
            "retrieved": ["d#1"],
            "cited": [],
            "answer": "无",
            "refused": True,
            "t_ask": 0.2,
            "t_retrieve": 0.02,
        },
        {"retrieved": [], "error": "RuntimeError: boom"},
    ]
    agg = aggregate(items, recs, answers=True)
    assert agg["errors"] == 1
    assert agg["recall@1"] == 0.5  # the errored item counts as a miss
    assert agg["refusal_acc"] == 1.0
    assert agg["false_refusal"] == 0.0
    assert agg["must_include"] == 0.5
    assert failing(items[2], recs[2])[0].startswith("error")
    assert failing(items[0], recs[0]) == []
    assert failing(items[1], {**recs[1], "refused": False}) == ["not refused"]


def test_split_text_sizes_and_overlap():
    text = "\n\n".join(
        "；".join(f"第{i}段第{j}句内容比较长一些，用来测试切分。" for j in range(8)) for i in range(6)
    )
    chunks = split_text(text, 250, 50)
    assert all(len(c) <= 250 for c in chunks)
    assert "".join(chunks).replace("\n", "").count("第5段第7句") >= 1
    # consecutive chunks from the same paragraph overlap
    assert any(chunks[i][-10:] in chunks[i + 1] for i in range(len(chunks) - 1))


def test_split_text_falls_back_to_characters():
    chunks = split_text("字" * 600, 250, 50)
    assert all(len(c) <= 250 for c in chunks) and len(chunks) >= 3


def test_clause_starts_include_markers():
    from assistant.clauses import Clause

    raw = "前言\n一、总体\n（一）指导思想。内容一。\n（二）发展目标。内容二。\n"
    clauses = [
        Clause("d", "0", 0, "", "", "前言"),
        Clause("d", "1", 1, "一、", "总体", "总体"),
        Clause("d", "1.1", 2, "", "指导思想", "指导思想。内容一。"),
        Clause("d", "1.2", 2, "", "发展目标", "发展目标。内容二。"),
    ]
    starts = dict((cid, off) for off, cid in clause_starts(raw, clauses))
    assert starts["d#1.1"] == raw.index("（一）")
    assert starts["d#1.2"] == raw.index("（二）")


def test_eval_plumbing_with_fake_assistant(fake_assistant, tmp_path):
    report = evaluate(
        fake_assistant, variants=["full", "bm25", "chunks"], out_dir=tmp_path, limit=12, progress=False
    )
    assert set(report["summary"]) == {"full", "bm25", "chunks"}
    assert report["summary"]["full"]["overall"]["errors"] == 0
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert md.splitlines()[2].startswith("| metric | full | bm25 | chunks |")
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(data["items"]) == 12
    assert (tmp_path / "report.png").stat().st_size > 1000


# ---------------------------------------------------------------------------- extra corpora (--with-laws)

# A small opinion in a region the seed documents do not cover, added the way a user adds a file.
EXTRA_DOC = """杭州市人民政府关于促进直播电商发展的若干意见
各区、县（市）人民政府，市政府各部门：
为促进直播电商健康发展，提出如下意见。
一、支持直播基地建设
（一）对新认定的市级直播电商基地给予一次性奖励80万元。
（二）直播电商主播纳入市级紧缺人才目录，享受人才租房补贴。
二、附则
本意见自2021年6月1日起施行。
杭州市人民政府
2021年5月20日
"""
EXTRA_ID = "hangzhou-livestream-2021"
EXTRA_ITEMS = [
    {
        "id": "fact-901",
        "type": "fact",
        "question": "杭州对新认定的市级直播电商基地奖励多少钱？",
        "history": [],
        "gold": [f"{EXTRA_ID}#1.1"],
        "must_include": [["80万元"]],
        "answerable": True,
        "notes": "",
        "corpus": "fake",
    },
    {
        "id": "unanswerable-901",
        "type": "unanswerable",
        "question": "杭州直播电商基地的申报截止日期是哪天？",
        "history": [],
        "gold": [],
        "must_include": [],
        "answerable": False,
        "notes": "",
        "corpus": "fake",
    },
]


def _write_manifest(folder: Path, doc_text: str, name: str = "fake") -> Path:
    (folder / f"{EXTRA_ID}.txt").write_text(doc_text, encoding="utf-8")
    manifest = folder / "extra.toml"
    manifest.write_text(
        f'name = "{name}"\n[[document]]\nfile = "{EXTRA_ID}.txt"\ndoc_id = "{EXTRA_ID}"\n'
        'region = "杭州市"\nlevel = "city"\n',
        encoding="utf-8",
    )
    return manifest


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its content hash (empty when the folder does not exist)."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """evaluate_runs on 3 seed items + 2 items about an extra document, hashing embedder."""
    from assistant import Config

    from .fakes import HashEmbedder

    tmp = tmp_path_factory.mktemp("two-runs")
    seed_items = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").open(encoding="utf-8")][:3]
    dataset = tmp / "questions.jsonl"
    dataset.write_text(
        "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in seed_items + EXTRA_ITEMS), "utf-8"
    )
    manifest = _write_manifest(tmp, EXTRA_DOC)
    before = {"corpus": _snapshot(CORPUS), "index": _snapshot(REPO / "index")}
    config = Config(index_dir=tmp / "index-seed", today="2026-12-01")
    report = evaluate_runs(
        config,
        [load_extra_corpus(manifest)],
        dataset,
        variants=["full", "bm25"],
        out_dir=tmp / "out",
        progress=False,
        embedder=HashEmbedder(),
        log=lambda m: None,
    )
    after = {"corpus": _snapshot(CORPUS), "index": _snapshot(REPO / "index")}
    return {
        "report": report,
        "out": tmp / "out",
        "before": before,
        "after": after,
        "seed_index": tmp / "index-seed",
    }


def test_the_laws_manifest_lists_each_law_as_a_user_would_add_it():
    extra = load_extra_corpus(DEFAULT_LAWS)
    assert extra.name == "laws"
    assert [d.add_options() for d in extra.documents] == [
        {"doc_id": "cybersecurity-law-2016", "region": "全国", "level": "national"},
        {"doc_id": "algorithm-recommendation-rules-2021", "region": "全国", "level": "national"},
        {"doc_id": "beijing-digital-economy-2022", "region": "北京市", "level": "city"},
    ]
    assert all(d.path.parent == DEFAULT_LAWS.parent and d.path.stem == d.doc_id for d in extra.documents)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "找不到评测语料清单"),
        ("name = [", "无法读取评测语料清单"),
        ('name = "x"\n', "没有列出文档"),
        ('[[document]]\nfile = "missing.md"\ndoc_id = "m"\n', "文件不存在"),
        ('[[document]]\nfile = "missing.md"\n', "缺少 file 或 doc_id"),
    ],
)
def test_an_unusable_manifest_is_a_one_line_error(tmp_path, content, message):
    manifest = tmp_path / "m.toml"
    if content is not None:
        manifest.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as e:
        load_extra_corpus(manifest)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_items_of_an_absent_corpus_are_skipped_and_counted():
    items = [
        {"id": "a"},
        {"id": "b", "corpus": "laws"},
        {"id": "c", "corpus": "laws"},
        {"id": "d", "corpus": "x"},
    ]
    kept, skipped = select_items(items, {"seed"})
    assert [it["id"] for it in kept] == ["a"]
    assert skipped == {"laws": 2, "x": 1}
    assert select_items(items, {"seed", "laws", "x"}) == (items, {})


def test_a_single_run_skips_law_items_and_says_so(fake_assistant, tmp_path):
    dataset = tmp_path / "q.jsonl"
    seed = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").open(encoding="utf-8")][:2]
    dataset.write_text(
        "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in seed + EXTRA_ITEMS), "utf-8"
    )
    report = evaluate(fake_assistant, dataset, variants=["bm25"], out_dir=tmp_path, progress=False)
    assert report["meta"]["n_items"] == 2
    assert report["meta"]["skipped"] == {"fake": 2}
    assert "Skipped 2 items that need documents this corpus does not hold (fake: 2)" in (
        tmp_path / "report.md"
    ).read_text(encoding="utf-8")


def test_two_runs_never_touch_the_repository_corpus_or_index(two_runs):
    assert two_runs["after"] == two_runs["before"]


def test_the_seed_run_skips_the_extra_items_and_the_second_run_has_them(two_runs):
    runs = two_runs["report"]["runs"]
    assert list(runs) == ["seed corpus", "seed + fake"]
    assert runs["seed corpus"]["meta"]["n_items"] == 3 and runs["seed corpus"]["meta"]["skipped"] == {
        "fake": 2
    }
    assert runs["seed + fake"]["meta"]["n_items"] == 5 and runs["seed + fake"]["meta"]["skipped"] == {}
    assert runs["seed + fake"]["meta"]["added"]["fake"]["doc_ids"] == [EXTRA_ID]


def test_the_added_document_is_retrieved_in_the_second_run(two_runs):
    run = two_runs["report"]["runs"]["seed + fake"]
    i = [it["id"] for it in run["items"]].index("fact-901")
    assert f"{EXTRA_ID}#1.1" in run["results"]["bm25"][i]["retrieved"][:3]
    assert not any(
        EXTRA_ID in cid
        for r in two_runs["report"]["runs"]["seed corpus"]["results"]["bm25"]
        for cid in r["retrieved"]
    )


def test_the_two_run_report_compares_seed_items_and_shows_extra_items_alone(two_runs):
    comp = two_runs["report"]["comparison"]
    assert comp["seed_without"]["full"]["overall"]["n"] == 3
    assert comp["seed_with"]["full"]["overall"]["n"] == 3
    assert comp["extra"]["full"]["overall"]["n"] == 2
    assert set(comp["extra"]["full"]["per_type"]) == {"fact", "unanswerable"}
    md = (two_runs["out"] / "report.md").read_text(encoding="utf-8")
    for heading in (
        "## Headline (full)",
        "## Seed items with the fake documents present vs without (full)",
        "## fake items alone (seed + fake, full)",
        "## Run: seed corpus",
        "## Run: seed + fake",
        "### Per type: bm25",
    ):
        assert heading in md.splitlines(), heading
    assert md.splitlines()[6].startswith(
        "| metric | seed corpus | seed + fake: seed items | seed + fake: fake items |"
    )


def test_the_two_run_json_keeps_each_item_per_run(two_runs):
    data = json.loads((two_runs["out"] / "report.json").read_text(encoding="utf-8"))
    assert list(data["runs"]) == ["seed corpus", "seed + fake"]
    by_id = {it["id"]: it for it in data["items"]}
    assert list(by_id["fact-901"]["runs"]) == ["seed + fake"] and by_id["fact-901"]["corpus"] == "fake"
    assert list(by_id["fact-001"]["runs"]) == ["seed corpus", "seed + fake"]
    assert set(by_id["fact-001"]["runs"]["seed corpus"]) == {"full", "bm25"}
    assert (two_runs["out"] / "report.png").stat().st_size > 1000


def test_a_document_the_add_path_refuses_stops_staging_with_its_name(tmp_path):
    from assistant import Config

    from .fakes import HashEmbedder

    seed_file = next(CORPUS.glob("*.txt"))
    manifest = _write_manifest(
        tmp_path, seed_file.read_text(encoding="utf-8")
    )  # same text as a seed document
    with pytest.raises(ValueError) as e:
        stage_corpus(
            Config(index_dir=tmp_path / "no-index"),
            [load_extra_corpus(manifest)],
            tmp_path / "stage",
            embedder=HashEmbedder(),
            log=lambda m: None,
        )
    assert f"{EXTRA_ID}.txt" in str(e.value) and "\n" not in str(e.value)


def _parse_eval_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers())
    return parser.parse_args(["eval", *argv])


def test_with_laws_means_the_laws_manifest_and_extra_adds_more(tmp_path):
    assert extra_manifests(_parse_eval_args()) == []
    assert extra_manifests(_parse_eval_args("--with-laws")) == [DEFAULT_LAWS.resolve()]
    other = tmp_path / "other.toml"
    assert extra_manifests(
        _parse_eval_args("--extra", str(other), "--with-laws", "--extra", str(DEFAULT_LAWS))
    ) == [other.resolve(), DEFAULT_LAWS.resolve()]


def test_eval_with_a_missing_manifest_fails_in_one_line_before_loading_anything(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "eval",
            "--extra",
            str(tmp_path / "none.toml"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0 and "找不到评测语料清单" in out.stderr
    assert not (tmp_path / "report.md").exists()


def test_the_law_files_are_the_shared_texts_byte_for_byte():
    shared = REPO.parent / "shared" / "laws"
    if not shared.is_dir():
        pytest.skip("../shared/laws is not on this machine (clean clone)")
    for doc in load_extra_corpus(DEFAULT_LAWS).documents:
        assert doc.path.read_bytes() == (shared / doc.path.name).read_bytes(), doc.path.name


CLAUSE = "加大政策扶持。对天使投资基金投资平台项目的，按投资额的10%给予奖励，最高100万元。"


def test_a_quote_is_checked_against_the_clause_its_number_cites():
    ok = "答：对天使投资基金投资平台项目的，按投资额的10%给予奖励，最高100万元。 [1]"
    assert quotes_outside_their_clause(ok, [CLAUSE]) == []
    invented = "- 按投资额的20%给予奖励。 [1]"
    assert quotes_outside_their_clause(invented, [CLAUSE]) == [invented]
    assert quotes_outside_their_clause(ok.replace("[1]", "[2]"), [CLAUSE]) != []  # no clause 2 was cited


def test_an_item_label_or_a_composed_lead_is_not_part_of_the_quote():
    lines = "- （一）加大政策扶持。 [1]\n- 另见四、（二）加大政策扶持：最高100万元。 [1]"
    assert quotes_outside_their_clause(lines, [CLAUSE]) == []


@pytest.mark.slow
def test_a_direct_line_without_the_asked_subject_is_caught(real_assistant):
    from assistant.evaluation import direct_lines_without_subject

    off = "答：对获得国家级认定的博士后科研工作站给予50万元资助。 [1]"
    on = "答：对天使投资基金投资平台项目的，按投资额的10%给予奖励。 [1]"
    question = "济南对天使投资的奖励比例是多少？"
    assert direct_lines_without_subject(real_assistant, question, off) == [off]
    assert direct_lines_without_subject(real_assistant, question, on) == []
