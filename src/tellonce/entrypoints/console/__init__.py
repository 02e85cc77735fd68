"""Staff pages: the recipient console (``/console``), the hub's administration (``/admin``)
and their sign-in (``/staff``). English only: staff tools (ADR 0094)."""
