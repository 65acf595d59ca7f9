"""The parser over real legal texts (../shared/lawrefbook, see its README): every line-initial 第N条 of
a text is one of its article clauses.

The measure: a plain regex counts the lines that open with 第N条 in the raw markdown; the parser must
give an article clause ``doc#N`` for each of those numbers. A slice of the library runs here (five files
spread over each top-level folder, by sorted order, and every judicial interpretation); the whole
library is measured with ``python -m tests.test_parse_library [FOLDER]``.

Also, on synthetic texts: judicial interpretations whose articles stand under 一、/二、 part headings are
written in articles, the headings being the breadcrumb (shared/spec/clause-ids.md), and opinions are not.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.clauses import ARTICLES, OPINION, cn_to_int, decode_bytes, parse_document

LAWREF = Path(__file__).resolve().parents[2] / "shared" / "lawrefbook"

# 第N条 opening a raw line, after optional markdown '#' and bold. 第N条之一 (an article inserted by an
# amendment, as in the criminal law) is counted apart: the clause-id contract has no id for it yet.
_RAW_ARTICLE = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*第([零〇一二三四五六七八九十百千两\d]{1,8})条(之[一二三四五六七八九十]+)?"
)


# Files of the slices where a line-initial 第N条 is rightly not an article: number → why.
KNOWN = {
    "宪法/宪法修正案（2018年）.md": (
        [123],
        "第五十二条 quotes the five articles it adds to the constitution (第一百二十三条…第一百二十七条) at "
        "line starts; they are its text, not articles of the amendment (124–127 still come out as clauses)",
    ),
}


def measure(text: str) -> dict:
    """Line-initial 第N条 markers of the raw text against the article clauses the parser gives."""
    numbers: list[int] = []
    inserted = 0
    for line in text.splitlines():
        m = _RAW_ARTICLE.match(line)
        if m and m.group(2):
            inserted += 1
        elif m:
            numbers.append(cn_to_int(m.group(1)))
    clauses, report = parse_document(text, "doc")
    articles = [int(c.path) for c in clauses if c.path.isdigit() and re.fullmatch(r"第.+条", c.label)]
    return {
        "raw": len(numbers) + inserted,
        "articles": len(articles),
        "missing": sorted(set(numbers) - set(articles)),  # printed as 第N条 at a line start, no clause N
        "inserted": inserted,
        "scheme": report.scheme,
    }


def library_files(folder: str = "") -> list[Path]:
    return sorted(p for p in (LAWREF / folder).rglob("*.md") if p.name != "README.md")


def spread_slice(per_folder: int = 5) -> list[Path]:
    """``per_folder`` files of each top-level folder, evenly spaced through its sorted list."""
    chosen: list[Path] = []
    for folder in sorted(p for p in LAWREF.iterdir() if p.is_dir()):
        files = library_files(folder.name)
        if len(files) <= per_folder:
            chosen += files
            continue
        step = (len(files) - 1) / (per_folder - 1)
        chosen += [files[round(k * step)] for k in range(per_folder)]
    return chosen


def _not_found(files: list[Path]) -> Iterator[str]:
    for path in files:
        rel = path.relative_to(LAWREF).as_posix()
        m = measure(decode_bytes(path.read_bytes()))
        if m["missing"] != KNOWN.get(rel, ([], ""))[0]:
            yield f"{rel}: 第N条 without a clause: {m['missing'][:10]}"


@pytest.fixture(scope="module")
def lawref() -> Path:
    if not LAWREF.is_dir():
        pytest.skip(f"{LAWREF} is not there")
    return LAWREF


def test_every_article_of_a_slice_of_the_library_is_found(lawref):
    files = spread_slice()
    assert len(files) >= 40
    start = time.perf_counter()
    assert list(_not_found(files)) == []
    assert time.perf_counter() - start < 20


def test_every_article_of_the_judicial_interpretations_is_found(lawref):
    files = library_files("司法解释")
    assert len(files) > 400
    assert list(_not_found(files)) == []


def test_part_headings_of_real_interpretations_are_breadcrumbs(lawref):
    path = lawref / "司法解释" / "最高人民法院关于适用《民法典》有关担保制度的解释(2020-12-31).md"
    if not path.exists():
        pytest.skip(f"{path.name} is not there")
    clauses, report = parse_document(path.read_text(encoding="utf-8"), "guarantee")
    by_path = {c.path: c for c in clauses}
    assert report.scheme == ARTICLES and report.articles == 71
    assert by_path["1"].sections == ("一、关于一般规定",)
    assert by_path["37"].sections == ("三、关于担保物权", "（一）担保合同与担保物权的效力")
    assert by_path["46"].sections == ("三、关于担保物权", "（二）不动产抵押")
    assert by_path["4.1"].parents == ("4",)  # an item inside an article stays an item
    assert not any("不动产抵押" == line for c in clauses for line in c.text.split("\n"))


# ---------------------------------------------------------------- synthetic texts

INTERPRETATION = """\
# 最高人民法院关于审理某类案件适用法律若干问题的解释

<!-- INFO END -->

## 一、一般规定

第一条 为正确审理某类案件，制定本解释。

第二条 人民法院审理某类案件，应当依法进行：

（一）查明事实；

（二）适用法律。

## 二、附则

