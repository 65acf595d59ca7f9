"""The corpus: policy texts plus one metadata file each, parsed into clauses with their units."""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from .clauses import Clause, ParseReport, decode_bytes, parse_document
from .docfacts import normalise_title
from .regions import NATIONAL, gazetteer


@dataclass(frozen=True)
class Basis:
    """A higher-level document a policy cites as its basis, as printed."""

    title: str
    number: str = ""


@dataclass(frozen=True)
class Document:
    doc_id: str
    file: str
    issuer: str
    region: str  # full name from the administrative-division table: "全国", "浙江省", "杭州市", …
    level: str  # "national" | "province" | "city" | "county"
    title: str = ""  # as printed; empty when the text has no title line
    title_reconstructed: str = ""  # a title from elsewhere or our description, flagged by title_note
    title_note: str = ""
    doc_number: str = ""
    parent_region: str = ""
    issued: str = ""  # ISO date, empty when the text prints none
    # "dated" (date line) | "printed" (印发 date) | "adopted" (…会议通过) | "promulgated" (…令第N号公布)
    issued_kind: str = ""
    effective: str = ""
    valid_until: str = ""
    validity_note: str = ""
    basis: tuple[Basis, ...] = ()
    promulgation: str = ""  # the adoption or promulgation line as printed
    amendments: tuple[str, ...] = ()  # 修正 / 修订 events as printed
    repeals: tuple[str, ...] = ()  # titles of the documents it repeals ("…同时废止"), without 《》

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        return f"{self.title_reconstructed}（{self.title_note}）" if self.title_reconstructed else self.doc_id

    @property
    def short_title(self) -> str:
        return self.title or self.title_reconstructed or self.doc_id

    @property
    def year(self) -> int | None:
        if self.issued:
            return int(self.issued[:4])
        digits = [int(p) for p in self.doc_id.split("-") if p.isdigit() and len(p) == 4]
        return digits[-1] if digits else None

    @property
    def province(self) -> str:
        """The provincial-level region the document belongs to ("" for national documents)."""
        chain = region_chain(self.region)
        return chain[-2] if len(chain) >= 2 else ""

    @property
    def city(self) -> str | None:
        """The city that issued the document, for city (and county) documents."""
        if self.level not in ("city", "county"):
            return None
        chain = region_chain(self.region)
        return chain[-3] if len(chain) >= 3 else self.region

    def status(self, today: date) -> str:
        """"in_force", "expired", "not_yet" or "unknown" (no validity period printed)."""
        if self.effective and today < date.fromisoformat(self.effective):
            return "not_yet"
        if self.valid_until:
            return "in_force" if today <= date.fromisoformat(self.valid_until) else "expired"
        return "unknown"


STATUS_LABELS = {
    "in_force": "现行有效", "expired": "已过有效期", "not_yet": "尚未施行", "unknown": "有效期未载明", "repealed": "已废止",
    "superseded": "已被修订",
}


_DEFINES = re.compile(r"[，,]?(?:是指|指的是)")
_TERM_MAX = 16


def _after_delimiter(head: str, i: int, head_is_text_start: bool) -> bool:
    """Does a term starting at head[i] follow what may precede a defined term: the start of the text
    or a line, 所称, or a punctuation mark or space?"""
    if i == 0:
        return head_is_text_start
    return head[i - 1] in "，。；）)\n\t 　" or head[:i].endswith("所称")


