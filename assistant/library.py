"""The document library: add your own policy files to corpus/, remove them, list them.

``add_document`` reads a .txt/.md (UTF-8 or GBK/GB18030), .docx or .pdf (with a text layer),
parses it into clauses, prints a parse report, writes the text (UTF-8 .txt) and a metadata TOML
into corpus/ and updates the index incrementally: only the new document's passages are embedded.

Every change is all-or-nothing: the new corpus is assembled and embedded aside first, then the
files are renamed into place; on any failure what was written is removed and the previous index
files are put back, so corpus/ and index/ are byte-for-byte as they were.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import index as index_mod
from .clauses import Clause, ParseReport, decode_bytes, parse_document
from .config import Config
from .corpus import Corpus, load_corpus, load_metadata
from .docfacts import MISSING_WARNINGS, DocFacts, document_facts
from .ingest.versions import latest_date
from .regions import LEVELS, NATIONAL, infer_region, resolve, short_form

Log = Callable[[str], None]

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
LEVEL_NAMES = {"national": "全国", "province": "省级", "city": "市级", "county": "区县级"}

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class LibraryError(ValueError):
    """A document cannot be added or removed; the message is one line, for the user."""


class RegionUnknown(LibraryError):
    """Neither the caller nor the title and issuer say which region a document belongs to."""


class DuplicateDocument(LibraryError):
    """The same text is already in the corpus (as ``doc_id``): a bulk add skips it, not fails."""

    def __init__(self, message: str, doc_id: str) -> None:
        super().__init__(message)
        self.doc_id = doc_id


@dataclass
class AddReport:
    doc_id: str
    text_file: str
    meta_file: str
    n_clauses: int
    clauses_per_level: dict[int, int]
    units: list[str]
    unplaced_lines: list[str] = field(default_factory=list)
    dropped_debris: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    embedded: int = 0  # passages that had to be embedded (the rest were reused from the index)
    metadata: dict = field(default_factory=dict)
    scheme: str = ""  # the parser's numbering scheme: "opinion" | "articles" | "paragraphs"
    structure: str = ""  # one line: the scheme and its counts ("条文式编号（第N条）：79 条，7 章，2 节，28 项")
    inferred: list[str] = field(default_factory=list)  # facts read from the text, one line each

    def lines(self) -> list[str]:
        levels = "，".join(f"{_LEVEL_NAMES.get(k, k)} {v} 条" for k, v in sorted(self.clauses_per_level.items()))
        out = [
            f"已加入 {self.doc_id}：{self.n_clauses} 个条款（{levels}）",
            f"  编号：{self.structure}",
        ]
        out += [f"  {line}" for line in self.inferred]
        out += [
            f"  识别到责任单位 {len(self.units)} 个" + (f"：{'、'.join(self.units[:10])}" if self.units else ""),
            f"  未归位的行 {len(self.unplaced_lines)} 行；丢弃的页码等杂项 {len(self.dropped_debris)} 处",
        ]
        out += [f"  未归位：{u[:60]}" for u in self.unplaced_lines[:5]]
        out += [f"  警告：{w}" for w in self.warnings]
        out.append(f"  文件：corpus/{self.text_file}、corpus/{self.meta_file}；新嵌入 {self.embedded} 个段落和句子")
        return out


_LEVEL_NAMES = {0: "正文前/文末/表头", 1: "一级", 2: "二级", 3: "三级"}


# ---------------------------------------------------------------- reading files


def extract_text(path: Path, config: Config | None = None) -> str:
    """The text of a .txt/.md/.docx/.pdf file; LibraryError with the reason when there is none.

    Read within the limits of ``config`` (README "Limits and security"): the file's size, a .docx's
    archive (members, uncompressed size, compression ratio: checked before anything is unpacked), a
    PDF's pages, and the characters of the text.
    """
    cfg = config or Config.from_env()
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise LibraryError(f"找不到文件：{path}")
    if suffix not in SUPPORTED:
        raise LibraryError(f"不支持的文件类型 {suffix or '（无扩展名）'}：只支持 {'、'.join(SUPPORTED)}")
    if not path.is_file():
        raise LibraryError(f"找不到文件：{path}")
    try:
        size = path.stat().st_size
        if size > cfg.max_upload_bytes:
            raise LibraryError(f"文件过大：{path.name} 有 {_mb(size)}，上限 {_mb(cfg.max_upload_bytes)}")
        raw = path.read_bytes()
    except OSError as e:
        raise LibraryError(f"无法读取文件 {path.name}：{e.strerror or e.__class__.__name__}") from None
    if not raw.strip():
        raise LibraryError(f"文件是空的：{path.name}")
    if suffix in (".txt", ".md"):
        if b"\x00" in raw:
            raise LibraryError(f"{path.name} 不是文本文件（含二进制内容）")
        try:
            text = decode_bytes(raw)
        except ValueError as e:
            raise LibraryError(f"{path.name}：{e}") from None
    elif suffix == ".docx":
        check_zip(path, raw, cfg)
        del raw
        text = _docx_text(path)
    else:
        del raw
        text = _pdf_text(path, cfg)
    text = _normalise(text)
    if not text.strip():
        raise LibraryError(f"文件中没有文字：{path.name}")
    _check_chars(path, len(text), cfg)
    return text


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n < 10_000_000 else f"{n / 1_000_000:.0f} MB"


def _check_chars(path: Path, n: int, cfg: Config) -> None:
    if n > cfg.max_document_chars:
        raise LibraryError(f"{path.name} 的文字过多（超过 {cfg.max_document_chars:,} 字的上限）：请拆成几份文件分别加入")


_EOCD = b"PK\x05\x06"


def check_zip(path: Path, raw: bytes, cfg: Config) -> None:
    """Refuse a zip-based file (.docx) whose archive is out of bounds, before a byte of it is unpacked.

    The member count is read from the end-of-central-directory record first (so that a directory of a
    million entries is never loaded), then every member's declared sizes, then the members themselves, in
    small pieces: a reader that asks for a whole member (python-docx does) gets it unpacked in one block
    before zipfile cuts it to the declared size, so a member that lies about its size would take the memory
    its real size needs. Read piece by piece, no more than the declared size is ever unpacked, and a member
    whose content does not match its header fails its CRC.
    """
    name = path.name
    end = raw.rfind(_EOCD, max(0, len(raw) - 66_000))
    if end < 0 or len(raw) - end < 22:
        raise LibraryError(f"无法读取 Word 文件 {name}：不是有效的 .docx（zip）文件，可能已损坏")
    entries = struct.unpack("<H", raw[end + 10 : end + 12])[0]
    if entries > cfg.max_zip_members:  # 0xFFFF (zip64: more than 65,534) is over any sane cap too
        raise LibraryError(f"{name} 的压缩包内文件过多（{entries} 个，上限 {cfg.max_zip_members} 个），不像正常的 Word 文件")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, struct.error):
        raise LibraryError(f"无法读取 Word 文件 {name}：不是有效的 .docx（zip）文件，可能已损坏") from None
    if len(infos) > cfg.max_zip_members:
        raise LibraryError(f"{name} 的压缩包内文件过多（{len(infos)} 个，上限 {cfg.max_zip_members} 个），不像正常的 Word 文件")
    total = sum(i.file_size for i in infos)
    if total > cfg.max_zip_bytes:
        raise LibraryError(f"{name} 解压后过大（{_mb(total)}，上限 {_mb(cfg.max_zip_bytes)}），可能是压缩炸弹，未读取")
    for i in infos:
        # Tiny members compress oddly; only a member big enough to matter is held to the ratio.
        if i.file_size > 1_000_000 and i.file_size > cfg.max_zip_ratio * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise LibraryError(f"{name} 中的 {i.filename} 压缩比异常（{ratio} 倍，上限 {cfg.max_zip_ratio} 倍），"
                               "可能是压缩炸弹，未读取")
    try:
        with zipfile.ZipFile(path) as z:
            for i in infos:
                with z.open(i) as member:
                    while member.read(1 << 16):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, zlib.error):
        raise LibraryError(f"{name} 的压缩包内容与其声明的大小不符或已损坏（可能是压缩炸弹），未读取") from None


def _docx_text(path: Path) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as e:  # noqa: BLE001 — python-docx raises many kinds for a broken file
        raise LibraryError(f"无法读取 Word 文件 {path.name}（{e.__class__.__name__}）：文件可能已损坏") from None
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat: keep each once
                    t = cell.text.strip().replace("\n", " ")
                    if t and (not cells or cells[-1] != t):
                        cells.append(t)
                if cells:
                    lines.append("｜".join(cells))
    return "\n".join(lines)


def _pdf_text(path: Path, cfg: Config) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise LibraryError(f"{path.name} 是加密的 PDF：请先解除密码保护")
        n_pages = len(reader.pages)
        if n_pages > cfg.max_pdf_pages:
            raise LibraryError(f"{path.name} 的页数过多（{n_pages} 页，上限 {cfg.max_pdf_pages} 页）：请拆成几份文件分别加入")
        pages: list[str] = []
        chars = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            _check_chars(path, chars, cfg)  # stop reading as soon as the text is over the cap
    except LibraryError:
        raise
    except Exception as e:  # noqa: BLE001 — pypdf raises many kinds for a broken file
        raise LibraryError(f"无法读取 PDF 文件 {path.name}（{e.__class__.__name__}）：文件可能已损坏") from None
    text = "\n".join(pages)
    if not text.strip():
        raise LibraryError(f"{path.name}：该 PDF 没有文字层（可能是扫描件），请先做 OCR")
    return text


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    # Control characters other than tab/newline are extraction noise.
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable() or ch == "\u3000")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def content_hash(text: str) -> str:
    """Hash of a text as the corpus holds it: the same words in another encoding hash the same."""
    return hashlib.sha256(_normalise(text).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- metadata


def region_slug(region: str) -> str:
    """Pinyin of a region's short name for document ids ("济南市" → "jinan"); "" for 全国."""
    from pypinyin import lazy_pinyin

    if not region or region == NATIONAL:
        return ""
    return re.sub(r"[^a-z0-9]+", "", "".join(lazy_pinyin(short_form(region))).lower())


