"""`casework run --dry-run`: what a build would do for each notebook, and why.

Compares each notebook's inputs now (casework.pipeline.plan.Task.inputs) with those
stored in its latest cache entry, and names what changed: the source, a parameter
(with both values), a data table, a casework module, a library's version (both versions).
"""
from __future__ import annotations

from .cache import Cache
from .plan import Task


def verdict(task: Task, cache: Cache, force: bool) -> str:
    """One line: 'NAME: cached', 'NAME: restore from cache' or 'NAME: execute (reasons)'."""
    if force:
        return f"{task.name}: execute (--force)"
    if cache.is_current(task.name, task.key):
        return f"{task.name}: cached (outputs current, no kernel)"
    if cache.entry(task.name, task.key):
        return f"{task.name}: restore from cache (an earlier run with these inputs; no kernel)"
    return f"{task.name}: execute ({'; '.join(reasons(task, cache)) or 'outputs missing or edited'})"


def reasons(task: Task, cache: Cache) -> list[str]:
    """What differs between the task's inputs and its latest cache entry's."""
    meta = cache.latest(task.name)
    if meta is None:
        return ["never run (no cache entry)"]
    before = meta.get("inputs")
    if not isinstance(before, dict):
        return ["cache entry from an older casework (inputs not recorded)"]
    now = task.inputs()
    out = []
    if before.get("source") != now["source"]:
        out.append(f"source {task.source.name} changed")
    params = [k for k in sorted(set(now["params"]) | set(before.get("params", {})))
              if now["params"].get(k) != before.get("params", {}).get(k)]
    out += [f"parameter {k}: {before.get('params', {}).get(k)!r} -> {now['params'].get(k)!r}" for k in params]
    out += _changed("data", before.get("data", {}), now["data"])
    out += _changed("casework module", before.get("modules", {}), now["modules"])
    libraries = before.get("libraries")
    if not isinstance(libraries, dict):
        out.append("cache entry from an older casework (library versions not recorded per notebook)")
    else:
        out += [_library(k, libraries.get(k), now["libraries"].get(k))
                for k in sorted(set(libraries) | set(now["libraries"]))
                if libraries.get(k) != now["libraries"].get(k)]
    return out


def _changed(kind: str, before: dict, now: dict) -> list[str]:
    names = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
    return [f"{kind} {k} {'added' if k not in before else 'removed' if k not in now else 'changed'}"
            for k in names]


def _library(name: str, before: str | None, now: str | None) -> str:
    if before is None:
        return f"library {name} {now} now imported"
    if now is None:
        return f"library {name} {before} no longer imported"
    return f"library {name}: {before} -> {now}"
