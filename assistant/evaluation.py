"""Evaluation harness: run the assistant (and retrieval baselines) over eval/questions.jsonl.

``python -m assistant eval [--dataset FILE] [--variant full|bm25|dense|chunks ...] [--out eval/] [--limit N]
[--with-laws] [--extra MANIFEST ...]``

Corpora
  Items without a ``corpus`` field are about the documents in corpus/. Items with one (e.g.
  ``"corpus": "laws"``) need extra documents, listed in a manifest (eval/laws/laws.toml: file,
  doc_id, region, level per document, as a user would pass them to ``python -m assistant add``).
  Without ``--extra``/``--with-laws`` those items are skipped and the report says how many.
  With it there are two runs: the seed corpus as shipped (extra items skipped), then a scratch copy
  of corpus/ with the extra documents added through ``library.add_document`` (temporary corpus_dir
  and index_dir; the repository's corpus/ and index/ are only read), all items. The report shows
  both, the extra items alone, and the seed items with the extra documents present vs without.

Variants
  full    ``Assistant.ask`` (answer-level metrics) and ``Assistant.retrieve`` (hybrid, k=10).
  bm25    ``Assistant.search(mode="bm25")`` — retrieval metrics only; answer metrics are n/a
          (the answer does not depend on the variant, so repeating full's would say nothing).
  dense   ``Assistant.search(mode="dense")`` — retrieval metrics only.
  chunks  the default of general RAG kits: 250-char recursive character chunks (overlap 50) of
          each document's raw text, embedded with the same embedder, flat FAISS inner product;
          each chunk is credited to the clause its first character lies in (see ``ChunkBaseline``).
          Retrieval metrics only.

Retrieval for multi_turn items uses the question as the assistant's own conversation rewrite
resolves it (``conversation.rewrite``), since ``retrieve`` takes no history; ``ask`` gets the
history itself.

Matching follows shared/spec/clause-ids.md: a cited ``d#p`` satisfies gold ``d#g`` when ``p == g``
or ``p`` starts with ``g + "."``; citing a parent does not satisfy a child.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
import sys
import tempfile
import time
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import REPO_ROOT, Config

VARIANTS = ("full", "bm25", "dense", "chunks")
K = 10
RECALL_KS = (1, 3, 5, 10)
DEFAULT_DATASET = REPO_ROOT / "eval" / "questions.jsonl"
DEFAULT_OUT = REPO_ROOT / "eval"
DEFAULT_LAWS = REPO_ROOT / "eval" / "laws" / "laws.toml"
SEED = "seed"  # the corpus of items that carry no "corpus" field: corpus/ as shipped
SEED_RUN = "seed corpus"

# ---------------------------------------------------------------------------- pure metric functions


def satisfies(cited: str, gold: str) -> bool:
    """Does citing ``cited`` satisfy gold clause ``gold``? Same document and same or descendant path."""
    cd, _, cp = cited.partition("#")
    gd, _, gp = gold.partition("#")
    if cd != gd or not cp or not gp:
        return False
    return cp == gp or cp.startswith(gp + ".")


def satisfied_gold(ids: Iterable[str], gold: Sequence[str]) -> set[str]:
    """The gold ids satisfied by at least one of ``ids``."""
    ids = list(ids)
    return {g for g in gold if any(satisfies(c, g) for c in ids)}


def recall_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float | None:
    """Share of gold ids satisfied within the top ``k``; None when there is no gold."""
    if not gold:
        return None
    return len(satisfied_gold(ranked[:k], gold)) / len(set(gold))


def all_gold_at_k(ranked: Sequence[str], gold: Sequence[str], k: int) -> float | None:
    """1.0 when every gold id is satisfied within the top ``k``, else 0.0; None without gold."""
    r = recall_at_k(ranked, gold, k)
    return None if r is None else float(r == 1.0)


def mrr(ranked: Sequence[str], gold: Sequence[str]) -> float | None:
    """Reciprocal rank of the first id that satisfies some gold id (0 when none does)."""
    if not gold:
        return None
    for rank, cid in enumerate(ranked, 1):
        if any(satisfies(cid, g) for g in gold):
            return 1.0 / rank
    return 0.0


def citation_precision(cited: Sequence[str], gold: Sequence[str]) -> float | None:
    """Share of distinct cited ids that satisfy some gold id; None without gold or without citations."""
    cited = list(dict.fromkeys(cited))
    if not gold or not cited:
        return None
    return sum(1 for c in cited if any(satisfies(c, g) for g in gold)) / len(cited)


def citation_recall(cited: Sequence[str], gold: Sequence[str]) -> float | None:
    """Share of gold ids satisfied by the citations (0 when nothing is cited); None without gold."""
    if not gold:
        return None
    return len(satisfied_gold(cited, gold)) / len(set(gold))


def normalize(text: str) -> str:
    """NFKC, then every whitespace character removed (full-width digits and spaces compare equal)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def must_include_ok(answer: str, groups: Sequence[Sequence[str]]) -> bool | None:
    """Each group needs one of its alternatives in the answer (after ``normalize``); None without groups."""
    if not groups:
        return None
    text = normalize(answer)
    return all(any(normalize(alt) in text for alt in group) for group in groups)


