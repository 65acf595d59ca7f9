"""Validity answers: the facts each document prints, quoted from the clause that prints them, and its
status on today or on a year the question names. Hashing embedder: the validity composer finds its
documents by title, number and region and its facts by content, not by retrieval ranking.

Expected values are read from the texts (corpus/ and eval/laws/; today is 2026-11-22 in the fixtures).
"""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from assistant.answering.dates import judge_date
from assistant.answering.scope import by_title_words, title_overlap
from assistant.answering.validity import adoption, amendments, effect, issuer_printed
from assistant.clauses import parse_document
from assistant.config import Config
from assistant.core import Assistant
from assistant.corpus import Corpus, Document
from assistant.library import add_document
from assistant.routing import classify

from .conftest import CORPUS
from .fakes import HashEmbedder
from .lawtexts import LAWS, LAWS_DIR

MARKER = re.compile(r"\[(\d+)\]")


def quiet(_msg: str) -> None:
    pass


def cited(answer) -> list[str]:
    return [c.clause_id for c in answer.citations]


@pytest.fixture(scope="module")
def law_bot(tmp_path_factory) -> Assistant:
    """The seed corpus with the three laws added as a user adds them (no options)."""
    root = tmp_path_factory.mktemp("validity-laws")
    shutil.copytree(CORPUS, root / "corpus")
    cfg = Config(corpus_dir=root / "corpus", index_dir=root / "index", today="2026-11-22")
    Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    for name in LAWS:
        add_document(cfg, LAWS_DIR / f"{name}.md", embedder=HashEmbedder(), log=quiet)
    return Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)


# ---------------------------------------------------------------- routing


@pytest.mark.parametrize(
    "question",
    [
        "北京数字经济促进条例是哪天、由哪个机关通过的？",
        "网络安全法是什么时候公布的？",
        "这部法律修正过吗？",
        "到2027年，这份意见还管用吗？",
        "我们2019年开的企业，当年适用那份意见吗？",
        "这份意见是依据什么制定的？",
    ],
)
def test_questions_about_adoption_effect_and_amendment_route_to_validity(question):
    assert classify(question).kind == "validity"


@pytest.mark.parametrize(
    "question",
    ["湖北平台经济的统计监测由哪个部门牵头？", "全国的网络安全工作由哪个部门统筹协调？",
     "湖北计划哪一年基本实现行政审批事项全覆盖？"],
)
def test_who_is_responsible_and_when_a_target_is_met_are_not_validity(question):
    assert classify(question).kind != "validity"


# ---------------------------------------------------------------- dates to judge against


def test_a_year_in_a_validity_question_is_the_date_to_judge_against():
    when = judge_date("到2027年还管用吗？", date(2026, 11, 22))
    assert (when.first, when.last, when.label) == (date(2027, 1, 1), date(2027, 12, 31), "2027年")


def test_the_current_year_named_means_today():
    when = judge_date("按2026年算还有效吗？", date(2026, 11, 22))
    assert (when.first, when.last, when.named) == (date(2026, 11, 22), date(2026, 11, 22), True)


def test_a_year_that_identifies_a_document_is_not_the_date_to_judge_against():
    when = judge_date("2016年印发的那份意见现在还有效吗？", date(2026, 11, 22))
    assert (when.first, when.named) == (date(2026, 11, 22), False)


# ---------------------------------------------------------------- which documents


def test_title_words_pick_the_document_a_question_means():
    docs = [Document("a", "a.txt", "", "湖北省", "province", title="省人民政府关于加快互联网平台经济发展的指导意见"),
            Document("b", "b.txt", "", "湖北省", "province", title="省人民政府关于加快推进“互联网+”行动的实施意见")]
    assert [d.doc_id for d in by_title_words("湖北平台经济意见还有效吗？", docs)] == ["a"]
    assert [d.doc_id for d in by_title_words("湖北“互联网+”实施意见的文号", docs)] == ["b"]


def test_words_every_title_has_do_not_pick_a_document():
    assert title_overlap("这份指导意见的实施日期", "省人民政府关于加快推进“互联网+”行动的实施意见") == 0


# ---------------------------------------------------------------- facts found by content


def _corpus_of(text: str, doc_id: str = "x") -> tuple[Corpus, Document]:
    clauses, _ = parse_document(text, doc_id)
    doc = Document(doc_id, "x.txt", "", "全国", "national")
    return Corpus({doc_id: doc}, clauses), doc


