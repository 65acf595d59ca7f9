"""What kind of question is this, and what does it name (regions, units, the thing asked for)?"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from .corpus import region_chain
from .regions import gazetteer
from .values import asked_value_kind

_VALIDITY = re.compile(r"有效期|落款|哪天(印发|发布|出台|发的)|什么时候发|根据(国家)?哪(份|个)|依据(国家)?哪(份|个)|有效吗|还有效|失效|废止|过期(?=了|没|吗|呢|不|与否|[？?。，]|$)|(?:是否|有没有|已经?)过期|施行|生效|实施日期|什么时候(发布|印发|出台|开始)|何时(发布|印发|施行)|"
                       r"仍然?(适用|有效)|还(管用|能用|适用|执行)|(现在|目前|如今|今年)还能(申请|享受|用)|(?<!实)现行|文号|发文|印发|"
                       # When and by whom a law or regulation was adopted, promulgated, amended.
                       r"(哪天|哪一天|哪年|哪一年|什么时候|何时|几月几日|哪个机关|什么机关|哪个会议|哪次会议|什么会议)[^，。？]{0,6}(通过|颁布|公布|发布|制定|批准)|"
                       r"(通过|颁布|公布|发布)(的|于)?(日期|时间|机关)|由(哪个|什么)(机关|会议)|谁(通过|颁布|公布|发布)的|制定机关|"
                       r"修正|修订|修改过|改过几次|(起|开始)(正式)?(施行|实施|生效|执行)|实施(的)?(日期|时间)|"
                       # Whether a document applies on a date: "到2027年还能享受吗", "当年适用那份意见吗".
                       r"(根据|依据|依照)[^，。？]{0,4}哪些(文件|法律|规定|政策)|(根据|依据|依照)(的是)?什么(制定|出台|文件|法律)|制定依据|"
                       r"到\s*20\d\d\s*年[^，。？]{0,6}(还|仍)(能|可以|管用|有效|适用)|当年(还|仍)?(适用|有效|能用|管用)|"
                       r"适用[^，。？]{0,12}(那|这|该|此)(份|个|部|项)?(意见|文件|条例|规定|办法|法|通知|政策)|"
                       r"(那|这|该|此)(份|个|部|项)[^，。？]{0,14}(意见|文件|条例|规定|办法|法|通知|政策)[^。？]{0,16}(还|仍)(能|可以)?(享受|适用|管用|执行)")
# Validity is a document's: a question about it names one — a title, a kind of document, its number, "这份…".
# "合同签好生效了", "报告每年什么时候发布", "交强险还在有效期" ask about something else.
_DOCUMENT = re.compile(r"《|意见|通知|条例|规定|办法|法律|法规|解释|决定|文件|政策|细则|措施|方案|规划|纲要|"
                       r"(?<![违合非办司执立])法(?![院律规人定官])|〔\d{4}〕|这(?:份|部|个|项)|该(?:份|部|项)")
_RESPONSIBILITY = re.compile(r"牵头|谁负责|由谁|哪个部门|哪些部门|哪家单位|哪个单位|哪些单位|由[^，。？]{0,8}负责|责任单位|责任部门|参加单位|配合单位|主管|负责(什么|哪些|哪|的)|"
                             r"承担|分工|职责|负责单位|谁(?:来)?(?:说了算|决定|确定|定|批准|审批|管)|负总责")
# "有哪些任务" is about a unit's work only when a unit is named ("省商务厅有哪些任务？"); "重点任务有哪些？" is a list.
_UNIT_TASKS = re.compile(r"任务有哪些|哪些任务|负责(?!人)|做什么|干什么|工作(?!人员)")
_SUPPORT = re.compile(r"扶持|补贴|奖励|优惠|资助|补助|减免|贴息|资金支持|政策支持|支持政策|享受|可以申请|能申请|有什么支持|哪些支持|"
                      r"有什么政策|哪些政策|什么帮助|帮扶|融资|贷款|税收|人才政策|房租|租金")
_SELF = re.compile(r"我(们|司)?是|我们(公司|企业)|我(的|家)?公司|本(公司|企业)|一家|我在|我们在|作为一家")
# 政策匹配 is for firms: one that speaks of itself says what it is ("一家…企业", "我们厂", "做电商的").
_FIRM = re.compile(r"企业|公司|厂|店|商户|个体|合作社|平台|园区|项目|工作室|门店|商家|经营|我们(?!家)[^，。？]{0,8}做|"
                   r"做[^，。？]{0,12}(?:生意|业务|行业)")
# Whether something done to a firm is lawful ("银行要收贷款承诺费，这合法吗？") is no request for support.
_LAWFUL = re.compile(r"合法|违法|违规|(?:能|可以)(?:不能)?这样|这样(?:做)?(?:行|对|可以)吗")
_COMPARISON = re.compile(r"比较|对比|相比|区别|不同|异同|差异|分别|各自|哪个(更|多)|谁(更|多)|和.{1,8}(一样|相同)")
# Target years and stages of a plan ("目标分几个阶段？哪几年？", "到2020年的目标完成了吗？", "目标到期了吗？").
_TARGET = re.compile(
    r"(目标|节点|阶段)[^，。？]{0,12}(哪(几|一|两|三)?个?年|几年|多少年|多久|几个阶段|几步|到期|过了吗|过期|完成|实现了|达到了|达成|年份|期限)|"
    r"哪(几|一|两|三)?个?年[^，。？]{0,8}(目标|节点)|时间节点|目标年份|目标年度|分(几|两|三|四)个?(阶段|步)|目标(分|有)几|"
    r"(到|至)\s*20\d\d\s*年[^，。？]{0,12}目标(是什么|是啥|有哪些|有什么|包括|要求|完成|实现|达到|过)|"
    r"20\d\d\s*年的?(发展)?目标|"
    r"(到|至)\s*20\d\d\s*年[^，。？]{0,16}(哪些|什么)[^，。？]{0,6}目标|"
    r"哪(一)?年[^，。？]{0,4}(要|将|能|基本|力争|争取)?[^，。？]{0,4}(实现|完成|达到|建成|形成)|"
    r"(时间点|节点|期限|目标)(已经)?(过了|到期)|[\d一二三四五六七八九十]+年(内|时间|左右)[^，。？]{0,10}目标"
)
FIGURE = re.compile(r"多少|几(家|项|年|成|倍)|比例|百分之|金额|上限|最高|额度|规模|目标是|指标|数量|达到")
DATE = re.compile(r"什么时候|何时|哪一?年|日期|时间")

# What a question asks for, matched against what a sentence offers (sentences.offers).
_ASKS = {
    # "什么情况下不予受理" asks for the situations, which a law enumerates (有下列情形之一的).
    "list": re.compile(r"哪些|哪几|包括(什么|哪些)|有几(个|项|类|种|方面|条|点)|几个方面|列举|都有什么|都有啥|有什么(措施|任务|行动|内容|要求|义务)|"
                       r"(什么|哪种|哪类|何种)(情况|情形)"),
    "money": re.compile(r"多少钱|多少万|多少亿|多少元|金额|补多少|奖多少|(奖励|补贴|资助|补助|罚款|罚)(是)?多少|标准是多少|比例|几成|百分之|罚多少|罚款.*(范围|多少|区间|幅度)"),
    "date": re.compile(r"什么时候|何时|哪天|哪一天|日期|几月几日|哪年哪月"),
    "duration": re.compile(r"多久|多长时间|期限|几天|几日|几个月|多少天|多少日|多少年|保存多长|提前几|至少.*(多久|几)"),
    "definition": re.compile(r"是什么意思|什么是|指什么|指谁|指哪些|指的是|含义|定义|是指|怎么界定|如何界定|什么叫|怎么解释|"
                             r"哪些[^，。？]{0,6}(算|属于)[“\"]|(包括|包含|涵盖)哪些(单位|机构|主体|组织|人员)"),
    "penalty": re.compile(r"罚|处罚|法律责任|后果|会怎样|违反|违规|吊销|责任追究"),
    # How to handle something asks what must be done, not the sanction for not doing it.
    "duty": re.compile(r"应当|义务|必须|要求|不得|禁止|能不能|可不可以|可以吗|是否可以|需要做|要做什么|怎么做|允许|"
                       r"怎么处理|如何处理|怎么办"),
    "target": re.compile(r"目标|阶段|哪几年|时间节点|到期"),
    "contact": re.compile(r"电话|联系方式|联系人|邮箱|网址|热线|地址在|办公地址|怎么联系"),
}


# Asks what the punishment is ("怎么罚", "承担什么法律责任"), not only what happens next ("怎么处理").
PUNISH = re.compile(r"罚|处分|法律责任|吊销|拘留")


def asks_who(text: str) -> bool:
    """Does the text ask who is responsible ("由谁负责", "哪个部门", "谁说了算")?"""
    return bool(_RESPONSIBILITY.search(text))


def asks(question: str) -> frozenset[str]:
    """What the question asks for: list, figure, money, date, duration, definition, penalty, duty, target,
    contact."""
    found = {name for name, rx in _ASKS.items() if rx.search(question)}
    if FIGURE.search(question):
        found.add("figure")
    return frozenset(found)


INDUSTRIES = {
    "跨境电商": ("跨境电子商务", "跨境"), "电商": ("电子商务", "电商", "网络销售"),
    "物流": ("物流", "配送", "快递"), "金融": ("金融", "支付", "融资"), "制造": ("制造", "工业互联网", "智能"),
    "农业": ("农业", "农村", "农产品"), "旅游": ("旅游",), "教育": ("教育", "培训"), "医疗健康": ("医疗", "健康", "养老"),
    "文化创意": ("文化", "创意", "传媒"), "软件信息": ("软件", "信息服务", "大数据", "云计算"), "会展": ("会展",),
    "人力资源": ("人力资本", "人力资源"), "流通零售": ("流通", "零售", "商圈"),
}
STAGES = {
    "初创": ("初创", "创业", "种子期", "孵化", "起步"), "成长": ("成长", "加速", "扩张"),
    "小微": ("小微", "中小"), "龙头": ("龙头", "骨干", "领军", "头部", "上市"), "高新": ("高新技术", "技术先进型"),
}


@dataclass(frozen=True)
class Route:
    kind: str  # target | validity | responsibility | support | comparison | fact
    regions: list[str] = field(default_factory=list)  # places named that some document covers (full names)
    uncovered: list[str] = field(default_factory=list)  # places named that no document covers
    industry: str | None = None
    stage: str | None = None
    wants: str | None = None  # "figure" | "date" | "unit" | None
    asks: frozenset[str] = frozenset()  # see asks()


def regions_named(text: str, doc_regions: Collection[str] = ()) -> tuple[list[str], list[str]]:
    """(covered, uncovered): the places a text names (full names, in order), split by whether any
    document in the corpus applies there — one of its own or of a region above it, national included.
    """
    covered: list[str] = []
    uncovered: list[str] = []
    have = set(doc_regions)
    for place in gazetteer().find(text):
        chain = region_chain(place.name)
        (covered if have.intersection(chain) else uncovered).append(place.name)
    return covered, uncovered


def apart(regions: list[str]) -> list[str]:
    """The regions of which none lies within another: "襄阳…湖北省里" names one place, not two to compare."""
    chains = {r: region_chain(r) for r in regions}
    return [r for r in regions if not any(r != o and r in chains[o] for o in regions)]


def _places_side_by_side(text: str) -> bool:
    """Are two places named together ("武汉和济南", "江苏、浙江", "济南的政策比江苏")? Places named as circumstances ("公司注册在苏州，
    我在上海上班") are no request to compare them."""
    spans = [(m.start(), m.end()) for m in (re.search(re.escape(s), text) for s, _ in gazetteer().mentions(text)) if m]
    spans.sort()
    return any(re.fullmatch(r"[省市区县]?(?:和|与|跟|同|及|以及|、|还是|或)|[^，。？]{0,6}比", text[a[1]:b[0]])
               for a, b in zip(spans, spans[1:], strict=False))


def _first_key(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    for key, words in table.items():
        if key in text or any(w in text for w in words):
            return key
    return None


def classify(question: str, *, names_unit: bool = False, doc_regions: Collection[str] = (),
             follows_up: bool = False) -> Route:
    """``follows_up``: the question points back at the previous answer ("现在还能享受吗？"), whose documents it
    then names."""
    regions, uncovered = regions_named(question, doc_regions)
    industry = _first_key(question, INDUSTRIES)
    stage = _first_key(question, STAGES)
    wants = "figure" if FIGURE.search(question) else "date" if DATE.search(question) else None
    asked = asks(question)
    if _TARGET.search(question) and not _RESPONSIBILITY.search(question):
        kind = "target"
    elif _VALIDITY.search(question) and (follows_up or _DOCUMENT.search(question)):
        kind = "validity"
    elif "definition" not in asked and (
        _RESPONSIBILITY.search(question) or (names_unit and _UNIT_TASKS.search(question))
    ):
        # "哪些单位算“公共机构”？" asks what a term covers, not who is responsible.
        kind, wants = "responsibility", "unit"
    elif (len(apart(regions)) >= 2 and (_COMPARISON.search(question) or _places_side_by_side(question))) or (
            _COMPARISON.search(question) and ("各地" in question or "两地" in question)):
        kind = "comparison"
    elif _SUPPORT.search(question) and not _LAWFUL.search(question) and (
        # Without the asker's own situation, a question asking for a value ("多久报告一次") or a date is a
        # question of fact about support, not "what can we get"; a person or a family asking what they can
        # apply for ("一家人…能申请什么救助") asks the law, not the firms' 政策匹配.
        (_SELF.search(question) and (_FIRM.search(question) or industry or stage))
        or (wants is None and asked_value_kind(question) is None and (industry or stage or "企业" in question))
    ):
        kind = "support"
    else:
        kind = "fact"
    return Route(kind=kind, regions=regions, uncovered=uncovered, industry=industry, stage=stage, wants=wants,
                 asks=asked)
