"""政策匹配: measures read from clauses, a profile matched to them, and the doors (Assistant, CLI, API)."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from assistant import cli, server
from assistant.answering import support
from assistant.answering.measures import DIRECTION, measure_of
from assistant.clauses import Clause
from assistant.core import InputError
from assistant.routing import classify


def _clause(text: str, cid: str = "d#1") -> Clause:
    doc, path = cid.split("#")
    return Clause(doc_id=doc, path=path, level=1, label="一、", heading="", text=text)


def test_a_grant_is_a_measure_with_its_amount_cap_condition_and_kind():
    m = measure_of(_clause("对新认定的省级公共海外仓，给予最高不超过200万元的一次性补助。"))
    assert m is not None and m.kind == "资金与奖励" and m.concrete
    (amount,) = m.amounts
    assert amount.kind == "money" and amount.high == 2_000_000 and amount.cap
    assert "200万元" in amount.text and "200万元" in m.amount_text
    assert any("新认定的省级公共海外仓" in c for c in m.conditions)


def test_support_without_a_benefit_is_direction_and_a_penalty_is_no_measure():
    goal = measure_of(_clause("支持发展农村电商平台，加快完善农村电商服务体系。"))
    assert goal is not None and goal.kinds == (DIRECTION,) and not goal.concrete and goal.amounts == ()
    assert measure_of(_clause("违反本条例规定的，处五万元以上五十万元以下罚款。")) is None
    assert measure_of(_clause("网络运营者应当制定网络安全事件应急预案。")) is None


def test_a_profile_gets_the_measures_of_the_documents_that_cover_its_region(fake_assistant):
    result = fake_assistant.match("济南市历城区", "平台企业")
    assert result.regions[:3] == ["历城区", "济南市", "山东省"]
    docs = {r.doc_id for r in (*result.rows, *result.not_in_force)}
    assert docs and docs <= {"jinan-platform-economy-2020"}
    # A stated amount first, direction last.
    order = [0 if r.amount else 1 if r.benefit != DIRECTION else 2 for r in result.rows]
    assert order == sorted(order) and order[0] == 0


def test_the_angel_investment_reward_is_matched_with_its_figure(fake_assistant):
    rows = {r.clause_id: r for r in fake_assistant.match("济南", "平台企业 天使投资").rows}
    angel = rows["jinan-platform-economy-2020#4.2"]
    assert "100万元" in angel.amount and angel.benefit == "资金与奖励"
    assert any(a["kind"] == "money" and a["high"] == 1_000_000 for a in angel.amounts)


def test_measures_of_an_expired_document_are_apart(fake_assistant):
    result = fake_assistant.match("武汉市", "电子商务")
    assert result.not_in_force and all(r.status == "expired" for r in result.not_in_force)
    assert all(r.doc_id != "wuhan-internet-plus-circulation-2016" for r in result.rows)


def test_a_region_with_no_documents_says_so_and_an_unknown_one_is_an_input_error(fake_assistant):
    result = fake_assistant.match("杭州市萧山区", "跨境电商")
    assert result.rows == [] and "杭州" not in " ".join(result.regions[1:2]) or result.note
    assert result.note
    with pytest.raises(InputError, match="无法识别地区"):
        fake_assistant.match("火星", "跨境电商")


def test_cli_match_json_is_a_list_of_rows(fake_assistant, monkeypatch, capsys):
    monkeypatch.setattr(cli, "_bot", lambda args: fake_assistant)
    assert cli.main(["match", "--region", "济南", "--industry", "平台企业", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"clause_id", "benefit", "amount", "amounts", "conditions", "units", "document",
                     "status"} <= set(rows[0])
    assert cli.main(["match", "--region", "火星"]) == 2


def test_api_match(fake_assistant):
    running = server.start(server.create_app(fake_assistant))
    try:
        ok = httpx.post(f"{running.url}api/match", json={"region": "济南", "industry": "平台企业"}, timeout=60)
        assert ok.status_code == 200 and ok.json()["rows"][0]["clause_id"].startswith("jinan-")
        bad = httpx.post(f"{running.url}api/match", json={"region": "火星"}, timeout=60)
        assert bad.status_code == 400 and "无法识别地区" in bad.text
        assert "/api/match" in httpx.get(f"{running.url}openapi.json", timeout=60).json()["paths"]
    finally:
        running.close()


@pytest.mark.slow
def test_a_benefit_the_documents_do_not_grant_is_said_to_be_missing(real_assistant):
    # The reward asked for is not in the documents: a refusal, which says what they do offer and cites it.
    listing = real_assistant.ask("江苏对平台企业上市有什么奖励？")
    assert listing.refused and "没有规定奖励" in listing.answer
    assert "jiangsu-platform-economy-2015#5.3" in [c.clause_id for c in listing.citations]
    angel = real_assistant.ask("济南对天使投资有什么奖励？")
    assert not angel.refused and "没有规定" not in angel.answer


@pytest.mark.slow
def test_the_wuhan_sme_gets_concrete_measures_first(real_assistant):
    rows = real_assistant.match("武汉", "农产品电商", "小微企业").rows
    assert len(rows) >= 3 and all(r.benefit != DIRECTION for r in rows[:3])
    assert all(real_assistant.corpus.clause(r.clause_id) is not None for r in rows)


def test_bad_profiles_are_one_line_input_errors(fake_assistant):
    with pytest.raises(InputError, match="region"):
        fake_assistant.match("武" * 5000, "电商")
    with pytest.raises(InputError, match="industry"):
        fake_assistant.match("武汉", 42)  # type: ignore[arg-type]
    assert fake_assistant.match("武汉", "", "", ["", "  "]).profile.qualifications == ()


def _measure_lines(answer) -> list[tuple[str, str]]:
    """(clause id, line) of each measure line of a support answer, in order: a line that leads with a kind
    of benefit ("- 资金与奖励（…）：…", "- 方向性支持：…")."""
    out = []
    for line in answer.answer.splitlines():
        m = re.match(r"- ([^（：]+)(?:（[^：]*）)?：.* \[(\d+)\]$", line)
        if m:
            out.append((answer.citations[int(m.group(2)) - 1].clause_id, m.group(1)))
    return out


def test_a_support_question_in_chat_lists_the_measures_match_gives_in_the_same_order(fake_assistant):
    q = "我是武汉一家做农产品电商的小微企业，能享受哪些扶持？"
    answer = fake_assistant.ask(q)
    assert answer.route == "support" and not answer.refused
    route = classify(q, doc_regions={d.region for d in fake_assistant.documents.values()})
    p = support.profile_of(q, route, {}, route.regions[0])
    table = fake_assistant.match(p.region, p.industry, p.size, p.qualifications)
    rows = [*table.rows[:support.PAGE_IN_FORCE], *table.not_in_force[:support.PAGE_APART]]
    assert rows
    shown = _measure_lines(answer)
    assert [cid for cid, _ in shown] == [r.clause_id for r in rows]
    # each with the benefit kind the table gives it, and its sentences quoted from its own clause
    assert [kind for _, kind in shown] == [r.benefit for r in rows]
    for r in rows:
        n = [c.clause_id for c in answer.citations].index(r.clause_id) + 1
        quoted = [line for line in answer.answer.splitlines() if line.endswith(f" [{n}]")]
        clause = fake_assistant.corpus.clause(r.clause_id).text
        assert all(line[2:-len(f" [{n}]")].split("：", 1)[-1] in clause for line in quoted)


def test_support_is_said_to_name_no_benefit_only_when_none_is_granted():
    from assistant.answering.support import _benefit_not_granted

    listing = ["支持创新型、成长型平台企业以多种途径上市融资。"]
    assert _benefit_not_granted("江苏对平台企业上市有什么奖励？", listing) == "奖励"
    assert _benefit_not_granted("上市有什么优惠？", listing) == "优惠"
    # 优惠 is preferential treatment of any kind: a tax deduction one may enjoy is one.
    deduction = ["中小企业开发新技术、新产品、新工艺发生的研发费用，符合国家有关规定的，可以享受税前加计扣除政策。"]
    assert _benefit_not_granted("研发费用在税上有什么优惠？", deduction) == ""


def test_a_support_question_no_measure_fits_is_answered_as_a_question_of_fact(fake_assistant, monkeypatch):
    from assistant.answering.matching import MatchResult, Profile

    # No row for this firm: what the documents say of its case is judged like any answer, on retrieval's hits.
    monkeypatch.setattr(support, "match", lambda corpus, profile, **kw: MatchResult(Profile(), "", []))
    answer = fake_assistant.ask("我是武汉一家做农产品电商的小微企业，能享受哪些扶持？", decide=False)
    assert answer.route == "support"
    assert answer.retrieved and "扶持条款" not in answer.answer
    assert not answer.refused and answer.citations