def missing_groups(answer: str, groups: Sequence[Sequence[str]]) -> list[list[str]]:
    text = normalize(answer)
    return [list(g) for g in groups if not any(normalize(alt) in text for alt in g)]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (numpy's default); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), p))


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


# ---------------------------------------------------------------------------- the chunk baseline

SEPARATORS = ("\n\n", "\n", "[。！？]", "；", "，", "")


def _split_keep(text: str, pattern: str) -> list[str]:
    """Split after every match of ``pattern``, keeping the separator at the end of its piece."""
    if pattern == "":
        return list(text)
    pieces, start = [], 0
    for m in re.finditer(pattern, text):
        pieces.append(text[start : m.end()])
        start = m.end()
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _merge(splits: list[str], size: int, overlap: int) -> list[str]:
    """LangChain's ``_merge_splits`` with an empty joiner (separators stay in their pieces)."""
    docs: list[str] = []
    current: list[str] = []
    total = 0
    for piece in splits:
        n = len(piece)
        if total + n > size and current:
            doc = "".join(current).strip()
            if doc:
                docs.append(doc)
            while total > overlap or (total + n > size and total > 0):
                total -= len(current[0])
                current = current[1:]
        current.append(piece)
        total += n
    doc = "".join(current).strip()
    if doc:
        docs.append(doc)
    return docs


def split_text(
    text: str, size: int = 250, overlap: int = 50, separators: Sequence[str] = SEPARATORS
) -> list[str]:
    """A RecursiveCharacterTextSplitter: split on the first separator (regex) present in the text,
    merge pieces up to ``size`` chars with ``overlap``, recurse into pieces still too long with the
    remaining separators. Separators are kept at the end of the piece they close (Chinese style)."""
    sep, rest = separators[-1], ()
    for i, s in enumerate(separators):
        if s == "" or re.search(s, text):
            sep, rest = s, tuple(separators[i + 1 :])
            break
    chunks: list[str] = []
    good: list[str] = []
    for piece in _split_keep(text, sep):
        if len(piece) < size:
            good.append(piece)
            continue
        if good:
            chunks.extend(_merge(good, size, overlap))
            good = []
        chunks.extend(split_text(piece, size, overlap, rest) if rest else [piece])
    if good:
        chunks.extend(_merge(good, size, overlap))
    return chunks


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC + whitespace removed, with each normalized char's offset in ``text``."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if not c.isspace():
                out.append(c)
                where.append(i)
    return "".join(out), where


def clause_starts(raw: str, clauses: Sequence) -> list[tuple[int, str]]:
    """Where each clause of a document begins in its raw text: [(offset, clause_id)], ascending.

    Clause texts are cleaned (noise spaces, debris and markers dropped), so they are located by the
    first 12 normalized characters of their text, searching forward from the previous clause, then
    moved back to the start of the line when only a short number marker precedes it there; a clause
    that cannot be found is skipped (its text is then credited to the clause before it).
    """
    norm, where = _normalized_with_map(raw)
    starts: list[tuple[int, str]] = []
    cursor = 0
    for c in clauses:
        probe = normalize(c.text)[:12] or normalize(c.heading)[:12]
        if not probe:
            continue
        pos = norm.find(probe, cursor)
        if pos < 0:
            continue
        off = where[pos]
        # The cleaned text omits the number marker ("（二）", "3．"); start at the marker instead.
        line_start = raw.rfind("\n", 0, off) + 1
        if len(raw[line_start:off].strip()) <= 8:
            off = line_start
        starts.append((off, c.clause_id))
        cursor = pos + 1
    if not starts or starts[0][0] > 0:
        first = clauses[0].clause_id if clauses else ""
        starts.insert(0, (0, first))
    return starts


@dataclass
class ChunkBaseline:
    """Fixed-size chunks of raw document text in a flat FAISS inner-product index.

    Approximation: a chunk is credited to the clause its first character lies in (clause starts
    located by ``clause_starts``), even when most of it belongs to the next clause; a clause's score
    is its best chunk's.
    """

    embedder: object
    chunk_ids: list[str] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)
    index: object = None
    build_seconds: float = 0.0

    @classmethod
    def build(cls, bot, size: int = 250, overlap: int = 50) -> ChunkBaseline:
        import bisect

        import faiss

        from .corpus import read_text

        started = time.perf_counter()
        self = cls(bot.embedder)
        for doc_id, doc in bot.corpus.documents.items():
            raw = read_text(bot.config.corpus_dir / doc.file)
            clauses = [c for c in bot.corpus.clauses if c.doc_id == doc_id]
            starts = clause_starts(raw, clauses)
            offsets = [s for s, _ in starts]
            cursor = 0
            for chunk in split_text(raw, size, overlap):
                pos = raw.find(chunk, cursor)
                if pos < 0:
                    pos = cursor
                cursor = pos + 1
                self.chunks.append(chunk)
                self.chunk_ids.append(starts[max(bisect.bisect_right(offsets, pos) - 1, 0)][1])
        vecs = np.asarray(bot.embedder.embed_passages(self.chunks, batch_size=32), dtype=np.float32)
        self.index = faiss.IndexFlatIP(vecs.shape[1])
        self.index.add(vecs)
        self.build_seconds = time.perf_counter() - started
        return self

    def retrieve(self, question: str, k: int = K) -> list[tuple[str, float]]:
        qv = np.asarray(self.embedder.embed_queries([question]), dtype=np.float32).reshape(1, -1)
        scores, ids = self.index.search(qv, len(self.chunks))
        out: dict[str, float] = {}
        for i, s in zip(ids[0], scores[0], strict=True):
            if i < 0:
                continue
            cid = self.chunk_ids[i]
            if cid not in out:
                out[cid] = float(s)
                if len(out) >= k:
                    break
        return list(out.items())


# ---------------------------------------------------------------------------- running

