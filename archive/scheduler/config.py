"""The scheduler's settings: defaults, a TOML file, then command-line flags, in that order.

```toml
[schedule]
incremental_every = "6h"     # each enabled site, staggered evenly across this window
recheck_every = "24h"        # one recheck pass over all enabled sites
recheck_limit = 2000         # articles per recheck pass
full_every = "7d"            # each site's full crawl, staggered across this window

[limits]
max_parallel = 4             # crawl processes at once
crawl_timeout = "3h"         # a crawl still running after this is stopped and recorded as failed
stop_grace = "2m"            # on SIGTERM, how long running crawls may finish before they are stopped

[sites]
include = ["all"]            # or hosts: ["kab-ngawi", "kota-palu"]
exclude = []
registry = ""                # a registry CSV replacing the bundled one

[provenance]
warc_dir = ""                # write every fetch as WARC here (off when empty)

[logs]
dir = "kpu-archive-logs"     # one file per crawl run, under {dir}/{job}/
keep = 20                    # per job; older files are deleted
```

Durations are a number with ``s``, ``m``, ``h`` or ``d``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ConfigError(ValueError):
    """A bad setting; the message names it."""


def parse_duration(value: str | int | float, name: str) -> timedelta:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigError(f"{name}: {value!r} is not a duration (use e.g. 90s, 30m, 6h, 7d)")
        seconds = timedelta(**{_UNITS[match.group(2)]: float(match.group(1))}).total_seconds()
    if seconds <= 0:
        raise ConfigError(f"{name}: {value!r} must be longer than zero")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class ScheduleConfig:
    incremental_every: timedelta = timedelta(hours=6)
    recheck_every: timedelta = timedelta(hours=24)
    recheck_limit: int = 2000
    full_every: timedelta = timedelta(days=7)
    max_parallel: int = 4
    crawl_timeout: timedelta = timedelta(hours=3)
    stop_grace: timedelta = timedelta(minutes=2)
    include: tuple[str, ...] = ("all",)
    exclude: tuple[str, ...] = ()
    registry: str | None = None
    log_dir: Path = Path("kpu-archive-logs")
    keep_logs: int = 20
    queue: str | None = None  # redis://…: jobs go on a distributed crawl's queue, for its workers
    warc_dir: str | None = None  # every crawl writes its fetches as WARC files here
    # the child command a crawl runs as; tests replace it, everyone else leaves it alone
    crawl_command: tuple[str, ...] = field(default=(sys.executable, "-m", "archive", "crawl"))


_TABLES = {
    "schedule": {"incremental_every", "recheck_every", "recheck_limit", "full_every"},
    "limits": {"max_parallel", "crawl_timeout", "stop_grace"},
    "sites": {"include", "exclude", "registry"},
    "logs": {"dir", "keep"},
    "queue": {"url"},
    "provenance": {"warc_dir"},
}
_RENAMED = {"dir": "log_dir", "keep": "keep_logs", "url": "queue"}  # file key -> setting


def load_config(path: str | Path | None = None, **overrides: Any) -> ScheduleConfig:
    """Defaults, then the TOML file (if any), then ``overrides`` (flags; None means "not given")."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
        for table, body in data.items():
            if table not in _TABLES or not isinstance(body, dict):
                raise ConfigError(f"config {path}: unknown section [{table}]")
            for key, value in body.items():
                if key not in _TABLES[table]:
                    raise ConfigError(f"config {path}: unknown setting {table}.{key}")
                values[_RENAMED.get(str(key), str(key))] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    return _build(values)


def _build(values: dict[str, Any]) -> ScheduleConfig:
    config = ScheduleConfig()
    known = {f.name for f in fields(ScheduleConfig)}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key}")
        if key in ("incremental_every", "recheck_every", "full_every", "crawl_timeout", "stop_grace"):
            out[key] = parse_duration(value, key)
        elif key in ("recheck_limit", "max_parallel", "keep_logs"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{key}: {value!r} must be a whole number of at least 1")
            out[key] = value
        elif key in ("include", "exclude"):
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
                raise ConfigError(f"{key}: must be a list of hosts")
            out[key] = tuple(i for i in items if i.strip())
        elif key == "log_dir":
            out[key] = Path(str(value)).expanduser()
        elif key in ("registry", "queue", "warc_dir"):
            out[key] = str(value) or None
        else:
            out[key] = value
    return replace(config, **out)
