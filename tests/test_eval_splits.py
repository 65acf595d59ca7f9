"""CI guard on the dev documents nobody here wrote questions for (eval/dev): the answers to questions written
by someone who never read the code must not fall back. The test split (eval/test) is measured by
``python -m assistant eval-splits`` and never guarded here: a floor on it would invite fitting to it.

Measured 2026-12-07 (README "Measured", eval/splits.md) on the 100 eval/dev items: key facts 0.797, false
refusals 0.101, refusal of unanswerable 0.619 (21 unanswerable), no quote outside its clause. Floors sit a
few items under.
"""

from __future__ import annotations

import pytest

from assistant.evalsplits import SPLITS, evaluate_split

pytestmark = pytest.mark.slow

FLOORS = {"must_include": 0.74, "refusal_acc": 0.52}
FALSE_REFUSAL_CEILING = 0.15


def test_answers_on_the_dev_documents_stay_above_their_floors(real_assistant, tmp_path):
    report = evaluate_split(real_assistant.config, SPLITS["dev"], tmp_path, embedder=real_assistant.embedder,
                            progress=False, log=lambda m: None)
    new = report["summary"]["by_corpus"]["dev"]
    summary = ", ".join(f"{k} {new[k]:.3f}" for k in (*FLOORS, "false_refusal"))
    assert new["n"] == 100 and new["errors"] == 0, summary
    for metric, floor in FLOORS.items():
        assert new[metric] >= floor, summary
    assert new["false_refusal"] <= FALSE_REFUSAL_CEILING, summary
    assert (new["quote_outside_clause"] or 0.0) == 0.0, summary
