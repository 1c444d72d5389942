"""Progress of a build on stderr: which notebook, which cell, how long so far.

On a terminal one status line is redrawn in place (several notebooks run at once);
in a log (CI, a pipe) every cell gets its own line. Outcome lines and the final
summary are printed either way. Calls come from several threads.
"""
from __future__ import annotations

import sys
import threading
import time


class Progress:
    def __init__(self, stream=None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.clock = clock
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.begun = clock()
        self.running: dict[str, tuple[float, str]] = {}  # name -> (start, "cell i/n")
        self.lock = threading.Lock()

    def started(self, name: str) -> None:
        with self.lock:
            self.running[name] = (self.clock(), "starting kernel")
            self._status(name)

    def cell(self, name: str, index: int, total: int) -> None:
        with self.lock:
            start = self.running[name][0] if name in self.running else self.clock()
            self.running[name] = (start, f"cell {index}/{total}")
            self._status(name)

    def tick(self) -> None:
        """Refresh the elapsed times on a terminal while a long cell runs."""
        with self.lock:
            if self.live and self.running:
                self._redraw()
                self.stream.flush()

    def finished(self, name: str, outcome: str, detail: str = "") -> None:
        """outcome: executed, cached, restored or failed."""
        with self.lock:
            start = self.running.pop(name, None)
            took = f" in {self.clock() - start[0]:.1f} s" if start else ""
            self._line(f"{name}: {outcome}{took}{' · ' + detail if detail else ''}")

    def message(self, text: str) -> None:
        with self.lock:
            self._line(text)

    def summary(self, executed: int, cached: int, failed: int) -> str:
        text = (f"{executed} executed, {cached} cached, {failed} failed "
                f"in {self.clock() - self.begun:.1f} s")
        self.message(text)
        return text

    def _status(self, name: str) -> None:
        if self.live:
            self._redraw()
        else:
            start, what = self.running[name]
            self.stream.write(f"  {name}: {what} ({self.clock() - start:.1f} s)\n")
        self.stream.flush()

    def _redraw(self) -> None:
        """The terminal's status line: every running notebook with its cell and time."""
        now = self.clock()
        parts = [f"{n} {what} ({now - start:.0f} s)" for n, (start, what) in self.running.items()]
        self.stream.write("\r\033[K" + " · ".join(parts))

    def _line(self, text: str) -> None:
        self.stream.write(("\r\033[K" if self.live else "") + text + "\n")
        if self.live and self.running:
            self._redraw()  # the status line goes back under the message
        self.stream.flush()
