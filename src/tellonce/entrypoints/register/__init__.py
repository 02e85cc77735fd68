"""The public register (``/register``, no sign-in), in English and Welsh: its templates live
with the portal's (``portal/templates/register/``) so they are translated with it."""
