"""What an answer is: `Answer`, its `Citation`s, and `Citations`, which numbers them as a composer cites.

Plain data with no dependency on answering or on `Assistant`, so that every layer (answering, the LLM
check, the UI, outside scripts) can import it without importing the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .clauses import Clause
from .corpus import Document


@dataclass(frozen=True)
class Citation:
    clause_id: str
    doc_title: str
    label: str
    quote: str
    region: str = ""
    year: int | None = None
    clause_text: str = ""  # the whole clause, for "show the full clause" and highlighting
    status: str = ""  # validity of the document today: in_force / expired / not_yet / unknown / repealed


@dataclass
class Answer:
    answer: str
    citations: list[Citation]
    refused: bool
    retrieved: list[tuple[str, float]]
    route: str = "fact"
    rewritten_question: str = ""
    notes: list[str] = field(default_factory=list)
    # The answer-or-refuse decision (answering/decision.py): its probability and the features it read.
    decision: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {
            "answer": self.answer,
            "refused": self.refused,
            "citations": [
                {"clause_id": c.clause_id, "doc_title": c.doc_title, "label": c.label, "quote": c.quote,
                 "region": c.region, "year": c.year, "status": c.status}
                for c in self.citations
            ],
            "retrieved": [{"clause_id": cid, "score": s} for cid, s in self.retrieved],
            "route": self.route,
            "rewritten_question": self.rewritten_question,
        }
        if self.decision:
            out["confidence"] = round(self.decision["p"], 3)
        return out


@dataclass
class Citations:
    """Citations in order of first use; each clause gets one number."""

    documents: Mapping[str, Document]
    today: Callable[[], date]
    # A document's status on a date; the corpus's (which knows what repeals what) when given.
    status: Callable[[str, date], str] | None = None
    items: list[Citation] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)

    def add(self, clause: Clause, quote: str) -> int:
        """The [n] of the clause, citing it with this quote the first time it is used."""
        if clause.clause_id in self.numbers:
            return self.numbers[clause.clause_id]
        doc = self.documents[clause.doc_id]
        self.items.append(
            Citation(
                clause_id=clause.clause_id, doc_title=doc.display_title, label=clause.label,
                quote=quote if quote in clause.text else clause.text[:60], region=doc.region, year=doc.year,
                clause_text=clause.text,
                status=self.status(doc.doc_id, self.today()) if self.status else doc.status(self.today()),
            )
        )
        self.numbers[clause.clause_id] = len(self.items)
        return len(self.items)

    def answer(self, lines: list[str], *, refused: bool = False) -> Answer:
        """The answer made of these lines, citing what was added; the chain fills in route and retrieval."""
        return Answer(answer="\n".join(lines).strip(), citations=self.items, refused=refused, retrieved=[], notes=[])
