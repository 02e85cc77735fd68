"""The transparency log's use cases: ``entries`` (what is recorded with what it records, and
receipts), ``sequencer`` (integrating pending entries, tiles and signed checkpoints) and
``reads`` (tiles, proofs and audits from storage). Their ports are in ``ports/transparency``."""
