"""What kind of question is this, and what does it name (regions, units, the thing asked for)?"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .corpus import REGION_NAMES

# Cities whose province has a document in the corpus: a firm there is covered by the provincial one.
CITY_TO_PROVINCE = {
    **dict.fromkeys("南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 昆山".split(), "江苏省"),
    **dict.fromkeys("襄阳 宜昌 黄石 十堰 荆州 荆门 鄂州 孝感 黄冈 咸宁 随州 恩施 仙桃 潜江 天门".split(), "湖北省"),
}
# Places with no document of their own or of their province in the corpus.
UNCOVERED = tuple(
    "北京 上海 天津 重庆 广东 广州 深圳 浙江 杭州 宁波 四川 成都 福建 厦门 福州 河南 郑州 湖南 长沙 安徽 合肥 "
    "江西 南昌 河北 石家庄 山西 太原 陕西 西安 辽宁 沈阳 大连 吉林 长春 黑龙江 哈尔滨 广西 南宁 云南 昆明 贵州 "
    "贵阳 海南 海口 甘肃 兰州 青海 宁夏 新疆 西藏 内蒙古 香港 澳门 台湾 雄安 珠海 东莞 佛山".split()
)
SHANDONG_CITIES = tuple("青岛 烟台 潍坊 淄博 临沂 济宁 泰安 威海 日照 德州 聊城 滨州 菏泽 枣庄 东营".split())

_VALIDITY = re.compile(r"有效期|落款|哪天(印发|发布|出台|发的)|什么时候发|根据(国家)?哪(份|个)|依据(国家)?哪(份|个)|有效吗|还有效|失效|废止|过期|施行|生效|实施日期|什么时候(发布|印发|出台|开始)|何时(发布|印发|施行)|"
                       r"仍然?(适用|有效)|还(管用|能用|适用|执行)|现行|文号|发文|印发")
_RESPONSIBILITY = re.compile(r"牵头|谁负责|由谁|哪个部门|哪些部门|哪家单位|哪个单位|哪些单位|由[^，。？]{0,8}负责|责任单位|责任部门|参加单位|配合单位|主管|负责(什么|哪些|哪|的)|"
                             r"承担|分工|职责|任务有哪些|哪些任务|负责单位")
_SUPPORT = re.compile(r"扶持|补贴|奖励|优惠|资助|补助|减免|贴息|资金支持|政策支持|支持政策|享受|可以申请|能申请|有什么支持|哪些支持|"
                      r"有什么政策|哪些政策|什么帮助|帮扶|融资|贷款|税收|人才政策|房租|租金")
_SELF = re.compile(r"我(们|司)?是|我们(公司|企业)|我(的|家)?公司|本(公司|企业)|一家|我在|我们在|作为一家")
_COMPARISON = re.compile(r"比较|对比|相比|区别|不同|异同|差异|分别|各自|哪个(更|多)|谁(更|多)|和.{1,8}(一样|相同)")
FIGURE = re.compile(r"多少|几(家|项|年|成|倍)|比例|百分之|金额|上限|最高|额度|规模|目标是|指标|数量|达到")
DATE = re.compile(r"什么时候|何时|哪一?年|日期|时间")

INDUSTRIES = {
    "跨境电商": ("跨境电子商务", "跨境", "买全球"), "电商": ("电子商务", "电商", "网络销售"),
    "物流": ("物流", "配送", "快递"), "金融": ("金融", "支付", "融资"), "制造": ("制造", "工业互联网", "智能"),
    "农业": ("农业", "农村", "农产品"), "旅游": ("旅游",), "教育": ("教育", "培训"), "医疗健康": ("医疗", "健康", "养老"),
    "文化创意": ("文化", "创意", "传媒"), "软件信息": ("软件", "信息服务", "大数据", "云计算"), "会展": ("会展",),
    "人力资源": ("人力资本", "人力资源"), "流通零售": ("流通", "零售", "商圈"),
}
STAGES = {
    "初创": ("初创", "创业", "种子期", "孵化", "起步"), "成长": ("成长", "加速", "扩张"),
    "小微": ("小微", "中小"), "龙头": ("龙头", "骨干", "领军", "头部", "上市"), "高新": ("高新技术", "技术先进型"),
}
SUPPORT_KINDS = {
    "资金与奖励": ("资金", "奖励", "补贴", "补助", "资助", "专项", "以奖代补", "给予支持", "一次性"),
    "税收": ("税", "所得税"),
    "融资": ("融资", "贷款", "基金", "投资", "担保", "上市", "债", "信贷", "贴息"),
    "人才": ("人才", "职称", "培训", "引进"),
    "场地与租金": ("租金", "房租", "场地", "载体", "园区", "办公用房", "用地"),
    "认定与荣誉": ("认定", "示范", "评选", "品牌", "名单"),
    "准入与便利": ("登记", "审批", "一照多址", "经营场所", "简化"),
}


@dataclass(frozen=True)
class Route:
    kind: str  # validity | responsibility | support | comparison | fact
    regions: list[str] = field(default_factory=list)  # corpus regions named (湖北省, 武汉市, …)
    uncovered: list[str] = field(default_factory=list)  # places named that the corpus does not cover
    industry: str | None = None
    stage: str | None = None
    wants: str | None = None  # "figure" | "date" | "unit" | None


def regions_named(text: str) -> tuple[list[str], list[str]]:
    """(corpus regions, uncovered places) mentioned in the text, in order of appearance."""
    hits: list[tuple[int, str]] = []
    for alias, region in REGION_NAMES.items():
        if len(alias) >= 2 and alias in text:
            hits.append((text.index(alias), region))
    for city, province in CITY_TO_PROVINCE.items():
        if city in text:
            hits.append((text.index(city), province))
    regions: list[str] = []
    for _, r in sorted(hits):
        if r not in regions:
            regions.append(r)
    uncovered = [p for p in UNCOVERED if p in text]
    if not regions:
        uncovered += [c for c in SHANDONG_CITIES if c in text]
    return regions, uncovered


def _first_key(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    for key, words in table.items():
        if key in text or any(w in text for w in words):
            return key
    return None


def classify(question: str, *, names_unit: bool = False) -> Route:
    regions, uncovered = regions_named(question)
    industry = _first_key(question, INDUSTRIES)
    stage = _first_key(question, STAGES)
    wants = "figure" if FIGURE.search(question) else "date" if DATE.search(question) else None
    if _VALIDITY.search(question):
        kind = "validity"
    elif _RESPONSIBILITY.search(question) or (names_unit and re.search(r"负责|做什么|干什么|工作", question)):
        kind, wants = "responsibility", "unit"
    elif len(regions) >= 2 or (_COMPARISON.search(question) and ("各地" in question or "两地" in question)):
        kind = "comparison"
    elif _SUPPORT.search(question) and (
        _SELF.search(question) or (wants != "figure" and (industry or stage or "企业" in question))
    ):
        kind = "support"
    else:
        kind = "fact"
    return Route(kind=kind, regions=regions, uncovered=uncovered, industry=industry, stage=stage, wants=wants)