@dataclass
class Corpus:
    documents: dict[str, Document]
    clauses: list[Clause]
    reports: dict[str, ParseReport] = field(default_factory=dict)
    fingerprint: str = ""  # hash of every metadata file and every clause parsed: a changed corpus means a stale index
    # Hash of the files as read and of the parser's code: when the index records the same, its clauses are
    # this corpus's, and loading need not parse again (``from_index``).
    source: str = ""
    from_index: bool = False  # the clauses were read from the index (``index.cached_corpus``), not parsed

    @cached_property
    def by_id(self) -> dict[str, Clause]:
        return {c.clause_id: c for c in self.clauses}

    @cached_property
    def text(self) -> str:
        """All clause texts joined: for "does the corpus mention this at all" checks."""
        return "".join(c.text for c in self.clauses)

    @cached_property
    def text_lower(self) -> str:
        """``text`` lower-cased, once: Latin words are matched without case ("o2o" in "O2O")."""
        return self.text.lower()

    @cached_property
    def unit_index(self):
        """The ``units.UnitIndex`` of these clauses, built once for the segmenter and the assistant."""
        from .units import UnitIndex

        return UnitIndex.build(self.clauses)

    @cached_property
    def by_doc(self) -> dict[str, list[Clause]]:
        """doc id → its clauses in order (an index: a scan of every clause per question is slow at 10^5)."""
        out: dict[str, list[Clause]] = {d: [] for d in self.documents}
        for c in self.clauses:
            out.setdefault(c.doc_id, []).append(c)
        return out

    @cached_property
    def doc_texts(self) -> dict[str, str]:
        """doc id → its clause texts joined: "does this document use the word at all" without a clause scan."""
        return {d: "".join(c.text for c in cs) for d, cs in self.by_doc.items()}

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return self.by_doc.get(doc_id, [])

    @cached_property
    def definitions(self) -> dict[str, list[str]]:
        """Term → ids of the clauses that define it ("本法所称网络安全，是指…", "网络运营者，是指…"), in corpus
        order: definitions follow a formula, so they are indexed once instead of searched per question."""
        out: dict[str, list[str]] = {}
        for c in self.clauses:
            if "是指" not in c.text and "指的是" not in c.text:
                continue
            for m in _DEFINES.finditer(c.text):
                head = c.text[max(0, m.start() - _TERM_MAX - 2) : m.start()]
                for i in range(len(head)):
                    term = head[i:]
                    if 1 < len(term) <= _TERM_MAX and not term[0].isspace() and _after_delimiter(
                            head, i, m.start() == len(head)):
                        ids = out.setdefault(term, [])
                        if not ids or ids[-1] != c.clause_id:
                            ids.append(c.clause_id)
        return out

    def clause(self, clause_id: str) -> Clause | None:
        return self.by_id.get(clause_id)

    def breadcrumb(self, clause: Clause) -> list[Clause]:
        """The clause's ancestors, outermost first."""
        by_id = self.by_id
        return [by_id[f"{clause.doc_id}#{p}"] for p in clause.parents if f"{clause.doc_id}#{p}" in by_id]

    def context_headings(self, clause: Clause) -> list[str]:
        """What puts a clause in context, outermost first: its 编/章/节 headings, then the headings of
        its ancestor clauses ("第三章 网络运行安全", "第一节 一般规定", "国家实行网络安全等级保护制度")."""
        return [h for h in (*clause.sections, *(p.heading for p in self.breadcrumb(clause))) if h]

    @cached_property
    def _repealers(self) -> dict[str, Document]:
        """Normalised title → the first document that repeals it (an index: the scan ran per question)."""
        out: dict[str, Document] = {}
        for doc in self.documents.values():
            for title in doc.repeals:
                out.setdefault(normalise_title(title), doc)
        return out

    def repealed_by(self, doc_id: str) -> Document | None:
        """The document in the corpus that repeals this one ("…《X》同时废止"), matched by title."""
        title = normalise_title(self.documents[doc_id].short_title)
        found = self._repealers.get(title) if title else None
        if found is not None and found.doc_id == doc_id:  # a document repealing its own title: an older text
            found = next((d for d in self.documents.values() if d.doc_id != doc_id
                          and any(normalise_title(t) == title for t in d.repeals)), None)
        return found

    @cached_property
    def versions(self) -> dict:
        """doc id → ``ingest.versions.Version`` of every document held in several versions."""
        from .ingest.versions import link_versions

        return link_versions(self.documents)

    def status(self, doc_id: str, today: date) -> str:
        """Document.status, or "repealed" once a document in the corpus that repeals it is in effect, or
        "superseded" once a newer version of it is."""
        repealer = self.repealed_by(doc_id)
        if repealer is not None and not (repealer.effective and today < date.fromisoformat(repealer.effective)):
            return "repealed"
        version = self.versions.get(doc_id)
        if version is not None and version.replaced(today):
            return "superseded"
        return self.documents[doc_id].status(today)

    def children(self, clause: Clause) -> list[Clause]:
        prefix = clause.path + "."
        return [c for c in self.clauses_of(clause.doc_id) if c.path.startswith(prefix)]


