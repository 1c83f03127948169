"""The results store: one SQLite row per (claim, setting hash, seed, code version) with its Verdict.

Embedded (stdlib ``sqlite3``), resumable and safe for concurrent writers (WAL journal, busy
timeout). A row holds the Verdict as JSON text plus its arrays as an ``.npz`` blob read back with
``allow_pickle=False``: stored results are data, never code. Each :meth:`ResultStore.put` is one
transaction, so an interrupted sweep leaves only whole rows behind.

The code version is the ntkcheck version plus a short hash of the claim's definition (id,
requirements, assumptions, sizes, constants): editing a claim retires its old rows. Editing only
a claim's ``measure`` code does not; pass ``fresh=True`` (or bump the version) after doing so.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ntkcheck.check import Verdict
from ntkcheck.errors import NTKCheckError
from ntkcheck.results import decode, encode

SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE results (claim_id TEXT NOT NULL, setting_hash TEXT NOT NULL, seed INTEGER, "
    "code_version TEXT NOT NULL, size TEXT NOT NULL, setting TEXT NOT NULL, outcome TEXT NOT "
    "NULL, margin REAL, seconds REAL NOT NULL, created TEXT NOT NULL, payload TEXT NOT NULL, "
    "arrays BLOB NOT NULL, PRIMARY KEY (claim_id, setting_hash, code_version))",
)
# Columns of rows() / the exports: everything but the payload.
COLUMNS = (
    "claim_id", "setting_hash", "seed", "code_version", "size", "setting", "outcome", "margin",
    "seconds", "created",
)  # fmt: skip


class StoreSchemaError(NTKCheckError, ValueError):
    """The file is not a results store this ntkcheck can read (newer or unknown schema)."""


@dataclass(frozen=True)
class StoreKey:
    """Identity of one stored result. ``seed`` is the setting's ``seed`` field (None if absent);
    the setting hash already covers it, so the row is unique without it."""

    claim_id: str
    setting_hash: str
    seed: int | None
    code_version: str


@dataclass(frozen=True)
class StoreStatus:
    """Where a list of target keys stands: passed, failed, errored or not yet stored."""

    passed: list[StoreKey]
    failed: list[StoreKey]
    errors: list[StoreKey]
    pending: list[StoreKey]

    def summary(self) -> str:
        counts = (len(self.passed), len(self.failed), len(self.errors), len(self.pending))
        return "{} passed, {} failed, {} errors, {} pending".format(*counts)


def canonical_json(value: Any) -> str:
    """Deterministic JSON of a setting or definition (sorted keys; tuples as lists)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)


def setting_hash(setting: Mapping[str, Any]) -> str:
    """16 hex digits of SHA-256 over the setting's canonical JSON."""
    return hashlib.sha256(canonical_json(dict(setting)).encode()).hexdigest()[:16]


def code_version(claim: Any) -> str:
    """``<ntkcheck version>+<12 hex digits>`` hashing the claim's definition."""
    definition = {
        "id": claim.id,
        "requirements": [
            [r.name, r.relation, str(r.bound), r.tolerance, r.report_only]
            for r in claim.requirements
        ],
        "assumptions": [str(a) for a in claim.assumptions],
        "sizes": {k: dict(v) for k, v in claim.sizes.items()},
        "constants": dict(claim.constants),
    }
    digest = hashlib.sha256(canonical_json(definition).encode()).hexdigest()[:12]
    return f"{metadata.version('ntkcheck')}+{digest}"


def store_key(claim: Any, setting: Mapping[str, Any], device: str = "cpu") -> StoreKey:
    """The key of ``claim`` checked on the full ``setting`` (as ``claim.setting(size, ...)``)
    on ``device`` (results on another device differ by rounding, so they are kept apart)."""
    seed = setting.get("seed")
    hashed = dict(setting) if device == "cpu" else {**setting, "__device__": device}
    return StoreKey(
        claim.id,
        setting_hash(hashed),
        None if seed is None else int(seed),
        code_version(claim),
    )


