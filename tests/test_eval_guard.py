"""CI guard: the real assistant on the evaluation set must not fall below today's quality — on the seed
documents, and on the three laws of eval/laws added the way a user adds documents.

Floors sit a little under the figures measured by ``python -m assistant eval --with-laws`` (full
variant, the default int8 ONNX e5 model). Raise them when answering improves; never lower them to make
a regression pass without saying why in the commit.
"""

from __future__ import annotations

import pytest

from assistant.evaluation import DEFAULT_DATASET, evaluate

# Measured 2026-12-01 (README "Measured"): seed corpus recall@5 0.914, must_include 0.881, refusal 0.935
# (31 unanswerable), citation recall 0.933; law items 0.898, 0.827, 0.909 (11 unanswerable), 0.883, false
# refusals 0.041. Floors sit one or two items under, so a single item flipping does not fail CI.
SEED_FLOORS = {"recall@5": 0.89, "must_include": 0.85, "refusal_acc": 0.90, "citation_recall": 0.90}
LAW_FLOORS = {"recall@5": 0.86, "must_include": 0.79, "refusal_acc": 0.81, "citation_recall": 0.85}
FALSE_REFUSAL_CEILING = 0.06


def _check(report: dict, floors: dict[str, float]) -> None:
    overall = report["summary"]["full"]["overall"]
    summary = ", ".join(f"{k} {overall[k]:.3f}" for k in (*floors, "false_refusal")) + f", errors {overall['errors']}"
    assert overall["errors"] == 0, summary
    for metric, floor in floors.items():
        assert overall[metric] >= floor, summary
    assert overall["false_refusal"] <= FALSE_REFUSAL_CEILING, summary


@pytest.mark.slow
def test_quality_floors_on_the_seed_documents(real_assistant):
    report = evaluate(real_assistant, DEFAULT_DATASET, variants=["full"], out_dir=None, progress=False)
    _check(report, SEED_FLOORS)


@pytest.mark.slow
def test_quality_floors_on_added_laws(laws_assistant):
    report = evaluate(laws_assistant, DEFAULT_DATASET, variants=["full"], out_dir=None, progress=False,
                      corpora={"laws"})
    _check(report, LAW_FLOORS)
