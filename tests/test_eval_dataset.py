"""The evaluation set eval/questions.jsonl is well formed and agrees with the corpus.

See shared/spec/clause-ids.md for clause ids and the matching rule the evaluation uses.

Items without a ``corpus`` field are about the seed documents in corpus/. Items marked
``"corpus": "laws"`` are about the three laws in eval/laws/ (listed in eval/laws/laws.toml, added to
a scratch corpus by ``python -m assistant eval --with-laws``); their gold ids are article ids
(``doc_id#N``, ``doc_id#N.K``) and are checked against what the project's parser makes of those
texts. Seed items written for issue 11's failure classes start their notes with ``issue11:<class>``.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections import Counter

import pytest

from .conftest import CORPUS, DOC_FILES, REPO

QUESTIONS = REPO / "eval" / "questions.jsonl"
LAWS_DIR = REPO / "eval" / "laws"
LAWS_MANIFEST = tomllib.loads((LAWS_DIR / "laws.toml").read_text(encoding="utf-8"))
LAW_FILES = {doc["doc_id"]: doc["file"] for doc in LAWS_MANIFEST["document"]}
EXTRA_CORPORA = {LAWS_MANIFEST["name"]: LAW_FILES}

MIN_COUNTS = {
    "fact": 30,
    "support": 20,
    "responsibility": 20,
    "comparison": 8,
    "multi_turn": 15,
    "validity": 8,
    "unanswerable": 18,
    # added with the laws (issue 10) and issue 11's failure classes
    "list": 20,
    "target": 6,
    "region": 8,
    "obligation": 10,
    "definition": 5,
    "penalty": 8,
    "time_limit": 6,
}
REQUIRED_FIELDS = {"id", "type", "question", "history", "gold", "must_include", "answerable", "notes"}
LEVELS = {"national", "province", "city"}
ISSUE11_CLASSES = {"list", "absent", "followup", "year", "target", "heading"}


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def _corpus(item: dict) -> str:
    return item.get("corpus") or "seed"


def _load_items() -> list[dict]:
    items = []
    with QUESTIONS.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as e:  # pragma: no cover - reported as a failure
                    pytest.fail(f"line {n} is not valid JSON: {e}")
    return items


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return _load_items()


@pytest.fixture(scope="module")
def law_items(items) -> list[dict]:
    return [it for it in items if _corpus(it) == "laws"]


@pytest.fixture(scope="module")
def doc_texts() -> dict[str, str]:
    texts = {doc_id: _norm((CORPUS / name).read_text(encoding="utf-8")) for doc_id, name in DOC_FILES.items()}
    texts.update(
        {doc_id: _norm((LAWS_DIR / name).read_text(encoding="utf-8")) for doc_id, name in LAW_FILES.items()}
    )
    return texts


def _all_clause_ids() -> set[str]:
    """Every clause id the project's parser produces for the corpus."""
    try:
        from assistant.corpus import load_corpus
    except ImportError:  # the loader has not landed yet: parse the seed files directly
        from assistant.clauses import parse_document

        ids: set[str] = set()
        for doc_id, name in DOC_FILES.items():
            clauses, _report = parse_document((CORPUS / name).read_text(encoding="utf-8"), doc_id)
            ids.update(c.clause_id for c in clauses)
        return ids
    return {c.clause_id for c in load_corpus(CORPUS).clauses}


def _law_clauses() -> list:
    """Every clause the project's parser makes of the law texts in eval/laws/."""
    from assistant.clauses import parse_document

    clauses = []
    for doc_id, name in LAW_FILES.items():
        clauses += parse_document((LAWS_DIR / name).read_text(encoding="utf-8"), doc_id)[0]
    return clauses


def _seed_clauses() -> list:
    try:
        from assistant.corpus import load_corpus
    except ImportError:  # pragma: no cover - the loader always exists today
        from assistant.clauses import parse_document

        return [
            c
            for d, n in DOC_FILES.items()
            for c in parse_document((CORPUS / n).read_text(encoding="utf-8"), d)[0]
        ]
    return list(load_corpus(CORPUS).clauses)


