"""Questions about a numbered article ("网络安全法第二十一条说了什么？", "第六十条列了哪几种行为？"):
the article itself, every paragraph and item of it, each cited by its own id."""

from __future__ import annotations

import re

from ..answer_types import Answer
from ..clauses import Clause
from ..corpus import Corpus
from .context import Turn
from .evidence import Evidence

# 第N条 as the subject ("第二十一条是关于什么的"), not as a reference ("违反本法第二十一条的，罚多少").
_REFERENCE = re.compile(r"(?:违反|违背|依照|依据|根据|按照|适用|不履行|未履行)[^，。？?]{0,8}第[零〇一二三四五六七八九十百千两\d]+条")


def asked_article(turn: Turn, corpus: Corpus) -> Clause | None:
    """The article the question is about, when it names exactly one in one document (named, or the only
    document that narrowing left), and names it as its subject rather than as a cross-reference."""
    numbers = turn.articles
    if len(numbers) != 1 or _REFERENCE.search(turn.rewrite.question):
        return None
    doc_ids = turn.doc_ids or []
    found = [c for d in doc_ids if (c := corpus.clause(f"{d}#{numbers[0]}")) is not None]
    return found[0] if len(found) == 1 else None


# Asking what a clause says, all of it: "这一条具体有哪些内容", "具体怎么做", "讲了什么".
_ASKS_CONTENT = re.compile(r"这一?条|具体(?:有哪些|有什么|怎么|如何|内容|要求|做法|讲|说|是什么)|说了什么|讲了什么|写了什么|主要内容|全部内容")


def named_clause(turn: Turn, corpus: Corpus) -> Clause | None:
    """A clause the question names by its heading ("“加大政策扶持”这一条具体有哪些内容？", "发展目标有哪些？"):
    among the retrieved clauses, one whose heading (four characters or more) the question quotes, and that
    says more than its heading (a bare heading's list is listing's)."""
    q = turn.rewrite.question.replace("“", "").replace("”", "")
    if turn.route.kind != "fact" or not (_ASKS_CONTENT.search(q) or "list" in turn.route.asks):
        return None  # "会展服务平台由谁负责？" names a clause too, but asks who, not what it says
    for h in turn.hits[:8]:
        c = corpus.clause(h.clause_id)
        heading = c.heading.rstrip("。：:") if c is not None else ""
        if c is not None and c.level > 0 and len(heading) >= 4 and heading in q and len(c.text) > len(heading) + 10:
            return c
    return None


def compose(turn: Turn, ev: Evidence, article: Clause) -> Answer:
    corpus = ev.ctx.corpus
    cites = ev.ctx.citations()
    doc = corpus.documents[article.doc_id]
    crumbs = " › ".join(corpus.context_headings(article))
    lines = [f"《{doc.short_title}》{article.label}" + (f"（{crumbs}）" if crumbs else "") + "："]
    n = cites.add(article, article.text.split("\n")[0])
    lines += [f"{para} [{n}]" for para in article.text.split("\n") if para.strip()]
    for child in corpus.children(article):
        m = cites.add(child, child.text.split("\n")[0])
        lines.append(f"- {child.label.replace(article.label, '', 1)}{child.text.replace(chr(10), '')} [{m}]")
    return cites.answer(lines)
