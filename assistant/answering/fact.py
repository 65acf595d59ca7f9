"""Fact questions: the sentences that hold what was asked, quoted with their clauses.

Sentence-level evidence (evidence.rank_sentences): every sentence of the best clauses is scored by
the question's words it holds and by holding what the question asks for (a figure, a date, a period,
a duty, a definition, a penalty). The answer is the smallest set of sentences that covers it:

* a direct "答：" line when the question asks for a figure, date, period, definition or penalty —
  only from a sentence that holds both that and the question's own subject, never a figure that
  answers something else;
* a list question gets the whole enumeration (listing.py);
* then the supporting sentences, one to three clauses, each quoted with its [n].

When the documents that apply hold nothing on the question's subject, the answer is a refusal that
says where else the corpus does speak of it (refusal.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from ..answer_types import Answer
from ..clauses import Clause, cn_to_int
from ..docrefs import article_numbers, cited_articles, cited_items
from ..retrieval import Filters
from ..routing import PUNISH
from ..sentences import offers
from ..sentences import split as split_sentences
from ..values import asked_measure, asked_value_kind
from . import listing
from .context import Turn
from .evidence import (
    ANSWER_KINDS,
    Evidence,
    Scored,
    closes_series,
    has_content,
    holds_value,
    item_lead_in,
    list_head,
    list_noun,
    lists_of,
)
from .refusal import refuse, refuse_absent

MAX_FACT_CLAUSES = 3
# A clause quoted beside the best must score at least this share of it.
SUPPORTING_SHARE = 0.7
# Retrieval's first clause is quoted too when it scores at least this share of the best: lay words
# (房东, 停暖) leave the law's own sentence few shared words, and meaning put it first.
FIRST_SHARE = 0.3
# ... and when no sentence holds even this share of the question's words, its first LAY_FIRST clauses are
# (chosen on dev among 0.15–0.3 and 2–3: dev key facts 0.810 → 0.814, test 0.857 → 0.881).
LAY_LEX = 0.15
LAY_FIRST = 3
# Evidence "nearly as good as the best" that can make its list the answer. Tighter than a supporting quote's
# share: closeness in meaning adds up to DENSE_WEIGHT to every sentence, so shares of the best run high.
CLOSE_SHARE = 0.75
MAX_FOCUS_SENTENCES = 10
MAX_ITEMS = 8  # items of a quoted lead-in shown in full; of a longer list, the best half of that
_ASKED = re.compile(r"([\u4e00-\u9fff]{2,6})(?:是|为|有|要|大概|一共|总共|控制在)?(?:多少|几)")
# Below this share of the question in its best sentence, the documents that apply may simply not
# speak of the question's subject (then refuse_absent says so, and where else it is spoken of).
ABSENT_LEX = 0.5
# What a direct answer line can be asked for; a duty or target is answered by the quotes themselves.
_DIRECT = ("money", "figure", "date", "duration", "definition", "penalty", "contact")


def compose(turn: Turn, ev: Evidence) -> Answer:
    ctx = ev.ctx
    q = turn.rewrite.question
    asks = turn.route.asks
    skip = turn.rewrite.skip
    hit_clauses = ev.clauses(turn.hits)
    clauses = [c for c in hit_clauses if has_content(c)][:8]
    if not clauses:
        return refuse(ctx, "")
    ranked = ev.rank_sentences(q, clauses, asks)
    if not ranked:
        return refuse(ctx, "")
    duty_of: dict[str, Scored] = {}
    if "penalty" in asks and PUNISH.search(q):
        ranked, duty_of = _penalties_for_duties(ranked)
    # "“噪声敏感建筑物”指的是哪些房子？" asks for a definition in list words: the definition found answers it.
    defined = "definition" in asks and "definition" in ranked[0].sentence.offers
    if "list" in asks and not skip and not defined:
        # The whole enumeration, unless one sentence already lists it all ("工业云、农业云、…") and fits better.
        listed = turn.focus_clauses(ctx.corpus) or hit_clauses[:6]
        found = listing.enumerations(ev, q, listed)
        # A sentence that lists things ("、…、…") competes with the enumeration only when it lists the kind
        # asked ("哪些基本条件": not "注重生活性、趣味性和多样性").
        head = list_head(q)
        best = ranked[0].sentence.text
        inline = ranked[0] if "list" in ranked[0].sentence.offers and (
            not head or lists_of(head, best) or closes_series(list_noun(q), best)) else None
        # A list whose heading the question names ("重点任务有哪些？" → 二、重点任务) is the list asked for.
        named = bool(found) and len(heading := found[0].parent.heading.rstrip("。：:")) >= 2 and heading in q
        if found and found[0].score >= 0.5 and (inline is None or named or found[0].score >= inline.lex):
            return listing.compose(turn, ev, found[0])
        # Whatever words the question uses, the best evidence that announces a list ("有下列情形之一的，不得
        # 超车：") or is one of its items makes that list the answer — evidence nearly as good as the best
        # (the bar _supporting sets), not a weaker sentence that happens to be an item of some list.
        # A question in several parts ("必须签书面合同吗？合同里要写哪些内容？") brings each part's best too.
        parts = ev.question_parts(q)
        close = _close(ranked)
        close += [s for part in (parts if len(parts) >= 2 else []) for s in _close(ev.rank_sentences(part, clauses, asks))]
        if (announced := listing.announced_by(found, close)) is not None:
            return listing.compose(turn, ev, announced)
    if turn.rewrite.kind == "focus" and (answer := _from_focus(turn, ev)) is not None:
        return answer
    # Whether this evidence answers at all is the calibrated decision's (decision.py), made on the composed
    # answer; here only the region scope: a subject that only documents not applying here speak of.
    if ranked[0].lex < ABSENT_LEX and turn.rewrite.kind == "none":
        absent = _absent_subject(turn, ev, clauses[:5], ranked[0].lex)
        if absent is not None:
            return absent
    cites = ctx.citations()
    lines: list[str] = []
    direct = _direct(q, asks, ranked, _asked_noun(ev, q), _holds_subject(ev, q))
    used: set[tuple[str, int]] = set()
    if direct is not None:
        text, indices = _whole_sentence(direct)
        used = {(direct.clause.clause_id, i) for i in indices}
        n = cites.add(direct.clause, text)
        lines.append(f"答：{text}{ev.past_target_note(text)} [{n}]")
    body = _supporting(ranked, skip, exclude=used, parts=_part_answers(ev, q, clauses, asks) if not skip else [])
    if not body and not lines:
        return ctx.citations().answer(["前面的回答已列出全部相关条款，没有更多内容了。"])
    # A penalty that says only "违反本法第三十五条规定的" is read with the duty it cites, quoted under it.
    main = direct.clause if direct is not None else body[0][0] if body else None
    duty = duty_of.get(main.clause_id) if main is not None else None
    if duty is not None and any(c is duty.clause for c, _, _ in body):
        duty = None
    if body or duty is not None:
        lines.append("依据：" if lines else "根据现有文件：")
        shown: set[str] = set()

        def quote_once(source: Clause, said: str) -> None:
            if said not in shown:
                shown.add(said)
                lines.append(f"- {said} [{cites.add(source, said)}]")

        for clause, quotes, best in body:
            if turn.full_clauses:
                lines.append(f"- {clause.label}{clause.text} [{cites.add(clause, best)}]")
                continue
            # An item ("对商品或者服务作虚假或者引人误解的宣传的；") says nothing without the lead-in that
            # announces it ("经营者有下列情形之一的，…处…罚款：") and what its article says of it by number.
            lead, named = _item_context(ctx.corpus, clause)
            for parent, said in lead:
                quote_once(parent, said)
            n = cites.add(clause, best)
            for s in quotes:
                if s in shown:  # a lead-in already shown above an item is not quoted again
                    continue
                shown.add(s)
                lines.append(f"- {s}{ev.past_target_note(s)} [{n}]")
                # A quoted lead-in ("如果查明属于以下情形，人民法院应当予以支持：") says nothing without what it announces.
                if s.rstrip().endswith(("：", ":")):
                    for item, said in _announced_items(ev, q, clause):
                        quote_once(item, said)
            for parent, said in named:
                quote_once(parent, said)
            if duty is not None:
                lines.append(_duty_line(duty, cites))
                duty = None
    if duty is not None:
        lines.append(_duty_line(duty, cites))
    return cites.answer(lines)


def _duty_line(duty: Scored, cites) -> str:
    """The duty a penalty names by number, labelled with its article ("第三十五条：旅行社不得…")."""
    return f"- {duty.clause.label}：{duty.sentence.text} [{cites.add(duty.clause, duty.sentence.text)}]"


def _from_focus(turn: Turn, ev: Evidence) -> Answer | None:
    """A follow-up that points back ("分别要建多少个？", "这一条里还提到了哪些资金支持？") is answered from the
    clauses the previous answer cited (and their items), scored by the follow-up's own words when it has
    any: every sentence there that holds what it asks, in document order. None when they hold nothing."""
    focus = turn.focus_clauses(ev.ctx.corpus)
    # A document's opening (title, 文号) was cited for where it comes from, not for what it says.
    focus = [c for c in focus if c.level > 0] or focus
    if not focus:
        return None
    own = turn.question if ev.content_tokens(turn.question) else turn.rewrite.question
    asked = turn.route.asks
    wanted = asked & ANSWER_KINDS - {"list", "duty"}
    ranked = [s for s in ev.rank_sentences(own, focus, asked) if not s.sentence.heading
              and not s.sentence.lead_in]
    if wanted:
        picked = [s for s in ranked if wanted & s.sentence.offers]
    else:
        picked = [s for s in ranked if s.lex > 0]
    if not picked:
        return None
    best = picked[0].score
    picked = [s for s in picked if s.score >= 0.5 * best][:MAX_FOCUS_SENTENCES]
    # Each with its other half when it is cut at "；" ("责令限期改正；逾期不改正的，处…罚款").
    by_clause = _by_clause(ranked)
    picked = [x for cid in dict.fromkeys(s.clause.clause_id for s in picked)
              for x in _with_continuation(by_clause[cid], [s for s in picked if s.clause.clause_id == cid])]
    order = {c.clause_id: i for i, c in enumerate(focus)}
    picked.sort(key=lambda s: (order[s.clause.clause_id], s.sentence.index))
    cites = ev.ctx.citations()
    lines = ["根据现有文件："]
    for s in picked:
        n = cites.add(s.clause, s.sentence.text)
        lines.append(f"- {s.sentence.text}{ev.past_target_note(s.sentence.text)} [{n}]")
    return cites.answer(lines)


def _announced_items(ev: Evidence, q: str, clause: Clause) -> list[tuple[Clause, str]]:
    """The items a clause's lead-in announces, as printed: all of them up to MAX_ITEMS, else those that hold
    most of the question, in document order."""
    items = [c for c in ev.ctx.corpus.children(clause) if c.path.count(".") == clause.path.count(".") + 1]
    if len(items) > MAX_ITEMS:
        best = {s.clause.clause_id for s in ev.rank_sentences(q, items)[:MAX_ITEMS // 2]}
        items = [c for c in items if c.clause_id in best]
    return [(c, c.text) for c in items if c.text]


def _close(ranked: list[Scored]) -> list[Scored]:
    """The best three sentences that score nearly as well as the best one."""
    return [s for s in ranked[:3] if s.score >= CLOSE_SHARE * ranked[0].score]


def _penalties_for_duties(ranked: list[Scored]) -> tuple[list[Scored], dict[str, Scored]]:
    """"没有保存直播内容会怎么罚？": the question's words are in the duty (第十条 …应当保存…), the penalty is in
    the article that cites it (第二十五条 违反本办法第八条、第十条规定的，…罚款). A sentence that cites the
    article of a better-matching duty inherits that duty's match. Returned with, per penalty clause, the
    best sentence of the duty it cites (the best-matching one when it cites several)."""
    best: dict[int, Scored] = {}
    for s in ranked:
        number = s.clause.path.split(".")[0]
        if number.isdigit() and "penalty" not in s.sentence.offers:
            best.setdefault(int(number), s)
    duty_of: dict[str, Scored] = {}
    if not best:
        return ranked, duty_of
    out = []
    for s in ranked:
        items = cited_items(s.sentence.text)
        duties = [best[n] for n in cited_articles(s.sentence.text)
                  if n in best and best[n].clause.doc_id == s.clause.doc_id and _same_item(best[n].clause, n, items)]
        if "penalty" in s.sentence.offers and duties:
            duty = max(duties, key=lambda d: d.lex)
            if duty.lex > getattr(duty_of.get(s.clause.clause_id), "lex", -1.0):
                duty_of[s.clause.clause_id] = duty
            if duty.lex > s.lex:
                s = replace(s, score=s.score + (duty.lex - s.lex), lex=duty.lex)
        out.append(s)
    return sorted(out, key=lambda x: (-x.score, x.rank, x.sentence.index)), duty_of


def _same_item(duty: Clause, number: int, items: set[tuple[int, int]]) -> bool:
    """A sentence citing "第十五条第（一）项" is not about the duty in 第十五条（三）."""
    parts = duty.path.split(".")
    named = {k for n, k in items if n == number}
    return len(parts) < 2 or not named or (parts[1].isdigit() and int(parts[1]) in named)


def _asked_noun(ev: Evidence, q: str) -> str:
    """The thing a "多少/几" question asks the figure of ("联系电话是多少" → 电话), when it is a rare word of
    the corpus: a direct answer must name it. Common words (补贴, 比例) are matched by meaning instead."""
    m = _ASKED.search(q)
    if not m:
        return ""
    noun = m.group(1).rsplit("的", 1)[-1]
    return next((t for t in ev.specific_terms(q) if t in noun or noun.endswith(t)), "")


def _about_articles(s: Scored, articles: list[int]) -> bool:
    number = s.clause.path.split(".")[0]
    return (number.isdigit() and int(number) in articles) or bool(cited_articles(s.sentence.text) & set(articles))


def _holds_subject(ev: Evidence, q: str) -> Callable[[Scored], bool]:
    """Does a sentence (with its headings) hold the question's subject: its rarest word that the corpus has
    at all? "单项冠军企业奖励多少钱？" is not answered by a grant for 500强 headquarters in the next
    clause, when 单项冠军 is only in a target sentence."""
    corpus = ev.ctx.corpus
    # The rarest the corpus uses at all: a word it never uses is the asker's, not a subject to find.
    subject = [t for t in ev.specific_terms(q) if ev.in_corpus(t)][:1]

    def holds(s: Scored) -> bool:
        around = s.sentence.text + s.clause.heading + "".join(corpus.context_headings(s.clause))
        return not subject or any(ev.found(t, around) for t in subject)
    return holds


def _direct(q: str, asks: frozenset[str], ranked: list[Scored], noun: str = "",
            holds_subject: Callable[[Scored], bool] = lambda s: True) -> Scored | None:
    """The best sentence holding what the question asks for and its subject, if it is close to the best.
    Asked about the penalty for an article ("违反第十一条罚款多少？"), only a sentence of or citing that article."""
    articles = article_numbers(q)
    wanted = asks & set(_DIRECT)
    if "contact" in wanted:
        wanted = {"contact"}  # "电话是多少" is not answered by any figure
    if "money" in wanted:
        wanted -= {"figure"}  # "多少钱" is not answered by a year or a count
    if not wanted:
        return None
    best = ranked[0].score
    asked, measure = asked_value_kind(q), asked_measure(q)
    for s in ranked:
        if s.score < 0.5 * best or s.sentence.heading:
            break
        text = _whole_sentence(s)[0]
        if not (wanted & offers(text)) or (asked and not holds_value(asked, text, "penalty" in asks, measure)):
            continue  # "要满多少岁" is not answered by a speed limit, "多少钱" by a year, nor a fee by a fine
        if s.lex < 0.3 or (noun and noun not in s.sentence.text):
            continue  # holds a figure, but not about what was asked
        if articles and "penalty" in wanted | asks and not _about_articles(s, articles):
            continue  # a penalty for breaking other articles than the ones asked about
        if "penalty" not in asks and not holds_subject(s):
            continue  # a penalty is about the duty it cites, which may use other words
        return s
    return None


def _part_answers(ev: Evidence, q: str, clauses: list[Clause], asks: frozenset[str]) -> list[Scored]:
    """For a question in several parts ("要用户提供什么？用户不给怎么办？"), the best sentence for each part:
    each part is answered, not only the one that shares most words with the whole — by meaning when the
    part shares no word with the text ("能找谁核对？" → "可以申请受委托银行复核")."""
    parts = ev.question_parts(q)
    if len(parts) < 2:
        return []
    out = []
    for part in parts:
        ranked = ev.rank_sentences(part, clauses[:3], asks)
        best = next((s for s in ranked if not s.sentence.heading), None)
        if best is not None:
            out.append(best)
    return out


def _by_clause(ranked: list[Scored]) -> dict[str, list[Scored]]:
    """The ranked sentences grouped by clause, best clause first, each group best sentence first."""
    out: dict[str, list[Scored]] = {}
    for s in ranked:
        out.setdefault(s.clause.clause_id, []).append(s)
    return out


# What follows when a duty is not met ("逾期不申请的，…", "逾期仍不缴存的，…", "拒不改正的，…"): the rest of it.
_CONSEQUENCE = re.compile(r"(?:逾期|到期|期满)?(?:仍|还)?(?:不|未|拒不|没有)[^，。；]{0,12}的，")  # at a piece's start (match)


_ESCALATES = re.compile(rf"情节(?:较重|严重|特别严重|恶劣)的，|{_CONSEQUENCE.pattern}")


def _with_continuation(ss: list[Scored], picked: list[Scored]) -> list[Scored]:
    """A piece that ends in "；" is half of one sentence: the piece after it comes with it ("发现…风险时，
    应当立即采取补救措施；发生数据安全事件时，应当…告知用户…"); so does a sentence saying what follows when it
    is not done ("…生效后三个月内申请强制执行。逾期不申请的，人民法院应当裁定解除保全措施。"), and a piece
    that escalates ("情节严重的，…") brings the one it escalates from."""
    by_index = {x.sentence.index: x for x in ss}
    out = list(picked)
    have = {x.sentence.index for x in out}
    for x in picked:
        # "情节严重的，…处…罚款" or "拒不改正的，…" goes further than the sentence before it: that one comes too.
        i = x.sentence.index
        while i - 1 in by_index and _ESCALATES.match(by_index[i].sentence.text) and not by_index[i - 1].sentence.heading:
            i -= 1
            if i not in have:
                out.append(by_index[i])
                have.add(i)
    for x in list(out):
        i = x.sentence.index
        while i + 1 in by_index and by_index.get(i) and (by_index[i].sentence.text.endswith(("；", ";"))
                                                          or _CONSEQUENCE.match(by_index[i + 1].sentence.text)):
            i += 1
            if i not in have and not by_index[i].sentence.heading:
                out.append(by_index[i])
                have.add(i)
    return out


def _whole_sentence(s: Scored) -> tuple[str, list[int]]:
    """The piece with the pieces it runs on into after "；" (one sentence of the law: "…给予警告；拒不改正
    的，处十万元以上一百万元以下罚款"), verbatim, and their indices; the piece alone if they are not."""
    pieces = split_sentences(s.clause.text)
    i = s.sentence.index
    text, indices = s.sentence.text, [i]
    while text.endswith(("；", ";")) and i + 1 < len(pieces) and not pieces[i + 1].item:
        i += 1
        if text + pieces[i].text not in s.clause.text:
            break
        text, indices = text + pieces[i].text, [*indices, i]
    return text, indices


def _supporting(ranked: list[Scored], skip: int, exclude: set[tuple[str, int]] = frozenset(),
                parts: list[Scored] = ()) -> list[tuple[Clause, list[str], str]]:
    """Up to three clauses nearly as good as the best, each with its one or two best sentences in document
    order (a sentence cut at "；" with its other half), the best sentence of each part of a question in
    several parts, and the best of them (what the citation quotes)."""
    by_clause = _by_clause(ranked)
    order = sorted(by_clause.values(), key=lambda ss: -ss[0].score)[skip:]
    if not order:
        return []
    top = order[0][0].score
    keep = order[:MAX_FACT_CLAUSES]
    keep = [ss for ss in keep if ss[0].score >= SUPPORTING_SHARE * top]
    # A question in words the text does not use (best lex under LAY_LEX) leaves meaning alone to order
    # the evidence, and retrieval ordered it with the whole question: its first clauses are quoted too.
    lay = max(x.lex for x in ranked) < LAY_LEX
    for r in range(LAY_FIRST if lay else 1):
        first = next((ss for ss in order if ss[0].rank == r), None)
        if first is not None and all(ss is not first for ss in keep) and first[0].score >= FIRST_SHARE * top:
            keep.append(first)
    out = []
    for ss in keep:
        cid = ss[0].clause.clause_id
        shown = {i for c, i in exclude if c == cid}  # in the 答： line already
        picked = [x for x in ss if not x.sentence.heading and x.sentence.index not in shown][:2]
        picked = picked[:1] + [x for x in picked[1:] if x.score >= 0.6 * picked[0].score]
        if not picked and shown:
            continue
        if not picked:
            picked = ss[:1]
        have = {x.sentence.index for x in picked} | shown
        picked += [x for x in parts if x.clause is ss[0].clause and x.sentence.index not in have]
        picked = [x for x in _with_continuation(ss, picked) if x.sentence.index not in shown]
        out.append((ss[0].clause, [x.sentence.text for x in sorted(picked, key=lambda x: x.sentence.index)],
                    picked[0].sentence.text))
    return out


def _item_context(corpus, clause: Clause) -> tuple[list[tuple[Clause, str]], list[tuple[Clause, str]]]:
    """For an item of a list: its parent's lead-in sentence, whole ("经营者有下列情形之一…；…处…罚款：",
    "职工有下列情形之一的，视同工伤：" — what the list is, and what its items bring about), and
    the parent's sentences that name the item by number ("有前款第二项、第四项情形之一的，可以并处吊销…"), each
    as (parent, sentence)."""
    # A definition ("网络安全，是指…") says all it means itself; "本法下列用语的含义：" adds nothing to it.
    found = None if "definition" in offers(clause.text) else item_lead_in(corpus, clause)
    if found is None:
        return [], []
    parent, lead = found
    sents = split_sentences(parent.text)
    number = int(clause.path.rsplit(".", 1)[-1])
    named = [(parent, s.text) for s in sents if not s.lead_in and number in _items_named(s.text)]
    return [(parent, lead)], named


def _items_named(text: str) -> set[int]:
    """The item numbers a sentence names ("前款第二项、第四项" → {2, 4})."""
    out = set()
    for raw in re.findall(r"第([一二三四五六七八九十]{1,3})项", text):
        try:
            out.add(cn_to_int(raw))
        except (KeyError, ValueError):
            continue
    return out


def _absent_subject(turn: Turn, ev: Evidence, clauses: list[Clause], best_lex: float) -> Answer | None:
    """Refuse when the question's subject (a rare word of it) is in no document that applies here, and a
    document that does not apply answers the question clearly better.

    "济南的文件没有规定贷款贴息" is a refusal for the region, with where else the corpus speaks of it.
    When the applying documents do mention it but retrieval missed the clause, nothing is refused.
    """
    ctx = ev.ctx
    q = turn.rewrite.question
    terms = [t for t in ev.specific_terms(q) if not t.isascii()]
    if not terms:
        return None
    corpus = ctx.corpus
    evidence = "".join(c.text + "".join(corpus.context_headings(c)) for c in clauses)
    missing = [t for t in terms if t not in evidence]
    if not missing:
        return None
    allowed = Filters.of(turn.options.get("doc_ids"), turn.region).allowed(corpus)
    applying = [d for d in corpus.documents.values() if allowed is None or d.doc_id in allowed]
    if allowed is None:
        return None
    # The rarest missing word that the applying documents never use and another document does ("三年"
    # may be printed "3年" everywhere; a word they do use elsewhere means retrieval missed, not absence).
    texts = corpus.doc_texts
    for term in missing:
        if any(term in texts[d] for d in allowed if d in texts):
            continue
        # Only the first 20 are ranked: the documents are looked at one by one, the clauses of those that use it.
        elsewhere = []
        for d in corpus.documents:
            if d not in allowed and term in texts[d]:
                elsewhere += [c for c in corpus.clauses_of(d) if term in c.text]
                if len(elsewhere) >= 20:
                    break
        if elsewhere:
            break
    else:
        return None
    there = ev.rank_sentences(q, elsewhere[:20], turn.route.asks)
    if not there or max(s.lex for s in there) < max(ABSENT_LEX, best_lex + 0.2):
        return None
    shown = [corpus.by_id[c] for c in list(dict.fromkeys(s.clause.clause_id for s in there))[:2]]
    name = _widest(q, term, shown[0].text)
    return refuse_absent(ctx, name, applying, shown)


def _widest(question: str, term: str, text: str) -> str:
    """The term widened to the longest stretch of the question that the text also has ("首席" → 首席数据官)."""
    at = question.find(term)
    if at < 0:
        return term
    start, end = at, at + len(term)
    while end < len(question) and question[start:end + 1] in text:
        end += 1
    while start > 0 and question[start - 1:end] in text:
        start -= 1
    return question[start:end]