第三条 本解释自2021年1月1日起施行。
"""


def test_articles_under_part_headings_are_articles_with_the_headings_as_breadcrumb():
    clauses, report = parse_document(INTERPRETATION, "doc")
    by_id = {c.clause_id: c for c in clauses}
    assert report.scheme == ARTICLES and report.articles == 3
    assert [c.clause_id for c in clauses if c.level == 1] == ["doc#1", "doc#2", "doc#3"]
    assert by_id["doc#1"].sections == ("一、一般规定",)
    assert by_id["doc#2"].sections == ("一、一般规定",)
    assert by_id["doc#2.2"].parents == ("2",) and by_id["doc#2.2"].text == "适用法律。"
    assert by_id["doc#3"].sections == ("二、附则",)
    # the headings are breadcrumbs, not text of the article above them or of the preamble
    assert by_id["doc#2.2"].text == "适用法律。" and "附则" not in by_id["doc#2"].text
    assert "一般规定" not in by_id["doc#0"].text
    assert report.divisions == {"部分": 2} and report.warnings == []


def test_sub_part_headings_between_articles_are_breadcrumbs_and_items_stay_items():
    text = (
        "一、总则\n第一条 目的。\n二、担保物权\n（一）一般规定\n第二条 有下列情形之一的：\n（一）甲；\n（二）乙。\n"
        "（二）不动产抵押\n第三条 抵押。\n三、附则\n第四条 施行。\n"
    )
    clauses, report = parse_document(text, "doc")
    by_path = {c.path: c for c in clauses}
    assert [p for p, c in by_path.items() if c.level == 1] == ["1", "2", "3", "4"]
    assert by_path["2"].sections == ("二、担保物权", "（一）一般规定")
    assert [by_path["2.1"].text, by_path["2.2"].text] == ["甲；", "乙。"]
    assert by_path["3"].sections == ("二、担保物权", "（二）不动产抵押")
    assert by_path["4"].sections == ("三、附则",)
    assert report.warnings == []


def test_a_table_of_contents_of_part_headings_stays_in_the_preamble():
    text = "某解释\n二、回避\n三、附则\n一、管辖\n第一条 管辖。\n二、回避\n第二条 回避。\n三、附则\n第三条 施行。\n"
    clauses, _ = parse_document(text, "doc")
    by_path = {c.path: c for c in clauses}
    assert by_path["0"].text == "某解释\n二、回避\n三、附则"
    assert [by_path[p].sections for p in "123"] == [("一、管辖",), ("二、回避",), ("三、附则",)]


def test_an_amending_decision_before_the_amended_text_is_read_as_articles():
    text = (
        "现决定对《解释》作如下修改：\n一、删除《解释》第一条第二项。\n二、增加一条。\n附：\n某解释\n"
        + "".join(f"第{n}条 第{n}条的内容，足够长的一段文字，说明这一条规定了什么。\n" for n in "一二三四五")
    )
    clauses, report = parse_document(text, "doc")
    assert report.scheme == ARTICLES
    assert [c.path for c in clauses] == ["0", "1", "2", "3", "4", "5"]
    assert "一、删除《解释》第一条第二项。" in clauses[0].text


def test_a_book_of_a_code_counts_its_articles_from_the_first_printed_with_a_warning():
    text = "## 第一章 一般规定\n第二百零五条 本编调整物的归属。\n第二百零六条 国家坚持公有制。\n第二百零七条 物权受保护。\n"
    clauses, report = parse_document(text, "book")
    assert report.scheme == ARTICLES
    assert [c.path for c in clauses] == ["205", "206", "207"]
    assert clauses[0].sections == ("第一章 一般规定",)
    assert report.warnings == ["条号从第二百零五条开始，没有第一条（文本不全，或是一部法律中的一编）"]


def test_an_opinion_quoting_articles_in_a_small_part_stays_an_opinion():
    body = "加快发展平台经济，培育一批有影响力的平台企业，形成完善的平台经济生态体系。" * 4
    text = (
        f"一、总体要求\n（一）指导思想。{body}\n（二）发展目标。{body}\n二、重点任务\n（一）建设平台。{body}\n"
        "附：有关规定摘录\n第一条 摘录一。\n第二条 摘录二。\n"
    )
    clauses, report = parse_document(text, "op")
    assert report.scheme == OPINION
    assert [c.path for c in clauses] == ["1", "1.1", "1.2", "2", "2.1"]


def test_part_like_lines_inside_articles_of_a_law_stay_text():
    # a law numbered from 第一条: 一、 lines that do not head an article are not parts
    text = "第一条 目的。\n第二条 下列用语：\n一、平台\n二、经营者\n第三条 施行。\n"
    clauses, report = parse_document(text, "law")
    by_path = {c.path: c for c in clauses}
    assert [p for p, c in by_path.items() if c.level == 1] == ["1", "2", "3"]
    assert "二、经营者" in by_path["2"].text
    assert all(c.sections == () for c in clauses) and report.divisions == {}


# ---------------------------------------------------------------- the whole library, by hand


def main(folder: str = "") -> None:
    """Print, for every file under FOLDER, the files whose raw 第N条 count differs from the parse."""
    start = time.perf_counter()
    files = library_files(folder)
    mismatched = 0
    for path in files:
        m = measure(decode_bytes(path.read_bytes()))
        if m["raw"] != m["articles"] or m["missing"]:
            mismatched += 1
            print(
                f"{m['raw']:5} {m['articles']:5} {m['scheme']:10} 之N={m['inserted']:<3} "
                f"missing={m['missing'][:6]} {path.relative_to(LAWREF)}"
            )
    print(f"{mismatched} of {len(files)} files differ; {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:2])