def make_doc_id(region_slug: str, stem: str, year: int | None, text_hash: str, title: str = "") -> str:
    """region-stem-year from the file name; a file named in Chinese gives the initials of its title's pinyin
    instead (公司法(2018-10-26).md, 《中华人民共和国公司法》 → "gsf-2018")."""
    parts = [region_slug]
    ascii_stem = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    ascii_stem = re.sub(r"(^|-)(19|20)\d\d(?=-|$)", "", ascii_stem).strip("-")  # the year goes last
    if not re.search(r"[a-z]", ascii_stem):
        ascii_stem = _initials(title or stem)
    if parts[0] and (ascii_stem == parts[0] or ascii_stem.startswith(parts[0] + "-")):
        ascii_stem = ascii_stem[len(parts[0]) :].strip("-")
    parts.append(ascii_stem[:40].strip("-") or f"doc-{text_hash[:6]}")
    if year:
        parts.append(str(year))
    return "-".join(p for p in parts if p)


def _initials(title: str) -> str:
    from pypinyin import Style, lazy_pinyin

    name = re.sub(r"[（(][^）)]*[）)]", "", title)
    place = infer_region(name, "")
    if place is not None:  # the region is already the id's first part
        for prefix in ("中华人民共和国", place.name, short_form(place.name)):
            if prefix and name.startswith(prefix):
                name = name[len(prefix) :]
                break
    letters = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
    return re.sub(r"[^a-z0-9]+", "", letters.lower())[:16]


