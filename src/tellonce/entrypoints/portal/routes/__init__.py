"""The portal's pages, grouped by where they sit in the citizen's journey."""
