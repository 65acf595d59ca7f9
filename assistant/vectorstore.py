"""The dense half of retrieval behind LangChain's ``VectorStore`` interface.

``FaissStore`` (default) serves the passages of the local index (``index.VectorIndex``) from its
FAISS index. ``open_milvus`` puts the same passages and vectors into a Milvus collection through
``langchain_milvus.Milvus`` — a Milvus server or cluster in production, milvus-lite (a local
``.db`` file, in-process) for tests — and ``HybridSearcher`` queries whichever it is given through
``search_passages`` without knowing which one it is.

Why not ``langchain_community``'s FAISS store: its ``save_local``/``load_local`` pickle the
docstore, and this project never loads pickles; our FAISS index is already persisted and
verified by ``index``, so the store only has to wrap it.

Configuration (``Config``): ``vector_store`` = ``faiss`` | ``milvus``; ``milvus_uri`` (``http://host:19530``
or a ``.db`` path for milvus-lite); ``milvus_collection``; the token, if the server wants one, only
from the environment variable ``POLICYQA_MILVUS_TOKEN`` (never logged).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import faiss
import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from .index import Passage, VectorIndex

Log = Callable[[str], None]


class EmbedderEmbeddings(Embeddings):
    """Our ``Embedder`` (query/passage prompts) as LangChain ``Embeddings``."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()


