"""The results store: one SQLite row per (claim, setting hash, seed, code version) with its Verdict.

Embedded (stdlib ``sqlite3``), resumable and safe for concurrent writers (WAL journal, busy
timeout). A row holds the Verdict as JSON text plus its arrays as an ``.npz`` blob read back with
``allow_pickle=False``: stored results are data, never code. Each :meth:`ResultStore.put` is one
transaction, so an interrupted sweep leaves only whole rows behind.

The code version (:func:`ntkcheck.claims.code_version`) is the ntkcheck version plus a hash of
the claim's declaration and of its paper folder's code: editing a bound or a measurement retires
the old rows. Error verdicts are stored (``status`` lists them) but never served as results: the
next sweep re-runs them.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ntkcheck.claims.verdict import Verdict
from ntkcheck.claims.version import canonical_json, code_version
from ntkcheck.errors import StoreAccessError, StoreSchemaError
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
    """Where a list of target keys stands: passed, failed, vacuous, errored or not yet stored
    (errors are re-run by the next sweep)."""

    passed: list[StoreKey]
    failed: list[StoreKey]
    vacuous: list[StoreKey]
    errors: list[StoreKey]
    pending: list[StoreKey]

    def summary(self) -> str:
        counts = (len(self.passed), len(self.failed), len(self.vacuous), len(self.errors),
                  len(self.pending))  # fmt: skip
        return "{} passed, {} failed, {} vacuous, {} errors, {} pending".format(*counts)


def setting_hash(setting: Mapping[str, Any]) -> str:
    """16 hex digits of SHA-256 over the setting's canonical JSON."""
    return hashlib.sha256(canonical_json(dict(setting)).encode()).hexdigest()[:16]


def store_key(
    claim: Any, setting: Mapping[str, Any], device: str = "cpu", *, foil: bool = False
) -> StoreKey:
    """The key of ``claim`` checked on the full ``setting`` (as ``claim.setting(size, ...)``)
    on ``device`` (results on another device differ by rounding, so they are kept apart),
    under its foil or not."""
    seed = setting.get("seed")
    hashed = dict(setting) if device == "cpu" else {**setting, "__device__": device}
    if foil:
        hashed["__foil__"] = claim.foil.description
    return StoreKey(
        claim.id,
        setting_hash(hashed),
        None if seed is None else int(seed),
        code_version(claim),
    )


