"""Adding laws and regulations: facts inferred from the text, regions from the gazetteer, ids unique,
repealed documents recognised, old metadata still loading. Hashing embedder throughout."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.clauses import Clause, parse_document
from assistant.cli import build_parser
from assistant.config import Config
from assistant.core import Assistant
from assistant.corpus import STATUS_LABELS, load_corpus, load_metadata
from assistant.library import LibraryError, add_document, prepare_add

from .conftest import CORPUS
from .fakes import HashEmbedder
from .lawtexts import LAWS, write_variants


def quiet(_msg: str) -> None:
    pass


@pytest.fixture(scope="module")
def clean_index(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("clean") / "index"
    Assistant.load(Config(index_dir=d, today="2026-11-22"), embedder=HashEmbedder(), log=quiet)
    return d


@pytest.fixture()
def lib(tmp_path: Path, clean_index: Path) -> Config:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    shutil.copytree(clean_index, tmp_path / "index")
    return Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    folder = tmp_path_factory.mktemp("laws")
    return {name: write_variants(name, folder) for name in LAWS}


@pytest.fixture(scope="module")
def law_library(tmp_path_factory, clean_index, variants) -> tuple[Config, dict]:
    """The seed corpus with the three laws added from their markdown, no option given."""
    root = tmp_path_factory.mktemp("lawlib")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(clean_index, root / "index")
    cfg = Config(corpus_dir=root / "corpus", index_dir=root / "index", today="2026-11-22")
    logs: dict[str, list[str]] = {}
    for name in LAWS:
        logs[name] = []
        add_document(cfg, variants[name]["md"], embedder=HashEmbedder(), log=logs[name].append)
    return cfg, logs


# ---------------------------------------------------------------- facts and regions inferred


@pytest.mark.parametrize(
    ("name", "title", "issuer", "region", "level", "parent", "issued", "effective"),
    [
        ("cybersecurity-law-2016", "中华人民共和国网络安全法", "全国人民代表大会常务委员会", "全国", "national", "",
         "2016-11-07", "2017-06-01"),
        ("algorithm-recommendation-rules-2021", "互联网信息服务算法推荐管理规定", "国家互联网信息办公室", "全国", "national", "",
         "2021-11-16", "2022-03-01"),
        ("beijing-digital-economy-2022", "北京市数字经济促进条例", "北京市人民代表大会常务委员会", "北京市", "province", "全国",
         "2022-11-25", "2023-01-01"),
    ],
)
def test_metadata_of_an_added_law_is_inferred_from_its_text(law_library, name, title, issuer, region, level, parent,
                                                           issued, effective):
    cfg, _ = law_library
    doc = load_metadata(cfg.corpus_dir / f"{name}.toml")
    assert (doc.doc_id, doc.title, doc.issuer, doc.region, doc.level, doc.parent_region, doc.issued, doc.effective) == (
        name, title, issuer, region, level, parent, issued, effective)
    assert doc.issued_kind == "adopted"


def test_add_report_shows_scheme_counts_facts_and_no_warnings(law_library):
    _, logs = law_library
    log = logs["cybersecurity-law-2016"]
    assert log[0] == "已加入 cybersecurity-law-2016：108 个条款（正文前/文末/表头 1 条，一级 79 条，二级 28 条）"
    assert log[1] == "  编号：条文式编号（第N条）：79 条，7 章，2 节，28 项"
    assert "  标题：中华人民共和国网络安全法（取自 # 标题行）" in log
    assert "  地区：全国" in log
    assert "  发文机关：全国人民代表大会常务委员会；日期：2016-11-07（通过）" in log
    assert "  施行日期：2017-06-01" in log
    assert not any("警告" in line for line in log)
    assert "  地区：北京市（省级，上级 全国）" in logs["beijing-digital-economy-2022"]


def test_added_laws_load_with_article_ids_and_sections(law_library):
    cfg, _ = law_library
    corpus = load_corpus(cfg.corpus_dir)
    c = corpus.clause("cybersecurity-law-2016#31")
    assert (c.label, c.sections) == ("第三十一条", ("第三章 网络运行安全", "第二节 关键信息基础设施的运行安全"))
    assert corpus.reports["beijing-digital-economy-2022"].articles == 58


@pytest.mark.parametrize("form", ["txt", "gbk", "docx"])
def test_each_form_of_a_law_adds_with_the_same_ids_and_facts(lib, variants, form):
    name = "cybersecurity-law-2016"
    report = add_document(lib, variants[name][form], doc_id=name, embedder=HashEmbedder(), log=quiet)
    md = parse_document(variants[name]["md"].read_text(encoding="utf-8"), name)[0]
    ids = [c.path for c in load_corpus(lib.corpus_dir).clauses if c.doc_id == name]
    assert ids == [c.path for c in md]
    assert (report.metadata["issuer"], report.metadata["effective"], report.metadata["region"]) == (
        "全国人民代表大会常务委员会", "2017-06-01", "全国")


def test_level_national_on_the_command_line():
    args = build_parser().parse_args(["add", "law.md", "--level", "national", "--region", "全国"])
    assert (args.level, args.region) == ("national", "全国")
    assert build_parser().parse_args(["add", "x.md", "--level", "county"]).level == "county"


def test_level_national_without_region_means_the_whole_country(lib, tmp_path):
    src = tmp_path / "rules.txt"
    src.write_text("某某管理办法\n第一条 为了规范……，制定本办法。\n第二条 本办法自2024年1月1日起施行。\n", encoding="utf-8")
    report = add_document(lib, src, level="national", embedder=HashEmbedder(), log=quiet)
    assert (report.metadata["region"], report.metadata["level"], report.metadata["parent_region"]) == ("全国", "national", "")


def test_region_short_forms_are_normalised_and_levels_taken_from_the_gazetteer(lib, tmp_path):
    src = tmp_path / "xs.txt"
    src.write_text("关于支持跨境电商发展的若干措施\n一、对新设跨境电商企业给予补助。\n", encoding="utf-8")
    report = add_document(lib, src, region="萧山", embedder=HashEmbedder(), log=quiet)
    assert (report.metadata["region"], report.metadata["level"], report.metadata["parent_region"]) == (
        "萧山区", "county", "杭州市")
    assert report.doc_id == "xiaoshan-xs"


def test_region_inferred_from_the_title(lib, tmp_path):
    src = tmp_path / "hz.txt"
    src.write_text("杭州市跨境电子商务促进条例\n第一条 为了促进跨境电子商务发展，制定本条例。\n", encoding="utf-8")
    report = prepare_add(lib, src).report
    assert (report.metadata["region"], report.metadata["level"], report.metadata["parent_region"]) == (
        "杭州市", "city", "浙江省")


def test_unknown_region_is_refused_with_one_line(lib, tmp_path):
    src = tmp_path / "x.txt"
    src.write_text("一、支持企业发展。\n", encoding="utf-8")
    with pytest.raises(LibraryError, match="^无法识别地区“火星市”"):
        add_document(lib, src, region="火星市", embedder=HashEmbedder(), log=quiet)


def test_no_region_in_title_or_issuer_asks_for_region(lib, tmp_path):
    src = tmp_path / "x.txt"
    src.write_text("关于支持企业发展的若干措施\n一、支持企业发展。\n", encoding="utf-8")
    with pytest.raises(LibraryError, match="请用 --region 指定"):
        add_document(lib, src, embedder=HashEmbedder(), log=quiet)


def test_a_law_without_adoption_line_is_added_with_warnings(lib, tmp_path):
    src = tmp_path / "reg.txt"
    src.write_text("某某省电子商务条例\n第一条 为了促进电子商务发展，制定本条例。\n第二条 本条例适用于本省。\n", encoding="utf-8")
    report = add_document(lib, src, region="浙江省", embedder=HashEmbedder(), log=quiet)
    assert report.metadata["issuer"] == "" and report.metadata["issued"] == "" and report.metadata["effective"] == ""
    assert [w[:7] for w in report.warnings] == ["正文未载明发文", "正文未载明通过", "正文未载明施行"]


def test_prepare_add_writes_nothing(lib, variants):
    before = sorted(p.name for p in lib.corpus_dir.iterdir())
    prepared = prepare_add(lib, variants["beijing-digital-economy-2022"]["docx"])
    assert prepared.report.metadata["region"] == "北京市" and prepared.report.scheme == "articles"
    assert sorted(p.name for p in lib.corpus_dir.iterdir()) == before


# ---------------------------------------------------------------- ids are unique, always


def test_every_clause_id_is_unique_in_the_corpus_and_the_laws(law_library):
    cfg, _ = law_library
    ids = [c.clause_id for c in load_corpus(cfg.corpus_dir).clauses]
    assert len(ids) == len(set(ids))
    assert {i.split("#")[0] for i in ids} >= set(LAWS) | {load_metadata(p).doc_id for p in CORPUS.glob("*.toml")}


def test_a_parse_with_a_duplicate_id_is_refused_naming_both_places(tmp_path, monkeypatch):
    shutil.copytree(CORPUS, tmp_path / "corpus")

    def duplicating(text, doc_id):
        clauses, report = parse_document(text, doc_id)
        twin = Clause(doc_id=doc_id, path=clauses[1].path, level=1, label="二、", heading="", text="重复的条款文字")
        return [*clauses, twin], report

    monkeypatch.setattr("assistant.corpus.parse_document", duplicating)
    with pytest.raises(ValueError) as e:
        load_corpus(tmp_path / "corpus")
    message = str(e.value)
    assert "\n" not in message and message.startswith("条款编号重复：hubei-platform-economy-2015#1 出现两次")
    assert "“一、 总体要求”与“二、 重复的条款文字”" in message


# ---------------------------------------------------------------- metadata files and status


def test_metadata_files_without_the_new_fields_still_load():
    doc = load_metadata(CORPUS / "hubei-internet-plus-2015.toml")
    assert (doc.repeals, doc.amendments, doc.promulgation) == ((), (), "")


def test_a_document_repealed_by_another_in_the_corpus_is_repealed(lib, tmp_path):
    old = tmp_path / "old.txt"
    old.write_text("武汉市电子商务促进办法\n第一条 为了促进电子商务发展，制定本办法。\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("武汉市电子商务促进条例\n第一条 为了促进电子商务发展，制定本条例。\n"
                   "第二条 本条例自2024年1月1日起施行。《武汉市电子商务促进办法》同时废止。\n", encoding="utf-8")
    add_document(lib, old, doc_id="wuhan-ec-measures", embedder=HashEmbedder(), log=quiet)
    report = add_document(lib, new, doc_id="wuhan-ec-regulation", embedder=HashEmbedder(), log=quiet)
    assert report.metadata["repeals"] == ["武汉市电子商务促进办法"]
    assert "  废止：《武汉市电子商务促进办法》" in report.lines()
    corpus = load_corpus(lib.corpus_dir)
    assert corpus.documents["wuhan-ec-regulation"].repeals == ("武汉市电子商务促进办法",)
    assert corpus.repealed_by("wuhan-ec-measures").doc_id == "wuhan-ec-regulation"
    assert corpus.status("wuhan-ec-measures", date(2024, 1, 1)) == "repealed"
    assert corpus.status("wuhan-ec-measures", date(2023, 12, 31)) == "unknown"  # not yet repealed
    assert corpus.repealed_by("wuhan-ec-regulation") is None
    assert STATUS_LABELS["repealed"] == "已废止"


def test_cli_reports_a_missing_region_before_loading_the_model(lib, tmp_path, monkeypatch, capsys):
    from assistant import cli, library

    src = tmp_path / "x.txt"
    src.write_text("关于支持企业发展的若干措施\n一、支持企业发展。\n", encoding="utf-8")
    monkeypatch.setenv("POLICYQA_CORPUS_DIR", str(lib.corpus_dir))
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(lib.index_dir))
    monkeypatch.setattr(library, "_load_embedder", lambda *a: pytest.fail("the model was loaded"))
    assert cli.main(["add", str(src)]) == 2
    assert capsys.readouterr().err.startswith("错误：x.txt：无法从标题和发文机关确定所属地区：请用 --region 指定")
