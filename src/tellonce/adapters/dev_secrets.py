"""Keys generated for demo and development mode, kept beside the SQLite database.

A restart must keep them — otherwise sealed personal data and the log's identity would be lost —
so they are written once, readable only by the owner. Production refuses this path (config.py).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from tellonce.adapters.signing import generate_signer_key


def load_or_create(data_dir: Path) -> dict[str, str]:
    path = data_dir / "dev-secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "master_key_id": "dev1",
        "master_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "index_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(generated, handle, indent=2)
    return generated


def load_or_create_log_signer_key(data_dir: Path, origin: str) -> str:
    """The transparency log's signer key for demo and development mode, made once.

    Written to a temporary file and linked into place, so two processes starting together
    (``serve`` and ``worker``) agree on one key and never read a half-written file.
    """
    path = data_dir / "dev-log-signer.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        signer_key, _ = generate_signer_key(origin)
        temporary = data_dir / f".dev-log-signer.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(signer_key + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    stored = path.read_text().strip()
    if not stored.startswith(f"PRIVATE+KEY+{origin}+"):
        raise ValueError(
            f"{path} holds the log key of another origin than {origin!r}: the log's identity "
            "would change. Set TELLONCE_LOG_ORIGIN back, or move the file (and the database) away."
        )
    return stored
