"""CI guard: the real assistant on the evaluation set must not fall below today's quality — on the seed
documents, and on the three laws of eval/laws added the way a user adds documents.

Floors sit a little under the figures measured by ``python -m assistant eval --with-laws`` (full
variant, the default int8 ONNX e5 model). Raise them when answering improves; never lower them to make
a regression pass without saying why in the commit.
"""

from __future__ import annotations

import pytest

from assistant.evaluation import DEFAULT_DATASET, evaluate

# Measured 2026-12-07 (README "Measured", score fusion, the terminology bridge and the question adapter): seed
# corpus recall@5 0.931, must_include 0.932, refusal 0.742 (31 unanswerable), citation recall 0.973, false
# refusals 0.017; law items 0.898, 0.918, 0.727 (11 unanswerable), 0.949, false refusals 0.041; no quote outside its clause, no "答：" line without the
# question's subject. Floors sit a few items under, so a single item flipping does not fail CI.
# Refusal floors were 0.93 / 0.90 and false refusals 0.03 on 2026-12-01, held up by word lists and guards
# written against these very questions (issue 18): on questions nobody here wrote they refused 36% of the
# answerable ones. The calibrated decision (answering/decision.py) replaced them; it refuses fewer of these
# unanswerable items and far fewer answerable ones elsewhere (eval/splits.md: dev and test side by side).
# Lowered 2026-12-07 (evening), must_include 0.92 → 0.90: the seed items' key facts went 0.932 → 0.910 (two
# support items now answered from the 政策匹配 rows, as issue 22 asks, and two from scoring sentences and
# lists by meaning) while the questions nobody here wrote gained (eval/dev2 0.750 → 0.793, test 0.750 → 0.798);
# refusal 0.742 → 0.710, citation recall 0.973 → 0.961, recall@5 0.931, false refusals 0.017.
SEED_FLOORS = {"recall@5": 0.89, "must_include": 0.90, "refusal_acc": 0.70, "citation_recall": 0.95}
LAW_FLOORS = {"recall@5": 0.86, "must_include": 0.86, "refusal_acc": 0.63, "citation_recall": 0.90}
FALSE_REFUSAL_CEILING = 0.10
# Shares of answers that must be zero: a line quoted outside the clause it cites, a "答：" line off subject.
NEVER = ("quote_outside_clause", "direct_off_subject")


def _check(report: dict, floors: dict[str, float]) -> None:
    overall = report["summary"]["full"]["overall"]
    summary = ", ".join(f"{k} {overall[k]:.3f}" for k in (*floors, "false_refusal")) + f", errors {overall['errors']}"
    assert overall["errors"] == 0, summary
    for metric, floor in floors.items():
        assert overall[metric] >= floor, summary
    assert overall["false_refusal"] <= FALSE_REFUSAL_CEILING, summary
    for metric in NEVER:
        assert (overall[metric] or 0.0) == 0.0, f"{metric} {overall[metric]}"


@pytest.mark.slow
def test_quality_floors_on_the_seed_documents(real_assistant):
    report = evaluate(real_assistant, DEFAULT_DATASET, variants=["full"], out_dir=None, progress=False)
    _check(report, SEED_FLOORS)


@pytest.mark.slow
def test_quality_floors_on_added_laws(laws_assistant):
    report = evaluate(laws_assistant, DEFAULT_DATASET, variants=["full"], out_dir=None, progress=False,
                      corpora={"laws"})
    _check(report, LAW_FLOORS)