class ResultStore:
    """A results store in the SQLite file ``path`` (created with its folder if missing).

    One connection per process: open a ResultStore in each writer. Use as a context manager or
    call :meth:`close`.
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            self._init_schema()
            self._enable_wal(timeout)
        except BaseException as err:
            self._db.close()
            if type(err) is sqlite3.DatabaseError:  # "file is not a database", not "locked"
                raise StoreSchemaError(
                    f"{self.path} is not an SQLite database ({err}). Pass another store path, "
                    "or move this file away so a new store is created."
                ) from err
            raise

    def _init_schema(self) -> None:
        # BEGIN IMMEDIATE serializes concurrent creators of the same new file.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            tables = {
                r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if not tables:
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif "meta" not in tables:
                raise StoreSchemaError(
                    f"{self.path} is an SQLite database but not an ntkcheck results store (no "
                    "meta table). Pass another store path; ntkcheck will not write into it."
                )
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        found = None if row is None else row[0]
        if found != str(SCHEMA_VERSION):
            newer = isinstance(found, str) and found.isdigit() and int(found) > SCHEMA_VERSION
            fix = (
                "Upgrade ntkcheck (pip install -U ntkcheck) to read it"
                if newer
                else "It was not written by a released ntkcheck; move it away"
            )
            raise StoreSchemaError(
                f"{self.path} has results-store schema {found!r}; this ntkcheck "
                f"{metadata.version('ntkcheck')} reads schema {SCHEMA_VERSION}. {fix}, or pass "
                "another store path."
            )

    def _enable_wal(self, timeout: float) -> None:
        """WAL lets readers and one writer work at once. Switching the journal mode ignores the
        busy timeout (two processes opening a new store collide), so retry until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, key: StoreKey, verdict: Verdict, *, size: str) -> None:
        """Store (or replace) the verdict of ``key`` in one atomic transaction."""
        payload, blob = encode_verdict(verdict)
        margin = verdict.margin if not math.isnan(verdict.margin) else None
        row = (
            key.claim_id, key.setting_hash, key.seed, key.code_version, size,
            canonical_json(verdict.setting), verdict.outcome, margin, verdict.seconds,
            datetime.now(timezone.utc).isoformat(timespec="seconds"), payload, blob,
        )  # fmt: skip
        # One statement in autocommit mode: SQLite applies it whole or not at all.
        self._db.execute(f"INSERT OR REPLACE INTO results VALUES ({','.join('?' * 12)})", row)

    def get(self, key: StoreKey) -> Verdict | None:
        """The stored verdict of ``key``, or None."""
        row = self._db.execute(
            "SELECT payload, arrays FROM results "
            "WHERE claim_id=? AND setting_hash=? AND code_version=?",
            (key.claim_id, key.setting_hash, key.code_version),
        ).fetchone()
        return None if row is None else decode_verdict(row[0], row[1])

    def status(self, targets: Iterable[StoreKey]) -> StoreStatus:
        """Sort ``targets`` by their stored outcome; keys without a row are pending."""
        outcomes = {
            (c, h, v): o
            for c, h, v, o in self._db.execute(
                "SELECT claim_id, setting_hash, code_version, outcome FROM results"
            )
        }
        groups: dict[str | None, list[StoreKey]] = {"pass": [], "fail": [], "error": [], None: []}
        for key in targets:
            groups[outcomes.get((key.claim_id, key.setting_hash, key.code_version))].append(key)
        return StoreStatus(groups["pass"], groups["fail"], groups["error"], groups[None])

    def rows(self) -> list[dict[str, Any]]:
        """Every row's metadata (:data:`COLUMNS`), oldest first."""
        cursor = self._db.execute(f"SELECT {', '.join(COLUMNS)} FROM results ORDER BY rowid")
        return [dict(zip(COLUMNS, r)) for r in cursor]

    def export_csv(self, path: str | Path) -> Path:
        """Write :meth:`rows` to a CSV file (settings as JSON text)."""
        path = Path(path)
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows())
        return path

    def export_parquet(self, path: str | Path) -> Path:
        """Write :meth:`rows` to a Parquet file (needs pyarrow)."""
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as err:
            raise ImportError(
                "Parquet export needs pyarrow: pip install pyarrow (or export_csv instead)."
            ) from err
        path = Path(path)
        pq.write_table(pa.Table.from_pylist(self.rows()), path)
        return path


def encode_verdict(verdict: Verdict) -> tuple[str, bytes]:
    """(JSON text, .npz bytes) of a verdict, in the one encoding of :mod:`ntkcheck.results`."""
    return encode(verdict.to_dict())


def decode_verdict(payload: str, blob: bytes) -> Verdict:
    """Inverse of :func:`encode_verdict` (no pickle, no code execution)."""
    return Verdict.from_dict(decode(payload, blob))


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (np.ndarray, torch.Tensor)):
        return x.tolist()
    return str(x)
