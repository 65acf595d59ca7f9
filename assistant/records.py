"""The JSON records machines get, one builder each, shared by the CLI's ``--json`` and the HTTP API.

(The answer's own record is ``Answer.to_json``; see shared/spec/interfaces.md.)
"""

from __future__ import annotations

from .clauses import Clause
from .corpus import Corpus
from .retrieval import Hit
from .units import UnitEntry


def clause_record(c: Clause) -> dict:
    return {
        "clause_id": c.clause_id, "doc_id": c.doc_id, "path": c.path, "heading": c.heading, "text": c.text,
        "lead_units": list(c.lead_units), "participant_units": list(c.participant_units),
        "label": c.label, "level": c.level,
    }


def unit_record(e: UnitEntry) -> dict:
    return {"name": e.name, "aliases": list(e.aliases), "lead": list(e.lead), "participant": list(e.participant)}


def hit_record(h: Hit) -> dict:
    return {"clause_id": h.clause_id, "score": h.score, "dense": round(h.dense, 4), "bm25": round(h.bm25, 4)}


def document_records(corpus: Corpus) -> list[dict]:
    """The documents as ``python -m assistant list --json`` prints them, from a loaded corpus."""
    counts: dict[str, int] = {}
    for c in corpus.clauses:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    return [
        {"doc_id": d.doc_id, "title": d.display_title, "region": d.region, "level": d.level, "issuer": d.issuer,
         "issued": d.issued, "file": d.file, "n_clauses": counts.get(d.doc_id, 0)}
        for d in sorted(corpus.documents.values(), key=lambda d: d.file)
    ]
