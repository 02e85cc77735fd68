"""Helpers shared by tests of several kinds: test modules import from here, never from
each other (tests/unit/test_test_layout.py holds it)."""