@pytest.mark.parametrize(("text", "clause_id", "sentence"), [
    # The effect sentence of the last article wins over a dated line at the top.
    ("某某管理规定\n2021年11月16日某委员会审议通过\n2022年3月1日施行\n第一条 为了规范管理，制定本规定。\n"
     "第二条 本规定自2022年3月1日起施行。\n", "x#2", "本规定自2022年3月1日起施行。"),
    # A judicial interpretation says so of itself: 本解释.
    ("最高人民法院关于适用某法的解释\n2021年1月1日施行\n第一条 为正确审理案件，制定本解释。\n"
     "第二条 本解释自2021年1月1日起施行。\n", "x#2", "本解释自2021年1月1日起施行。"),
    # The repeal printed right after it is part of the document's status.
    ("某某管理规定\n第一条 为了规范管理，制定本规定。\n第二条 本规定自2022年1月1日起施行。2012年公布的《某某旧规定》同时废止。\n",
     "x#2", "本规定自2022年1月1日起施行。2012年公布的《某某旧规定》同时废止。"),
    # A dated effect line at the top is used when no article says so.
    ("某某管理规定\n2022年3月1日施行\n第一条 为了规范管理，制定本规定。\n第二条 本市自2023年起组织实施年度评估。\n",
     "x#0", "2022年3月1日施行"),
])
def test_the_effect_sentence_of_a_document(text, clause_id, sentence):
    corpus, doc = _corpus_of(text)
    found = effect(corpus, doc)
    assert (found.clause.clause_id, found.text) == (clause_id, sentence)


def test_an_effect_date_inside_the_promulgation_line():
    corpus, doc = _corpus_of("某某条例\n（2019年9月4日国务院第62次常务会议通过 2019年10月8日中华人民共和国国务院令第722号公布 "
                             "自2020年1月1日起施行）\n第一条 为了优化营商环境，制定本条例。\n")
    found = effect(corpus, doc)
    assert (found.clause.clause_id, found.text) == ("x#0", "自2020年1月1日起施行")
    assert adoption(corpus, doc).text == "2019年9月4日国务院第62次常务会议通过"


def test_amendments_are_quoted_after_the_adoption_event():
    corpus, doc = _corpus_of("某某法\n（2018年8月31日第十三届全国人民代表大会常务委员会第五次会议通过 根据2021年4月29日"
                             "第十三届全国人民代表大会常务委员会第二十八次会议《关于修改〈某某法〉的决定》修正）\n"
                             "第一条 为了规范管理，制定本法。\n")
    assert [p.text for p in amendments(corpus, doc)] == [
        "根据2021年4月29日第十三届全国人民代表大会常务委员会第二十八次会议《关于修改〈某某法〉的决定》修正"]


def test_the_adoption_line_and_its_issuer_as_printed():
    corpus, doc = _corpus_of("某某条例\n2022年11月25日北京市第十五届人民代表大会常务委员会第四十五次会议通过\n"
                             "第一条 为了促进发展，制定本条例。\n")
    found = adoption(corpus, doc)
    assert found.text == "2022年11月25日北京市第十五届人民代表大会常务委员会第四十五次会议通过"
    assert issuer_printed(found.text) == "北京市第十五届人民代表大会常务委员会"


def test_the_issuer_of_a_decree_line():
    assert issuer_printed("2021年12月31日国家互联网信息办公室令第9号公布") == "国家互联网信息办公室"


# ---------------------------------------------------------------- seed opinions


def test_the_wuhan_opinion_expired_on_2021_07_31(fake_assistant):
    a = fake_assistant.ask("武汉“互联网+流通”意见现在还有效吗？")
    assert (a.route, cited(a)) == ("validity", ["wuhan-internet-plus-circulation-2016#end"])
    assert "“本意见自2016年8月1日起施行,有效期为5年。”" in a.answer
    assert "有效期至2021年7月31日；截至今天（2026年11月22日）已过有效期" in a.answer


def test_a_year_the_question_names_is_the_date_judged(fake_assistant):
    a = fake_assistant.ask("我们2019年在武汉开的流通企业，当年适用“互联网+流通”那份意见吗？")
    assert "有效期至2021年7月31日；在2019年仍在有效期内" in a.answer


def test_a_document_without_a_validity_period_shows_the_date_it_prints(fake_assistant):
    a = fake_assistant.ask("济南那份平台经济实施意见，2026年还能用吗？")
    assert cited(a) == ["jinan-platform-economy-2020#end"]
    assert "落款日期为“2020年3月2日”" in a.answer
    assert "原文未规定施行日期和有效期" in a.answer and "本库收录的文件中也没有废止它的规定" in a.answer


def test_the_document_number_is_quoted_from_the_top_of_the_text(fake_assistant):
    a = fake_assistant.ask("湖北“互联网+”实施意见的文号是多少？")
    assert a.answer == "- 《省人民政府关于加快推进“互联网+”行动的实施意见》的文号为鄂政发〔2015〕80号 [1]"
    assert cited(a) == ["hubei-internet-plus-2015#0"]


