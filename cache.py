"""schemas.json: designed schemas by key, shared by every worker process.

Every write re-reads the file under an exclusive lock (filelock: the same on Linux, macOS and
Windows), adds its entry, keeps the most recently used `max_entries`, and renames a complete
temp file into place, so concurrent writers lose nothing and a reader never sees half a file.
Every entry read is checked like a request's schema; one that fails is designed anew. A file
that is not ours is set aside, never deleted; an unwritable file or folder turns caching off
with a warning, and the service keeps serving.

It does not decide keys or design anything (main.py does).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from errors import SchemaError, clip
from schema import Schema, load_schema

LOCK_SECONDS = 10               # waiting for another process's write, then caching is skipped once
ORPHAN_SECONDS = 60             # a temp file older than this was left by a killed writer
MAX_DESCRIPTION_KEPT = 200

log = logging.getLogger("synthdata")


@dataclass
class Entry:
    schema: Schema
    source: str
    assumptions: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None      # a fitted sample's report


class SchemaCache:
    def __init__(self, path: Path, enabled: bool = True, max_entries: int = 1000, max_columns: int = 200):
        self.path = Path(path)
        self.enabled = enabled
        self.max_entries, self.max_columns = max_entries, max_columns
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.hits = self.misses = 0
        self.entries: dict[str, Any] = {}
        self.used: dict[str, float] = {}     # last use in this process, written with the next entry
        self.stamp: tuple[int, int] | None = None
        self.mutex = threading.Lock()
        if enabled:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.clean_orphans()
                with self.mutex, self.file_lock():
                    self.entries = self.read_file()
            except (OSError, Timeout) as err:
                self.turn_off(err)

    def turn_off(self, err: BaseException) -> None:
        log.warning("cache %s cannot be used (%s: %s); caching is off", self.path, type(err).__name__, clip(err, 120))
        self.enabled = False
        self.entries = {}

    @contextlib.contextmanager
    def file_lock(self) -> Iterator[None]:
        with FileLock(str(self.lock_path), timeout=LOCK_SECONDS):
            yield

    def clean_orphans(self) -> None:
        """Temp files of writers that were killed before they renamed them."""
        now = time.time()
        for tmp in self.path.parent.glob(self.path.name + ".*.tmp"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > ORPHAN_SECONDS:
                    tmp.unlink()

    def read_file(self) -> dict[str, Any]:
        """The file's entries; a file that is not ours is set aside, never deleted."""
        try:
            stat = self.path.stat()
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.stamp = None
            return {}
        try:
            data = json.loads(raw)
            entries = data["entries"]
            if not isinstance(entries, dict):
                raise TypeError("entries is not an object")
        except (ValueError, KeyError, TypeError, RecursionError) as err:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time() * 1000)}")
            os.replace(self.path, aside)
            log.warning("cache file %s is unreadable (%s); kept as %s and started anew",
                        self.path, type(err).__name__, aside.name)
            self.stamp = None
            return {}
        self.stamp = (stat.st_mtime_ns, stat.st_size)
        return entries

    def refresh(self) -> None:
        """Pick up entries other processes wrote, at the cost of one stat when nothing changed."""
        try:
            stat = self.path.stat()
            current: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            current = None
        if current != self.stamp:
            with self.file_lock():
                self.entries = self.read_file()

    def get(self, key: str) -> Entry | None:
        if not self.enabled:
            return None
        try:
            with self.mutex:
                self.refresh()
                raw = self.entries.get(key)
        except (OSError, Timeout) as err:
            log.warning("cache %s cannot be read now (%s)", self.path, type(err).__name__)
            raw = None
        entry = None
        if isinstance(raw, dict):
            try:  # an entry is checked as a request's schema is: the file may have been edited
                entry = Entry(load_schema(raw.get("schema"), self.max_columns), str(raw.get("source", "")),
                              [clip(a, MAX_DESCRIPTION_KEPT) for a in raw.get("assumptions") or [] if isinstance(a, str)],
                              raw.get("report") if isinstance(raw.get("report"), dict) else None)
            except SchemaError as err:
                log.warning("cache entry %s fails the schema checks (%s); designing anew", key, clip(err, 120))
        with self.mutex:
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
                self.used[key] = time.time()
        return entry

    def put(self, key: str, schema: Schema, source: str = "", description: str = "",
            assumptions: list[str] | None = None, report: dict[str, Any] | None = None) -> None:
        if not self.enabled:
            return
        now = time.time()
        entry = {"schema": schema.public(), "source": source, "assumptions": assumptions or [],
                 "description": clip(description, MAX_DESCRIPTION_KEPT), "created": int(now), "used": int(now)}
        if report is not None:
            entry["report"] = report
        try:
            with self.mutex, self.file_lock():
                entries = self.read_file()
                for used_key, when in self.used.items():
                    if isinstance(entries.get(used_key), dict):
                        entries[used_key]["used"] = int(when)
                entries[key] = entry
                entries = self.newest(entries)
                self.write(entries)
                self.used.clear()
        except (OSError, Timeout) as err:
            self.turn_off(err)

    def newest(self, entries: dict[str, Any]) -> dict[str, Any]:
        """The most recently used max_entries entries."""
        if len(entries) <= self.max_entries:
            return entries

        def last_use(item: tuple[str, Any]) -> float:
            value = item[1]
            return float(value.get("used") or value.get("created") or 0) if isinstance(value, dict) else 0.0

        return dict(sorted(entries.items(), key=last_use)[-self.max_entries:])

    def write(self, entries: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "entries": entries}, handle, ensure_ascii=False, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        stat = self.path.stat()
        self.entries, self.stamp = entries, (stat.st_mtime_ns, stat.st_size)

    def stats(self) -> dict[str, Any]:
        with self.mutex:
            if self.enabled:
                with contextlib.suppress(OSError, Timeout):
                    self.refresh()
            return {"entries": len(self.entries), "hits": self.hits, "misses": self.misses,
                    "path": str(self.path), "enabled": self.enabled}
