"""政策问答: ask Chinese platform-economy policy documents, get answers that cite their clauses."""

from __future__ import annotations

__all__ = ["Assistant", "Answer", "Citation", "Config"]

from .config import Config


def __getattr__(name: str):  # lazy: importing the package must not load torch or the model
    if name == "Assistant":
        from .core import Assistant

        return Assistant
    if name in {"Answer", "Citation"}:
        from . import answer_types

        return getattr(answer_types, name)
    raise AttributeError(name)