def resolve_region(region: str | None, level: str | None, title: str, issuer: str) -> tuple[str, str, str]:
    """(region, level, parent_region): the given region (normalised, "杭州" → 杭州市), else the one the
    title and issuer name (中华人民共和国…法 / 国务院… → 全国); LibraryError asking for --region when neither."""
    if level is not None and level not in LEVELS:
        raise LibraryError(f"level 必须是 {'、'.join(LEVELS)} 之一：{level}")
    if region and region.strip():
        found = resolve(region.strip())
        if found is None:
            raise LibraryError(f"无法识别地区“{region.strip()}”：请写省、市或区县名称，如 --region 杭州市；全国性文件用 --region 全国")
    elif level == "national":
        found = resolve(NATIONAL)
    else:
        found = infer_region(title, issuer)
        if found is None:
            raise RegionUnknown("无法从标题和发文机关确定所属地区：请用 --region 指定，如 --region 杭州市；全国性文件用 --region 全国")
    level = level or found.level
    if (found.level == "national") != (level == "national"):
        raise LibraryError(f"地区 {found.name} 与级别 {level} 不符：全国性文件的级别是 national")
    return found.name, level, found.parent


def _fact_lines(meta: dict, facts: DocFacts) -> list[str]:
    """The inferred facts, for the add report."""
    title_from = {"markdown": "取自 # 标题行", "first_line": "取自首行", "quoted": "取自《》"}
    lines = [
        f"标题：{meta['title'] or '（未识别，暂用文件名 ' + meta['title_reconstructed'] + '）'}"
        + (f"（{title_from[facts.title_source]}）" if meta["title"] and facts.title_source else ""),
        f"地区：{meta['region']}" + ("" if meta["level"] == "national" else
                                    f"（{LEVEL_NAMES.get(meta['level'], meta['level'])}，上级 {meta['parent_region']}）"),
        f"发文机关：{meta['issuer'] or '（未载明）'}；日期：{meta['issued'] or '（未载明）'}"
        + (f"（{_KIND_NAMES.get(meta['issued_kind'], meta['issued_kind'])}）" if meta["issued"] else ""),
        f"施行日期：{meta['effective'] or '（未载明）'}" + (f"；有效期至 {meta['valid_until']}" if meta["valid_until"] else ""),
    ]
    if meta["doc_number"]:
        lines.append(f"文号：{meta['doc_number']}")
    if meta["repeals"]:
        lines.append("废止：" + "、".join(f"《{t}》" for t in meta["repeals"]))
    lines += [f"修正/修订：{a}" for a in meta["amendments"]]
    return lines


