"""The transparency log's pure core: RFC 9162 Merkle proofs and the C2SP formats.

``merkle`` (hashing, proofs, the compact range), ``notes`` (signed notes and keys),
``checkpoints``, ``tiles`` (tile layout, entry bundles, a verifying reader) and ``receipts``
(tlog-proof). Signing keys live in ``tellonce.adapters.signing``.
"""
