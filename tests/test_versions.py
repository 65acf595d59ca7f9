"""Versions of one law, and parts of one edition, are told apart by the dates each text prints."""

from dataclasses import dataclass
from datetime import date

from assistant.ingest.versions import link_versions


@dataclass(frozen=True)
class Doc:
    doc_id: str
    file: str
    title: str
    region: str = "全国"
    issued: str = ""
    effective: str = ""
    promulgation: str = ""
    amendments: tuple[str, ...] = ()


def code_part(doc_id: str, file: str) -> Doc:
    return Doc(doc_id, file, "中华人民共和国民法典", promulgation="（2020年5月28日第十三届全国人民代表大会第三次会议通过）",
               effective="2021-01-01")


def test_parts_of_one_edition_printed_in_several_files_are_not_versions_of_each_other():
    docs = {d.doc_id: d for d in (code_part("mfd-a", "a.txt"), code_part("mfd-b", "b.txt"), code_part("mfd-c", "c.txt"))}
    assert link_versions(docs) == {}


def test_an_older_edition_is_replaced_by_the_newer_one_and_its_parts_all_stay_current():
    old = Doc("gsf-2018", "old.txt", "中华人民共和国公司法", promulgation="（2018年10月26日修正）")
    new = [Doc(f"gsf-2023-{i}", f"new{i}.txt", "中华人民共和国公司法", promulgation="（2023年12月29日修订）", effective="2024-07-01")
           for i in range(2)]
    versions = link_versions({d.doc_id: d for d in (old, *new)})
    assert versions["gsf-2018"].replaced(date(2024, 7, 1))
    assert not versions["gsf-2018"].replaced(date(2024, 6, 30))
    assert not versions["gsf-2023-0"].replaced(date(2025, 1, 1))
    assert not versions["gsf-2023-1"].replaced(date(2025, 1, 1))