_KIND_NAMES = {"adopted": "通过", "promulgated": "公布", "dated": "落款日期", "printed": "印发"}


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def metadata_toml(meta: dict) -> str:
    order = ("doc_id", "file", "title", "title_reconstructed", "title_note", "issuer", "doc_number", "region",
             "level", "parent_region", "issued", "issued_kind", "effective", "valid_until", "validity_note",
             "promulgation")
    lines = ["# Metadata for one document, added with `python -m assistant add`. Unknown stays empty."]
    lines += [f"{k} = {_toml_str(meta.get(k, ''))}" for k in order]
    for listed in ("amendments", "repeals"):
        lines.append(f"{listed} = [{', '.join(_toml_str(v) for v in meta.get(listed, ()))}]")
    lines.append("basis = []")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- add / remove / list


@contextmanager
def corpus_lock(config: Config) -> Iterator[None]:
    """One writer at a time: a second add or remove while one runs stops at once with a clear message.
    The lock is on the corpus folder itself (no lock file to leave behind), released when the process ends."""
    corpus_dir = Path(config.corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(corpus_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise LibraryError("另一个加入或删除文档的操作正在进行：请等它结束后再试") from None
        yield
    finally:
        os.close(fd)


def _load_embedder(config: Config, embedder, log: Log):
    if embedder is not None:
        return embedder
    from .embedder import load_embedder

    return load_embedder(config.embedder, config.model_cache_dir, log=log)


def _corpus_hashes(corpus_dir: Path) -> dict[str, str]:
    """content hash → doc_id of every document in the corpus."""
    out: dict[str, str] = {}
    for meta_path in corpus_dir.glob("*.toml"):
        doc = load_metadata(meta_path)
        try:
            out[content_hash(decode_bytes((corpus_dir / doc.file).read_bytes()))] = doc.doc_id
        except (OSError, ValueError):
            continue
    return out


def _next_prefix(corpus_dir: Path) -> int:
    heads = (p.name.split("_", 1)[0] for p in corpus_dir.glob("*.txt"))
    return max((int(h) for h in heads if h.isdigit()), default=-1) + 1


def check_doc_id(doc_id: str, config: Config | None = None) -> str:
    """The document id, stripped; LibraryError when it is too long or not a slug."""
    limit = (config or Config.from_env()).max_doc_id_chars
    doc_id = doc_id.strip()
    if len(doc_id) > limit:
        raise LibraryError(f"文档编号过长（{len(doc_id)} 个字符，上限 {limit} 个）：{doc_id[:20]}…")
    if not _SLUG.match(doc_id):
        raise LibraryError(f"文档编号只能用小写英文字母、数字和连字符：{doc_id!r}")
    return doc_id


@dataclass
class PreparedAdd:
    """A document parsed and its metadata inferred, with the corpus as it will be: nothing written yet."""

    report: AddReport
    corpus: Corpus
    files: dict[str, bytes]  # corpus file name → bytes to write


@dataclass
class Inferred:
    """One file read, checked and described: what would be written to corpus/, nothing written yet."""

    text: str
    digest: str
    meta: dict
    facts: DocFacts
    warnings: list[str]
    files: dict[str, bytes]  # corpus file name → bytes to write (the text, then its metadata)

    @property
    def doc_id(self) -> str:
        return self.meta["doc_id"]


def infer_document(
    config: Config, path: Path | str, *, existing_ids: set[str], hashes: dict[str, str], prefix: int,
    doc_id: str | None = None, region: str | None = None, title: str | None = None, issuer: str | None = None,
    level: str | None = None,
) -> Inferred:
    """Read one file and infer its metadata, given the corpus's document ids, content hashes (hash → id)
    and the next file prefix; LibraryError (one line) when it can't be added."""
    path = Path(path)
    if doc_id is not None:
        doc_id = check_doc_id(doc_id, config)  # before the file is read: a bad id is a quick, clear error
    text = extract_text(path, config)
    # The clause cap before anything else is inferred or staged: a huge parse stops here.
    n_clauses = len(parse_document(text, "doc")[0])
    if n_clauses > config.max_document_clauses:
        raise LibraryError(f"{path.name} 解析出的条款过多（{n_clauses:,} 个，上限 {config.max_document_clauses:,} 个）："
                           "请拆成几份文件分别加入")
    digest = content_hash(text)
    same = hashes.get(digest)
    if same:
        raise DuplicateDocument(f"内容与已有文档 {same} 完全相同，未重复加入", same)

    # Metadata: what the caller gave, else what the text prints, else empty with a warning.
    facts = document_facts(text)
    given = {"title": (title or "").strip(), "issuer": (issuer or "").strip()}
    printed_title = given["title"] or facts.title
    issuer = given["issuer"] or facts.issuer
    warnings = [MISSING_WARNINGS[name] for name in facts.missing if not given.get(name)]
    region, level, parent_region = resolve_region(region, level, printed_title, issuer)
    # The year of this version (its newest 修正/修订 line): two versions of a law get two ids.
    year_from = latest_date(facts.promulgation, facts.amendments, facts.issued, facts.effective)
    if doc_id is None:
        doc_id = make_doc_id(region_slug(region), path.stem, int(year_from[:4]) if year_from else None, digest,
                             printed_title)
        if doc_id in existing_ids:  # another file gave the same id: the content hash tells them apart
            doc_id = f"{doc_id}-{digest[:6]}"
    doc_id = check_doc_id(doc_id, config)
    if doc_id in existing_ids:
        raise LibraryError(f"文档编号 {doc_id} 已存在：请换一个 --doc-id，或先删除旧文档")
    text_file = f"{prefix:03d}_{digest[:16]}.txt"
    meta = {
        "doc_id": doc_id, "file": text_file, "title": printed_title,
        "title_reconstructed": "" if printed_title else path.stem,
        "title_note": "" if printed_title else "原文未识别到标题行；此名称取自上传的文件名",
        "issuer": issuer, "doc_number": facts.doc_number, "region": region, "level": level,
        "parent_region": parent_region, "issued": facts.issued, "issued_kind": facts.issued_kind,
        "effective": facts.effective, "valid_until": facts.valid_until, "validity_note": facts.effective_note,
        "promulgation": facts.promulgation, "amendments": list(facts.amendments), "repeals": list(facts.repeals),
    }
    files = {text_file: text.encode("utf-8"), f"{doc_id}.toml": metadata_toml(meta).encode("utf-8")}
    return Inferred(text=text, digest=digest, meta=meta, facts=facts, warnings=warnings, files=files)


def add_report(inferred: Inferred, clauses: list[Clause], parse: ParseReport) -> AddReport:
    """The report of one document about to be added, from its parse."""
    meta = inferred.meta
    units = sorted({u for c in clauses for u in (*c.lead_units, *c.participant_units)})
    return AddReport(
        doc_id=inferred.doc_id, text_file=meta["file"], meta_file=f"{inferred.doc_id}.toml", n_clauses=len(clauses),
        clauses_per_level=dict(parse.clauses_per_level), units=units, unplaced_lines=list(parse.unplaced_lines),
        dropped_debris=list(parse.dropped_debris), warnings=list(parse.warnings) + inferred.warnings,
        metadata=meta, scheme=parse.scheme, structure=parse.summary(), inferred=_fact_lines(meta, inferred.facts),
    )


def prepare_add(
    config: Config, path: Path | str, *, doc_id: str | None = None, region: str | None = None,
    title: str | None = None, issuer: str | None = None, level: str | None = None,
) -> PreparedAdd:
    """Read, parse and infer the metadata of one file; LibraryError (one line) when it can't be added.

    Facts the text does not print stay empty with a warning; only the region is required (given, or
    inferred from the title and issuer).
    """
    corpus_dir = Path(config.corpus_dir)
    inferred = infer_document(
        config, path, existing_ids={load_metadata(p).doc_id for p in corpus_dir.glob("*.toml")},
        hashes=_corpus_hashes(corpus_dir), prefix=_next_prefix(corpus_dir), doc_id=doc_id, region=region,
        title=title, issuer=issuer, level=level,
    )
    corpus = _stage_corpus(corpus_dir, add=inferred.files)
    clauses = [c for c in corpus.clauses if c.doc_id == inferred.doc_id]
    if not clauses:
        raise LibraryError(f"{Path(path).name} 中没有可用的条款文字")
    report = add_report(inferred, clauses, corpus.reports[inferred.doc_id])
    return PreparedAdd(report=report, corpus=corpus, files=inferred.files)


def add_document(
    config: Config, path: Path | str, *, doc_id: str | None = None, region: str | None = None,
    title: str | None = None, issuer: str | None = None, level: str | None = None, log: Log = print,
    embedder=None, dry_run: bool = False,
) -> AddReport:
    """Add one policy file to the corpus and the index; LibraryError (one line) when it can't be.

    ``dry_run``: parse, infer and check only, and return the report (``embedded`` 0) without embedding
    or writing anything: the web UI's preview before the user confirms.
    """
    prepared = prepare_add(config, path, doc_id=doc_id, region=region, title=title, issuer=issuer, level=level)
    if dry_run:
        return prepared.report
    return commit_add(config, prepared, embedder=embedder, log=log)


def commit_add(config: Config, prepared: PreparedAdd, *, embedder=None, log: Log = print) -> AddReport:
    """Write a prepared document into corpus/ and the index (embedding only its passages), then log the report."""
    report = prepared.report
    report.embedded = _commit(config, prepared.corpus, embedder, log, add=prepared.files, remove=())
    for line in report.lines():
        log(line)
    return report


def remove_document(config: Config, doc_id: str, *, log: Log = print, embedder=None) -> None:
    """Remove a document's text and metadata from corpus/ and its passages from the index."""
    corpus_dir = Path(config.corpus_dir)
    metas = {load_metadata(p).doc_id: p for p in corpus_dir.glob("*.toml")}
    if doc_id not in metas:
        raise LibraryError(f"没有这个文档：{doc_id}")
    meta_path = metas[doc_id]
    doc = load_metadata(meta_path)
    remove = (meta_path.name, doc.file)
    corpus = _stage_corpus(corpus_dir, add={}, remove=remove)
    _commit(config, corpus, embedder, log, add={}, remove=remove)
    log(f"已删除 {doc_id}（corpus/{doc.file}、corpus/{meta_path.name}），索引已更新")


def list_documents(config: Config) -> list[dict]:
    from .records import document_records

    return document_records(load_corpus(Path(config.corpus_dir)))


def _stage_corpus(corpus_dir: Path, *, add: dict[str, bytes], remove: tuple[str, ...] = ()) -> Corpus:
    """The corpus as it will be after the change, read from a scratch copy: corpus/ is not touched."""
    with tempfile.TemporaryDirectory(prefix="policyqa-stage-") as tmp:
        stage = Path(tmp)
        for p in corpus_dir.iterdir():
            if p.is_file() and not p.name.startswith(".") and p.name not in remove:
                shutil.copy2(p, stage / p.name)
        for name, data in add.items():
            (stage / name).write_bytes(data)
        try:
            return load_corpus(stage)
        except ValueError as e:
            raise LibraryError(f"加入后语料无法读取：{e}") from None


def _commit(config: Config, corpus: Corpus, embedder, log: Log, *, add: dict[str, bytes],
            remove: tuple[str, ...]) -> int:
    """Embed (reusing every unchanged passage), then swap corpus files and index in; undo on failure."""
    with corpus_lock(config):
        return _commit_locked(config, corpus, embedder, log, add=add, remove=remove)


def _commit_locked(config: Config, corpus: Corpus, embedder, log: Log, *, add: dict[str, bytes],
                   remove: tuple[str, ...]) -> int:
    embedder = _load_embedder(config, embedder, log)
    corpus_dir, index_dir = Path(config.corpus_dir), Path(config.index_dir)
    reuse = index_mod.existing_vectors(index_dir, embedder_name=embedder.name)
    asked: list[int] = []

    def embed(texts):
        asked.append(len(texts))
        return embedder.embed_passages(texts, progress=len(texts) > 64)

    vectors = index_mod.build(corpus, embed, embedder.name, embedder.dim, config.passage_chars,
                              config.passage_overlap, log=lambda m: None, reuse=reuse,
                              item_passages=config.item_passages)

    index_backup = {p.name: p.read_bytes() for p in index_dir.iterdir() if p.is_file()} if index_dir.is_dir() else None
    removed: dict[str, bytes] = {}
    written: list[Path] = []
    try:
        for name, data in add.items():
            tmp = corpus_dir / f".{name}.adding"
            written.append(tmp)
            tmp.write_bytes(data)
            os.replace(tmp, corpus_dir / name)
            written[-1] = corpus_dir / name
        for name in remove:
            removed[name] = (corpus_dir / name).read_bytes()
            (corpus_dir / name).unlink()
        index_mod.save(vectors, corpus.clauses, index_dir)
    except BaseException as e:
        for p in written:
            p.unlink(missing_ok=True)
        for name, data in removed.items():
            (corpus_dir / name).write_bytes(data)
        _restore_index(index_dir, index_backup)
        if isinstance(e, OSError):
            raise LibraryError(f"写入失败（{e.strerror or e.__class__.__name__}），语料和索引均未改动") from None
        raise
    return sum(asked)


def _restore_index(index_dir: Path, backup: dict[str, bytes] | None) -> None:
    try:
        if backup is None:
            if index_dir.is_dir():
                shutil.rmtree(index_dir, ignore_errors=True)
            return
        for p in index_dir.iterdir():
            if p.is_file() and p.name not in backup:
                p.unlink()
        for name, data in backup.items():
            target = index_dir / name
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
    except OSError:
        pass


# ---------------------------------------------------------------- leftovers of a crash

STALE_AFTER_S = 15 * 60  # no add or index write leaves a scratch file untouched for this long
_STARTED = time.time()


def _newest_mtime(p: Path) -> float:
    times = [p.lstat().st_mtime]
    if p.is_dir() and not p.is_symlink():
        times += [q.lstat().st_mtime for q in p.rglob("*")]
    return max(times)


def clean_stale(config: Config, log: Log = print) -> list[Path]:
    """Remove what a killed ``add`` or index write left behind: ``corpus/.*.adding``, ``index/.staging-*``
    and ``policyqa-stage-*`` in the temp folder. Only entries untouched since before this process
    started and for at least STALE_AFTER_S are removed, so another process's change in flight is never
    touched; a read-only folder is left as it is."""
    cutoff = min(_STARTED, time.time() - STALE_AFTER_S)
    candidates = [*Path(config.corpus_dir).glob(".*.adding"), *Path(config.index_dir).glob(".staging-*"),
                  *Path(tempfile.gettempdir()).glob("policyqa-stage-*")]
    removed: list[Path] = []
    for p in candidates:
        try:
            if _newest_mtime(p) >= cutoff:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
        except OSError:
            continue
    if removed:
        log(f"已清理上次中断留下的临时文件 {len(removed)} 个：" + "、".join(p.name for p in removed[:5])
            + ("…" if len(removed) > 5 else ""))
    return removed


# ---------------------------------------------------------------- command line


def register_cli(sub) -> None:
    r = sub.add_parser("remove", help="从语料库删除一个文档并更新索引")
    r.add_argument("doc_id", metavar="DOC_ID")
    r.set_defaults(func=_cmd_remove)

    ls = sub.add_parser("list", help="列出语料库中的文档")
    ls.add_argument("--json", action="store_true", help="输出 JSON")
    ls.set_defaults(func=_cmd_list)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _cli_error(e: Exception):
    from .cli import CLIError

    return CLIError(str(e))


def _cmd_remove(args) -> None:
    config = Config.from_env()
    clean_stale(config, _stderr)
    try:
        remove_document(config, args.doc_id, log=print)
    except LibraryError as e:
        raise _cli_error(e) from None


def _cmd_list(args) -> None:
    rows = list_documents(Config.from_env())
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        print(f"{r['doc_id']:<40} {r['region']:<6} {r['issued'] or '—':<10} {r['n_clauses']:>4} 条  {r['title']}")
