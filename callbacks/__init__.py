"""The gensim side of gensim-tui: training control, exact loss and events.

Nothing here imports Textual; the pieces work from a plain script too.
"""

from .config import TrainingConfig
from .control import TrainingControl
from .corpus import CorpusError, LineCorpus
from .events import Event, Sink
from .saving import OutputError, save_model
from .session import TrainingSession

__all__ = [
    "CorpusError",
    "Event",
    "LineCorpus",
    "OutputError",
    "Sink",
    "TrainingConfig",
    "TrainingControl",
    "TrainingSession",
    "save_model",
]