ANSWER_VARIANTS = {"full"}


def load_dataset(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def item_corpus(item: dict) -> str:
    """Which corpus an item needs: its ``corpus`` field, or the seed corpus when it has none."""
    return item.get("corpus") or SEED


def select_items(items: Sequence[dict], corpora: Collection[str]) -> tuple[list[dict], dict[str, int]]:
    """The items whose corpus is available, and how many were skipped per missing corpus."""
    kept = [it for it in items if item_corpus(it) in corpora]
    skipped = Counter(item_corpus(it) for it in items if item_corpus(it) not in corpora)
    return kept, dict(sorted(skipped.items()))


# ---------------------------------------------------------------------------- extra corpora


@dataclass(frozen=True)
class ExtraDocument:
    """One document of an extra corpus, with the options a user would give ``assistant add``."""

    path: Path
    doc_id: str
    region: str | None = None
    level: str | None = None
    title: str | None = None
    issuer: str | None = None

    def add_options(self) -> dict[str, str]:
        """Only the options the manifest sets, so ``add`` infers the rest exactly as for a user."""
        opts = {
            "doc_id": self.doc_id,
            "region": self.region,
            "level": self.level,
            "title": self.title,
            "issuer": self.issuer,
        }
        return {k: v for k, v in opts.items() if v}


@dataclass(frozen=True)
class ExtraCorpus:
    """Documents added on top of corpus/ for items marked ``"corpus": name``."""

    name: str
    manifest: Path
    documents: tuple[ExtraDocument, ...]


def load_extra_corpus(manifest: Path | str) -> ExtraCorpus:
    """Read a manifest (see eval/laws/laws.toml); ValueError with a one-line message when it is unusable."""
    manifest = Path(manifest)
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"找不到评测语料清单：{manifest}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(
            f"无法读取评测语料清单 {manifest}：{str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None
    entries = data.get("document")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"评测语料清单没有列出文档（[[document]]）：{manifest}")
    docs = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"评测语料清单第 {n} 个文档格式不对（应为 [[document]] 表）：{manifest}")
        file, doc_id = entry.get("file"), entry.get("doc_id")
        if not file or not doc_id:
            raise ValueError(f"评测语料清单第 {n} 个文档缺少 file 或 doc_id：{manifest}")
        path = (manifest.parent / file).resolve()
        if not path.is_file():
            raise ValueError(f"评测语料清单列出的文件不存在：{path}")
        docs.append(
            ExtraDocument(path, doc_id, *(entry.get(k) for k in ("region", "level", "title", "issuer")))
        )
    return ExtraCorpus(str(data.get("name") or manifest.stem), manifest, tuple(docs))


def stage_corpus(
    config: Config,
    extras: Sequence[ExtraCorpus],
    workdir: Path,
    *,
    embedder=None,
    log: Callable[[str], None] = print,
) -> Config:
    """A Config whose corpus is a copy of ``config.corpus_dir`` in ``workdir`` with every extra
    document added through ``library.add_document``; returns that Config.

    The index starts as a copy of ``config.index_dir`` (when there is one) so unchanged passages are
    reused instead of embedded again; the originals are only read, never written.
    """
    from .library import add_document

    workdir = Path(workdir)
    corpus_dir, index_dir = workdir / "corpus", workdir / "index"
    corpus_dir.mkdir(parents=True)
    for p in Path(config.corpus_dir).iterdir():
        if p.is_file() and not p.name.startswith("."):
            shutil.copy2(p, corpus_dir / p.name)
    if Path(config.index_dir).is_dir():
        shutil.copytree(config.index_dir, index_dir)
    staged = dataclasses.replace(config, corpus_dir=corpus_dir, index_dir=index_dir)
    for extra in extras:
        for doc in extra.documents:
            try:
                add_document(staged, doc.path, **doc.add_options(), log=log, embedder=embedder)
            except ValueError as e:  # LibraryError: one line for the user
                raise ValueError(f"无法把 {doc.path.name} 加入评测语料（{extra.name}）：{e}") from None
    return staged


def retrieval_question(item: dict) -> str:
    if item.get("history"):
        from .conversation import rewrite

        return rewrite(item["question"], item["history"]).question
    return item["question"]