def test_the_basis_documents_are_cited_from_the_sentence_naming_them(fake_assistant):
    a = fake_assistant.ask("武汉互联网+流通意见是根据哪些文件制定的？")
    assert cited(a) == ["wuhan-internet-plus-circulation-2016#0"]
    assert "《国务院关于积极推进“互联网+”行动的指导意见》（国发〔2015〕40号）" in a.answer


def test_a_question_naming_no_document_gets_one_line_per_document(fake_assistant):
    a = fake_assistant.ask("这些文件现在还有效吗？")
    bullets = [ln for ln in a.answer.splitlines() if ln.startswith("- ")]
    assert len(bullets) == len(fake_assistant.documents) == 5
    assert all(MARKER.search(ln) for ln in bullets)
    assert a.answer.splitlines()[0] == "问题没有指明是哪份文件，以下逐一列出本库5份文件的状态（判断日期：今天（2026年11月22日））："


def test_every_quote_is_verbatim_in_its_clause(fake_assistant):
    for q in ("武汉“互联网+流通”意见现在还有效吗？", "这些文件现在还有效吗？", "湖北的意见还有效吗？"):
        a = fake_assistant.ask(q)
        assert a.citations and all(c.quote in c.clause_text for c in a.citations)


# ---------------------------------------------------------------- laws added by a user


def test_the_cybersecurity_law_takes_effect_by_its_last_article(law_bot):
    a = law_bot.ask("网络安全法从哪天开始施行？现在还有效吗？")
    assert cited(a) == ["cybersecurity-law-2016#79"]
    assert "“本法自2017年6月1日起施行。”" in a.answer
    assert "本库收录的文件中也没有废止它的规定" in a.answer


def test_adoption_date_and_body_are_quoted_from_the_adoption_line(law_bot):
    a = law_bot.ask("北京数字经济促进条例是哪天、由哪个机关通过的？")
    assert cited(a) == ["beijing-digital-economy-2022#0"]
    assert a.answer == ("- 《北京市数字经济促进条例》于2022年11月25日由北京市第十五届人民代表大会常务委员会通过："
                        "“2022年11月25日北京市第十五届人民代表大会常务委员会第四十五次会议通过” [1]")


def test_a_regulation_not_yet_in_force_in_the_year_asked(law_bot):
    a = law_bot.ask("北京数字经济促进条例在2022年有效吗？")
    assert cited(a) == ["beijing-digital-economy-2022#58"]
    assert "在2022年尚未施行（自2023年1月1日起施行）" in a.answer


def test_the_rules_effect_article_is_cited_not_the_line_at_the_top(law_bot):
    a = law_bot.ask("算法推荐管理规定是哪天起实施的？")
    assert cited(a) == ["algorithm-recommendation-rules-2021#35"]


