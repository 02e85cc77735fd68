"""Why a transparency artefact was refused.

Every failure is a ``ValueError`` subclass: the input (a proof, a note, a tile) was
wrong, not the program. Callers that only care "did it verify?" catch
``TransparencyError``; the subclasses let tests and error pages say which part failed.
Messages never quote note text or entries, which could be large or personal.
"""


class TransparencyError(ValueError):
    """Base class for every refused log artefact."""


class ProofError(TransparencyError):
    """A Merkle hash, inclusion proof or consistency proof is malformed or does not verify."""


class NoteError(TransparencyError):
    """A signed note or note key is malformed, or its signatures do not verify."""


class CheckpointError(TransparencyError):
    """A checkpoint body is malformed or is not the checkpoint that was expected."""


class TileError(TransparencyError):
    """A tile, tile path or entry bundle is malformed or inconsistent with the log."""


class ReceiptError(TransparencyError):
    """A tlog-proof receipt is malformed."""
