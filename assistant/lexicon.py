"""Chinese word segmentation and BM25 for the keyword half of hybrid retrieval."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

import jieba
import numpy as np

# General policy vocabulary jieba's default dictionary splits badly. The corpus adds its own terms
# (``corpus_terms``: quoted coinages, defined terms, abbreviations) and unit names when it loads.
POLICY_TERMS = (
    "平台经济", "互联网平台", "平台企业", "电子商务", "电商", "跨境电商", "跨境电子商务", "农村电商",
    "互联网+", "互联网金融", "大数据", "云计算", "物联网", "工业互联网", "天使投资", "风险投资",
    "创业投资", "引导基金", "高新技术企业", "技术先进型服务企业", "所得税", "税收优惠", "贷款贴息",
    "融资担保", "知识产权", "人才引进", "初创企业", "小微企业", "中小企业", "集聚区", "示范基地",
    "示范城市", "孵化器", "加速器", "众创空间", "牵头单位", "参加单位", "责任单位", "责任部门",
    "多式联运", "冷链物流", "智慧物流", "最后一公里", "线上线下", "O2O", "移动支付", "智慧旅游",
    "智慧城市", "信用体系", "统计监测", "发展改革委", "经济和信息化委", "经信委", "人社厅",
    "商务厅", "商务局", "网信办", "市场监管局", "金融办", "财政厅", "科技厅", "主管部门", "网信部门",
    "个人信息", "数据安全", "网络安全", "罚款", "违法所得", "吊销", "营业执照", "法定代表人",
)

STOPWORDS = frozenset(
    "的 了 和 与 及 等 是 在 对 有 为 以 把 被 将 从 到 就 也 都 而 或 并 其 之 中 上 下 吗 呢 啊 吧 么 "
    "什么 哪些 哪个 怎么 如何 多少 是否 有没有 请问 我们 我 你 他 她 它 这 那 这些 那些 一个 一些 "
    "可以 能 会 要 需要 关于 给予 进行 加强 加快 推进 推动 支持 鼓励 相关 有关 方面 工作 政策 文件 意见".split()
)

_PUNCT = re.compile(r"^[\W_]+$")

# Everyday short forms → the form the documents print; both are indexed so either matches.
SYNONYMS = {
    "电商": "电子商务", "跨境电商": "跨境电子商务", "农村电商": "农村电子商务", "网店": "网络零售",
    "补助": "补贴", "税率": "税", "贷款": "信贷", "快递": "物流", "大学": "高校",
    "工信局": "工业和信息化局", "发改委": "发展改革委", "人社": "人力资源社会保障", "网购": "网络购物",
}
_REVERSE = {v: k for k, v in SYNONYMS.items() if v != k}


# Terms a document coins or defines: “互联网+流通”, 本法所称网络运营者，是指…, （以下简称算法推荐服务）.
_QUOTED = re.compile(r"[“\"]([^“”\"、，,。；：\s]{2,12})[”\"]")
_DEFINED = re.compile(r"(?:所称|以下简称|以下称)[“\"]?([\u4e00-\u9fffA-Za-z0-9+]{2,12}?)[”\"]?(?:，|,|）|\)|是指)")


# "（三）网络运营者，是指…": a defined term opening an item or sentence.
_DEFINITION_ITEM = re.compile(r"(?:^|[）)。])([\u4e00-\u9fff]{2,12})，是指", re.M)


def corpus_terms(texts: Iterable[str]) -> set[str]:
    """Terms the documents themselves mark as terms, so that segmentation keeps them whole."""
    terms: set[str] = set()
    for text in texts:
        terms.update(_QUOTED.findall(text))
        terms.update(_DEFINED.findall(text))
        terms.update(_DEFINITION_ITEM.findall(text))
    return {t for t in terms if not t.isdigit() and "所称" not in t}


def variants(token: str) -> tuple[str, ...]:
    """The token and its synonym, in either direction."""
    other = SYNONYMS.get(token) or _REVERSE.get(token)
    return (token, other) if other else (token,)


class Segmenter:
    """A jieba tokenizer of our own (never jieba's global one) with the policy vocabulary added."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._lock = threading.Lock()  # jieba's lazy initialisation is not thread-safe
        for w in (*POLICY_TERMS, *extra_words):
            if w:
                self._tok.add_word(w, freq=2000)

    def tokens(self, text: str) -> list[str]:
        with self._lock:
            words = self._tok.lcut_for_search(text.lower())
        out = [w for w in words if w.strip() and w not in STOPWORDS and not _PUNCT.match(w)]
        # Index the short form for the long one (电子商务 → 电商) so that both spellings meet.
        return out + [_REVERSE[w] for w in out if w in _REVERSE]


class BM25:
    """Okapi BM25 over tokenised documents; small enough to read, fast enough for 10^5 clauses."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avgdl = float(self.lengths.mean()) if self.n else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings.setdefault(term, []).append((i, tf))
        self.idf = {
            t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        if not self.n:
            return out
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avgdl, 1e-9))
        for term in set(query):
            for i, tf in self.postings.get(term, ()):
                out[i] += self.idf[term] * tf * (self.k1 + 1) / (tf + norm[i])
        return out
