"""Adding many files at once: a folder of laws, a whole national library.

``add_many`` reads and parses every file first (a bad file is listed and skipped, never aborts the
batch), then embeds the new documents chunk by chunk and writes each chunk into corpus/ once its
vectors are safe in ``index/pending/``; the search index is built once, at the end.

Why this shape: the cost of one more file must not grow with the library. Nothing here re-reads
or re-parses the corpus per file, and the one step that touches everything (BM25 and FAISS over
all clauses) runs once per batch.

Killed at any point (kill -9), nothing is half-visible and nothing is lost:
- a document becomes part of the corpus when its metadata file is renamed into place, after its
  text; a text without metadata is invisible (and removed by the next bulk add);
- vectors are written to ``index/pending/`` before their documents, so a rerun or the next load
  reuses them instead of embedding again;
- a rerun skips every file whose text is already in the corpus and continues with the rest.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import index as index_mod
from ..config import Config
from ..corpus import ParsedDocument, assemble, load_parts, parse_corpus_document, parse_metadata
from ..library import (
    LEVELS,
    SUPPORTED,
    DuplicateDocument,
    LibraryError,
    RegionUnknown,
    _corpus_hashes,
    _load_embedder,
    _next_prefix,
    _stderr,
    check_doc_id,
    clean_stale,
    commit_add,
    corpus_lock,
    infer_document,
    prepare_add,
)

Log = Callable[[str], None]

# Vectors are saved and documents written every this many new clauses (about 15-30 s of embedding):
# what a kill can cost, and how often the progress bar's numbers settle.
CHUNK_CLAUSES = 2_000
_EMBED_STEP = 128
HELD = "已在库中"
_OUR_TEXT = re.compile(r"^\d+_[0-9a-f]{16}\.txt$")


@dataclass
class FileResult:
    path: str
    doc_id: str = ""
    clauses: int = 0
    articles: int = 0
    scheme: str = ""
    warnings: list[str] = field(default_factory=list)
    region: str = ""
    error: str = ""  # why it was not added
    skipped: str = ""  # why it needed no adding (its text is already held)


@dataclass
class BatchReport:
    files: list[FileResult]
    seconds: float = 0.0
    embedded: int = 0
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0
    corpus_documents: int = 0
    corpus_clauses: int = 0
    sentence_vectors: bool = True
    chunks: list[dict] = field(default_factory=list)  # per chunk written: files, clauses, embedded, seconds

    @property
    def added(self) -> list[FileResult]:
        return [f for f in self.files if f.doc_id and not f.error and not f.skipped]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error]

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.skipped == HELD]

    @property
    def unsupported(self) -> list[FileResult]:
        return [f for f in self.files if f.skipped and f.skipped != HELD]

    def as_json(self) -> dict:
        added = self.added
        clauses = sum(f.clauses for f in added)
        return {
            "added": len(added), "skipped": len(self.skipped), "unsupported": len(self.unsupported),
            "failed": len(self.failed),
            "clauses": clauses, "articles": sum(f.articles for f in added),
            "seconds": round(self.seconds, 1),
            "clauses_per_second": round(clauses / self.seconds, 1) if self.seconds else None,
            "parse_seconds": round(self.parse_seconds, 1), "embed_seconds": round(self.embed_seconds, 1),
            "index_seconds": round(self.index_seconds, 1), "embedded": self.embedded,
            "sentence_vectors": self.sentence_vectors,
            "corpus_documents": self.corpus_documents, "corpus_clauses": self.corpus_clauses,
            "chunks": self.chunks,
            "unnumbered": [f.path for f in added if f.scheme == "paragraphs"],
            "warnings": sum(len(f.warnings) for f in added),
            "files": [asdict(f) for f in self.files],
        }

    def lines(self) -> list[str]:
        added = self.added
        clauses = sum(f.clauses for f in added)
        rate = f"，{clauses / self.seconds:.1f} 条/秒" if self.seconds and clauses else ""
        out = [
            f"加入完成：新增文档 {len(added)} 个（条款 {clauses:,} 个，其中“第N条”条文 {sum(f.articles for f in added):,} 条），"
            f"已在库中跳过 {len(self.skipped)} 个，失败 {len(self.failed)} 个；用时 {self.seconds:.0f} 秒{rate}",
            f"  用时分布：读取解析 {self.parse_seconds:.0f} 秒，嵌入 {self.embed_seconds:.0f} 秒（{self.embedded:,} 个段落和句子），"
            f"建索引 {self.index_seconds:.0f} 秒",
            f"  语料库现有文档 {self.corpus_documents:,} 个、条款 {self.corpus_clauses:,} 个"
            + ("" if self.sentence_vectors else f"（超过 {index_mod.SENTENCE_VECTORS_MAX:,} 条，不建句向量）"),
        ]
        if self.unsupported:
            kinds = sorted({f.skipped.rsplit(" ", 1)[-1] for f in self.unsupported})
            out.append(f"  文件夹中不支持的文件 {len(self.unsupported)} 个（{'、'.join(kinds[:8])}），未读取")
        unnumbered = [f for f in added if f.scheme == "paragraphs"]
        if unnumbered:
            out.append(f"  未识别到编号、按段落切分的文档 {len(unnumbered)} 个：" + "、".join(
                Path(f.path).name for f in unnumbered[:10]) + ("…" if len(unnumbered) > 10 else ""))
        warned = [f for f in added if f.warnings]
        if warned:
            out.append(f"  有解析警告的文档 {len(warned)} 个（共 {sum(len(f.warnings) for f in warned)} 条）")
        if self.failed:
            out.append(f"失败的文件 {len(self.failed)} 个（其余文件已加入）：")
            out += [f"  {f.path}：{f.error}" for f in self.failed]
        return out


def expand(inputs: Sequence[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Files to add, in a stable order: the files named, and every supported file under the folders
    named (hidden entries and README files, which describe a folder, left out); missing paths as errors."""
    files: list[Path] = []
    missing: list[FileResult] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                (p for p in path.rglob("*") if p.is_file()
                 and not any(part.startswith(".") for part in p.relative_to(path).parts)
                 and not p.stem.lower().startswith("readme")),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            files += [p for p in found if p.suffix.lower() in SUPPORTED]
            missing += [FileResult(path=str(p), skipped=f"不支持的文件类型 {p.suffix or '（无扩展名）'}")
                        for p in found if p.suffix.lower() not in SUPPORTED]
        elif path.is_file():
            files.append(path)
        else:
            missing.append(FileResult(path=str(path), error="找不到文件或文件夹"))
    return list(dict.fromkeys(files)), missing