class FaissStore(VectorStore):
    """The local FAISS index as a read-only LangChain vector store.

    Scores are inner products of normalised vectors (cosine). ``filter={"doc_id": [...]}`` limits
    the search to those documents' passages inside FAISS (an ID selector), so a filtered search
    is as deep as an unfiltered one.
    """

    def __init__(self, vectors: VectorIndex, embedding: Embeddings | None = None) -> None:
        # Searches here are single queries: with several OpenMP threads they mostly wait on each
        # other (a flat search at 10^5 took 34 ms on 1 thread, 124 ms on 2, on busy cores).
        faiss.omp_set_num_threads(1)
        self.vectors = vectors
        self._embedding = embedding
        by_doc: dict[str, list[int]] = {}
        for i, p in enumerate(vectors.passages):
            by_doc.setdefault(p.clause_id.split("#", 1)[0], []).append(i)
        self._by_doc = {d: np.asarray(ids, dtype=np.int64) for d, ids in by_doc.items()}

    @property
    def embeddings(self) -> Embeddings | None:
        return self._embedding

    def _search_params(self, doc_ids: Iterable[str]) -> faiss.SearchParameters:
        ids = [self._by_doc[d] for d in doc_ids if d in self._by_doc]
        sel = faiss.IDSelectorBatch(np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64))
        index = faiss.downcast_index(self.vectors.faiss_index)
        if isinstance(index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(efSearch=max(index.hnsw.efSearch, 256))
        elif isinstance(index, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(nprobe=index.nprobe)
        else:
            params = faiss.SearchParameters()
        params.sel = sel
        params._selector = sel  # the SWIG params object does not own the selector: keep it alive
        return params

    def similarity_search_with_score_by_vector(
        self, embedding: Sequence[float], k: int = 4, filter: dict | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        k = min(k, len(self.vectors.passages))
        if k <= 0:
            return []
        query = np.asarray(embedding, dtype=np.float32).reshape(1, -1)
        doc_ids = (filter or {}).get("doc_id")
        if doc_ids is None:
            scores, ids = self.vectors.faiss_index.search(query, k)
        else:
            scores, ids = self.vectors.faiss_index.search(query, k, params=self._search_params(doc_ids))
        out = []
        for i, s in zip(ids[0], scores[0], strict=True):
            if i < 0:
                continue
            p = self.vectors.passages[int(i)]
            doc = Document(
                id=str(int(i)), page_content=p.text,
                metadata={"clause_id": p.clause_id, "doc_id": p.clause_id.split("#", 1)[0], "passage": int(i)},
            )
            out.append((doc, float(s)))
        return out

    def similarity_search_by_vector(self, embedding: Sequence[float], k: int = 4, **kwargs: Any) -> list[Document]:
        return [d for d, _ in self.similarity_search_with_score_by_vector(embedding, k, **kwargs)]

    def _query_vector(self, query: str) -> list[float]:
        if self._embedding is None:
            raise ValueError("FaissStore was created without an embedding: search by vector instead")
        return self._embedding.embed_query(query)

    def similarity_search_with_score(self, query: str, k: int = 4, **kwargs: Any) -> list[tuple[Document, float]]:
        return self.similarity_search_with_score_by_vector(self._query_vector(query), k, **kwargs)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [d for d, _ in self.similarity_search_with_score(query, k, **kwargs)]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        return lambda score: score  # cosine already

    def add_texts(self, texts: Iterable[str], metadatas: list[dict] | None = None, **kwargs: Any) -> list[str]:
        raise NotImplementedError("the FAISS index is written by index.build/save: rebuild it to add passages")

    @classmethod
    def from_texts(
        cls, texts: list[str], embedding: Embeddings, metadatas: list[dict] | None = None, **kwargs: Any
    ) -> FaissStore:
        """An in-memory exact store (for tests and tools); ``metadatas[i]["clause_id"]`` names each text."""
        vecs = np.asarray(embedding.embed_documents(list(texts)), dtype=np.float32)
        index = faiss.IndexFlatIP(vecs.shape[1] if len(vecs) else 1)
        if len(vecs):
            index.add(vecs)
        metas = metadatas or [{} for _ in texts]
        passages = [Passage(str(m.get("clause_id", i)), t) for i, (t, m) in enumerate(zip(texts, metas, strict=True))]
        return cls(VectorIndex(passages=passages, faiss_index=index, manifest={}), embedding)


def search_passages(
    store: VectorStore, vector: np.ndarray, k: int, doc_ids: Iterable[str] | None = None
) -> list[tuple[str, float]]:
    """(clause_id, score) of the best ``k`` passages, best first, whichever store serves them.

    The one place that knows the stores' filter dialects: a metadata dict for ``FaissStore``, a
    boolean expression for Milvus.
    """
    kwargs: dict[str, Any] = {}
    if doc_ids is not None:
        ids = sorted(doc_ids)
        if not ids:
            return []
        if type(store).__name__ == "Milvus":
            kwargs["expr"] = f"doc_id in {json.dumps(ids, ensure_ascii=False)}"
        else:
            kwargs["filter"] = {"doc_id": ids}
    hits = store.similarity_search_with_score_by_vector(np.asarray(vector, dtype=np.float32).tolist(), k, **kwargs)
    return [(d.metadata["clause_id"], float(s)) for d, s in hits]


# ------------------------------------------------------------------------------------------ Milvus


def _fingerprint(vectors: VectorIndex) -> str:
    """Which local index a collection holds: its embedder and the hashes of passages and vectors."""
    m = vectors.manifest
    files = m.get("files", {})
    raw = json.dumps([m.get("embedder"), files.get("passages.jsonl"), files.get("vectors.faiss"),
                      len(vectors.passages)])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _all_vectors(vectors: VectorIndex) -> np.ndarray:
    index = vectors.faiss_index
    if isinstance(faiss.downcast_index(index), faiss.IndexIVF):
        faiss.extract_index_ivf(index).make_direct_map()
    return index.reconstruct_n(0, index.ntotal)


def open_milvus(
    vectors: VectorIndex, embedder: Any, uri: str, collection: str, log: Log = print, batch: int = 2000
) -> VectorStore:
    """A ``langchain_milvus.Milvus`` store holding exactly the local index's passages and vectors.

    The collection is named ``{collection}_{fingerprint of the local index}``: when it exists it is
    used as it is (replicas and restarts write nothing); otherwise it is created and filled from
    the local index (no re-embedding), and older ``{collection}_*`` collections are dropped.
    (A fingerprint in the collection's description would be neater, but milvus-lite drops it.)
    """
    from langchain_milvus import Milvus
    from pymilvus import MilvusClient

    token = os.environ.get("POLICYQA_MILVUS_TOKEN", "")
    conn = {"uri": uri, **({"token": token} if token else {})}
    name = f"{collection}_{_fingerprint(vectors)}"
    client = MilvusClient(**conn)
    fresh = client.has_collection(name) and client.get_collection_stats(name).get("row_count") == len(vectors.passages)
    stale = [c for c in client.list_collections() if c.startswith(f"{collection}_") and c != name]
    store = Milvus(
        embedding_function=EmbedderEmbeddings(embedder),
        collection_name=name,
        connection_args=conn,
        # Exact search for the same top-k as FAISS flat; on a cluster choose HNSW/IVF here.
        index_params={"index_type": "FLAT", "metric_type": "IP", "params": {}},
        search_params={"metric_type": "IP", "params": {}},
        consistency_level="Strong",
        drop_old=not fresh,
        auto_id=False,
        primary_field="pk",
        text_field="text",
        vector_field="vector",
    )
    if not fresh:
        n = len(vectors.passages)
        log(f"Milvus：正在写入 {n} 个段落向量到集合 {name}…")
        matrix = _all_vectors(vectors)
        for start in range(0, n, batch):
            part = vectors.passages[start : start + batch]
            store.add_embeddings(
                texts=[p.text for p in part],
                embeddings=matrix[start : start + len(part)].tolist(),
                metadatas=[{"clause_id": p.clause_id, "doc_id": p.clause_id.split("#", 1)[0],
                            "passage": start + j} for j, p in enumerate(part)],
                ids=[str(start + j) for j in range(len(part))],
            )
        for old in stale:
            client.drop_collection(old)
    client.close()
    return store


def open_store(config: Any, vectors: VectorIndex, embedder: Any, log: Log = print) -> VectorStore:
    """The vector store ``config.vector_store`` names, over ``vectors``."""
    kind = (getattr(config, "vector_store", "faiss") or "faiss").lower()
    if kind == "faiss":
        return FaissStore(vectors, EmbedderEmbeddings(embedder))
    if kind == "milvus":
        if not config.milvus_uri:
            raise ValueError("vector_store=milvus 需要设置 POLICYQA_MILVUS_URI（如 http://127.0.0.1:19530 或 ./milvus.db）")
        return open_milvus(vectors, embedder, config.milvus_uri, config.milvus_collection, log=log)
    raise ValueError(f"未知的向量库 {kind!r}：可选 faiss 或 milvus")
