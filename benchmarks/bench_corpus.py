"""Find or build the corpus that the speed benchmark trains on.

The preferred corpus is built from the GNU Collaborative International
Dictionary of English (GCIDE) that Debian's ``dict-gcide`` package installs:
one dictionary paragraph per line, as lower-cased words, about 4.5 million words.
Without that package the benchmark falls back to the largest corpus that gensim
ships in its test data.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

GCIDE_SOURCE = Path("/usr/share/dictd/gcide.dict.dz")
"""The dictzip file of Debian's ``dict-gcide`` package; dictzip is gzip-compatible."""

GCIDE_CACHE_NAME = "gcide.txt"
FALLBACK_NAME = "head500.noblanks.cor"
"""gensim's largest shipped corpus: 250 lines, about 331 thousand words."""

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_BRACKETED = re.compile(r"\[[^\]]*\]")  # source notes such as "[1913 Webster]"
_MIN_TOKENS = 3
"""Shorter paragraphs are mostly cross-references and database headers."""


class CorpusUnavailable(Exception):
    """No corpus can be found or built; the message names the package to install or the option to pass."""


@dataclass(frozen=True)
class Corpus:
    """A corpus file with the description and counts that the benchmark prints."""

    path: Path
    description: str
    lines: int
    words: int


def default_cache_dir() -> Path:
    """Return the folder where the built GCIDE corpus is kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gensim-tui-bench"


def gensim_fallback_corpus() -> Path:
    """Return the path of gensim's ``head500.noblanks.cor`` test corpus."""
    from gensim.test.utils import datapath

    return Path(datapath(FALLBACK_NAME))


def count_corpus(path: Path) -> tuple[int, int]:
    """Return (non-blank lines, whitespace-separated words) of a plain-text corpus."""
    lines = words = 0
    with path.open("rb") as handle:
        for line in handle:
            tokens = len(line.split())
            if tokens:
                lines += 1
                words += tokens
    return lines, words


def _paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """Join runs of non-blank lines into one string per paragraph."""
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line)
            continue
        if block:
            yield " ".join(block)
            block = []
    if block:
        yield " ".join(block)


def gcide_sentences(source: Path) -> Iterator[list[str]]:
    """Yield each GCIDE paragraph of at least three words as lower-cased tokens."""
    with gzip.open(source, "rt", encoding="utf-8", errors="replace") as text:
        for paragraph in _paragraphs(text):
            tokens = _WORD.findall(_BRACKETED.sub(" ", paragraph).lower())
            if len(tokens) >= _MIN_TOKENS:
                yield tokens


def build_gcide(source: Path, output: Path) -> tuple[int, int]:
    """Write the GCIDE corpus to *output* and return its (lines, words).

    The file is written under a temporary name and renamed at the end, so an
    interrupted build never leaves a truncated corpus in the cache.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    lines = words = 0
    handle, partial = tempfile.mkstemp(prefix=output.name + ".", suffix=".partial", dir=output.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            for tokens in gcide_sentences(source):
                out.write(" ".join(tokens))
                out.write("\n")
                lines += 1
                words += len(tokens)
        # mkstemp creates the file readable by its owner only; a corpus needs no such protection.
        os.chmod(partial, 0o644)
        os.replace(partial, output)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return lines, words


def resolve_corpus(requested: str | None, cache_dir: Path, source: Path = GCIDE_SOURCE) -> tuple[Corpus, str | None]:
    """Return the corpus to train on, plus a notice to print when falling back.

    *requested* is the ``--corpus`` value: it must be an existing non-empty
    file. Without it, the GCIDE corpus is built into *cache_dir* (once), or
    gensim's test corpus is used when the ``dict-gcide`` package is missing.
    """
    if requested is not None:
        path = Path(requested)
        if path.is_dir():
            raise CorpusUnavailable(f"corpus is a folder, not a file: {path}; give the path of a text file")
        if not path.is_file():
            raise CorpusUnavailable(
                f"corpus not found: {path}; give the path of a text file with one sentence per line"
            )
        lines, words = count_corpus(path)
        if words == 0:
            raise CorpusUnavailable(f"corpus is empty: {path} has no words")
        return Corpus(path, f"{path.name}", lines, words), None

    cached = cache_dir / GCIDE_CACHE_NAME
    if source.is_file():
        if cached.is_file():
            lines, words = count_corpus(cached)
        else:
            try:
                lines, words = build_gcide(source, cached)
            except (OSError, EOFError) as error:
                raise CorpusUnavailable(
                    f"building the corpus from {source} into {cached} failed: {error}; "
                    "reinstall dict-gcide, or pass a corpus with --corpus PATH"
                ) from None
        return Corpus(cached, "GCIDE dictionary paragraphs (Debian package dict-gcide)", lines, words), None

    fallback = gensim_fallback_corpus()
    if not fallback.is_file():
        raise CorpusUnavailable(
            f"{source} is missing (install it with `apt-get install -y dict-gcide`) and gensim's "
            f"{FALLBACK_NAME} was not found either; pass a corpus with --corpus PATH"
        )
    lines, words = count_corpus(fallback)
    notice = (
        f"{source} not found, so the benchmark uses gensim's small {FALLBACK_NAME} "
        f"({words:,} words); install dict-gcide for the 4.5-million-word corpus"
    )
    return Corpus(fallback, f"gensim test data {FALLBACK_NAME}", lines, words), notice