def add_many(
    config: Config, inputs: Sequence[str | Path], *, region: str | None = None, level: str | None = None,
    embedder=None, log: Log = print, progress: bool = True, chunk_clauses: int = CHUNK_CLAUSES,
) -> BatchReport:
    """Add every file of ``inputs`` (files and folders); see the module docstring."""
    with corpus_lock(config):
        return _add_many(config, inputs, region=region, level=level, embedder=embedder, log=log,
                         progress=progress, chunk_clauses=chunk_clauses)


def _add_many(config, inputs, *, region, level, embedder, log, progress, chunk_clauses) -> BatchReport:
    started = time.perf_counter()
    corpus_dir, index_dir = Path(config.corpus_dir), Path(config.index_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    _remove_orphan_texts(corpus_dir)
    files, results = expand(inputs)

    existing = load_parts(corpus_dir)
    ids = {p.doc.doc_id for p in existing}
    hashes = _corpus_hashes(corpus_dir)
    prefix = _next_prefix(corpus_dir)
    new: list[tuple[ParsedDocument, dict[str, bytes], FileResult]] = []
    unplaced: list[FileResult] = []

    def read(result: FileResult, region: str | None, level: str | None) -> None:
        nonlocal prefix
        try:
            inferred = infer_document(config, Path(result.path), existing_ids=ids, hashes=hashes, prefix=prefix,
                                      region=region, level=level)
            meta_name, meta_bytes = next((n, b) for n, b in inferred.files.items() if n.endswith(".toml"))
            part = parse_corpus_document(parse_metadata(meta_bytes, Path(meta_name)), inferred.text, meta_bytes)
            if not part.clauses:
                raise LibraryError("没有可用的条款文字")
        except DuplicateDocument as e:
            result.skipped, result.doc_id = HELD, e.doc_id
        except RegionUnknown as e:
            result.error = str(e)
            if region is None:  # the other files of its folder may tell (below)
                unplaced.append(result)
        except (LibraryError, ValueError) as e:
            result.error = str(e)
        else:
            result.doc_id, result.clauses, result.scheme = part.doc.doc_id, len(part.clauses), part.report.scheme
            result.articles = sum(1 for c in part.clauses if c.label.startswith("第") and c.label.endswith("条"))
            result.warnings = list(part.report.warnings) + inferred.warnings
            result.region = part.doc.region
            ids.add(part.doc.doc_id)
            hashes[inferred.digest] = part.doc.doc_id
            prefix += 1
            new.append((part, inferred.files, result))

    bar = _bar(len(files), "读取解析", "个文件", progress)
    for path in files:
        result = FileResult(path=str(path))
        results.append(result)
        read(result, region, level)
        bar.update(1)
    bar.close()
    # A file that names no place (a 行政法规 without its issuer line) takes the region the other files of
    # its folder name, when nine in ten of them (and at least three) name the same one. A folder where no
    # file names a place defers to the folder above it, up to the folder given; otherwise the file stays an
    # error asking for --region.
    roots = [Path(r) for r in inputs if Path(r).is_dir()]
    placed = [(Path(r.path), r.region) for r in results if r.region]
    for result in unplaced:
        for folder in _folders_up(Path(result.path), roots):
            named = Counter(region for path, region in placed if folder in path.parents)
            if sum(named.values()) < 3:
                continue
            top, n = named.most_common(1)[0]
            if n >= 0.9 * sum(named.values()):
                result.error = ""
                read(result, top, level)
                if not result.error:
                    result.warnings.append(f"文中未载明地区，按同一文件夹的其他文件定为 {top}")
            break
    report = BatchReport(files=results, parse_seconds=time.perf_counter() - started)

    total = sum(len(p.clauses) for p in existing) + sum(len(p.clauses) for p, _, _ in new)
    report.sentence_vectors = total <= index_mod.SENTENCE_VECTORS_MAX
    if new:
        embedder = _load_embedder(config, embedder, log)
        table = index_mod.existing_vectors(index_dir, embedder_name=embedder.name)
        bar = _bar(sum(len(p.clauses) for p, _, _ in new), "加入", "条", progress)
        for chunk in _chunks(new, chunk_clauses):
            t0 = time.perf_counter()
            embedded = _embed_chunk(config, embedder, [p for p, _, _ in chunk], table, index_dir,
                                    report.sentence_vectors, bar)
            report.embed_seconds += time.perf_counter() - t0
            for _, written, _ in chunk:
                _write_document(corpus_dir, written)
            report.embedded += embedded
            record = {"files": len(chunk), "clauses": sum(len(p.clauses) for p, _, _ in chunk),
                      "articles": sum(r.articles for _, _, r in chunk), "embedded": embedded,
                      "seconds": round(time.perf_counter() - t0, 2), "at": time.strftime("%Y-%m-%dT%H:%M:%S")}
            report.chunks.append(record)
            _log_chunk(index_dir, record)
        bar.close()
    else:
        table = None  # read below, once the embedder (whose vectors alone may be reused) is known
    t0 = time.perf_counter()
    corpus = assemble([*existing, *(p for p, _, _ in new)])
    if new or _index_stale(index_dir, corpus):
        # Also when nothing is new but the index is behind the corpus: a run killed after its last documents
        # were written, before the index was built, is finished by the next one.
        if corpus.clauses:
            embedder = _load_embedder(config, embedder, log)
            if table is None:
                table = index_mod.existing_vectors(index_dir, embedder_name=embedder.name)
            from ..core import _segmenter

            log(f"正在建立索引（{len(corpus.clauses):,} 个条款）…")
            vectors = index_mod.build(
                corpus, lambda texts: embedder.embed_passages(texts, progress=progress), embedder.name,
                embedder.dim, config.passage_chars, config.passage_overlap, log=lambda m: None, reuse=table,
                segmenter=_segmenter(config, corpus), item_passages=config.item_passages,
            )
            index_mod.save(vectors, corpus.clauses, index_dir)
            index_mod.clear_pending(index_dir)
        report.index_seconds = time.perf_counter() - t0
    report.corpus_documents, report.corpus_clauses = len(corpus.documents), len(corpus.clauses)
    report.seconds = time.perf_counter() - started
    return report


def _index_stale(index_dir: Path, corpus) -> bool:
    try:
        manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return manifest.get("corpus_fingerprint") != corpus.fingerprint


def _folders_up(path: Path, roots: list[Path]) -> list[Path]:
    """The folders holding ``path``, innermost first, up to the input folder that holds it (none for a
    file named on its own)."""
    root = next((r for r in roots if r == path.parent or r in path.parents), None)
    if root is None:
        return []
    out = [path.parent]
    while out[-1] != root:
        out.append(out[-1].parent)
    return out


def _log_chunk(index_dir: Path, record: dict) -> None:
    """One line per chunk written, across runs (a resumed batch continues the same log): what the
    library benchmark reads for the rate of the first and the last files."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / "add-log.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


def _chunks(items: list, size: int) -> Iterator[list]:
    chunk: list = []
    clauses = 0
    for item in items:
        chunk.append(item)
        clauses += len(item[0].clauses)
        if clauses >= size:
            yield chunk
            chunk, clauses = [], 0
    if chunk:
        yield chunk


def _embed_chunk(config: Config, embedder, parts: list[ParsedDocument], table: dict, index_dir: Path,
                 with_sentences: bool, bar) -> int:
    """Embed what these documents need that no vector exists for yet, and keep it in index/pending/."""
    small = assemble(parts)  # a clause's passage needs only its own document's headings
    texts = [t for c in small.clauses if config.item_passages or not index_mod.is_article_item(c)
             for t in index_mod.passage_texts(small, c, config.passage_chars, config.passage_overlap)]
    if with_sentences:
        texts += [t for _, _, t in index_mod.sentence_keys(small.clauses)]
    todo = [t for t in dict.fromkeys(texts) if t not in table]
    if not todo:
        bar.update(len(small.clauses))
        return 0
    vectors = []
    shown = 0
    for i in range(0, len(todo), _EMBED_STEP):  # in steps, so that the bar moves as texts are embedded
        batch = todo[i : i + _EMBED_STEP]
        vectors.append(embedder.embed_passages(batch, progress=False))
        done = len(small.clauses) * (i + len(batch)) // len(todo)
        bar.update(done - shown)
        shown = done
    matrix = np.concatenate(vectors)
    index_mod.save_pending(index_dir, embedder.name, todo, matrix)
    table.update(zip(todo, matrix, strict=True))
    return len(todo)


def _write_document(corpus_dir: Path, files: dict[str, bytes]) -> None:
    """Text first, metadata last, each renamed into place: a document is visible only when whole."""
    for name in sorted(files, key=lambda n: n.endswith(".toml")):
        tmp = corpus_dir / f".{name}.adding"
        tmp.write_bytes(files[name])
        os.replace(tmp, corpus_dir / name)


def _remove_orphan_texts(corpus_dir: Path) -> None:
    """Texts an add wrote without living to write their metadata (held under the corpus lock)."""
    named = set()
    for meta in corpus_dir.glob("*.toml"):
        try:
            named.add(parse_metadata(meta.read_bytes(), meta).file)
        except (OSError, ValueError):
            return  # a broken metadata file: leave everything for the user to see
    for text in corpus_dir.glob("*.txt"):
        if _OUR_TEXT.match(text.name) and text.name not in named:
            text.unlink(missing_ok=True)
    for tmp in corpus_dir.glob(".*.adding"):
        tmp.unlink(missing_ok=True)


def _bar(total: int, desc: str, unit: str, enabled: bool):
    """A tqdm bar on stderr; ``enabled`` False gives tqdm's own silent one (--quiet, tests)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, smoothing=0.05, disable=not enabled)


# ---------------------------------------------------------------- command line


def register_cli(sub) -> None:
    """``add FILE_OR_DIR…``: one file with its full report, or many through ``add_many``."""
    a = sub.add_parser("add", help="把政策文件或整个文件夹加入语料库（.txt/.md/.docx/.pdf）并更新索引")
    a.add_argument("files", nargs="+", metavar="FILE_OR_DIR",
                   help="文件或文件夹（文件夹下的所有支持的文件，含子文件夹）；多个文件时逐个解析、失败的跳过并在最后列出，"
                        "中断后重新运行会接着加入")
    a.add_argument("--doc-id", help="文档编号（小写英文、数字、连字符）；默认由地区、文件名和年份生成")
    a.add_argument("--region", help="所属地区，如 杭州市、萧山区、全国；默认从标题和发文机关识别")
    a.add_argument("--title", help="标题（默认取 # 标题行、像标题的首行或《》书名）")
    a.add_argument("--issuer", help="发文机关（默认取“…会议通过”“…令第N号公布”行或文末落款；可以没有）")
    a.add_argument("--level", choices=LEVELS, help="national、province、city 或 county（默认按地区判断）")
    a.add_argument("--json", action="store_true", help="批量加入时输出 JSON 报告")
    a.add_argument("--quiet", action="store_true", help="批量加入时不显示进度条")
    a.set_defaults(func=_cmd_add)


def _cmd_add(args) -> None:
    from ..cli import CLIError

    single = len(args.files) == 1 and not Path(args.files[0]).is_dir()
    if not single and (args.doc_id or args.title or args.issuer):
        raise CLIError("--doc-id、--title、--issuer 只能用于单个文件")
    config = Config.from_env()
    if args.doc_id:
        try:
            check_doc_id(args.doc_id, config)
        except LibraryError as e:
            raise CLIError(str(e)) from None
    clean_stale(config, _stderr)
    if not single:
        _cmd_add_many(args, config)
        return
    f = args.files[0]
    try:
        # Parse and infer first: a bad file or a missing region is reported before the model loads.
        prepared = prepare_add(config, f, doc_id=args.doc_id, region=args.region, title=args.title,
                               issuer=args.issuer, level=args.level)
        commit_add(config, prepared, embedder=_load_embedder(config, None, _stderr), log=print)
    except LibraryError as e:
        raise CLIError(f"{Path(f).name}：{e}") from None


def _cmd_add_many(args, config: Config) -> None:
    from ..cli import CLIError

    try:
        report = add_many(config, args.files, region=args.region, level=args.level, log=_stderr,
                          progress=not args.quiet)
    except LibraryError as e:
        raise CLIError(str(e)) from None
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for line in report.lines():
            print(line)
    if report.failed:
        raise CLIError(f"{len(report.failed)} 个文件未能加入（见上）；其余 {len(report.added)} 个已加入")