def load_metadata(path: Path) -> Document:
    """One document's metadata; ValueError (one line, naming the file) when it cannot be read."""
    return parse_metadata(path.read_bytes(), path)


def parse_metadata(raw: bytes, path: Path) -> Document:
    """A document's metadata from the bytes of its TOML file (``path`` names it in errors)."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"元数据文件 {path} 不是 UTF-8 文本") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"元数据文件 {path} 不是合法的 TOML（{' '.join(str(e).split())}）") from None
    basis = tuple(Basis(title=b.get("title", ""), number=b.get("number", "")) for b in data.pop("basis", []))
    for listed in ("amendments", "repeals"):
        if listed in data:
            data[listed] = tuple(data[listed])
    known = set(Document.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{path.name}: 未知字段 {sorted(unknown)}")
    for required in ("doc_id", "file", "region", "level"):  # the issuer may be unknown
        if not data.get(required):
            raise ValueError(f"{path.name}: 缺少必填字段 {required}")
    return Document(basis=basis, **data)


def read_text(path: Path) -> str:
    return decode_bytes(path.read_bytes())


def check_unique_ids(clauses: list[Clause]) -> None:
    """ValueError (one line, naming the id and both places) when two clauses share an id."""
    seen: dict[str, Clause] = {}
    for c in clauses:
        first = seen.setdefault(c.clause_id, c)
        if first is not c:
            raise ValueError(
                f"条款编号重复：{c.clause_id} 出现两次（“{_place(first)}”与“{_place(c)}”），解析有误，未载入"
            )


def _place(c: Clause) -> str:
    return f"{c.label} {c.text[:20]}".strip()


@dataclass(frozen=True)
class ParsedDocument:
    """One document as the corpus holds it: metadata, the metadata file's bytes, clauses and report."""

    doc: Document
    meta_bytes: bytes
    clauses: list[Clause]
    report: ParseReport
    text_sha: str = ""  # sha256 of the text file's bytes


def parse_corpus_document(doc: Document, text: str, meta_bytes: bytes) -> ParsedDocument:
    """Parse one document's text into clauses with their units; ValueError when two clauses share an id."""
    from .units import assign_units  # units depends on clauses only; imported here to keep layers one-way

    doc_clauses, report = parse_document(text, doc.doc_id)
    check_unique_ids(doc_clauses)
    doc_clauses = assign_units(doc_clauses, province=doc.province, city=doc.city)
    return ParsedDocument(doc=doc, meta_bytes=meta_bytes, clauses=doc_clauses, report=report,
                          text_sha=hashlib.sha256(text.encode("utf-8")).hexdigest())


def file_order(name: str) -> tuple[int, str]:
    """Corpus files sort by their numeric prefix ("004_…" before "1000_…"), then by name."""
    head = name.split("_", 1)[0]
    return (int(head), name) if head.isdigit() else (1 << 62, name)


def assemble(parts: list[ParsedDocument]) -> Corpus:
    """The corpus of these parsed documents, in file order; ValueError on a repeated document id."""
    documents: dict[str, Document] = {}
    clauses: list[Clause] = []
    reports: dict[str, ParseReport] = {}
    digest = hashlib.sha256()
    parts = sorted(parts, key=lambda p: file_order(p.doc.file))
    for part in parts:
        if part.doc.doc_id in documents:
            raise ValueError(f"文档编号重复：{part.doc.doc_id}")
        # Hash what the parser made, not just the files: a parser change also makes an index stale.
        digest.update(part.meta_bytes)
        for c in part.clauses:
            digest.update(repr(c).encode("utf-8"))
        documents[part.doc.doc_id] = part.doc
        clauses.extend(part.clauses)
        reports[part.doc.doc_id] = part.report
    source = source_fingerprint([(p.meta_bytes, p.text_sha) for p in parts])
    return Corpus(documents=documents, clauses=clauses, reports=reports, fingerprint=digest.hexdigest()[:16],
                  source=source)


