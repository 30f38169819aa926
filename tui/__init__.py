"""The screen side of gensim-tui: the Textual app, the command line and plain console output."""
