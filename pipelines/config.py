"""Partnership configuration: the shipped defaults, overlaid by a local YAML file.

The defaults live in ``pipelines/config/defaults.yaml``. A partnership copies the keys it wants
to change into its own file and points ``ASB_CONFIG`` (or ``--config``) at it; nested mappings
are merged key by key, lists replace the default list.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigProblem

__all__ = ["DEFAULTS_PATH", "load_config", "merge"]

DEFAULTS_PATH = Path(__file__).with_name("config") / "defaults.yaml"


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` recursively and return a new dict.

    Examples
    --------
    >>> merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"c": 3}, "d": [2]})
    {'a': {'b': 1, 'c': 3}, 'd': [2]}
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigProblem(f"{path}: configuration file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigProblem(f"{path}: not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigProblem(f"{path}: expected a YAML mapping of settings at the top level")
    return data


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict[str, Any]:
    config = _read_yaml(DEFAULTS_PATH)
    if path:
        local = _read_yaml(Path(path))
        unknown = sorted(set(local) - set(config))
        if unknown:
            raise ConfigProblem(
                f"{path}: unknown setting(s) {', '.join(unknown)}; "
                f"known settings are {', '.join(sorted(config))}"
            )
        config = merge(config, local)
    return config


def load_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Return the configuration: defaults overlaid by ``path`` or ``$ASB_CONFIG`` if set.

    The result is shared between callers: treat it as read-only.

    Examples
    --------
    >>> load_config()["case_review"]["threshold"]
    3
    """
    chosen = path or os.environ.get("ASB_CONFIG") or None
    return _load(str(chosen) if chosen else None)
