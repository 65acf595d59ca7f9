"""The three real laws in eval/laws/ and the forms users bring them in, made from the markdown.

Government sites publish laws as plain text or Word files, not markdown: no '#' marks, paragraphs
indented with full-width spaces, a full-width space after 第N条, the adoption line in brackets.
These helpers turn the markdown into those forms, so that every form is tested from one source.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAWS_DIR = REPO / "eval" / "laws"
LAWS = ("cybersecurity-law-2016", "algorithm-recommendation-rules-2021", "beijing-digital-economy-2022")

_ADOPTION = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 .*(通过|公布)$")


def law_md(name: str) -> str:
    return (LAWS_DIR / f"{name}.md").read_text(encoding="utf-8")


def plain_lines(md: str) -> list[str]:
    """The markdown as a government site prints it, one paragraph per entry (no blank lines)."""
    out: list[str] = []
    for line in md.splitlines():
        s = line.strip()
        if not s or s.startswith("<!--"):
            continue
        if s.startswith("# "):
            out.append(s[2:])  # the title, unindented
            continue
        s = re.sub(r"^#{2,6}\s*", "", s)
        if _ADOPTION.match(s):
            s = f"（{s.replace(' ', '')}）"
        s = re.sub(r"^(第[一二三四五六七八九十百零]+条) ", "\\1\u3000", s)
        s = re.sub(r"^(第[一二三四五六七八九十]+[章节]) ", "\\1\u3000", s)
        out.append("\u3000\u3000" + s)
    return out


def plain_txt(md: str) -> str:
    return "\n".join(plain_lines(md)) + "\n"


def write_docx(md: str, path: Path) -> Path:
    """A Word file of the plain text: one paragraph each, 第N条 in bold as many originals have it."""
    import docx

    d = docx.Document()
    for line in plain_lines(md):
        p = d.add_paragraph()
        m = re.match(r"^(\u3000*)(第[一二三四五六七八九十百零]+条)(.*)$", line)
        if m:
            p.add_run(m.group(1))
            p.add_run(m.group(2)).bold = True
            p.add_run(m.group(3))
        else:
            p.add_run(line)
    d.save(str(path))
    return path


def write_variants(name: str, folder: Path) -> dict[str, Path]:
    """The law as .md (UTF-8), .txt (UTF-8, no markdown), GBK .txt and .docx files in ``folder``."""
    md = law_md(name)
    paths = {
        "md": folder / f"{name}.md",
        "txt": folder / f"{name}.txt",
        "gbk": folder / f"{name}-gbk.txt",
        "docx": folder / f"{name}.docx",
    }
    paths["md"].write_text(md, encoding="utf-8")
    paths["txt"].write_text(plain_txt(md), encoding="utf-8")
    paths["gbk"].write_bytes(plain_txt(md).encode("gbk"))
    write_docx(md, paths["docx"])
    return paths