def test_a_document_repealed_by_a_corpus_document_cites_the_repealing_sentence(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")
    Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    old = tmp_path / "old.txt"
    old.write_text("武汉市电子商务促进办法\n第一条 为了促进电子商务发展，制定本办法。\n", encoding="utf-8")
    new = tmp_path / "new.txt"
    new.write_text("武汉市电子商务促进条例\n第一条 为了促进电子商务发展，制定本条例。\n"
                   "第二条 本条例自2024年1月1日起施行。《武汉市电子商务促进办法》同时废止。\n", encoding="utf-8")
    add_document(cfg, old, doc_id="wuhan-ec-measures", embedder=HashEmbedder(), log=quiet)
    add_document(cfg, new, doc_id="wuhan-ec-regulation", embedder=HashEmbedder(), log=quiet)
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    a = bot.ask("武汉市电子商务促进办法现在还有效吗？")
    assert "自2024年1月1日起已被本库收录的《武汉市电子商务促进条例》废止：“《武汉市电子商务促进办法》同时废止。”" in a.answer
    assert "wuhan-ec-regulation#2" in cited(a)


def test_a_document_not_held_but_repealed_by_a_held_one_is_answered_from_the_repeal(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")
    Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    new = tmp_path / "new.txt"
    new.write_text("武汉市电子商务促进条例\n第一条 为了促进电子商务发展，制定本条例。\n"
                   "第二条 本条例自2024年1月1日起施行。2010年公布的《武汉市电子商务促进办法》同时废止。\n", encoding="utf-8")
    add_document(cfg, new, doc_id="wuhan-ec-regulation", embedder=HashEmbedder(), log=quiet)
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    # Still in force? The corpus lacks its text but says it was repealed, and since when the new one applies.
    a = bot.ask("以前的《武汉市电子商务促进办法》现在还管用吗？")
    assert not a.refused and cited(a) == ["wuhan-ec-regulation#2"]
    assert "本库没有《武汉市电子商务促进办法》的原文" in a.answer and "本条例自2024年1月1日起施行" in a.answer
    # What its articles said, the corpus cannot tell: refused, with the repeal.
    a = bot.ask("《武汉市电子商务促进办法》第三条怎么规定的？")
    assert a.refused and "同时废止" in a.answer


def test_a_kind_named_narrows_a_region_to_its_documents_of_that_kind(law_bot):
    a = law_bot.ask("江苏那份指导意见什么时候印发的？")
    assert cited(a) == ["jiangsu-platform-economy-2015#0"]
    assert "原文未载明通过、公布或印发的日期和机关" in a.answer


def test_a_law_that_sets_no_target_year_is_refused_for_targets(law_bot):
    a = law_bot.ask("北京数字经济促进条例设定了哪些目标年份？")
    assert (a.route, a.refused) == ("target", True)
    assert a.answer.startswith("《北京市数字经济促进条例》没有设定目标年份或期限")


@pytest.mark.parametrize(
    ("question", "name"),
    [("广东省数字经济促进条例是哪天开始施行的？", "广东省数字经济促进条例"),
     # Cited in the algorithm rules (第一条), but not a document the corpus holds.
     ("个人信息保护法什么时候施行？", "个人信息保护法")],
)
def test_a_document_the_corpus_does_not_hold_is_refused_by_name(law_bot, question, name):
    a = law_bot.ask(question)
    assert a.refused and a.answer.startswith(f"本库没有《{name}》。")


def test_an_older_document_the_question_names_is_answered_by_the_sentence_that_repealed_it(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    cfg = Config(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", today="2026-11-22")
    new = tmp_path / "new.txt"
    new.write_text("武汉市电子商务促进条例\n第一条 为了促进电子商务发展，制定本条例。\n"
                   "第二条 本条例自2024年1月1日起施行。2010年公布的《武汉市电子商务促进办法》同时废止。\n",
                   encoding="utf-8")
    add_document(cfg, new, doc_id="wuhan-ec-regulation", embedder=HashEmbedder(), log=quiet)
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    a = bot.ask("武汉市电子商务促进条例哪天施行？以前那个电子商务促进办法还有效吗？")
    assert not a.refused
    assert "2024年1月1日" in a.answer and "《武汉市电子商务促进办法》同时废止" in a.answer
    assert "wuhan-ec-regulation#2" in cited(a)


def test_the_validity_period_of_something_a_document_sets_is_a_fact_question(tmp_path):
    """"三包有效期" is a period the text sets for something it names: asked about, it is answered from the
    article that sets it; the validity of the document itself is still a validity question."""
    text = ("某省家用汽车产品三包规定\n\n第一条 为了保护消费者合法权益，制定本规定。\n\n"
            "第二条 家用汽车产品的三包有效期不得低于2年或者行驶里程50,000公里，以先到者为准。\n\n"
            "第三条 本规定自2022年1月1日起施行。\n")
    path = tmp_path / "sanbao.md"
    path.write_text(text, encoding="utf-8")
    root = tmp_path / "bot"
    shutil.copytree(CORPUS, root / "corpus")
    cfg = Config(corpus_dir=root / "corpus", index_dir=root / "index", today="2026-11-22")
    add_document(cfg, path, doc_id="sanbao", region="全国", level="national", embedder=HashEmbedder(), log=quiet)
    bot = Assistant.load(cfg, embedder=HashEmbedder(), log=quiet)
    term = bot.ask("家用汽车的三包有效期最短是多长？")
    assert term.route == "fact" and "sanbao#2" in cited(term) and "2年" in term.answer
    assert bot.ask("某省家用汽车产品三包规定的有效期是多久？").route == "validity"


def test_the_effect_article_also_says_to_which_cases_the_document_applies():
    from assistant.answering.validity import Printed, transitional
    from assistant.clauses import Clause

    text = ("本解释自2009年10月1日起施行。\n\n本解释施行前已经终审，本解释施行后当事人申请再审或者按照审判监督程序"
            "决定再审的案件，不适用本解释。")
    clause = Clause(doc_id="interp", path="5", level=1, label="第五条", heading="", text=text)
    said = [p.text for p in transitional(Printed(clause, "本解释自2009年10月1日起施行。"))]
    assert said == ["本解释施行前已经终审，本解释施行后当事人申请再审或者按照审判监督程序决定再审的案件，不适用本解释。"]
    assert transitional(Printed(clause, "本解释施行前已经终审，本解释施行后当事人申请再审或者按照审判监督程序"
                                        "决定再审的案件，不适用本解释。")) == []
