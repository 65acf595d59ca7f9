"""Answering: turn a question (and its conversation) into an `Answer` whose facts cite clauses.

The default composers are extractive: every factual line of an answer is a sentence (or a fact read
from structured data) taken from a clause, with an [n] marker pointing at that clause's citation.
Lines that are not facts (headings, refusals, notes about dates) carry no marker.

- `chain`: the pipeline rewrite → route → retrieve → compose, and the table of composers by route kind;
- `context`: what composers may read (`Context`) and the question in flight (`Turn`);
- `evidence`: sentence-level evidence — clauses and their sentences scored against the question;
- `scope`, `dates`: which documents a question about documents means, and the date it judges against;
- one module per kind of answer: `fact`, `listing`, `article`, `support`, `responsibility`, `validity`,
  `target`, `comparison`, `item` (the ordinal follow-up "第二项呢？") and `refusal`.
"""

from __future__ import annotations

from .chain import COMPOSERS, AnswerChain
from .context import Context, Turn

__all__ = ["AnswerChain", "COMPOSERS", "Context", "Turn"]
