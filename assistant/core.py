"""`Assistant`: the one object the CLI, the web UI and outside scripts talk to."""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from . import index as index_mod
from .answer_types import Answer
from .answer_types import Citation as Citation  # re-exported: `from assistant.core import Citation`
from .answering import AnswerChain, Context
from .answering.matching import MatchError, MatchResult, Profile, clause_search, match
from .bridge import load_bridge
from .clauses import Clause
from .config import Config
from .corpus import Corpus, Document, load_corpus
from .lexicon import Segmenter
from .llm import refine
from .retrieval import Filters, Hit, HybridSearcher, PolicyRetriever

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _default_embedder(config: Config, log: Log):
    from .embedder import load_embedder  # imported late: torch loads only when a model is needed

    return load_embedder(config.embedder, config.model_cache_dir, log=log)


def _query_embedder(config: Config, embedder, log: Log):
    """The tuned question encoder of ``config.query_tuning`` for ``embedder`` (None: off, or ``embedder`` is not
    the bundled model the adapter was fitted on). Loaded once per process and shared, like the embedder."""
    from .embedder import DEFAULT_SPEC, TORCH_SPEC
    from .query_adapter import SHIPPED

    choice = config.query_tuning.strip()
    if not choice:
        return None
    path = SHIPPED if choice == "bundled" else Path(choice).expanduser()
    if choice != "bundled" and not path.is_file():
        raise ValueError(f"问题向量适配器文件不存在：{path}")
    name = str(getattr(embedder, "name", ""))
    spec = DEFAULT_SPEC if name.startswith(DEFAULT_SPEC + ":") else TORCH_SPEC if name.startswith(TORCH_SPEC + ":") else ""
    if not spec or not path.is_file():
        return None
    stat = path.stat()
    key = (spec, str(config.model_cache_dir), str(path), stat.st_mtime_ns, stat.st_size)
    with _QUERY_EMBEDDERS_LOCK:
        if key not in _QUERY_EMBEDDERS:
            from .embedder import load_query_embedder

            try:
                _QUERY_EMBEDDERS[key] = load_query_embedder(spec, config.model_cache_dir, path, log=log)
            except ValueError as why:
                if choice != "bundled":
                    raise
                # A damaged bundled file costs lay-question recall, not the service.
                log(f"问题向量适配器不可用（{why}），检索只用原模型")
                _QUERY_EMBEDDERS[key] = None
        return _QUERY_EMBEDDERS[key]


_QUERY_EMBEDDERS: dict[tuple, object] = {}
_QUERY_EMBEDDERS_LOCK = threading.Lock()


def _build(config: Config, corpus: Corpus, embedder, log: Log, segmenter: Segmenter | None = None,
           reuse: dict | None = None) -> index_mod.VectorIndex:
    return index_mod.build(
        corpus,
        lambda texts: embedder.embed_passages(texts, progress=True),
        embedder.name, embedder.dim, config.passage_chars, config.passage_overlap, log=log,
        reuse=reuse, segmenter=segmenter or _segmenter(config, corpus), item_passages=config.item_passages,
    )


def _segmenter(config: Config, corpus: Corpus) -> Segmenter:
    # Unit names and aliases stay whole words; jieba's dictionary with them is cached on disk.
    return Segmenter(index_mod.corpus_words(corpus.clauses, corpus.unit_index), cache_dir=config.model_cache_dir)


class InputError(ValueError):
    """A question or argument the assistant cannot take; the message is one line, for the user."""


def check_question(question: object, max_chars: int) -> str:
    """The question, cleaned of control characters; InputError when there is nothing to ask."""
    if not isinstance(question, str):
        raise InputError("问题必须是文本")
    cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned.replace("\u3000", "").strip():
        raise InputError("问题为空：请输入要查询的政策问题")
    if len(cleaned) > max_chars:
        raise InputError(f"问题过长（{len(cleaned)} 字，上限 {max_chars} 字）：请只保留要问的内容")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError("问题里没有可检索的文字：请用中文描述要查询的政策")
    return cleaned


