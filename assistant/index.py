"""The persisted search index: clause store, passage embeddings in FAISS, and a manifest.

Layout of ``index/`` (JSON, never pickle, so loading an index cannot execute code):
  manifest.json   format version, embedder id, corpus fingerprint, sizes and a sha256 of every file
  clauses.jsonl   one clause per line, in document order
  passages.jsonl  one embedded passage per line: the clause it belongs to and its text
  vectors.faiss   the FAISS index over the passages, row i = passage i
  bm25.*          the keyword index (bm25s: .npy score matrix + JSON vocabulary), row i = clause i,
                  built with the lexicon whose fingerprint the manifest records
  sentences.npy   float16 embeddings of every sentence of every clause (sentences.split), in clause
                  order then sentence order: the dense half of sentence-level evidence. Left out
                  above SENTENCE_VECTORS_MAX clauses, where answers fall back to lexical evidence.

Files are written to a staging folder and renamed into place, manifest last; a crash in between
leaves hashes that do not match, which the next load detects and repairs by rebuilding.

  pending/        vectors a bulk ``add`` embedded for documents already written to corpus/ but not yet
                  in the index (chunk-N.npy + chunk-N.json: texts, embedder, sha256): a killed add
                  resumes without embedding them again, and so does a rebuild. Gone once the index
                  holds them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .clauses import Clause
from .corpus import Corpus
from .lexicon import BM25, BM25_META, Segmenter, bm25_files, corpus_terms
from .sentences import split as split_sentences

FORMAT_VERSION = 3
FILES = ("clauses.jsonl", "passages.jsonl", "vectors.faiss")
SENTENCES = "sentences.npy"
# Sentence vectors cost ~5 sentences per clause of embedding time and memory; beyond this many clauses
# (a bulk archive, not a policy library) they are not built.
SENTENCE_VECTORS_MAX = 50_000
# Up to this many passages exact search is fast enough (1-thread p50 ≈ 15 ms at 5·10^4 on busy
# cores); above it an inverted-file index answers in about a millisecond at recall@10 ≥ 0.95.
# Why IVF and not HNSW: see ``make_faiss_index`` and the measured table in README.
EXACT_MAX = 50_000

Log = Callable[[str], None]


class IndexError_(Exception):
    """The index on disk cannot be used (missing, stale, corrupt); the message says why."""


@dataclass(frozen=True)
class Passage:
    clause_id: str
    text: str


def passage_texts(corpus: Corpus, clause: Clause, size: int, overlap: int) -> list[str]:
    """What gets embedded for a clause: title and breadcrumb for context, then the clause text.

    Long clauses are cut into overlapping windows so that no part is beyond the model's reach;
    the clause's score is the best of its windows.
    """
    doc = corpus.documents[clause.doc_id]
    crumbs = corpus.context_headings(clause)
    head = " ".join([doc.short_title, *crumbs, clause.heading]).strip()
    body = clause.text
    if len(body) <= size:
        return [f"{head}\n{body}"]
    step = max(size - overlap, 1)
    windows = [body[i : i + size] for i in range(0, max(len(body) - overlap, 1), step)]
    return [f"{head}\n{w}" for w in windows]


def is_article_item(c: Clause) -> bool:
    """An item (项, 第八条（三）) of an article, as opposed to an article or a clause of an opinion."""
    return c.level >= 2 and c.label.startswith("第")


def bm25_text(corpus: Corpus, clause: Clause) -> str:
    """What the keyword index sees of a clause: ancestors' headings give it its topic words, and
    units are searchable by name."""
    crumbs = " ".join(corpus.context_headings(clause))
    return f"{crumbs} {clause.heading} {clause.text} {' '.join(clause.lead_units + clause.participant_units)}"


def corpus_words(clauses: Sequence[Clause], unit_index=None) -> set[str]:
    """Words the segmenter must keep whole for this corpus: unit names and their aliases, and the terms
    the documents coin or define (lexicon.corpus_terms). ``unit_index``: the clauses' ``UnitIndex`` when
    already built."""
    from .units import UnitIndex

    unit_index = unit_index or UnitIndex.build(list(clauses))
    units = {a for e in unit_index.entries() for a in (e.name, *e.aliases)}
    return units | corpus_terms(c.text for c in clauses)


def build_bm25(corpus: Corpus, segmenter: Segmenter) -> BM25:
    return BM25([segmenter.tokens(bm25_text(corpus, c)) for c in corpus.clauses])


def ivf_params(n: int) -> tuple[int, int]:
    """(nlist, nprobe) for ``n`` vectors: nlist ≈ 4·√n (a power of two, at least 39 training
    points per list); nprobe keeps measured recall@10 above 0.95 with a margin: 64 gave 0.971 at
    10^5 and 0.969 at 3·10^5 but only 0.952 at 10^6, where 128 gave 0.974 (p95 2.7 ms)."""
    nlist = 2 ** round(np.log2(4 * np.sqrt(max(n, 1))))
    nlist = max(1, min(nlist, n // 39))
    nprobe = 64 if n <= 300_000 else 128
    return nlist, min(nprobe, nlist)


def make_faiss_index(dim: int, n: int) -> faiss.Index:
    """Exact inner product up to EXACT_MAX vectors; above, IVF-Flat (``ivf_params``), untrained.

    Measured on realistic vectors (``bench --scale``, eval/scale.md): at 10^6 IVF-Flat built in
    86 s and answered in 2.3 ms p50 / 2.7 ms p95 at recall@10 0.974 (nprobe 128); HNSW (M 32,
    efConstruction 80) took 491 s and its recall fell with size (0.97 at 10^5 → 0.79 at 10^6 at
    efSearch 128); IVF-PQ (48 bytes per vector, refined ×16) stayed under 0.89. IVF-Flat keeps the
    raw vectors, so memory is ≈ n × dim × 4 bytes — what bounds a 24 GB machine (see README).
    """
    if n <= EXACT_MAX:
        return faiss.IndexFlatIP(dim)
    nlist, nprobe = ivf_params(n)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.nprobe = nprobe
    return index


def _add_vectors(index: faiss.Index, vectors: np.ndarray) -> None:
    if not index.is_trained:
        # k-means on a sample: 100k points train 4096 lists well and keep training to a minute.
        rng = np.random.default_rng(0)
        sample = vectors if len(vectors) <= 100_000 else vectors[rng.choice(len(vectors), 100_000, replace=False)]
        index.train(sample)
    index.add(vectors)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def json_lines(path: Path) -> list[dict]:
    """The rows of a JSON-lines file; orjson reads the 10^5 rows of a library in a third of the time."""
    try:
        from orjson import loads
    except ImportError:  # optional: the standard library reads the same rows
        loads = json.loads
    with path.open("rb") as f:
        return [loads(line) for line in f if line.strip()]


def clause_to_json(c: Clause) -> dict:
    d = asdict(c)
    d["parents"] = list(c.parents)
    d["lead_units"] = list(c.lead_units)
    d["participant_units"] = list(c.participant_units)
    return d


def clause_from_json(d: dict) -> Clause:
    return Clause(
        **{**d, "parents": tuple(d["parents"]), "lead_units": tuple(d["lead_units"]),
           "participant_units": tuple(d["participant_units"])}
    )


def sentence_keys(clauses: Sequence[Clause]) -> list[tuple[str, int, str]]:
    """(clause id, sentence index, text) of every sentence, in the row order of sentences.npy."""
    return [(c.clause_id, s.index, s.text) for c in clauses for s in split_sentences(c.text)]


@dataclass
class VectorIndex:
    passages: list[Passage]
    faiss_index: faiss.Index
    manifest: dict
    bm25: BM25 | None = None  # None only for indexes built without a segmenter (then built on load)
    sentence_vectors: np.ndarray | None = None  # row per sentence_keys(clauses); None when not built
    sentence_rows: dict[tuple[str, int], int] | None = None
    _clause_rows: dict[str, list[int]] | None = field(default=None, repr=False, compare=False)
    # Making an IVF index's direct map changes the index: one thread at a time.
    _direct_map_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def sentence_vector(self, clause_id: str, index: int) -> np.ndarray | None:
        if self.sentence_vectors is None or self.sentence_rows is None:
            return None
        row = self.sentence_rows.get((clause_id, index))
        return None if row is None else self.sentence_vectors[row]

    def clause_vectors(self, clause_id: str) -> np.ndarray | None:
        """The vectors of a clause's passages (rows × dim); None when the FAISS index cannot give them back."""
        rows = self._rows().get(clause_id)
        if not rows:
            return None
        try:
            return np.stack([self.faiss_index.reconstruct(r) for r in rows])
        except RuntimeError:  # an IVF index without a direct map: make one, once
            try:
                with self._direct_map_lock:
                    ivf = faiss.extract_index_ivf(self.faiss_index)
                    if ivf.direct_map.type == faiss.DirectMap.NoMap:
                        ivf.make_direct_map()
                return np.stack([self.faiss_index.reconstruct(r) for r in rows])
            except RuntimeError:
                return None

    def _rows(self) -> dict[str, list[int]]:
        if self._clause_rows is None:
            rows: dict[str, list[int]] = {}
            for i, p in enumerate(self.passages):
                rows.setdefault(p.clause_id, []).append(i)
            self._clause_rows = rows
        return self._clause_rows

    def search(self, query_vec: np.ndarray, n: int) -> list[tuple[int, float]]:
        n = min(n, len(self.passages))
        if n <= 0:
            return []
        scores, ids = self.faiss_index.search(query_vec.reshape(1, -1).astype(np.float32), n)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def build(
    corpus: Corpus,
    embed_passages: Callable[[Sequence[str]], np.ndarray],
    embedder_name: str,
    dim: int,
    passage_chars: int,
    passage_overlap: int,
    log: Log = print,
    reuse: dict[str, np.ndarray] | None = None,
    segmenter: Segmenter | None = None,
    item_passages: bool = True,
) -> VectorIndex:
    """Embed every passage and index them, and build the keyword index over the clauses.

    ``reuse`` (passage text → vector, e.g. from ``existing_vectors``) skips re-embedding passages
    whose text is unchanged. ``segmenter`` should be the one queries will use; by default one is
    made with the corpus's unit names, as ``Assistant`` does.
    """
    started = time.perf_counter()
    segmenter = segmenter or Segmenter(corpus_words(corpus.clauses, corpus.unit_index))
    bm25 = build_bm25(corpus, segmenter)
    passages = [
        Passage(c.clause_id, t)
        for c in corpus.clauses if item_passages or not is_article_item(c)
        for t in passage_texts(corpus, c, passage_chars, passage_overlap)
    ]
    sentences = sentence_keys(corpus.clauses) if len(corpus.clauses) <= SENTENCE_VECTORS_MAX else []
    reuse = {t: v for t, v in (reuse or {}).items() if np.shape(v) == (dim,)}
    todo = [t for t in dict.fromkeys([*(p.text for p in passages), *(t for _, _, t in sentences)]) if t not in reuse]
    log(f"正在嵌入 {len(todo)} 个段落和句子（共 {len(passages)} 个段落、{len(sentences)} 个句子，"
        f"{len(corpus.clauses)} 条条款，模型 {embedder_name}）…")
    fresh = np.asarray(embed_passages(todo), dtype=np.float32) if todo else np.zeros((0, dim), np.float32)
    if fresh.shape != (len(todo), dim):
        raise IndexError_(f"嵌入维度不符：期望 ({len(todo)}, {dim})，得到 {fresh.shape}")
    table = {**reuse, **dict(zip(todo, fresh, strict=True))}
    vectors = np.asarray([table[p.text] for p in passages], dtype=np.float32).reshape(len(passages), dim)
    index = make_faiss_index(dim, len(passages))
    _add_vectors(index, vectors)
    sentence_vectors = (
        np.asarray([table[t] for _, _, t in sentences], dtype=np.float16).reshape(len(sentences), dim)
        if sentences else None
    )
    manifest = {
        "format_version": FORMAT_VERSION,
        "embedder": embedder_name,
        "dim": dim,
        "corpus_fingerprint": corpus.fingerprint,
        "corpus_source": corpus.source,
        "n_clauses": len(corpus.clauses),
        "n_passages": len(passages),
        "n_sentences": len(sentences),
        "index_type": type(index).__name__,
        "passage_chars": passage_chars,
        "passage_overlap": passage_overlap,
        "item_passages": item_passages,
        "lexicon": segmenter.fingerprint,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    log(f"索引已建好：{len(passages)} 个段落、{len(sentences)} 个句子，用时 {manifest['build_seconds']} 秒")
    return VectorIndex(passages=passages, faiss_index=index, manifest=manifest, bm25=bm25,
                       sentence_vectors=sentence_vectors, sentence_rows=_rows(sentences))


def _rows(sentences: Sequence[tuple[str, int, str]]) -> dict[tuple[str, int], int] | None:
    return {(cid, i): row for row, (cid, i, _) in enumerate(sentences)} if sentences else None


def save(index: VectorIndex, clauses: Sequence[Clause], index_dir: Path) -> None:
    """Write atomically: stage everything, rename the data files, then the manifest."""
    index_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=index_dir))
    try:
        with (staging / "clauses.jsonl").open("w", encoding="utf-8") as f:
            for c in clauses:
                f.write(json.dumps(clause_to_json(c), ensure_ascii=False) + "\n")
        with (staging / "passages.jsonl").open("w", encoding="utf-8") as f:
            for p in index.passages:
                f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
        faiss.write_index(index.faiss_index, str(staging / "vectors.faiss"))
        names = list(FILES)
        if index.sentence_vectors is not None:
            np.save(staging / SENTENCES, index.sentence_vectors)
            names.append(SENTENCES)
        if index.bm25 is not None:
            names += index.bm25.save(staging)
        manifest = dict(index.manifest, files={name: _sha256(staging / name) for name in names})
        manifest["corpus_source"] = _bound(manifest.get("corpus_source", ""), manifest["files"]["clauses.jsonl"])
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for old in [*index_dir.glob("bm25.*"), index_dir / SENTENCES]:
            if old.exists() and old.name not in names:
                old.unlink()  # files of an older index must not linger
        for name in (*names, "manifest.json"):
            os.replace(staging / name, index_dir / name)
        index.manifest = manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load(
    index_dir: Path, *, embedder_name: str, corpus_fingerprint: str, lexicon: str | None = None,
    clauses: list[Clause] | None = None,
) -> tuple[VectorIndex, list[Clause]]:
    """Load and verify; raise IndexError_ with a one-line reason when the index can't be trusted.

    ``lexicon`` is the fingerprint of the segmenter queries will use: a keyword index built with
    other words would rank with tokens the queries never produce, so it counts as stale.
    """
    manifest_path = index_dir / "manifest.json"
    if not manifest_path.exists():
        raise IndexError_("索引不存在")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexError_(f"索引清单损坏（{e.__class__.__name__}）") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(f"索引格式版本 {manifest.get('format_version')} 与程序的 {FORMAT_VERSION} 不符")
    if manifest.get("embedder") != embedder_name:
        raise IndexError_(f"索引由模型 {manifest.get('embedder')} 建立，当前模型为 {embedder_name}")
    if manifest.get("corpus_fingerprint") != corpus_fingerprint:
        raise IndexError_("语料已变更，索引已过期")
    if lexicon is not None and manifest.get("lexicon") != lexicon:
        raise IndexError_("分词词表已变更，关键词索引已过期")
    hashes = manifest.get("files", {})
    for name in sorted({*FILES, BM25_META, *hashes}):
        path = index_dir / name
        if not path.exists():
            raise IndexError_(f"索引文件缺失：{name}")
        if _sha256(path) != hashes.get(name):
            raise IndexError_(f"索引文件 {name} 与清单不符（已损坏或被改动）")
    try:
        if clauses is None:  # given: read from this same verified file already (``cached_corpus``)
            clauses = [clause_from_json(row) for row in json_lines(index_dir / "clauses.jsonl")]
        passages = [Passage(**row) for row in json_lines(index_dir / "passages.jsonl")]
        faiss_index = faiss.read_index(str(index_dir / "vectors.faiss"))
        if set(bm25_files(index_dir)) - set(hashes):
            raise IndexError_("关键词索引文件未列入清单")
        bm25 = BM25.load(index_dir)
        sentence_vectors = np.load(index_dir / SENTENCES, mmap_mode="r") if SENTENCES in hashes else None
    except IndexError_:
        raise
    except Exception as e:  # noqa: BLE001 — any decoding failure means the same thing: corrupt
        raise IndexError_(f"索引文件无法读取（{e.__class__.__name__}）") from None
    if bm25.n != len(clauses):
        raise IndexError_("关键词索引的条款数与清单不符")
    if faiss_index.ntotal != len(passages) or len(passages) != manifest.get("n_passages"):
        raise IndexError_("向量数与段落数不符")
    if faiss_index.d != manifest.get("dim") or len(clauses) != manifest.get("n_clauses"):
        raise IndexError_("索引维度或条款数与清单不符")
    sentences = sentence_keys(clauses) if sentence_vectors is not None else []
    if sentence_vectors is not None and (
        sentence_vectors.shape != (len(sentences), faiss_index.d) or len(sentences) != manifest.get("n_sentences")
    ):
        raise IndexError_("句向量数与条款的句子数不符")
    index = VectorIndex(passages=passages, faiss_index=faiss_index, manifest=manifest, bm25=bm25,
                        sentence_vectors=sentence_vectors, sentence_rows=_rows(sentences))
    return index, clauses