def _gold_texts(clauses: list) -> dict[str, str]:
    """Per clause id: what an answer citing that clause (or a descendant) can draw on — the text,
    heading and responsible units of the clause and of every clause under it."""
    own = {
        c.clause_id: _norm(
            c.heading
            + c.text
            + "".join(getattr(c, "lead_units", ()))
            + "".join(getattr(c, "participant_units", ()))
        )
        for c in clauses
    }
    return {
        cid: "".join(t for other, t in own.items() if other == cid or other.startswith(cid + "."))
        for cid in own
    }


def _must_include_missing_from_gold_clauses(items: list[dict], clauses: list) -> list:
    texts = _gold_texts(clauses)
    missing = []
    for it in items:
        if not it["gold"] or any(g not in texts for g in it["gold"]):
            continue  # unknown gold ids are reported by their own test
        pool = "".join(texts[g] for g in it["gold"])
        missing += [
            (it["id"], group) for group in it["must_include"] if not any(_norm(s) in pool for s in group)
        ]
    return missing


def test_every_line_is_a_json_object_with_the_required_fields(items):
    assert items, "eval/questions.jsonl is empty"
    for it in items:
        assert isinstance(it, dict)
        missing = REQUIRED_FIELDS - set(it)
        assert not missing, f"{it.get('id')}: missing {sorted(missing)}"
        if "corpus" in it:
            assert it["corpus"] in EXTRA_CORPORA, f"{it['id']}: unknown corpus {it['corpus']!r}"
        assert isinstance(it["question"], str) and it["question"].strip(), it["id"]
        assert isinstance(it["gold"], list) and all(isinstance(g, str) for g in it["gold"]), it["id"]
        assert isinstance(it["must_include"], list), it["id"]
        for group in it["must_include"]:
            assert isinstance(group, list) and group, f"{it['id']}: empty or non-list must_include group"
            assert all(isinstance(s, str) and s.strip() for s in group), it["id"]
        assert isinstance(it["answerable"], bool), it["id"]


