"""Chinese word segmentation and BM25 for the keyword half of hybrid retrieval."""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import cn2an
import jieba
import numpy as np

# The vocabulary jieba is given comes from the corpus (``index.corpus_words``: unit names, and the terms the
# documents quote, define or abbreviate), never from a list written for some documents.
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
    "营收": "营业收入",
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
    """The token, its synonym (in either direction) and its figures in digits ("五百" → 500, "千亿" → 1000亿):
    a question writes numbers in words where a document may print digits."""
    out = [token]
    other = SYNONYMS.get(token) or _REVERSE.get(token)
    if other:
        out.append(other)
    digits = _in_digits(token)
    if digits != token:
        out.append(digits)
    return tuple(out)


_CN_FIGURE = re.compile(r"[零〇一二两三四五六七八九十百千]+")


def _in_digits(text: str) -> str:
    """Chinese numerals as digits ("五百亿" → "500亿", "百分之三十" → "30%"). Only ever an extra form to
    look for, so "统一" → "统1" does no harm."""
    def number(m: re.Match[str]) -> str:
        raw = m.group(0)
        try:
            return str(cn2an.cn2an(("一" + raw if raw[0] in "十百千" and raw != "十" else raw)
                                   .replace("〇", "零").replace("两", "二"), "strict"))
        except ValueError:
            return raw
    text = re.sub(r"百分之([零〇一二两三四五六七八九十百]+)", r"\1%", text)
    return _CN_FIGURE.sub(number, text)


class Segmenter:
    """A jieba tokenizer of our own (never jieba's global one) with the policy vocabulary added.

    Building jieba's prefix dictionary and adding our words takes 1-2.5 s per process; with
    ``cache_dir`` the finished dictionary is kept there (jieba's own marshal format, keyed on
    jieba's dictionary, the vocabulary and ``extra_words``) and later processes load it in ~0.3 s.
    """

    def __init__(self, extra_words: Iterable[str] = (), cache_dir: Path | None = None) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._lock = threading.Lock()  # jieba's lazy initialisation is not thread-safe
        words = sorted({w for w in extra_words if w})
        self.fingerprint = lexicon_fingerprint(words)
        cache = Path(cache_dir) / "jieba" / f"dict-{self.fingerprint}.marshal" if cache_dir else None
        if cache is not None and self._load(cache):
            return
        for w in words:
            self._tok.add_word(w, freq=2000)
        if cache is not None:
            self._save(cache)

    def _load(self, path: Path) -> bool:
        try:
            with path.open("rb") as f:
                freq, total = marshal.load(f)
        except (OSError, EOFError, ValueError, TypeError):
            return False  # missing or damaged: rebuild (and rewrite) it
        if not isinstance(freq, dict) or not isinstance(total, int):
            return False
        self._tok.FREQ, self._tok.total, self._tok.initialized = freq, total, True
        return True

    def _save(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".dict-", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                marshal.dump((self._tok.FREQ, self._tok.total), f)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)  # atomic: readers see the old file or the whole new one
            # One file per vocabulary (documents added or removed change it): keep the newest few.
            old = sorted(path.parent.glob("dict-*.marshal"), key=lambda p: p.stat().st_mtime)[:-4]
            for p in old:
                p.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only cache only costs start-up time

    def tokens(self, text: str) -> list[str]:
        with self._lock:
            words = self._tok.lcut_for_search(text.lower())
        out = [w for w in words if w.strip() and w not in STOPWORDS and not _PUNCT.match(w)]
        # Index the short form for the long one (电子商务 → 电商) so that both spellings meet.
        return out + [_REVERSE[w] for w in out if w in _REVERSE]


