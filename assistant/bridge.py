"""A lay-to-legal terminology bridge, mined from questions and the articles that answer them.

People ask "老公欠钱不还跑了…"; the articles say 夫妻共同债务. Over pairs of a lay question and its gold
articles, a question word ``q`` and an article word ``a`` that the question does not use are associated by
how often ``a`` is in the answer when ``q`` is in the question, weighed by how rare ``a`` is among the
answering articles: ``P(a | q) · idf(a)``. A new question's keyword search then also scores the article
words its own words are bridged to (retrieval.HybridSearcher, ``Config.bridge_weight``).

The bridge is data (assistant/data/bridge.json) with its provenance: ``python -m assistant mine-bridge``
(fit_decision.py, with the other fitting commands) mines it from STARD's train split (../shared/stard/train.jsonl), leaving out the questions whose gold laws
are documents of the evaluation's test split. Nothing here names a word or a law.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BRIDGE_FILE = Path(__file__).resolve().parent / "data" / "bridge.json"


@dataclass(frozen=True)
class Bridge:
    """question word → [(article word, weight)], strongest first."""

    terms: dict[str, list[tuple[str, float]]]
    provenance: dict = field(default_factory=dict)

    def expansion(self, tokens: Iterable[str], k: int = 30) -> list[tuple[str, float]]:
        """The article words the question's words are bridged to and it does not use itself, with weights
        summed over its words and scaled so that the strongest is 1; the ``k`` strongest."""
        own = set(tokens)
        found: Counter[str] = Counter()
        for t in own:
            for a, w in self.terms.get(t, ()):
                if a not in own:
                    found[a] += w
        top = found.most_common(k)
        if not top:
            return []
        high = top[0][1]
        return [(a, w / high) for a, w in top]

    def save(self, path: Path) -> None:
        data = {"provenance": self.provenance, "terms": {q: [[a, round(w, 4)] for a, w in v]
                                                         for q, v in sorted(self.terms.items())}}
        tmp = Path(path).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)


def load_bridge(path: Path = BRIDGE_FILE) -> Bridge | None:
    """The shipped bridge, or None when there is none or it cannot be read (search then goes without)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        terms = {q: [(str(a), float(w)) for a, w in v] for q, v in data["terms"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Bridge(terms, data.get("provenance", {}))


def mine(pairs: Sequence[tuple[str, Sequence[str]]], tokens: Callable[[str], list[str]], top: int = 10,
         min_pairs: int = 2) -> Bridge:
    """Mine from (question, answering article texts) pairs. A question word must be in ``min_pairs``
    questions, and an article word in the answers of ``min_pairs`` of them, to be bridged."""
    articles: dict[str, set[str]] = {}
    in_question: Counter[str] = Counter()
    together: dict[str, Counter[str]] = defaultdict(Counter)
    for question, texts in pairs:
        q = set(tokens(question))
        a: set[str] = set()
        for text in texts:
            if text not in articles:
                articles[text] = {t for t in tokens(text) if len(t) >= 2}
            a |= articles[text]
        for t in q:
            in_question[t] += 1
            together[t].update(a - q)
    df: Counter[str] = Counter(t for words in articles.values() for t in words)
    n = max(len(articles), 1)
    terms: dict[str, list[tuple[str, float]]] = {}
    for q, counts in together.items():
        if in_question[q] < min_pairs:
            continue
        scored = sorted(((c / in_question[q]) * math.log(1 + (n - df[a] + 0.5) / (df[a] + 0.5)), a)
                        for a, c in counts.items() if c >= min_pairs)
        if scored:
            terms[q] = [(a, w) for w, a in reversed(scored[-top:])]
    return Bridge(terms)


def stard_pairs(path: Path, avoid: set[str] = frozenset()) -> list[tuple[str, list[str]]]:
    """(question, gold article texts) from a STARD file, without the questions any of whose gold articles
    is in one of the lawrefbook files ``avoid``."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if any(f in avoid for g in row["gold"] for f in g.get("files", ())):
            continue
        out.append((row["question"], [g["text"] for g in row["gold"] if g.get("text")]))
    return out