# The modules whose code turns a text into clauses (and ``parse_corpus_document``, which calls them): a
# change to any of them makes every parse stale.
_PARSER_MODULES = ("clauses.py", "units.py", "regions.py")


@functools.cache
def parser_fingerprint() -> str:
    import inspect

    h = hashlib.sha256(inspect.getsource(parse_corpus_document).encode("utf-8"))
    for name in _PARSER_MODULES:
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def source_fingerprint(files: list[tuple[bytes, str]]) -> str:
    """Hash of (metadata bytes, text sha256) of every document in file order, and of the parser's code."""
    h = hashlib.sha256(parser_fingerprint().encode())
    for meta_bytes, text_sha in files:
        h.update(hashlib.sha256(meta_bytes).digest())
        h.update(text_sha.encode())
    return h.hexdigest()[:16]


def metadata_files(corpus_dir: Path) -> list[tuple[Document, bytes]]:
    """Every document's metadata with its TOML file's bytes (each file read once), in file order."""
    found = []
    for path in corpus_dir.glob("*.toml"):
        raw = path.read_bytes()
        found.append((parse_metadata(raw, path), raw))
    return sorted(found, key=lambda dr: file_order(dr[0].file))


def read_source(corpus_dir: Path) -> tuple[list[tuple[Document, bytes]], str]:
    """The documents' metadata (with each metadata file's bytes) in file order, and the corpus's source
    fingerprint: what loading from the index needs, without parsing a text."""
    docs = metadata_files(corpus_dir)
    files = [(raw, hashlib.sha256(read_text(corpus_dir / doc.file).encode("utf-8")).hexdigest()) for doc, raw in docs]
    return docs, source_fingerprint(files)


def load_parts(corpus_dir: Path) -> list[ParsedDocument]:
    """Every document of ``corpus_dir`` (its ``*.toml`` metadata and the text each names), parsed."""
    return [parse_corpus_document(doc, read_text(corpus_dir / doc.file), raw) for doc, raw in metadata_files(corpus_dir)]


def load_corpus(corpus_dir: Path) -> Corpus:
    """Read every ``*.toml`` metadata file in ``corpus_dir`` and parse the text it names."""
    return assemble(load_parts(corpus_dir))


# ---------------------------------------------------------------- regions


def region_chain(region: str, documents: dict[str, Document] | None = None) -> list[str]:
    """A region's name and the names of every region above it, up to 全国 (萧山区, 杭州市, 浙江省, 全国).

    The tree is the national administrative-division table (``regions.py``). A region outside it
    (a development zone, a name the table lacks) is placed by the ``parent_region`` its documents
    give, and in any case lies in 全国: national documents apply everywhere.
    """
    g = gazetteer()
    known = g.get(region) or g.resolve(region)
    if known is not None:
        return [r.name for r in g.chain(known)]
    parents = {d.region: d.parent_region for d in (documents or {}).values() if d.parent_region}
    if region in parents and parents[region] != region:
        return [region, *region_chain(parents[region], documents)]
    return [region] if region == NATIONAL else [region, NATIONAL]


def covering_regions(region: str, documents: dict[str, Document]) -> list[str]:
    """The regions whose documents apply in ``region``: itself and every region above it."""
    return region_chain(region, documents)


def documents_for_region(region: str, documents: dict[str, Document]) -> list[Document]:
    """Documents that apply in ``region``, most specific first (a Wuhan firm: Wuhan, Hubei, national)."""
    chain = covering_regions(region, documents)
    docs = [d for d in documents.values() if d.region in chain]
    return sorted(docs, key=lambda d: (chain.index(d.region), d.doc_id))
