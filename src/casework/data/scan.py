"""A table file's bytes checked before any parser sees them: size, NUL bytes, line ends,
line length and UTF-8.

The file is read in blocks, so a file that is not a CSV table (a binary file, a 1 GB
field, CR-only line ends) is refused at its first bad block with memory bounded by one
block: the parsers after this (csv, pandas) would otherwise hold it whole, several times
over, before failing with a traceback.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import DataIssue

# Limits stated in the README (*Use your own data*). The largest committed table is
# 2.4 MiB; `casework simulate --scale` stops below MAX_TABLE_BYTES.
MAX_TABLE_BYTES = 512 * 2**20
MAX_LINE_BYTES = 64 * 2**10  # the longest committed line is under 200 bytes
BLOCK = 2**20
_LONE_CR = re.compile(rb"\r(?!\n)")


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def scan(path: Path, shown: str) -> DataIssue | None:
    """The first problem of the file's bytes (as a DataIssue naming `shown`), or None."""
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        return DataIssue(shown, None, None, None,
                         f"file of {_mib(size)}: tables up to {_mib(MAX_TABLE_BYTES)} are read")
    line, line_bytes, offset = 1, 0, 0
    carry = b""  # an incomplete UTF-8 sequence or a CR at a block's end
    with path.open("rb") as fh:
        while True:
            block = fh.read(BLOCK)
            data = carry + block
            final = not block
            if not data:
                return None
            base = offset - len(carry)
            nul = data.find(b"\0")
            if nul >= 0:
                return DataIssue(shown, line + data.count(b"\n", 0, nul), None, None,
                                 f"NUL byte at offset {base + nul}: a binary file, not CSV text")
            lone = _LONE_CR.search(data)
            if lone and (lone.start() < len(data) - 1 or final):
                return DataIssue(shown, line + data.count(b"\n", 0, lone.start()), None, None,
                                 "line ends with a carriage return alone (old Mac format): "
                                 "save the file with LF or CRLF line ends")
            try:
                data.decode("utf-8")
                keep = len(data) if final or not data.endswith(b"\r") else len(data) - 1
            except UnicodeDecodeError as exc:
                if final or exc.reason != "unexpected end of data" or exc.start < len(data) - 3:
                    return DataIssue(shown, line + data.count(b"\n", 0, exc.start), None, None,
                                     f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                                     f"{base + exc.start}); save the file as UTF-8")
                keep = exc.start  # a character split across blocks: finish it with the next
            segments = data[:keep].split(b"\n")  # the first continues the current line
            for i, segment in enumerate(segments):
                if (line_bytes if i == 0 else 0) + len(segment) > MAX_LINE_BYTES:
                    return DataIssue(shown, line + i, None, None,
                                     f"line longer than {MAX_LINE_BYTES // 2**10} KiB (a row of "
                                     "the codebook's tables is a few hundred bytes)")
            line += len(segments) - 1
            line_bytes = (line_bytes if len(segments) == 1 else 0) + len(segments[-1])
            carry = data[keep:]
            offset += len(block)
            if final:
                return None
