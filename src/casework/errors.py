"""Errors a user sees: data problems collected and reported together (no heavy imports here)."""
from __future__ import annotations

from dataclasses import dataclass


def one_line(message) -> str:
    """A message as one line of a terminal: every character that would break or hide it
    (line ends, carriage returns, other control and format characters, as a path or name
    typed on the command line may hold) written as Python escapes it."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(message))


@dataclass(frozen=True, order=True)
class DataIssue:
    """One problem in one place: file, line (1 = header), column, value, rule."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        value = f", value {self.value!r}" if self.value is not None else ""
        return f"{', '.join(where)}{value}: {self.rule}"


class DataValidationError(ValueError):
    """Raised with every issue found, so a user can fix them in one pass."""

    def __init__(self, issues: list[DataIssue], folder: str = ""):
        self.issues = sorted(set(issues), key=lambda i: (i.file, i.line or 0, i.column or "", i.rule))
        folder = one_line(folder)  # one line per problem, whatever the folder's name holds
        if len(self.issues) == 1:  # one problem, one line
            where = f"data folder {folder}: " if folder else ""
            super().__init__(f"{where}{one_line(self.issues[0])}")
            return
        shown = [one_line(i) for i in self.issues[:50]]
        head = f"{len(self.issues)} problem(s) in data folder {folder}:" if folder else \
            f"{len(self.issues)} data problem(s):"
        more = [f"  ... and {len(self.issues) - 50} more"] if len(self.issues) > 50 else []
        super().__init__("\n".join([head, *(f"  - {i}" for i in shown), *more]))
