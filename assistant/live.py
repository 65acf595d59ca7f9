"""The assistant a running server answers from, replaced whole when documents are added or removed.

Questions take ``live.current`` once and use that `Assistant` to the end, so they never see a
half-built index: a change writes corpus/ and index/ (all-or-nothing, see library.py), loads a new
`Assistant` aside from those files, reusing the already loaded embedder, and only then swaps the
reference under a lock. Changes run one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import library
from .core import Assistant

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
Log = Callable[[str], None]

EMBED_BATCH = 16  # progress granularity; small enough for a visible bar, big enough not to slow embedding


class ProgressEmbedder:
    """An embedder that reports how many passages it has embedded; everything else is delegated."""

    def __init__(self, inner, progress: Progress | None) -> None:
        self._inner = inner
        self._progress = progress

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if self._progress is None or not texts:
            return self._inner.embed_passages(texts, progress=False)
        parts = []
        self._progress(0, len(texts))
        for start in range(0, len(texts), EMBED_BATCH):
            parts.append(self._inner.embed_passages(texts[start : start + EMBED_BATCH], progress=False))
            self._progress(min(start + EMBED_BATCH, len(texts)), len(texts))
        return np.concatenate(parts)


class LiveAssistant:
    def __init__(self, bot: Assistant, log: Log = lambda m: None) -> None:
        self._bot = bot
        self._log = log
        self._swap = threading.Lock()
        self._changing = threading.Lock()  # one add/remove at a time

    @property
    def current(self) -> Assistant:
        with self._swap:
            return self._bot

    def preview(self, path: Path | str, **fields) -> library.AddReport:
        """What adding the file would do (parse report, inferred metadata); nothing is written."""
        return library.add_document(self.current.config, path, dry_run=True, **_given(fields))

    def add(self, path: Path | str, *, progress: Progress | None = None, **fields) -> library.AddReport:
        """Add a document (library.add_document's checks and errors), then serve the new index."""
        with self._changing:
            bot = self.current
            report = library.add_document(bot.config, path, embedder=ProgressEmbedder(bot.embedder, progress),
                                          log=self._log, **_given(fields))
            self._reload(bot)
        return report

    def remove(self, doc_id: str) -> None:
        with self._changing:
            bot = self.current
            library.remove_document(bot.config, doc_id, log=self._log, embedder=bot.embedder)
            self._reload(bot)

    def _reload(self, bot: Assistant) -> None:
        new = Assistant.load(bot.config, embedder=bot.embedder, log=self._log)
        with self._swap:
            self._bot = new


def _given(fields: dict) -> dict:
    """Form fields left empty mean "infer it", as an option left off the command line does."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()
            if v is not None and not (isinstance(v, str) and not v.strip())}
