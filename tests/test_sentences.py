"""Clauses as sentences and list items, each knowing what it offers."""

from __future__ import annotations

from assistant.sentences import enumeration, offers, split, target_years


def texts(sentences) -> list[str]:
    return [s.text for s in sentences]


def test_every_sentence_is_verbatim_from_the_clause(clause_by_id):
    for clause in clause_by_id.values():
        for s in split(clause.text):
            assert s.text in clause.text, clause.clause_id


def test_a_bare_heading_is_marked_so_it_is_never_the_evidence(clause_by_id):
    first, *rest = split(clause_by_id["jinan-platform-economy-2020#4.2"].text)
    assert (first.text, first.heading) == ("加大政策扶持。", True)
    assert not any(s.heading for s in rest)


def test_the_sentence_with_the_grant_offers_money(clause_by_id):
    sentences = split(clause_by_id["jinan-platform-economy-2020#4.2"].text)
    grant = next(s for s in sentences if "天使投资基金" in s.text)
    assert {"money", "figure"} <= grant.offers
    assert "10%" in grant.text and "100万元" in grant.text


def test_inline_enumerations_are_split_into_items():
    text = "重点做好三项工作：一是完善制度；二是建设平台，推进共享；三是加强监管。"
    items = enumeration(split(text))
    assert texts(items) == ["一是完善制度；", "二是建设平台，推进共享；", "三是加强监管。"]


def test_circled_numbers_open_items():
    items = enumeration(split("包括：①网络零售；②跨境电商；③农村电商。"))
    assert [t[0] for t in texts(items)] == ["①", "②", "③"]


def test_a_clause_without_items_has_no_enumeration(clause_by_id):
    assert enumeration(split(clause_by_id["jinan-platform-economy-2020#4.2"].text)) == []


def test_what_law_sentences_offer():
    assert "duration" in offers("网络日志留存不少于六个月。")
    assert "duration" in offers("应当提前七日告知。")
    assert {"duty", "penalty", "money"} <= offers("不得泄露；违反的，处五万元以上五十万元以下罚款。")
    assert "definition" in offers("网络运营者，是指网络的所有者、管理者和网络服务提供者。")


def test_target_years_in_order():
    text = "到2017年，平台交易额超过1万亿元；到2020年，超过2万亿元，到2017年基本建成。"
    assert target_years(text) == [2017, 2020]


def test_a_contact_detail_is_offered_only_by_a_number_or_address():
    assert "contact" in offers("咨询电话：027-87654321。")
    assert "contact" in offers("详见 https://example.gov.cn 。")
    assert "contact" not in offers("发展集电子商务、电话订购和城市配送于一体的购物网络。")
    # A short service number is one when it names a line or platform; a sum or a distance is not.
    assert "contact" in offers("应当畅通全国12315平台、12315专用电话等投诉举报接收渠道。")
    assert "contact" not in offers("三包有效期不得低于2年或者行驶里程50,000公里。")
    assert "contact" not in offers("处10000元以上50000元以下罚款。")


def test_a_lead_in_announces_and_holds_nothing():
    lead, *items = split("争取在5年内,实现以下目标:\n1.建成10个智慧化商圈。")
    assert lead.lead_in and not items[0].lead_in


def test_an_order_to_correct_within_a_time_limit_is_a_penalty():
    assert "penalty" in offers("由县级以上市场监督管理部门责令限期改正；")


def test_without_headings_a_short_opening_sentence_is_content():
    assert split("加大政策扶持。对…给予补贴。")[0].heading
    assert not split("本法所称的著作权即版权。", headings=False)[0].heading
