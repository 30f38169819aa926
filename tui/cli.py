"""Command line entry point (placeholder until the app lands)."""


def main() -> int:
    """Run gensim-tui."""
    return 0
