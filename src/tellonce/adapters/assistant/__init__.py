"""The webchat assistant's adapters: a sentence-embedding reader and a keyword baseline."""

from __future__ import annotations

import functools

from tellonce.adapters.assistant.reader import EmbeddingReader


@functools.cache
def shared_reader() -> EmbeddingReader:
    """One reader per process: the model (about 23 MB) loads on the first message it reads."""
    return EmbeddingReader()
