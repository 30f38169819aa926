"""Fixtures shared by the tests of the gensim side: gensim's bundled corpora and small configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gensim.test.utils import datapath
from gensim_tui.callbacks import TrainingConfig
from support import ConfigFactory, small_config


@pytest.fixture(scope="session")
def lee_path() -> str:
    """Lee background corpus bundled with gensim: 300 English news articles, one per line, about 60,000 words."""
    return str(datapath("lee_background.cor"))


@pytest.fixture(scope="session")
def head500_path() -> str:
    """Stemmed English test corpus bundled with gensim: 250 long lines, about 330,000 words."""
    return str(datapath("head500.noblanks.cor"))


@pytest.fixture(scope="session")
def crime_path() -> str:
    """Opening of Crime and Punishment in Russian, bundled with gensim."""
    return str(datapath("crime-and-punishment.txt"))


@pytest.fixture
def make_config(tmp_path: Path) -> ConfigFactory:
    """Return a factory of small configs whose model goes to ``tmp_path / "model.w2v"``."""

    def make(corpus: str, **overrides: Any) -> TrainingConfig:
        overrides.setdefault("output", str(tmp_path / "model.w2v"))
        output = overrides.pop("output")
        return small_config(corpus, output, **overrides)

    return make
