"""Versions: the same law at several dates is one document with versions.

Two documents are versions of one another when they are of the same region and print the same title
(normalised: 中华人民共和国 and brackets aside). A version's date is the newest date among its
adoption, promulgation and 修正/修订 lines — what the text itself prints, never the file name. The
newest version is the current one; each older one is replaced by the next newer. Documents of one
title that print the same dates are parts of one edition (a code printed in several files), not versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ..docfacts import normalise_title, printed_dates


class Document(Protocol):
    """What versions read of a ``corpus.Document`` (the corpus imports this module, not the reverse)."""

    doc_id: str
    file: str
    title: str
    region: str
    issued: str
    effective: str
    promulgation: str
    amendments: tuple[str, ...]



@dataclass(frozen=True)
class Version:
    doc_id: str
    date: str  # ISO date of this version
    newest: str  # doc id of the newest version of the group
    replaced_by: str = ""  # doc id of the next newer version ("" for the newest)
    replaced_on: str = ""  # that version's date
    replaced_effective: str = ""  # when that version took effect, when it prints it

    def replaced(self, today: date) -> bool:
        """Has a newer version taken effect by ``today``? (A revision adopted but not yet in force leaves
        this one current.)"""
        start = self.replaced_effective or self.replaced_on
        return bool(self.replaced_by) and (not start or date.fromisoformat(start) <= today)


def version_date(doc: Document) -> str:
    """The date of this version: the newest date its adoption/promulgation and amendment lines print,
    else its issue date, else its effective date ("" when it prints none)."""
    return latest_date(doc.promulgation, doc.amendments, doc.issued, doc.effective)


def latest_date(promulgation: str, amendments: Sequence[str], issued: str, effective: str) -> str:
    found = [iso for line in (promulgation, *amendments) for iso in printed_dates(line)]
    return max([*found, issued] if issued else found, default=effective)


def group_key(doc: Document) -> str:
    return f"{doc.region}|{normalise_title(doc.title)}" if doc.title else ""


def link_versions(documents: Mapping[str, Document]) -> dict[str, Version]:
    """Every document that has another version: its Version (documents with one version are left out)."""
    groups: dict[str, list[Document]] = {}
    for doc in documents.values():
        if key := group_key(doc):
            groups.setdefault(key, []).append(doc)
    out: dict[str, Version] = {}
    for docs in groups.values():
        # Documents that print the same dates are parts of one edition (民法典 in one file per 编), not
        # versions of one another: none replaces another.
        editions: dict[tuple[str, str], list[Document]] = {}
        for d in sorted(docs, key=lambda d: d.file):
            editions.setdefault((version_date(d), d.effective), []).append(d)
        if len(editions) < 2:
            continue
        dated = sorted(editions)
        newest = editions[dated[-1]][0].doc_id
        # An edition's key is (its date, its printed effective date): read once, not again per document.
        for older_key, newer_key in zip(dated, dated[1:], strict=False):
            older_date, (newer_date, newer_effective) = older_key[0], newer_key
            newer = editions[newer_key][0]
            replaced_effective = newer_effective if newer_effective > older_date else ""
            for older in editions[older_key]:
                out[older.doc_id] = Version(older.doc_id, older_date, newest, newer.doc_id, newer_date,
                                            replaced_effective)
        for doc in editions[dated[-1]]:
            out[doc.doc_id] = Version(doc.doc_id, dated[-1][0], newest)
    return out


def of_year(versions: list[Version], year: int) -> Version | None:
    """The version in force in ``year``: the newest dated in or before it (None when all are later)."""
    dated = [v for v in versions if v.date and int(v.date[:4]) <= year]
    return max(dated, key=lambda v: v.date) if dated else None
