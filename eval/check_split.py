"""Sanity check of an evaluation split written without reading the code (data only; does not touch the
assistant): ``python eval/check_split.py test`` (the frozen test split) or ``python eval/check_split.py dev``.

For every item: JSON parses, ids unique, fields exact, gold doc_ids are the split's documents,
and every must_include alternative occurs (ignoring whitespace) in the text of one gold clause.
Clauses: 第N条 articles, or 一、 numbered items for documents without articles.
"""
import json
import re
import sys
import tomllib
from pathlib import Path

EVAL = Path(__file__).parent
DIG = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn2int(s):
    total, cur = 0, 0
    for ch in s:
        if ch in DIG:
            cur = DIG[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
    return total + cur


ART = re.compile(r"^(?:#+\s*)?第([零一二三四五六七八九十百]+)条")
ITEM = re.compile(r"^(?:#+\s*)?([一二三四五六七八九十]+)、")


def clauses(text):
    lines = text.splitlines()
    pat = ART if any(ART.match(line) for line in lines) else ITEM
    out, cur, expect = {}, 0, 1
    for line in lines:
        m = pat.match(line.strip())
        if m and cn2int(m.group(1)) == expect:
            cur = expect
            expect += 1
        out.setdefault(cur, []).append(line)
    return {k: re.sub(r"\s+", "", "".join(v)) for k, v in out.items()}


def main(split: str) -> int:
    folder = EVAL / split
    conf = tomllib.loads((folder / f"{split}.toml").read_text())
    docs = {d["doc_id"]: clauses((folder / d["file"]).read_text()) for d in conf["document"]}
    fields = ["id", "type", "question", "history", "gold", "must_include", "answerable", "notes", "corpus"]
    types = {"fact", "definition", "obligation", "penalty", "time_limit", "responsibility", "list",
             "validity", "multi_turn", "unanswerable"}
    ids, errors = set(), []
    for n, line in enumerate((folder / "questions.jsonl").read_text().splitlines(), 1):
        it = json.loads(line)
        if list(it) != fields:
            errors.append(f"line {n}: fields {list(it)}")
        if it["id"] in ids:
            errors.append(f"dup id {it['id']}")
        ids.add(it["id"])
        if it["type"] not in types:
            errors.append(f"{it['id']}: type {it['type']}")
        if it["corpus"] != split:
            errors.append(f"{it['id']}: corpus")
        if it["type"] == "unanswerable":
            if it["answerable"] or it["gold"] or it["must_include"]:
                errors.append(f"{it['id']}: unanswerable with gold")
            continue
        if not it["answerable"] or not it["gold"] or not (1 <= len(it["must_include"]) <= 3):
            errors.append(f"{it['id']}: answerable item incomplete")
        if it["type"] == "multi_turn" and [h["role"] for h in it["history"]] != ["user", "assistant"]:
            errors.append(f"{it['id']}: history")
        texts = []
        for g in it["gold"]:
            d, _, p = g.partition("#")
            art = int(p.split(".")[0])
            if d not in docs or art not in docs[d] or art == 0:
                errors.append(f"{it['id']}: bad gold {g}")
                continue
            texts.append(docs[d][art])
        q = re.sub(r"\s+", "", it["question"])
        for group in it["must_include"]:
            for alt in group:
                a = re.sub(r"\s+", "", alt)
                if not any(a in t for t in texts):
                    errors.append(f"{it['id']}: '{alt}' not in gold text")
                if a in q:
                    errors.append(f"{it['id']}: '{alt}' repeats the question")
    for e in errors:
        print(e)
    print(f"{len(ids)} items, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "test"))
