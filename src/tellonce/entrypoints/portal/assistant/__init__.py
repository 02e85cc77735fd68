"""The webchat assistant in the portal: its pages, its words, and what it pre-fills."""
