"""CI guard: the real assistant on the evaluation set must not fall below today's quality — on the seed
documents, and on the three laws of eval/laws added the way a user adds documents.

Floors sit a little under the figures measured by ``python -m assistant eval --with-laws`` (full
variant, the default int8 ONNX e5 model). Raise them when answering improves; never lower them to make
a regression pass without saying why in the commit.
"""

from __future__ import annotations

import pytest

from assistant.evaluation import DEFAULT_DATASET, evaluate

# Measured on the final code of this change (see README "Measured"); floors ~0.02-0.04 under, so one
# or two items flipping does not fail CI.
SEED_FLOORS = {"recall@5": 0.89, "must_include": 0.84, "refusal_acc": 0.93, "citation_recall": 0.88}
LAW_FLOORS = {"recall@5": 0.86, "must_include": 0.78, "refusal_acc": 0.85, "citation_recall": 0.84}
FALSE_REFUSAL_CEILING = 0.05


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