class ResultStore:
    """A results store in the SQLite file ``path`` (created with its folder if missing).

    One connection per process: open a ResultStore in each writer. Use as a context manager or
    call :meth:`close`. ``readonly=True`` only reads (a store in a read-only folder, or another
    user's). A damaged or foreign file is refused when opened (:class:`StoreSchemaError`), an
    unwritable one before any work (:class:`StoreAccessError`).
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            self._db = _connect_readonly(self.path, timeout)
        else:
            _check_writable(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            if readonly:
                self._check_schema(self._read_schema())
            else:
                self._check_schema(self._init_schema())
                self._enable_wal(timeout)
            self._check_integrity()
        except BaseException as err:
            self._db.close()
            if isinstance(err, sqlite3.OperationalError) and "readonly" in str(err):
                raise StoreAccessError(
                    f"The results store {self.path} is read-only ({err}). Pass a writable "
                    "--store (or --out) path; `ntkcheck status` can still read this one."
                ) from err
            if type(err) is sqlite3.DatabaseError:  # "file is not a database", not "locked"
                raise StoreSchemaError(
                    f"{self.path} is not a readable SQLite database ({err}). Pass another store "
                    "path (--store), or move this file away so a new store is created."
                ) from err
            raise

    def _check_integrity(self) -> None:
        """A store damaged mid-file is refused when opened, not half-read later."""
        problems = [r[0] for r in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise StoreSchemaError(
                f"{self.path} is a damaged results store ({problems[0]}). Move it away (or "
                "restore a copy) so that a new store is created, or pass another --store."
            )

    def _init_schema(self) -> str | None:
        """Create the tables in a new file; the schema version found."""
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
            found = self._read_schema()
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return found

    def _read_schema(self) -> str | None:
        tables = {
            r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "meta" not in tables:
            raise StoreSchemaError(
                f"{self.path} is an SQLite database but not an ntkcheck results store (no "
                "meta table). Pass another store path; ntkcheck will not write into it."
            )
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        return None if row is None else row[0]

    def _check_schema(self, found: str | None) -> None:
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
        """The stored verdict of ``key`` (served results are never errors: see
        :func:`ntkcheck.sweep.sweep`), or None."""
        row = self._db.execute(
            "SELECT payload, arrays FROM results "
            "WHERE claim_id=? AND setting_hash=? AND code_version=?",
            (key.claim_id, key.setting_hash, key.code_version),
        ).fetchone()
        return None if row is None else decode_verdict(row[0], row[1])

    def verdicts(self, claim_id: str, code_version: str) -> list[Verdict]:
        """Every stored verdict of a claim at one code version, in the order they were stored:
        the settings it has been checked on (an exploration's record)."""
        rows = self._db.execute(
            "SELECT payload, arrays FROM results WHERE claim_id=? AND code_version=? "
            "ORDER BY rowid",
            (claim_id, code_version),
        )
        return [decode_verdict(payload, blob) for payload, blob in rows]

    def timings(self) -> dict[str, float]:
        """Per claim id, the seconds of its most recently stored verdict (any version)."""
        rows = self._db.execute("SELECT claim_id, seconds FROM results ORDER BY rowid")
        return {claim_id: float(seconds) for claim_id, seconds in rows}

    def count(self, claim_id: str, code_version: str) -> int:
        """How many verdicts of a claim the store holds at one code version."""
        query = "SELECT COUNT(*) FROM results WHERE claim_id=? AND code_version=?"
        return int(self._db.execute(query, (claim_id, code_version)).fetchone()[0])

    def status(self, targets: Iterable[StoreKey]) -> StoreStatus:
        """Sort ``targets`` by their stored outcome; keys without a row are pending."""
        outcomes = {
            (c, h, v): o
            for c, h, v, o in self._db.execute(
                "SELECT claim_id, setting_hash, code_version, outcome FROM results"
            )
        }
        groups: dict[str | None, list[StoreKey]] = {
            "pass": [], "fail": [], "vacuous": [], "error": [], None: []
        }  # fmt: skip
        for key in targets:
            groups[outcomes.get((key.claim_id, key.setting_hash, key.code_version))].append(key)
        return StoreStatus(
            groups["pass"], groups["fail"], groups["vacuous"], groups["error"], groups[None]
        )

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


def _check_writable(path: Path) -> None:
    """Refuse, before opening, a store that cannot be written (SQLite would fail mid-run)."""
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    place = path if path.exists() else folder
    if not os.access(place, os.W_OK) or (path.exists() and not os.access(path.parent, os.W_OK)):
        raise StoreAccessError(
            f"The results store {path} is read-only (no write permission on {place}). Pass a "
            "writable --store (or --out) path; `ntkcheck status` can still read this one."
        )


def _connect_readonly(path: Path, timeout: float) -> sqlite3.Connection:
    """Open for reading only; a store in a read-only folder is opened as immutable (its WAL
    index cannot be created there)."""
    if not path.is_file():
        raise StoreAccessError(f"No results store at {path}; `ntkcheck verify` creates it.")
    uri = path.resolve().as_uri()
    mode = "mode=ro" if os.access(path.parent, os.W_OK) else "immutable=1"
    return sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=timeout, isolation_level=None)


def encode_verdict(verdict: Verdict) -> tuple[str, bytes]:
    """(JSON text, .npz bytes) of a verdict, in the one encoding of :mod:`ntkcheck.results`."""
    return encode(verdict.to_dict())


def decode_verdict(payload: str, blob: bytes) -> Verdict:
    """Inverse of :func:`encode_verdict` (no pickle, no code execution)."""
    return Verdict.from_dict(decode(payload, blob))
