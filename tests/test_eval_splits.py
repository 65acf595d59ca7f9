"""CI guard on the dev documents nobody here wrote questions for (eval/dev … eval/dev8): the answers to
questions written by someone who never read the code must not fall back. The test split (eval/test) is
measured by ``python -m assistant eval-splits`` and never guarded here: a floor on it would invite fitting to it.

Measured 2026-12-07 (eval/splits.md), both sets' documents held together: eval/dev (100 items) key facts
0.785, false refusals 0.101, refusal of unanswerable 0.429 (21 unanswerable); eval/dev2 (120 items) 0.728,
0.098, 0.571 (28 unanswerable); no quote outside its clause. Floors sit a few items under.
eval/dev3 (120 items, 6 more documents, added 2026-12-07 evening), on its first run: key facts 0.677, false
refusals 0.062, refusal of unanswerable 0.292 (24 unanswerable), retrieval R@5 0.740.
Raised at the end of that session, with all eighteen dev documents held: eval/dev 0.861 / 0.076 / 0.524,
eval/dev2 0.793 / 0.043 / 0.607, eval/dev3 0.781 / 0.031 / 0.542 (key facts / false refusals / refusal).
eval/dev4 (120 items, 6 more documents, added 2026-12-07 night), on its first run: key facts 0.656, false
refusals 0.083, refusal of unanswerable 0.667 (24 unanswerable), retrieval R@5 0.823. With its documents held
too, the others moved: eval/dev 0.848 / 0.089 / 0.524, eval/dev2 0.804 / 0.054 / 0.571, eval/dev3 0.771 /
0.031 / 0.458 (dev3's refusal floor lowered to 0.42 for it: a larger library offers more near answers).
eval/dev5 (120 items, 6 more documents, added 2026-12-07 night), on its first run: key facts 0.583, false
refusals 0.094, refusal of unanswerable 0.583 (24 unanswerable), retrieval R@5 0.755.
eval/dev6 (120 items, 6 more documents, added 2026-12-07 late night), on its first run: key facts 0.667, false
refusals 0.062, refusal of unanswerable 0.583 (24 unanswerable), retrieval R@5 0.818.
eval/dev7 (120 items, 6 more documents, added 2026-12-08), on its first run: key facts 0.802, false refusals
0.052, refusal of unanswerable 0.542 (24 unanswerable), retrieval R@5 0.885.
eval/dev8 (120 items, 6 more documents, added 2026-12-08), on its first run: key facts 0.698, false refusals
0.062, refusal of unanswerable 0.500 (24 unanswerable), retrieval R@5 0.833.
"""

from __future__ import annotations

import pytest

from assistant.evalsplits import SPLITS, evaluate_split

pytestmark = pytest.mark.slow

# corpus → (items, floors, false refusal ceiling)
FLOORS = {
    "dev": (100, {"must_include": 0.80, "refusal_acc": 0.43}, 0.15),
    "dev2": (120, {"must_include": 0.75, "refusal_acc": 0.53}, 0.15),
    "dev3": (120, {"must_include": 0.74, "refusal_acc": 0.42}, 0.15),
    "dev4": (120, {"must_include": 0.62, "refusal_acc": 0.58}, 0.15),
    "dev5": (120, {"must_include": 0.54, "refusal_acc": 0.50}, 0.15),
    "dev6": (120, {"must_include": 0.62, "refusal_acc": 0.50}, 0.15),
    "dev7": (120, {"must_include": 0.74, "refusal_acc": 0.46}, 0.15),
    "dev8": (120, {"must_include": 0.64, "refusal_acc": 0.42}, 0.15),
}


def test_answers_on_the_dev_documents_stay_above_their_floors(real_assistant, tmp_path):
    report = evaluate_split(real_assistant.config, SPLITS["dev"], tmp_path, embedder=real_assistant.embedder,
                            progress=False, log=lambda m: None)
    for corpus, (n, floors, ceiling) in FLOORS.items():
        new = report["summary"]["by_corpus"][corpus]
        summary = corpus + ": " + ", ".join(f"{k} {new[k]:.3f}" for k in (*floors, "false_refusal"))
        assert new["n"] == n and new["errors"] == 0, summary
        for metric, floor in floors.items():
            assert new[metric] >= floor, summary
        assert new["false_refusal"] <= ceiling, summary
        assert (new["quote_outside_clause"] or 0.0) == 0.0, summary
