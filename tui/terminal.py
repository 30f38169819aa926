"""A Textual driver that survives a terminal which starts failing on write.

Textual's LinuxDriver writes the screen from a thread; once the terminal is
gone, the first failed write ends that thread and the app then blocks on its
full output queue forever. This driver wraps the output file so that write
errors are swallowed and reported once as SIGHUP to this process, which the
command's handler treats like a closed terminal: the screen closes and
training goes on. It relies on ``LinuxDriver._file``, checked against
Textual 8.2.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import IO, Any

from textual.driver import Driver


class _TerminalFile:
    """A text file proxy that drops output after the first write error and reports it once."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.failed = False

    def write(self, text: str) -> int:
        if not self.failed:
            try:
                return self._file.write(text)
            except OSError:
                self._fail()
        return len(text)

    def flush(self) -> None:
        if not self.failed:
            try:
                self._file.flush()
            except OSError:
                self._fail()

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return not self.failed and self._file.isatty()

    def _fail(self) -> None:
        self.failed = True
        os.kill(os.getpid(), signal.SIGHUP)


def surviving_driver() -> type[Driver] | None:
    """Return the driver class to use on this platform, or None for Textual's own choice."""
    if sys.platform == "win32":
        return None
    from textual.drivers.linux_driver import LinuxDriver

    class SurvivingLinuxDriver(LinuxDriver):
        """LinuxDriver whose output survives a terminal that went away."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if hasattr(self, "_file") and self._file is not None:
                self._file = _TerminalFile(self._file)  # type: ignore[assignment]  # a duck-typed stand-in

    return SurvivingLinuxDriver