def check_history(history: object, config: Config | None = None) -> list[dict]:
    """A conversation history as interfaces.md defines it; InputError when malformed.

    With a ``config``, only its newest turns are kept: at most ``max_history_turns`` messages and
    ``max_history_chars`` characters, and none from before a user turn longer than a question may be.
    Older turns are dropped, not refused.
    """
    if history is None:
        return []
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in history
    ):
        raise InputError('对话历史格式不对：应为 [{"role": "user"|"assistant", "content": "…"}, …]')
    if config is None:
        return history
    start, chars = len(history), 0
    while start > 0 and len(history) - start < config.max_history_turns:
        turn = history[start - 1]
        chars += len(turn["content"])
        if chars > config.max_history_chars or (
                turn["role"] == "user" and len(turn["content"]) > config.max_question_chars):
            break
        start -= 1
    return history[start:]


class Assistant:
    """Loaded once, then shared: every public method is safe to call from several threads."""

    def __init__(
        self, config: Config, corpus: Corpus, embedder, vectors: index_mod.VectorIndex,
        segmenter: Segmenter | None = None, query_embedder=None,
    ) -> None:
        self.config = config
        self.query_embedder = query_embedder  # questions for the dense search (None: ``embedder``)
        if not 0.0 < config.query_tuning_weight <= 1.0:
            raise ValueError(f"query_tuning_weight 必须在 0 到 1 之间（现为 {config.query_tuning_weight}）")
        self.corpus = corpus
        self.embedder = embedder
        self.vectors = vectors
        self.units = corpus.unit_index
        self.segmenter = segmenter or _segmenter(config, corpus)
        self._embed_lock = threading.Lock()  # inference from many threads at once only thrashes 2 cores
        self._plain_vectors = functools.lru_cache(maxsize=64)(self._embed_plain)
        from .vectorstore import open_store

        self.searcher = HybridSearcher(
            corpus, vectors, self._embed_query, self.segmenter, config.candidates, config.rrf_k,
            store=open_store(config, vectors, embedder), today=self.today(),
            bridge=load_bridge() if config.bridge_weight > 0 else None, bridge_weight=config.bridge_weight,
            fusion=config.fusion, bm25_share=config.bm25_share,
            unknown_discount=config.unknown_discount,
            embed_retrieval_query=self._embed_retrieval_query if query_embedder is not None else None,
        )
        self._chain = AnswerChain(
            Context(corpus=corpus, searcher=self.searcher, units=self.units, segmenter=self.segmenter,
                    today=self.today, config=config, search=self.search)
        )

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, config: Config | None = None, *, embedder=None, log: Log = _stderr) -> Assistant:
        """Load the corpus and the index; build or rebuild the index when missing, stale or corrupt."""
        config = config or Config.from_env()
        corpus = index_mod.cached_corpus(config.corpus_dir, config.index_dir) or load_corpus(config.corpus_dir)
        embedder = embedder or _default_embedder(config, log)
        query_embedder = _query_embedder(config, embedder, log)
        segmenter = _segmenter(config, corpus)
        vectors = cls._load_or_build_index(config, corpus, embedder, log, segmenter)
        return cls(config, corpus, embedder, vectors, segmenter, query_embedder)

    @staticmethod
    def _load_or_build_index(
        config: Config, corpus: Corpus, embedder, log: Log, segmenter: Segmenter | None = None
    ) -> index_mod.VectorIndex:
        segmenter = segmenter or _segmenter(config, corpus)
        try:
            vectors, stored = index_mod.load(
                config.index_dir, embedder_name=embedder.name, corpus_fingerprint=corpus.fingerprint,
                lexicon=segmenter.fingerprint, clauses=corpus.clauses if corpus.from_index else None,
            )
            if [c.clause_id for c in stored] != [c.clause_id for c in corpus.clauses]:
                raise index_mod.IndexError_("条款库与语料不符")
            if vectors.manifest.get("item_passages", True) != config.item_passages:
                raise index_mod.IndexError_("段落设置（item_passages）已变更")
            if not corpus.from_index:
                index_mod.record_source(config.index_dir, corpus)
            return vectors
        except index_mod.IndexError_ as why:
            if (config.index_dir / "manifest.json").exists():
                log(f"索引不可用（{why}），正在重建…")
            else:
                log("首次使用：正在建立索引…")
        # Passages whose text is unchanged keep their vectors (same embedder only).
        reuse = index_mod.existing_vectors(config.index_dir, embedder_name=embedder.name)
        vectors = _build(config, corpus, embedder, log, segmenter, reuse)
        try:
            index_mod.save(vectors, corpus.clauses, config.index_dir)
        except OSError as e:
            log(f"索引目录 {config.index_dir} 不可写（{e.strerror}），本次使用内存中的索引")
        return vectors

    @classmethod
    def rebuild_index(cls, config: Config | None = None, *, embedder=None, log: Log = _stderr) -> dict:
        config = config or Config.from_env()
        corpus = load_corpus(config.corpus_dir)
        vectors = _build(config, corpus, embedder or _default_embedder(config, log), log)
        index_mod.save(vectors, corpus.clauses, config.index_dir)
        return vectors.manifest

    # ------------------------------------------------------------------ queries

    def _embed_query(self, text: str):
        # The search, the question's own vector for the tuned search and evidence all ask for it: once.
        return self._plain_vectors(text)

    def _embed_plain(self, text: str):
        with self._embed_lock:
            vector = np.array(self.embedder.embed_queries([text])[0], dtype=np.float32)
        vector.setflags(write=False)  # cached and shared: nobody may change it in place
        return vector

    def _embed_retrieval_query(self, text: str):
        """The question for the dense search: the tuned and the plain question vectors, weighed
        ``config.query_tuning_weight`` to the tuned one (``query_adapter.mix``)."""
        from .query_adapter import mix

        w = self.config.query_tuning_weight
        with self._embed_lock:
            tuned = self.query_embedder.embed_queries([text])[0]
        return mix(tuned, self._embed_query(text) if w < 1 else tuned, w)

    def check_question(self, question: object) -> str:
        return check_question(question, self.config.max_question_chars)

    def search(
        self, question: str, k: int = 10, *, doc_ids: Sequence[str] | None = None, region: str | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        question = self.check_question(question)
        if k < 1:
            raise InputError("k 必须是正整数")
        unknown = set(doc_ids or ()) - set(self.corpus.documents)
        if unknown:
            raise InputError(f"未知文档编号：{'、'.join(sorted(unknown))}")
        return self.searcher.search(question, k, Filters.of(doc_ids, region), mode=mode)

    def ranked_clauses(self, query: str, k: int, doc_ids: Sequence[str]) -> list[str]:
        """Clause ids for a query within these documents, best first (no question checks: for matching)."""
        return clause_search(self.searcher)(query, k, doc_ids)

    def retrieve(self, question: str, k: int = 10, **filters) -> list[tuple[str, float]]:
        """Best clauses for a question: [(clause_id, score)], best first."""
        return [(h.clause_id, h.score) for h in self.search(question, k, **filters)]

    def retriever(self, k: int = 10, **filters) -> PolicyRetriever:
        """A LangChain retriever over this assistant's index."""
        return PolicyRetriever(
            searcher=self.searcher, k=k, filters=Filters.of(filters.get("doc_ids"), filters.get("region")),
            today=self.today(),
        )

    def ask(self, question: str, history: list[dict] | None = None, **options) -> Answer:
        """Answer a question in the context of a conversation (see shared/spec/interfaces.md)."""
        question = self.check_question(question)
        answer = self._chain.invoke(question, check_history(history, self.config), **options)
        if self.config.llm_base_url and not answer.refused:
            # Optional: an LLM rewrites the extractive answer; llm.refine checks every sentence
            # against the cited clauses and falls back to the extractive answer on any failure.
            answer = refine(answer, self.config)
        return answer

    def match(self, region: str = "", industry: str = "", size: str = "",
              qualifications: Sequence[str] = ()) -> MatchResult:
        """政策匹配: the support measures that apply to an enterprise (``answering.matching``); InputError
        for a region nobody knows or a field too long."""
        fields = {"region": region, "industry": industry, "size": size}
        for name, value in fields.items():
            if not isinstance(value, str) or len(value) > self.config.max_question_chars:
                raise InputError(f"{name} 必须是不超过 {self.config.max_question_chars} 字的文本")
        quals = tuple(q.strip() for q in qualifications if isinstance(q, str) and q.strip())
        profile = Profile(region=region.strip(), industry=industry.strip(), size=size.strip(), qualifications=quals)
        try:
            return match(self.corpus, profile, today=self.today(), evidence=self._chain.evidence,
                         search=self.ranked_clauses)
        except MatchError as e:
            raise InputError(str(e)) from None

    # ------------------------------------------------------------------ structured data

    @property
    def documents(self) -> dict[str, Document]:
        return self.corpus.documents

    @property
    def clauses(self) -> list[Clause]:
        return self.corpus.clauses

    def today(self) -> date:
        raw = self.config.today or os.environ.get("POLICYQA_TODAY", "")
        return date.fromisoformat(raw) if raw else date.today()
