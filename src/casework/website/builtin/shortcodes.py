"""Quarto shortcodes in page text: `{{< var key.name >}}`, `{{< embed nb.ipynb#label >}}`, `{{< include f.md >}}`.

The built-in renderer resolves shortcodes in the Markdown source, before the
Markdown library sees it, as Quarto does. Only `var`, `embed` and `include` exist here; any
other shortcode is an error naming the file and line, so a page never ships with
a raw `{{< ... >}}` in it. `{{</* var x */>}}` is Quarto's escape and yields the
literal text `{{< var x >}}`.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


from ..errors import ShortcodeError, yaml_mapping

SHORTCODE = re.compile(r"\{\{<(?P<escaped>/\*)?\s*(?P<body>.*?)\s*(?(escaped)\*/)>\}\}", re.S)


@dataclass(frozen=True)
class Where:
    """A place in a source file, for error messages: 'index.qmd, line 12'."""

    file: str
    line: int = 1       # line of the text's first character within the file
    part: str = ""      # e.g. 'cell 3' inside a notebook

    def at(self, offset_lines: int) -> str:
        part = f", {self.part}" if self.part else ""
        return f"{self.file}{part}, line {self.line + offset_lines}"


@dataclass(frozen=True)
class Shortcode:
    """One parsed shortcode: its name, positional arguments and key=value options."""

    name: str
    args: tuple[str, ...]
    options: dict
    where: str          # 'file, line N' for error messages
    text: str           # the shortcode as written

    def fail(self, reason: str) -> ShortcodeError:
        return ShortcodeError(f"{self.where}: {self.text}: {reason}")


Handler = Callable[[Shortcode], str]


def expand(text: str, where: Where, handlers: dict[str, Handler]) -> str:
    """Replace every shortcode in text with its handler's result."""
    def replace(match: re.Match) -> str:
        if match.group("escaped"):
            return "{{< " + match.group("body") + " >}}"
        shortcode = parse(match, text, where)
        handler = handlers.get(shortcode.name)
        if handler is None:
            raise shortcode.fail(f"unknown shortcode '{shortcode.name}'; the built-in renderer "
                                 f"supports only {', '.join(sorted(handlers))}")
        return handler(shortcode)

    return SHORTCODE.sub(replace, text)


def parse(match: re.Match, text: str, where: Where) -> Shortcode:
    """Split a matched shortcode into name, arguments and options."""
    location = where.at(text.count("\n", 0, match.start()))
    try:
        words = shlex.split(match.group("body"))
    except ValueError as exc:
        raise ShortcodeError(f"{location}: {match.group(0)}: cannot parse: {exc}") from None
    if not words:
        raise ShortcodeError(f"{location}: {match.group(0)}: empty shortcode")
    args = tuple(w for w in words[1:] if "=" not in w)
    options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return Shortcode(words[0], args, options, location, match.group(0))


class Variables:
    """The recorded values in `_variables.yml`, looked up as `{{< var key.name >}}`."""

    def __init__(self, path: Path):
        self.path = path
        self.values = read_variables(path)

    def __call__(self, shortcode: Shortcode) -> str:
        if len(shortcode.args) != 1 or shortcode.options:
            raise shortcode.fail("expected exactly one key, as in {{< var caseload.n_cases >}}")
        return self.lookup(shortcode.args[0], shortcode)

    def lookup(self, key: str, shortcode: Shortcode) -> str:
        node = self.values
        walked = []
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                known = ", ".join(sorted(map(str, node))) if isinstance(node, dict) else ""
                scope = ".".join(walked) or "the top level"
                raise shortcode.fail(f"unknown variable '{key}': {self.path.name} has no "
                                     f"'{part}' under {scope}" + (f" (it has: {known})" if known else ""))
            node = node[part]
            walked.append(part)
        if isinstance(node, (dict, list)):
            raise shortcode.fail(f"'{key}' in {self.path.name} is a group of values, not one value")
        if node is None:
            raise shortcode.fail(f"'{key}' in {self.path.name} has no value")
        if isinstance(node, bool):
            return "true" if node else "false"
        return str(node)


def read_variables(path: Path) -> dict:
    """`_variables.yml` as a mapping; a missing or malformed file is a ShortcodeError."""
    if not path.is_file():
        raise ShortcodeError(f"{path} not found: run `casework run` first; it records the values "
                             "that pages cite with {{< var ... >}}")
    return yaml_mapping(path.read_text(encoding="utf-8"), path,
                        "expected a mapping of notebook keys to values", ShortcodeError)
