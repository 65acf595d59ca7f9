"""The region tree comes from the administrative-division table, not from the documents that ship."""

from __future__ import annotations

import pytest

from assistant.regions import NATIONAL, gazetteer, short_form


@pytest.fixture(scope="module")
def g():
    return gazetteer()


def names(regions) -> list[str]:
    return [r.name for r in regions]


def test_the_table_covers_the_whole_country(g):
    # 34 provincial-level units, ~333 prefecture-level, ~2,850 county-level (2026 snapshot).
    provinces = [g.get(n) for n in ("北京市", "新疆维吾尔自治区", "香港特别行政区", "台湾省", "浙江省")]
    assert all(p is not None and p.level == "province" for p in provinces)
    assert len(g) > 3300


def test_a_county_is_covered_by_its_city_its_province_and_the_nation(g):
    assert names(g.chain(g.resolve("萧山"))) == ["萧山区", "杭州市", "浙江省", NATIONAL]


def test_a_district_of_a_province_level_city_hangs_from_that_city(g):
    assert names(g.chain(g.resolve("海淀区"))) == ["海淀区", "北京市", NATIONAL]
    assert g.resolve("上海").level == "province"


def test_short_and_full_forms_name_the_same_region(g):
    assert g.resolve("杭州") == g.resolve("杭州市") == g.get("杭州市")
    assert g.resolve("浙江") == g.resolve("浙江省")
    assert g.resolve("萧山") == g.resolve("萧山区")


@pytest.mark.parametrize(
    ("name", "short"),
    [("内蒙古自治区", "内蒙古"), ("广西壮族自治区", "广西"), ("浦东新区", "浦东"), ("雄安新区", "雄安")],
)
def test_short_forms_drop_the_administrative_suffix(name, short):
    assert short_form(name) == short


def test_an_autonomous_prefecture_is_also_named_without_its_peoples(g):
    enshi = g.resolve("恩施")
    assert enshi.name == "恩施土家族苗族自治州" and enshi.parent == "湖北省"


def test_a_qualified_name_resolves_to_its_most_specific_part(g):
    assert g.resolve("浙江省杭州市萧山区").name == "萧山区"


def test_an_ambiguous_name_resolves_only_with_context(g):
    assert g.resolve("鼓楼区") is None  # Nanjing, Fuzhou, Kaifeng, Xuzhou … all have one
    assert names(g.find("南京鼓楼区的企业")) == ["南京市", "鼓楼区"]
    assert g.parent(g.find("南京鼓楼区的企业")[1]).name == "南京市"


def test_a_short_form_shared_by_levels_means_the_higher_one(g):
    assert g.resolve("吉林").name == "吉林省"


def test_places_are_read_out_of_a_question_in_order(g):
    assert names(g.find("我是萧山的一家跨境电商初创企业，有哪些扶持政策？")) == ["萧山区"]
    assert names(g.find("湖北和济南在人才方面有什么不同？")) == ["湖北省", "济南市"]


def test_ordinary_words_that_are_also_county_names_are_not_places(g):
    # 新建 is a district of Nanchang, 城区 a district of Yangquan; neither is meant here.
    assert g.find("与高校新建博士后工作站，中心城区给多少资金？") == []


def test_a_county_short_form_counts_in_a_locative_frame(g):
    assert names(g.find("我在仙桃开网店")) == ["仙桃市"]
    assert names(g.find("那萧山呢？")) == ["萧山区"]


def test_national_documents_are_recognised_by_their_issuer_or_title(g):
    assert g.infer("中华人民共和国电子商务法", "全国人民代表大会常务委员会") == g.national
    assert g.infer("互联网信息服务算法推荐管理规定", "国家互联网信息办公室").name == NATIONAL
    assert g.infer("关于促进平台经济规范健康发展的指导意见", "国务院办公厅").name == NATIONAL


def test_a_local_document_belongs_to_the_most_specific_place_it_names(g):
    assert g.infer("杭州市跨境电子商务促进条例", "杭州市人民代表大会常务委员会").name == "杭州市"
    assert g.infer("浙江省电子商务条例").name == "浙江省"
    assert g.infer("北京市数字经济促进条例", "北京市人民代表大会常务委员会").level == "province"


def test_a_document_that_names_no_place_has_no_inferred_region(g):
    assert g.infer("省人民政府关于加快互联网平台经济发展的指导意见") is None


def test_a_short_place_name_inside_a_longer_word_is_no_place():
    from assistant.regions import gazetteer, infer_region

    # 资源 is 资源县's short form, but in 人力资源和社会保障部 it is part of 人力资源.
    assert gazetteer().mentions("人力资源和社会保障部关于工资折算问题的通知") == []
    assert infer_region("关于职工工资折算问题的通知", "人力资源和社会保障部").name == "全国"
    assert [r.name for _, r in gazetteer().mentions("我在资源的一家企业")] == ["资源县"]
