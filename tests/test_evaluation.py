"""Metric functions of the evaluation harness (fast), and one plumbing run with the fake assistant."""

from __future__ import annotations

import json

import pytest

from assistant.evaluation import (
    aggregate,
    all_gold_at_k,
    citation_precision,
    citation_recall,
    clause_starts,
    evaluate,
    failing,
    mrr,
    must_include_ok,
    normalize,
    percentile,
    recall_at_k,
    satisfies,
    split_text,
)

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