def cached_corpus(corpus_dir: Path, index_dir: Path) -> Corpus | None:
    """The corpus as the index holds it, when the index was built from exactly these files with this
    parser (``Corpus.source``): the clauses are read from clauses.jsonl instead of parsing every text
    again, which is most of a cold start at 10^5 clauses. None when anything differs or fails."""
    from .corpus import read_source

    try:
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        if not manifest.get("corpus_source"):
            return None
        docs, source = read_source(corpus_dir)
        path = index_dir / "clauses.jsonl"
        if _bound(source, _sha256(path)) != manifest["corpus_source"]:
            return None
        clauses = [clause_from_json(row) for row in json_lines(path)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    documents = {doc.doc_id: doc for doc, _ in docs}
    if len(documents) != len(docs) or any(c.doc_id not in documents for c in clauses):
        return None
    return Corpus(documents=documents, clauses=clauses, fingerprint=manifest.get("corpus_fingerprint", ""),
                  source=source, from_index=True)


def _bound(source: str, clauses_sha: str) -> str:
    """The corpus's source fingerprint tied to the clause store built from it: a clauses.jsonl that was
    changed afterwards (even with its hash in the manifest updated) no longer matches the corpus files."""
    return hashlib.sha256(f"{source}:{clauses_sha}".encode()).hexdigest()[:16] if source else ""


def record_source(index_dir: Path, corpus: Corpus) -> None:
    """The index matches a corpus parsed afresh whose files or parser code changed without changing a
    clause: record its new source fingerprint, so that the next load need not parse again."""
    path = index_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        bound = _bound(corpus.source, manifest["files"]["clauses.jsonl"])
        if manifest.get("corpus_source") == bound or manifest.get("corpus_fingerprint") != corpus.fingerprint:
            return
        manifest["corpus_source"] = bound
        tmp = index_dir / ".manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # a read-only or odd index: the next load parses again, nothing worse


PENDING = "pending"


def save_pending(index_dir: Path, embedder_name: str, texts: Sequence[str], vectors: np.ndarray) -> None:
    """Keep vectors embedded ahead of the index (see the module docstring); the JSON, written last,
    names the embedder and the hash of the matrix, so a chunk cut short by a crash is never read."""
    folder = index_dir / PENDING
    folder.mkdir(parents=True, exist_ok=True)
    taken = [int(p.stem.split("-")[1]) for p in folder.glob("chunk-*.json") if p.stem.split("-")[1].isdigit()]
    stem = folder / f"chunk-{max(taken, default=0) + 1:06d}"
    matrix = np.asarray(vectors, dtype=np.float32)
    tmp = stem.with_suffix(".npy.tmp")
    with tmp.open("wb") as f:
        np.save(f, matrix)
    os.replace(tmp, stem.with_suffix(".npy"))
    meta = {"embedder": embedder_name, "texts": list(texts), "sha256": _sha256(stem.with_suffix(".npy"))}
    tmp = stem.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, stem.with_suffix(".json"))