def test_ids_are_unique(items):
    dupes = [i for i, n in Counter(it["id"] for it in items).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_ids_are_prefixed_by_their_type(items):
    wrong = [it["id"] for it in items if not it["id"].startswith(it["type"] + "-")]
    assert not wrong, wrong


def test_types_are_valid(items):
    bad = sorted({it["type"] for it in items} - set(MIN_COUNTS))
    assert not bad, f"unknown types: {bad}"


def test_minimum_count_per_type_is_met(items):
    counts = Counter(it["type"] for it in items)
    short = {t: (counts[t], n) for t, n in MIN_COUNTS.items() if counts[t] < n}
    assert not short, f"(have, need): {short}"


def test_the_set_has_at_least_300_items(items):
    assert len(items) >= 300


def test_no_question_is_asked_twice(items):
    def key(it: dict) -> str:
        turns = [t["content"] for t in it["history"] if t.get("role") == "user"]
        return _norm("|".join([*turns, it["question"]])).rstrip("?？。")

    dupes = [k for k, n in Counter(key(it) for it in items).items() if n > 1]
    assert not dupes, f"asked twice: {dupes}"


def test_unanswerable_items_have_no_gold_and_no_must_include(items):
    for it in items:
        if it["type"] == "unanswerable" or it["answerable"] is False:
            assert it["type"] == "unanswerable", f"{it['id']}: not answerable but typed {it['type']}"
            assert it["answerable"] is False, it["id"]
            assert it["gold"] == [], it["id"]
            assert it["must_include"] == [], it["id"]


def test_answerable_items_have_gold_and_must_include(items):
    for it in items:
        if it["type"] != "unanswerable":
            assert it["answerable"] is True, it["id"]
            assert it["gold"], it["id"]
            assert it["must_include"], it["id"]


def test_multi_turn_items_carry_a_well_formed_history(items):
    for it in items:
        if it["type"] == "multi_turn":
            assert it["history"], it["id"]
            for turn in it["history"]:
                assert turn.get("role") in {"user", "assistant"}, it["id"]
                assert isinstance(turn.get("content"), str) and turn["content"].strip(), it["id"]


def test_gold_ids_name_a_known_document(items):
    for it in items:
        known = set(DOC_FILES) | set(EXTRA_CORPORA.get(_corpus(it), {}))
        for gid in it["gold"]:
            doc_id, sep, path = gid.partition("#")
            assert sep and path and doc_id in known, f"{it['id']}: bad gold id {gid!r}"


def test_comparison_items_cite_two_documents(items):
    for it in items:
        if it["type"] == "comparison":
            assert len({g.partition("#")[0] for g in it["gold"]}) >= 2, it["id"]


def test_every_must_include_string_occurs_in_a_gold_document(items, doc_texts):
    missing = []
    for it in items:
        docs = {g.partition("#")[0] for g in it["gold"]}
        for group in it["must_include"]:
            for s in group:
                if not any(_norm(s) in doc_texts[d] for d in docs if d in doc_texts):
                    missing.append((it["id"], s))
    assert not missing, f"not found in any gold document: {missing}"


def test_every_gold_id_is_a_clause_the_parser_produces(items):
    known = _all_clause_ids()
    unknown = [(it["id"], g) for it in items if _corpus(it) == "seed" for g in it["gold"] if g not in known]
    assert not unknown, f"gold ids the parser does not produce: {unknown}"


def test_must_include_strings_occur_in_the_gold_clauses_of_seed_items(items):
    seed = [it for it in items if _corpus(it) == "seed"]
    missing = _must_include_missing_from_gold_clauses(seed, _seed_clauses())
    assert not missing, f"not in the text of any gold clause (or its descendants): {missing}"


# ---------------------------------------------------------------------------- the laws (corpus: laws)


def test_the_laws_manifest_lists_every_law_file_as_a_user_would_add_it():
    files = sorted(p.name for p in LAWS_DIR.glob("*.md") if p.name != "README.md")
    assert sorted(LAW_FILES.values()) == files
    for doc in LAWS_MANIFEST["document"]:
        assert (LAWS_DIR / doc["file"]).is_file(), doc
        assert doc["doc_id"] == (LAWS_DIR / doc["file"]).stem, doc
        assert doc["region"].strip() and doc["level"] in LEVELS, doc


def test_there_are_enough_law_items_of_every_kind(law_items):
    counts = Counter(it["type"] for it in law_items)
    assert len(law_items) >= 45
    assert counts["unanswerable"] >= 8
    for kind in (
        "fact",
        "obligation",
        "definition",
        "penalty",
        "time_limit",
        "responsibility",
        "validity",
        "region",
        "multi_turn",
        "list",
    ):
        assert counts[kind] >= 3, (kind, counts[kind])
    cited = {g.partition("#")[0] for it in law_items for g in it["gold"]}
    assert cited >= set(LAW_FILES), f"laws without items: {set(LAW_FILES) - cited}"


def test_seed_items_do_not_need_the_laws(items):
    wrong = [
        it["id"]
        for it in items
        if _corpus(it) == "seed" and any(g.partition("#")[0] in LAW_FILES for g in it["gold"])
    ]
    assert not wrong, wrong


def test_law_gold_ids_are_articles_the_parser_produces(law_items):
    """Needs the article parser (clause-ids.md, "Documents written in articles")."""
    known = {c.clause_id for c in _law_clauses()}
    unknown = [(it["id"], g) for it in law_items for g in it["gold"] if g not in known]
    assert not unknown, f"gold ids the parser does not produce: {unknown}"


def test_must_include_strings_occur_in_the_gold_articles_of_law_items(law_items):
    """Needs the article parser (clause-ids.md, "Documents written in articles")."""
    missing = _must_include_missing_from_gold_clauses(law_items, _law_clauses())
    assert not missing, f"not in the text of any gold article (or its items): {missing}"


# ---------------------------------------------------------------------------- issue 11's failure classes


def test_issue11_seed_items_cover_the_six_classes(items):
    tagged = [it for it in items if it["notes"].startswith("issue11:")]
    classes = Counter(it["notes"].removeprefix("issue11:").split()[0].split("+")[0] for it in tagged)
    assert len(tagged) >= 30
    assert set(classes) == ISSUE11_CLASSES, classes
    assert all(_corpus(it) == "seed" for it in tagged)


def test_issue11_absent_items_say_where_the_thing_does_appear(items):
    for it in items:
        if it["notes"].startswith("issue11:absent"):
            assert it["answerable"] is False and any(
                d in it["notes"] for d in ("济南", "武汉", "湖北", "江苏")
            ), it["id"]
