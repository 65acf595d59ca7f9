"""What composers may use: the loaded corpus and search, and the state of one question on its way through."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ..answer_types import Citations
from ..clauses import Clause
from ..config import Config
from ..conversation import Rewrite
from ..corpus import Corpus
from ..lexicon import Segmenter
from ..retrieval import Hit, HybridSearcher
from ..routing import Route
from ..units import UnitEntry, UnitIndex


@dataclass(frozen=True)
class Context:
    """The parts of a loaded `Assistant` that answering reads; nothing here changes while answering."""

    corpus: Corpus
    searcher: HybridSearcher
    units: UnitIndex
    segmenter: Segmenter
    today: Callable[[], date]  # read at each use: tests and long-running servers move the date
    config: Config
    # Filtered search that validates its arguments (unknown doc ids → InputError), as `Assistant.search`.
    search: Callable[..., list[Hit]]

    def citations(self) -> Citations:
        return Citations(self.corpus.documents, self.today, self.corpus.status)


@dataclass
class Turn:
    """One question as it passes rewrite → route → retrieve → compose; each step fills in its part."""

    question: str
    history: list[dict]
    options: dict  # ask() keywords: doc_ids, region, profile, full_clauses
    rewrite: Rewrite = field(default_factory=lambda: Rewrite(""))
    route: Route = field(default_factory=lambda: Route("fact"))
    units: list[UnitEntry] = field(default_factory=list)  # units the question names
    region: str | None = None  # the region retrieval was narrowed to (asked for, or the one place named)
    doc_ids: list[str] | None = None  # the documents retrieval was narrowed to (asked for, or named)
    focus: list[str] = field(default_factory=list)  # clause ids a follow-up points back to
    articles: list[int] = field(default_factory=list)  # article numbers the question names (第N条)
    # Best first. A composer that searches again (support, comparison, an ordinal item) replaces them,
    # so that `Answer.retrieved` reports what the answer was built from.
    hits: list[Hit] = field(default_factory=list)

    def focus_clauses(self, corpus: Corpus) -> list[Clause]:
        """The clauses a follow-up points back to, with their children (a list's items, a goal's figures)."""
        out: list[Clause] = []
        for cid in self.focus:
            c = corpus.clause(cid)
            if c is not None:
                out += [c, *corpus.children(c)]
        return list(dict.fromkeys(out))

    @property
    def full_clauses(self) -> bool:
        return bool(self.options.get("full_clauses"))

    @property
    def profile(self) -> dict:
        return self.options.get("profile") or {}


def excluded_clause(clause_id: str, dropped: tuple[str, ...]) -> bool:
    """Is the clause one of ``dropped`` or under one of them (``doc#25`` drops ``doc#25.2``)?"""
    return any(clause_id == d or clause_id.startswith(d + ".") for d in dropped)