def lexicon_fingerprint(words: Iterable[str]) -> str:
    """Id of everything that decides the tokens: jieba and its dictionary, our words, stopwords, synonyms."""
    h = hashlib.sha256()
    dict_path = Path(jieba.__file__).parent / "dict.txt"
    size = dict_path.stat().st_size if dict_path.exists() else 0
    h.update(f"jieba {jieba.__version__} {size}\n".encode())
    for part in (sorted(set(words)), sorted(STOPWORDS), sorted(SYNONYMS.items())):
        h.update(json.dumps(part, ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()[:16]


BM25_META = "bm25.json"
# bm25s's files, renamed so that they sit beside the other index files under one prefix.
_BM25S_NAMES = {
    "data_name": "bm25.data.npy", "indices_name": "bm25.indices.npy", "indptr_name": "bm25.indptr.npy",
    "vocab_name": "bm25.vocab.json", "params_name": "bm25.params.json",
}


def bm25_files(directory: Path) -> list[str]:
    """The file names a saved BM25 in ``directory`` consists of (from its metadata file)."""
    meta = json.loads((Path(directory) / BM25_META).read_text(encoding="utf-8"))
    return list(meta["files"])


class BM25:
    """Okapi BM25 (k1, b; Lucene's idf) over tokenised documents, on bm25s's sparse score matrix.

    bm25s precomputes every (term, document) score at build time, so a query is a sum of a few
    sparse columns; the matrix is saved as .npy arrays plus JSON (no pickle) and loads without
    re-tokenising anything. Scores equal the textbook formula with the (k1 + 1) numerator.
    """

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
        self.k1, self.b = k1, b
        self.n = len(docs)
        self._model = bm25s.BM25(k1=k1, b=b, method="lucene")
        if self.n:
            # A document without tokens still needs a vocabulary entry for bm25s to index it.
            self._model.index([list(d) for d in docs], show_progress=False)
        self._idf: dict[str, float] | None = None

    @property
    def idf(self) -> Mapping[str, float]:
        """term → idf for every indexed term (answer ranking weighs question words by it)."""
        if self._idf is None:
            if not self.n:
                self._idf = {}
            else:
                df = np.diff(np.asarray(self._model.scores["indptr"]))
                n = self.n
                self._idf = {
                    t: math.log(1 + (n - int(df[i]) + 0.5) / (int(df[i]) + 0.5))
                    for t, i in self._model.vocab_dict.items()
                    if t and df[i] > 0
                }
        return self._idf

    def scores(self, query: Sequence[str]) -> np.ndarray:
        if not self.n:
            return np.zeros(0, dtype=np.float32)
        ids = sorted({self._model.vocab_dict[t] for t in query if t and t in self._model.vocab_dict})
        if not ids:
            return np.zeros(self.n, dtype=np.float32)
        return self._model.get_scores_from_ids(ids) * np.float32(self.k1 + 1)

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> list[str]:
        """Write ``bm25.*`` files into ``directory``; returns their names (for the manifest's hashes)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        names = [BM25_META]
        if self.n:
            self._model.save(str(directory), allow_pickle=False, **_BM25S_NAMES)
            names += [n for n in _BM25S_NAMES.values() if (directory / n).is_file()]
        meta = {"n": self.n, "k1": self.k1, "b": self.b, "files": sorted(names)}
        (directory / BM25_META).write_text(json.dumps(meta), encoding="utf-8")
        return sorted(names)

    @classmethod
    def load(cls, directory: Path, mmap: bool = False) -> BM25:
        """Read what ``save`` wrote; ``mmap`` maps the score matrix instead of reading it."""
        import bm25s

        directory = Path(directory)
        meta = json.loads((directory / BM25_META).read_text(encoding="utf-8"))
        self = cls.__new__(cls)
        self.k1, self.b, self.n = float(meta["k1"]), float(meta["b"]), int(meta["n"])
        self._idf = None
        if self.n:
            self._model = bm25s.BM25.load(
                str(directory), mmap=mmap, allow_pickle=False, load_corpus=False, show_progress=False,
                **_BM25S_NAMES,
            )
            if int(self._model.scores["num_docs"]) != self.n:
                raise ValueError("bm25 document count does not match its metadata")
        else:
            self._model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        return self