def pending_vectors(index_dir: Path, embedder_name: str | None = None) -> dict[str, np.ndarray]:
    """Text → vector of every complete pending chunk (of ``embedder_name`` when given)."""
    found: dict[str, np.ndarray] = {}
    for meta_path in sorted((index_dir / PENDING).glob("chunk-*.json")):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            npy = meta_path.with_suffix(".npy")
            if embedder_name is not None and meta.get("embedder") != embedder_name:
                continue
            if _sha256(npy) != meta.get("sha256"):
                continue
            matrix = np.load(npy)
            if len(matrix) != len(meta["texts"]):
                continue
            found.update(zip(meta["texts"], matrix, strict=True))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a chunk cut short or damaged: its texts are embedded again
    return found


def clear_pending(index_dir: Path) -> None:
    shutil.rmtree(index_dir / PENDING, ignore_errors=True)


def existing_vectors(index_dir: Path, *, embedder_name: str | None = None) -> dict[str, np.ndarray]:
    """Vectors already computed: those of the index on disk (``indexed_vectors``) and the pending ones."""
    return {**pending_vectors(index_dir, embedder_name), **indexed_vectors(index_dir, embedder_name=embedder_name)}


def indexed_vectors(index_dir: Path, *, embedder_name: str | None = None) -> dict[str, np.ndarray]:
    """Passage and sentence text → vector from the index on disk, for ``build(reuse=…)``; {} when there is none.

    Only files that match their manifest hashes are read, and with ``embedder_name`` only an index
    built by that embedder: vectors from another model must never be mixed in.
    """
    try:
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        if embedder_name is not None and manifest.get("embedder") != embedder_name:
            return {}
        for name in ("passages.jsonl", "vectors.faiss"):
            if _sha256(index_dir / name) != manifest.get("files", {}).get(name):
                return {}
        texts = [json.loads(line)["text"] for line in (index_dir / "passages.jsonl").open(encoding="utf-8")]
        faiss_index = faiss.read_index(str(index_dir / "vectors.faiss"))
        if faiss_index.ntotal != len(texts):
            return {}
        if isinstance(faiss_index, faiss.IndexIVF):
            faiss_index.make_direct_map()  # IVF lists need a map from id to list to reconstruct
        matrix = faiss_index.reconstruct_n(0, faiss_index.ntotal) if texts else np.zeros((0, faiss_index.d))
        found = {t: np.asarray(v, dtype=np.float32) for t, v in zip(texts, matrix, strict=True)}
        if SENTENCES in manifest.get("files", {}) and _sha256(index_dir / SENTENCES) == manifest["files"][SENTENCES]:
            clauses = [clause_from_json(row) for row in json_lines(index_dir / "clauses.jsonl")]
            keys = sentence_keys(clauses)
            rows = np.load(index_dir / SENTENCES)
            if rows.shape[0] == len(keys):
                found.update({t: np.asarray(v, dtype=np.float32) for (_, _, t), v in zip(keys, rows, strict=True)})
    except Exception:  # noqa: BLE001 — no usable index means nothing to reuse, never an error
        return {}
    return found
