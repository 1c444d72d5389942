"""The one error the site build raises: it names the file (and line) at fault."""
from __future__ import annotations


class RenderError(Exception):
    """The site cannot be built; the message says which file, line or key and why."""


class ShortcodeError(RenderError):
    """A `{{< ... >}}` shortcode that cannot be resolved."""