def _timed(fn: Callable, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


# An answer line that quotes a clause: a bullet, a direct "答：" line or an "原文：" line, ending in its [n]
# (a past-target note may follow the quote). Lines that compose a unit's name or a label are not quotes.
_QUOTE_LINE = re.compile(r"^(?:- |答：|\s*原文(?:注明)?：)(?P<text>.+?)(?:（注：[^）]*）)? \[(?P<n>\d+)\]$")


_ITEM_LABEL = re.compile(r"^(?:[（(][一二三四五六七八九十百]+[）)]|\d{1,3}[.．、])")


def quotes_outside_their_clause(answer: str, clause_texts: Sequence[str]) -> list[str]:
    """The quoted lines of an answer that are not verbatim in the clause their [n] cites."""
    bad = []
    for line in answer.splitlines():
        m = _QUOTE_LINE.match(line)
        if not m or "：牵头单位" in line or "《" in line:
            continue
        n = int(m.group("n"))
        text = m.group("text").strip()
        # What a composer puts before the quote: an item's label ("（一）", "1."), a lead ("另见二、（三）…：").
        forms = {text, _ITEM_LABEL.sub("", text), text.split("：", 1)[-1]}
        if not 1 <= n <= len(clause_texts) or not any(f and f in clause_texts[n - 1] for f in forms):
            bad.append(line)
    return bad


def direct_lines_without_subject(bot, question: str, answer: str) -> list[str]:
    """The "答：" lines that hold none of the question's own words: a figure that answers something else.
    Words in more than a tenth of the clauses ("平台企业") do not count as the subject."""
    ev = bot._chain.evidence
    idf = bot.searcher.bm25.idf
    n = max(len(bot.corpus.clauses), 1)
    common = math.log(1 + (n - n / 10 + 0.5) / (n / 10 + 0.5))
    words = [t for t in ev.content_tokens(question) if idf.get(t, common + 1) > common]
    return [line for line in answer.splitlines()
            if line.startswith("答：") and words and not any(ev.found(t, line) for t in words)]


def run_item(bot, item: dict, variant: str, chunks: ChunkBaseline | None = None) -> dict:
    """One item through one variant; exceptions are recorded, never raised."""
    rec: dict = {"retrieved": [], "error": None}
    q = retrieval_question(item)
    try:
        if variant == "full":
            ans, t = _timed(bot.ask, item["question"], history=item.get("history") or [])
            rec.update(
                answer=ans.answer,
                refused=bool(ans.refused),
                cited=[c.clause_id for c in ans.citations],
                t_ask=t,
                route=getattr(ans, "route", ""),
                quotes_outside=quotes_outside_their_clause(ans.answer, [c.clause_text for c in ans.citations]),
                direct_off_subject=direct_lines_without_subject(bot, ans.rewritten_question or item["question"],
                                                                ans.answer),
            )
            hits, t = _timed(bot.retrieve, q, k=K)
            rec.update(retrieved=[cid for cid, _ in hits], t_retrieve=t)
        elif variant in ("bm25", "dense"):
            hits, t = _timed(bot.search, q, K, mode=variant)
            rec.update(retrieved=[h.clause_id for h in hits], t_retrieve=t)
        elif variant == "chunks":
            assert chunks is not None
            hits, t = _timed(chunks.retrieve, q, K)
            rec.update(retrieved=[cid for cid, _ in hits], t_retrieve=t)
        else:
            raise ValueError(f"unknown variant {variant}")
    except Exception as e:  # noqa: BLE001 — one bad item must not abort the run
        rec["error"] = f"{e.__class__.__name__}: {e}"[:300]
    return rec


def item_metrics(item: dict, rec: dict, answers: bool) -> dict:
    gold = item.get("gold") or []
    answerable = bool(item.get("answerable", True))
    ranked = rec.get("retrieved") or []
    m: dict = {f"recall@{k}": recall_at_k(ranked, gold, k) for k in RECALL_KS}
    m["all_gold@5"] = all_gold_at_k(ranked, gold, 5)
    m["mrr"] = mrr(ranked, gold)
    m["error"] = 1.0 if rec.get("error") else 0.0
    if answers:
        cited = rec.get("cited") or []
        answer = rec.get("answer") or ""
        refused = rec.get("refused")
        if rec.get("error"):
            refused = None
        m["citation_precision"] = citation_precision(cited, gold)
        m["citation_recall"] = citation_recall(cited, gold) if not rec.get("error") else 0.0 if gold else None
        mi = must_include_ok(answer, item.get("must_include") or [])
        m["must_include"] = None if mi is None else float(mi)
        m["refusal_acc"] = None if answerable else (0.0 if refused is None else float(refused))
        m["false_refusal"] = None if not answerable else (0.0 if refused is None else float(refused))
        # 1.0 when the answer has a quote outside its clause / a "答：" line without the asked subject.
        m["quote_outside_clause"] = None if rec.get("error") else float(bool(rec.get("quotes_outside")))
        has_direct = "答：" in answer
        m["direct_off_subject"] = float(bool(rec.get("direct_off_subject"))) if has_direct else None
    return m


RETRIEVAL_METRICS = [f"recall@{k}" for k in RECALL_KS] + ["all_gold@5", "mrr"]
ANSWER_METRICS = ["citation_precision", "citation_recall", "must_include", "refusal_acc", "false_refusal",
                  "quote_outside_clause", "direct_off_subject"]
HEADLINE = RETRIEVAL_METRICS + ANSWER_METRICS


def aggregate(items: Sequence[dict], recs: Sequence[dict], answers: bool) -> dict:
    per = [item_metrics(it, r, answers) for it, r in zip(items, recs, strict=True)]
    names = RETRIEVAL_METRICS + (ANSWER_METRICS if answers else [])
    out: dict = {"n": len(items)}
    for name in names:
        vals = [p[name] for p in per if p.get(name) is not None]
        out[name] = mean(vals)
        out[f"{name}_n"] = len(vals)
    out["errors"] = int(sum(p["error"] for p in per))
    for key, label in (("t_retrieve", "retrieve"), ("t_ask", "ask")):
        ts = [r[key] for r in recs if r.get(key) is not None]
        out[f"{label}_p50_ms"] = None if not ts else percentile(ts, 50) * 1000
        out[f"{label}_p95_ms"] = None if not ts else percentile(ts, 95) * 1000
    return out


def summarize(items: Sequence[dict], results: dict[str, list[dict]]) -> dict:
    types = sorted({it["type"] for it in items})
    summary: dict = {}
    for variant, recs in results.items():
        answers = variant in ANSWER_VARIANTS
        per_type = {}
        for t in types:
            idx = [i for i, it in enumerate(items) if it["type"] == t]
            per_type[t] = aggregate([items[i] for i in idx], [recs[i] for i in idx], answers)
        summary[variant] = {"overall": aggregate(items, recs, answers), "per_type": per_type}
    return summary


def failing(item: dict, rec: dict) -> list[str]:
    """Why a full-variant item counts as failed (empty list: it passed)."""
    if rec.get("error"):
        return [f"error: {rec['error']}"]
    why = []
    gold = item.get("gold") or []
    if not item.get("answerable", True):
        if not rec.get("refused"):
            why.append("not refused")
        return why
    if rec.get("refused"):
        why.append("refused")
    if gold:
        missed = [g for g in gold if g not in satisfied_gold(rec.get("cited") or [], gold)]
        if missed:
            in_top10 = [g for g in missed if g in satisfied_gold(rec.get("retrieved") or [], gold)]
            why.append(
                f"gold not cited: {', '.join(missed)}"
                + (f" (retrieved in top10: {', '.join(in_top10)})" if in_top10 else " (not in top10)")
            )
    miss = missing_groups(rec.get("answer") or "", item.get("must_include") or [])
    if miss:
        why.append("missing " + " / ".join("|".join(g) for g in miss))
    return why


def run(bot, items: Sequence[dict], variants: Sequence[str], progress: bool = True, log=None) -> dict:
    """Every item through every variant: {"results": {variant: [rec]}, "summary": …, "meta": …}."""
    from tqdm import tqdm

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    meta: dict = {
        "n_items": len(items),
        "variants": list(variants),
        "k": K,
        "embedder": getattr(bot.embedder, "name", "?"),
        "index": bot.vectors.manifest.get("index_type", "?") if hasattr(bot, "vectors") else "?",
    }
    chunks = None
    if "chunks" in variants:
        log("chunks baseline: splitting and embedding raw document text…")
        chunks = ChunkBaseline.build(bot)
        meta["chunks"] = {
            "n_chunks": len(chunks.chunks),
            "build_seconds": round(chunks.build_seconds, 1),
            "size": 250,
            "overlap": 50,
        }
    results: dict[str, list[dict]] = {v: [] for v in variants}
    bar = tqdm(total=len(items) * len(variants), desc="eval", unit="q", file=sys.stderr, disable=not progress)
    started = time.perf_counter()
    for item in items:
        for v in variants:
            results[v].append(run_item(bot, item, v, chunks))
            bar.update(1)
    bar.close()
    meta["seconds"] = round(time.perf_counter() - started, 1)
    return {"meta": meta, "results": results, "summary": summarize(items, results)}


# ---------------------------------------------------------------------------- reporting

LABELS = {
    "recall@1": "R@1",
    "recall@3": "R@3",
    "recall@5": "R@5",
    "recall@10": "R@10",
    "all_gold@5": "all-gold@5",
    "mrr": "MRR",
    "citation_precision": "cite P",
    "citation_recall": "cite R",
    "must_include": "must_include",
    "refusal_acc": "refusal acc",
    "false_refusal": "false refusal",
    "quote_outside_clause": "quote outside clause",
    "direct_off_subject": "答： off subject",
    "errors": "errors",
    "retrieve_p50_ms": "retrieve p50 ms",
    "retrieve_p95_ms": "retrieve p95 ms",
    "ask_p50_ms": "ask p50 ms",
    "ask_p95_ms": "ask p95 ms",
}


def _fmt(v, key: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if key.endswith("_ms"):
        return f"{v:.0f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return f"{v:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _skipped_note(skipped: dict[str, int]) -> list[str]:
    if not skipped:
        return []
    what = ", ".join(f"{name}: {n}" for name, n in skipped.items())
    return [
        f"Skipped {sum(skipped.values())} items that need documents this corpus does not hold ({what}); "
        "`python -m assistant eval --with-laws` (or `--extra MANIFEST`) runs them on a copy of corpus/ "
        "with those documents added.",
        "",
    ]


def _render_run(items: Sequence[dict], report: dict, h: str = "#") -> list[str]:
    """One run's tables: headline per variant, per-type per variant, failing items (full)."""
    summary, results, meta = report["summary"], report["results"], report["meta"]
    variants = list(results)
    out: list[str] = []
    keys = HEADLINE + ["errors", "retrieve_p50_ms", "retrieve_p95_ms", "ask_p50_ms", "ask_p95_ms"]
    rows = [[LABELS[k]] + [_fmt(summary[v]["overall"].get(k), k) for v in variants] for k in keys]
    out += _table(["metric", *variants], rows)
    out += [
        "",
        f"{meta['n_items']} items, k={meta['k']}, embedder `{meta['embedder']}`, index {meta['index']}, "
        f"run {meta['seconds']} s. Answer metrics (cite P/R, must_include, refusal) exist only for `full`; "
        "bm25/dense/chunks are retrieval-only baselines (n/a). Recall/MRR average over items with gold "
        "(unanswerable items excluded); refusal acc is over unanswerable items, false refusal over answerable "
        "ones; cite P over items that cite something.",
        "",
    ]
    out += _skipped_note(meta.get("skipped") or {})
    if "chunks" in meta:
        c = meta["chunks"]
        out += [
            f"chunks baseline: {c['n_chunks']} chunks of {c['size']} chars (overlap {c['overlap']}), "
            f"built in {c['build_seconds']} s; each chunk credited to the clause its first character lies in.",
            "",
        ]
    for v in variants:
        names = RETRIEVAL_METRICS + (ANSWER_METRICS if v in ANSWER_VARIANTS else [])
        cols = ["n", *names, "errors", "retrieve_p50_ms"] + (["ask_p50_ms"] if v in ANSWER_VARIANTS else [])
        out += [f"{h}# Per type: {v}", ""]
        rows = []
        for t, agg in [*summary[v]["per_type"].items(), ("**all**", summary[v]["overall"])]:
            rows.append([t] + [_fmt(agg.get(c), c) for c in cols])
        out += _table(["type", *[LABELS.get(c, c) for c in cols]], rows) + [""]
    if "full" in results:
        fails = [(it, r, failing(it, r)) for it, r in zip(items, results["full"], strict=True)]
        fails = [f for f in fails if f[2]]
        out += [f"{h}# Failing items (full): {len(fails)} of {len(items)}", ""]
        for it, r, why in fails:
            out += [f"{h}## {it['id']} ({it['type']})", "", f"- question: {it['question']}"]
            if it.get("history"):
                out.append(
                    f"- history: {' / '.join(t['content'][:60] for t in it['history'] if t['role'] == 'user')}"
                )
            out += [
                f"- expected: gold {it.get('gold') or '—'}; must_include "
                f"{' + '.join('|'.join(g) for g in it.get('must_include') or []) or '—'}; "
                f"answerable {it.get('answerable')}",
                f"- got: cited {r.get('cited') or []}; refused {r.get('refused')}; "
                f"top5 retrieved {r.get('retrieved', [])[:5]}",
                f"- answer: {(r.get('answer') or '').replace(chr(10), ' ')[:80]}",
                f"- why: {'; '.join(why)}",
                "",
            ]
    return out


def render_markdown(items: Sequence[dict], report: dict) -> str:
    if "runs" in report:
        return render_markdown_runs(report)
    return "\n".join(["# Evaluation report", "", *_render_run(items, report)]) + "\n"


def _plot_series(report: dict) -> dict[str, tuple[dict, bool]]:
    """Bars to draw: label → (summary of one variant, has answer metrics)."""
    if "runs" not in report:
        return {v: (summ, v in ANSWER_VARIANTS) for v, summ in report["summary"].items()}
    return {
        f"{v} · {label}": (summ, v in ANSWER_VARIANTS)
        for label, run_report in report["runs"].items()
        for v, summ in run_report["summary"].items()
    }


def render_plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = _plot_series(report)
    types = list(dict.fromkeys(t for summ, _ in series.values() for t in summ["per_type"])) + ["all"]
    metrics = ["recall@5", "mrr", "citation_recall", "must_include", "refusal_acc"]
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(max(11, 0.8 * len(types)), 3.2 * len(metrics)), squeeze=False
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        shown = [label for label, (_, answers) in series.items() if metric in RETRIEVAL_METRICS or answers]
        width = 0.8 / max(len(shown), 1)
        x = np.arange(len(types))
        for j, label in enumerate(shown):
            summ = series[label][0]
            vals = []
            for t in types:
                agg = summ["overall"] if t == "all" else summ["per_type"].get(t, {})
                val = agg.get(metric)
                vals.append(np.nan if val is None else val)
            ax.bar(x + (j - (len(shown) - 1) / 2) * width, vals, width, label=label)
        ax.set_xticks(x, types, fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(LABELS.get(metric, metric), fontsize=10)
        if shown:
            ax.legend(fontsize=7, loc="lower right")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _item_records(it: dict, run_report: dict, i: int) -> dict:
    return {
        v: {**recs[i], "metrics": item_metrics(it, recs[i], v in ANSWER_VARIANTS)}
        for v, recs in run_report["results"].items()
    }


def _json_payload(items: Sequence[dict], report: dict) -> dict:
    if "runs" not in report:
        return {
            "meta": report["meta"],
            "summary": report["summary"],
            "items": [
                {"id": it["id"], "type": it["type"], **_item_records(it, report, i)}
                for i, it in enumerate(items)
            ],
        }
    per_item: dict[str, dict] = {}
    for label, run_report in report["runs"].items():
        for i, it in enumerate(run_report["items"]):
            entry = per_item.setdefault(
                it["id"], {"id": it["id"], "type": it["type"], "corpus": item_corpus(it), "runs": {}}
            )
            entry["runs"][label] = _item_records(it, run_report, i)
    return {
        "meta": report["meta"],
        "runs": {label: {"meta": r["meta"], "summary": r["summary"]} for label, r in report["runs"].items()},
        "comparison": report["comparison"],
        "items": list(per_item.values()),
    }


def write_reports(items: Sequence[dict], report: dict, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"md": out_dir / "report.md", "json": out_dir / "report.json", "png": out_dir / "report.png"}
    paths["md"].write_text(render_markdown(items, report), encoding="utf-8")
    paths["json"].write_text(
        json.dumps(_json_payload(items, report), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    render_plot(report, paths["png"])
    return paths


def evaluate(
    bot,
    dataset: Path = DEFAULT_DATASET,
    variants: Sequence[str] = VARIANTS,
    out_dir: Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    corpora: Collection[str] = (SEED,),
) -> dict:
    """Run and (when ``out_dir`` is given) write the reports; returns the report dict.

    Only items whose corpus is in ``corpora`` are run (``bot`` must hold those documents); the
    others are counted in ``report["meta"]["skipped"]``.
    """
    items = load_dataset(dataset)
    if limit:
        items = items[:limit]
    items, skipped = select_items(items, corpora)
    report = run(bot, items, variants, progress=progress)
    report["meta"]["skipped"] = skipped
    report["items"] = items
    if out_dir is not None:
        report["paths"] = {k: str(p) for k, p in write_reports(items, report, out_dir).items()}
    return report


def _subset(run_report: dict, keep: Callable[[dict], bool]) -> tuple[list[dict], dict[str, list[dict]]]:
    """The items of a run that ``keep`` accepts, with their records per variant."""
    idx = [i for i, it in enumerate(run_report["items"]) if keep(it)]
    items = [run_report["items"][i] for i in idx]
    return items, {v: [recs[i] for i in idx] for v, recs in run_report["results"].items()}


def compare_runs(base: dict, extended: dict) -> dict:
    """Seed items without vs with the extra documents, and the extra items alone.

    ``seed_without``/``seed_with``/``extra`` are ``summarize`` outputs; ``worse``/``better`` list the
    seed items whose full-variant verdict (``failing``) flipped between the two runs.
    """
    seed_items, seed_recs = _subset(extended, lambda it: item_corpus(it) == SEED)
    extra_items, extra_recs = _subset(extended, lambda it: item_corpus(it) != SEED)
    out: dict = {
        "seed_without": summarize(base["items"], base["results"]),
        "seed_with": summarize(seed_items, seed_recs),
        "extra": summarize(extra_items, extra_recs) if extra_items else {},
        "worse": [],
        "better": [],
    }
    if "full" in base["results"] and "full" in extended["results"]:
        before = {
            it["id"]: failing(it, r) for it, r in zip(base["items"], base["results"]["full"], strict=True)
        }
        for it, r in zip(seed_items, seed_recs["full"], strict=True):
            now, was = failing(it, r), before.get(it["id"])
            if was is None:
                continue
            if now and not was:
                out["worse"].append({"id": it["id"], "type": it["type"], "why": now})
            elif was and not now:
                out["better"].append({"id": it["id"], "type": it["type"], "why_before": was})
    return out


def _run_once(
    bot, items: Sequence[dict], corpora: Collection[str], variants: Sequence[str], progress: bool, log
) -> dict:
    kept, skipped = select_items(items, corpora)
    report = run(bot, kept, variants, progress=progress, log=log)
    report["meta"]["skipped"] = skipped
    report["items"] = kept
    return report


def evaluate_runs(
    config: Config,
    extras: Sequence[ExtraCorpus],
    dataset: Path = DEFAULT_DATASET,
    variants: Sequence[str] = VARIANTS,
    out_dir: Path | None = None,
    limit: int | None = None,
    progress: bool = True,
    embedder=None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Two runs: the corpus of ``config`` (items needing ``extras`` skipped), then a scratch copy
    with the ``extras`` added (every item); see the module docstring. Returns the combined report."""
    from .core import Assistant

    log = log or (lambda m: print(m, file=sys.stderr, flush=True))
    items = load_dataset(dataset)
    if limit:
        items = items[:limit]
    label = " + ".join([SEED, *(e.name for e in extras)])
    seed_bot = Assistant.load(config, embedder=embedder, log=log)
    with tempfile.TemporaryDirectory(prefix="policyqa-eval-") as tmp:
        # Staged first: a document the add path refuses stops the evaluation before the long runs.
        log(f"{label}: adding {sum(len(e.documents) for e in extras)} documents to a scratch copy of corpus/")
        staged = stage_corpus(config, extras, Path(tmp), embedder=seed_bot.embedder, log=log)
        bot = Assistant.load(staged, embedder=seed_bot.embedder, log=log)
        log(f"run 1/2: {SEED_RUN}")
        runs = {SEED_RUN: _run_once(seed_bot, items, {SEED}, variants, progress, log)}
        log(f"run 2/2: {label}")
        runs[label] = _run_once(bot, items, {SEED, *(e.name for e in extras)}, variants, progress, log)
    runs[label]["meta"]["added"] = {
        e.name: {"manifest": _shown(e.manifest), "doc_ids": [d.doc_id for d in e.documents]} for e in extras
    }
    report = {
        "meta": {
            "dataset": _shown(dataset),
            "n_items": len(items),
            "variants": list(variants),
            "runs": list(runs),
        },
        "runs": runs,
        "comparison": compare_runs(runs[SEED_RUN], runs[label]),
        "items": items,
    }
    if out_dir is not None:
        report["paths"] = {k: str(p) for k, p in write_reports(items, report, out_dir).items()}
    return report


COMPARE_METRICS = ["recall@5", "citation_recall", "must_include", "refusal_acc", "false_refusal"]


def _shown(path: Path | str) -> str:
    """A path as the report prints it: relative to the repository when it lies inside."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def render_markdown_runs(report: dict) -> str:
    """The report for two runs: headline side by side, seed items without vs with the extra
    documents, the extra items alone, then each run in full."""
    runs, comp = report["runs"], report["comparison"]
    (base_label, base), (ext_label, ext) = list(runs.items())
    v = "full" if "full" in ext["results"] else next(iter(ext["results"]))
    names = RETRIEVAL_METRICS + (ANSWER_METRICS if v in ANSWER_VARIANTS else [])
    extra_names = " + ".join(ext["meta"].get("added", {})) or "extra"
    added = "; ".join(
        f"{name}: {', '.join(a['doc_ids'])} from `{a['manifest']}`"
        for name, a in ext["meta"].get("added", {}).items()
    )
    out = [
        "# Evaluation report",
        "",
        f"Two runs over `{report['meta']['dataset']}` ({report['meta']['n_items']} items): "
        f"**{base_label}** — corpus/ as shipped, {base['meta']['n_items']} items "
        f"(skipped {sum(base['meta']['skipped'].values())}: {', '.join(f'{k} {n}' for k, n in base['meta']['skipped'].items()) or 'none'}); "
        f"**{ext_label}** — a scratch copy of corpus/ with the documents added through `library.add_document` "
        f"({added}), {ext['meta']['n_items']} items. Variant shown in the comparisons: `{v}`.",
        "",
        f"## Headline ({v})",
        "",
    ]
    cols = {
        base_label: comp["seed_without"].get(v, {}).get("overall", {}),
        f"{ext_label}: seed items": comp["seed_with"].get(v, {}).get("overall", {}),
        f"{ext_label}: {extra_names} items": comp["extra"].get(v, {}).get("overall", {})
        if comp["extra"]
        else {},
        f"{ext_label}: all": ext["summary"][v]["overall"],
    }
    keys = ["n", *names, "errors", "ask_p50_ms" if v in ANSWER_VARIANTS else "retrieve_p50_ms"]
    out += _table(
        ["metric", *cols], [[LABELS.get(k, k)] + [_fmt(c.get(k), k) for c in cols.values()] for k in keys]
    )
    out += ["", f"## Seed items with the {extra_names} documents present vs without ({v})", ""]
    shown = [m for m in COMPARE_METRICS if m in names]
    header = ["type", "n"] + [f"{LABELS[m]} {w}" for m in shown for w in ("without", "with", "Δ")]
    rows = []
    without, with_ = comp["seed_without"].get(v, {}), comp["seed_with"].get(v, {})
    for t in [*without.get("per_type", {}), "**all**"]:
        a = without["overall"] if t == "**all**" else without["per_type"][t]
        b = with_["overall"] if t == "**all**" else with_["per_type"].get(t, {})
        row = [t, _fmt(a.get("n"))]
        for m in shown:
            x, y = a.get(m), b.get(m)
            row += [_fmt(x, m), _fmt(y, m), "n/a" if x is None or y is None else f"{y - x:+.3f}"]
        rows.append(row)
    out += _table(header, rows) + [""]
    for key, title in (("worse", "pass without, fail with"), ("better", "fail without, pass with")):
        flips = comp.get(key, [])
        out.append(f"Seed items that {title} the {extra_names} documents: {len(flips)}")
        out += [
            f"- {f['id']} ({f['type']}): {'; '.join(f.get('why') or f.get('why_before') or [])}"
            for f in flips
        ]
        out.append("")
    if comp["extra"]:
        out += [f"## {extra_names} items alone ({ext_label}, {v})", ""]
        cols2 = ["n", *names]
        extra = comp["extra"][v]
        rows = [
            [t] + [_fmt(agg.get(c), c) for c in cols2]
            for t, agg in [*extra["per_type"].items(), ("**all**", extra["overall"])]
        ]
        out += _table(["type", *[LABELS.get(c, c) for c in cols2]], rows) + [""]
    for label, run_report in runs.items():
        out += [f"## Run: {label}", "", *_render_run(run_report["items"], run_report, h="##")]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- CLI


def extra_manifests(args) -> list[Path]:
    """The manifests asked for on the command line: every ``--extra``, plus eval/laws with ``--with-laws``."""
    paths = [Path(m) for m in (getattr(args, "extra", None) or [])]
    if getattr(args, "with_laws", False):
        paths.append(DEFAULT_LAWS)
    return list(dict.fromkeys(p.resolve() for p in paths))


def cmd_eval(args) -> None:
    from .cli import CLIError
    from .core import Assistant

    variants = list(dict.fromkeys(args.variant or VARIANTS))
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise CLIError(f"未知变体：{'、'.join(unknown)}（可选 {'、'.join(VARIANTS)}）")
    if not Path(args.dataset).is_file():
        raise CLIError(f"找不到评测集：{args.dataset}")
    try:
        extras = [load_extra_corpus(m) for m in extra_manifests(args)]
    except ValueError as e:
        raise CLIError(str(e)) from None
    if not extras:
        bot = Assistant.load(Config.from_env())
        report = evaluate(bot, Path(args.dataset), variants, Path(args.out), args.limit)
        first = render_markdown(report["items"], report).split("\n\n")[1]
    else:
        try:
            report = evaluate_runs(
                Config.from_env(), extras, Path(args.dataset), variants, Path(args.out), args.limit
            )
        except ValueError as e:  # a document the add path refused
            raise CLIError(str(e)) from None
        first = render_markdown_runs(report).split("\n\n")[3]
    print(first)
    print(f"\n报告已写入 {report['paths']['md']}、{report['paths']['json']}、{report['paths']['png']}")


def register_cli(sub) -> None:
    p = sub.add_parser("eval", help="在评测集上评估问答与检索（含基线）")
    p.add_argument("--dataset", default=str(DEFAULT_DATASET))
    p.add_argument(
        "--variant",
        action="extend",
        nargs="+",
        choices=VARIANTS,
        help="full / bm25 / dense / chunks（可重复；默认全部）",
    )
    p.add_argument("--out", default=str(DEFAULT_OUT))
    p.add_argument("--limit", type=int, default=None)
    p.add_argument(
        "--with-laws",
        action="store_true",
        help="再在加入 eval/laws 三部法规的语料副本上评测一次（报告两次运行；等同 --extra eval/laws/laws.toml）",
    )
    p.add_argument(
        "--extra",
        action="append",
        metavar="MANIFEST",
        help="额外文档清单（TOML，格式见 eval/laws/laws.toml）；其文档加入语料副本后再评测一次（可重复）",
    )
    p.set_defaults(func=cmd_eval)
