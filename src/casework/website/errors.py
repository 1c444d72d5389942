"""The one error the site build raises: it names the file (and line) at fault."""
from __future__ import annotations


class RenderError(Exception):
    """The site cannot be built; the message says which file, line or key and why."""


class ShortcodeError(RenderError):
    """A `{{< ... >}}` shortcode that cannot be resolved."""


def yaml_mapping(text: str, where, not_mapping: str, error: type[RenderError] = RenderError,
                 subject: str = "") -> dict:
    """Parse YAML text that must be a mapping; errors name `where` (a file or cell) and,
    if given, the `subject` ("the '#|' cell options are ") before "not valid YAML"."""
    import yaml

    from .. import fastyaml
    try:  # libyaml's safe loader (the same values, a fraction of the time: every no-op
        # build reads _quarto.yml); a failure is read again by the pure-Python loader,
        # whose message says more
        values = fastyaml.load(text) or {}
    except yaml.YAMLError:
        try:
            values = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise error(f"{where}: {subject}not valid YAML: {exc}") from None
    if not isinstance(values, dict):
        raise error(f"{where}: {not_mapping}")
    return values
