"""How well questions name documents (docrefs), measured over every title of the national law library.

Each title is asked about in the informal forms people use, generated from the title itself — without
中华人民共和国 (``full``), with the place's short form or 国家 and 的 in front of core and kind
(``place``: 北京的数字经济促进条例), core and kind alone (``tail``), the first character of each of the
core's words and the kind (``abbrev``: 个保法) — each inside two questions, with and without 《》.

- accuracy: the first document named is the title asked about, every title held;
- false "not held": ``unknown_names`` reports a name although the title is held;
- false resolution: with half the titles held, a question about the other half names a held one;
  ``refused`` is how often ``unknown_names`` then reports the name.

    python -m assistant.docref_bench [--root ../shared/lawrefbook] [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from .corpus import Document
from .docrefs import named_documents, unknown_names
from .regions import NATIONAL, Region, gazetteer

ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "lawrefbook"
TEMPLATES = ("《{}》对这个有什么规定？", "{}里是怎么规定的？")
FORMS = ("full", "place", "tail", "abbrev")
_KIND = re.compile(r"(?:法典|修正案|办法|法|条例|规定|细则|规则|决定|决议|意见|通知|方案|解释|规范|守则)$")


def read_documents(root: Path) -> list[Document]:
    """One document per title (versions of a law share one): national folders are 全国; a local one's
    region is the place its title begins with, else its folder's province."""
    docs: dict[str, Document] = {}
    for path in sorted(root.rglob("*.md")):
        if path.name == "README.md":
            continue
        with path.open(encoding="utf-8") as f:
            title = next((ln[2:].strip() for ln in f if ln.startswith("# ")), "")
        if not title or title in docs:
            continue
        region = gazetteer().national
        folder = path.relative_to(root).parts[0]
        if folder == "DLC":
            places = [p for _, p in _leading_places(title)] or gazetteer().find(path.relative_to(root).parts[1][:2])
            region = gazetteer().most_specific(places) if places else region
        docs[title] = Document(doc_id=f"law{len(docs)}", file=str(path), issuer="", region=region.name,
                               level=region.level, title=title)
    return list(docs.values())


def _leading_places(title: str) -> list[tuple[str, Region]]:
    """(surface, region) for each place the title begins with: 浙江省杭州市… → 浙江省, 杭州市."""
    out, rest = [], title
    for surface, place in gazetteer().mentions(title[:16]):
        if not rest.startswith(surface) or (out and not gazetteer().is_within(place, out[-1][1])):
            break
        out.append((surface, place))
        rest = rest[len(surface):]
    return out


def forms(doc: Document) -> dict[str, str]:
    """The informal names of a document, by form, each different from the ones before it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    full = re.sub(r"[《》“”]", "", doc.title).replace("中华人民共和国", "")
    body = re.sub(r"[（(][^（）()]{1,8}[）)]$", "", full)  # (试行), (二): kept in the full title only
    places = _leading_places(body)
    body = re.sub(r"^[^，。]{0,30}?关于", "", body[sum(len(s) for s, _ in places):])  # place, issuer
    kind = _KIND.search(body)
    out = {"full": full}
    if kind and kind.start() > 0:
        core = re.sub(r"的?(?:实施|指导)?$", "", body[: kind.start()])
        place = places[-1][1].short if places else ("国家" if doc.region == NATIONAL else "")
        out["place"] = f"{place}的{core}{kind.group(0)}" if place else ""
        out["tail"] = core + kind.group(0)
        words = [w for w in jieba.lcut(core) if re.match(r"[\u4e00-\u9fff]", w)]
        abbrev = "".join(w[0] for w in words) + kind.group(0)
        out["abbrev"] = abbrev if len(words) >= 2 and len(abbrev) >= 3 else ""  # 城条例 abbreviates nothing
    seen: set[str] = set()
    return {k: v for k, v in out.items() if v and not (v in seen or seen.add(v))}


def run(root: Path = ROOT, limit: int | None = None, seed: int = 0) -> dict:
    """Accuracy, false "not held" and false resolution per form (see the module doc), with timings."""
    t0 = time.perf_counter()
    docs = read_documents(root)
    asked = random.Random(seed).sample(docs, min(limit, len(docs))) if limit else docs
    half = set(random.Random(seed + 1).sample(range(len(docs)), len(docs) // 2))
    held = [d for i, d in enumerate(docs) if i in half]
    held_titles = {d.title for d in held}
    named_documents("预热", docs)
    named_documents("预热", held)
    load = time.perf_counter() - t0

    counts: dict[tuple[str, bool], Counter[str]] = defaultdict(Counter)  # by form and national or not
    t1 = time.perf_counter()
    for doc in asked:
        for form, name in forms(doc).items():
            c = counts[form, doc.region == NATIONAL]
            for template in TEMPLATES:
                q = template.format(name)
                found = named_documents(q, docs)
                c["questions"] += 1
                c["right"] += bool(found) and found[0].title == doc.title
                c["none"] += not found
                c["false_not_held"] += bool(unknown_names(q, docs, ""))
                if doc.title not in held_titles:
                    c["held_out_questions"] += 1
                    c["false_resolution"] += bool(named_documents(q, held))
                    c["refused"] += bool(unknown_names(q, held, ""))
    elapsed = time.perf_counter() - t1
    table = {}
    for form in (*FORMS, "all"):
        rows = {k: c for k, c in counts.items() if form in (k[0], "all")}
        total = sum(rows.values(), Counter())
        n, out = max(total["questions"], 1), max(total["held_out_questions"], 1)
        table[form] = {"questions": total["questions"], "accuracy": total["right"] / n, "none": total["none"] / n,
                       "false_not_held": total["false_not_held"] / n,
                       "held_out_questions": total["held_out_questions"],
                       "false_resolution": total["false_resolution"] / out, "refused": total["refused"] / out}
        for scope, national in (("national", True), ("local", False)):
            part = sum((c for k, c in rows.items() if k[1] == national), Counter())
            table[form][f"accuracy_{scope}"] = part["right"] / max(part["questions"], 1)
    questions = table["all"]["questions"]
    return {"titles": len(docs), "asked": len(asked), "held_out_half": len(held), "load_s": round(load, 1),
            "run_s": round(elapsed, 1), "ms_per_question": round(1000 * elapsed / max(questions, 1), 2),
            "forms": table}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.docref_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="the law library (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=None, help="ask about N titles only (all are held)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the results to FILE")
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        print(f"没有找到法规库：{args.root}", file=sys.stderr)
        return 2
    result = run(args.root, args.limit, args.seed)
    print(f"{result['titles']} titles, {result['asked']} asked; held-out check holds {result['held_out_half']}; "
          f"load {result['load_s']} s, run {result['run_s']} s ({result['ms_per_question']} ms/question)")
    print(f"{'form':<7}{'questions':>10}{'accuracy':>10}{'national':>10}{'local':>8}{'none':>8}{'false not held':>16}"
          f"{'held-out q':>12}{'false resol.':>14}{'refused':>9}")
    for form, r in result["forms"].items():
        print(f"{form:<7}{r['questions']:>10}{r['accuracy']:>10.1%}{r['accuracy_national']:>10.1%}"
              f"{r['accuracy_local']:>8.1%}{r['none']:>8.1%}{r['false_not_held']:>16.1%}"
              f"{r['held_out_questions']:>12}{r['false_resolution']:>14.1%}{r['refused']:>9.1%}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
