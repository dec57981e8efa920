"""Backups and restores of a whole installation: the database, the media files, the audit anchors.

One archive (tar.gz) holds
- `database/dudao.sqlite3` (SQLite's online backup API: a consistent copy while the site runs) or
  `database/dudao.pgdump` (`pg_dump --format=custom` of the configured database, taken in the same
  exported snapshot as the row counts). Both are native copies, so the audit chain, its MACs, the
  triggers guarding it and the sequences come back exactly as they were;
- `media/...`: every file of the default storage (local directory or S3 bucket), anchors kept in
  object storage included;
- `anchors/...`: the audit anchor files (var/anchors);
- `manifest.json`: row counts per table, the audit chain head (whole chain and per organisation),
  and the SHA-256 and size of every other file in the archive.

The audit key is NOT in the archive (it would let whoever holds a backup forge the log): keep it
with the secret key. A restore verifies the archive against its manifest before touching anything,
refuses a target that holds data unless forced, restores, compares row counts and the chain head
with the manifest, and ends by verifying the audit log (MACs and anchors) in the target.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import storages
from django.db import connections
from django.db.utils import ConnectionDoesNotExist, load_backend
from django.utils import timezone

from .audit import verify_chain
from .audit_anchors import anchor_dir, check_anchors, read_anchors

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database/dudao.sqlite3"
PG_DUMP = "database/dudao.pgdump"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what and where."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- reading a database the same way on both engines -------------------------------------------
def _tables_sqlite(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _tables_postgresql(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _facts(cursor, tables: list[str]) -> dict:
    """Row counts of `tables` and the audit chain head, whole and per organisation, as `cursor` sees them."""
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    chain = {"seq": 0, "hash": "0" * 64}
    per_org: dict[str, dict] = {}
    if "core_auditchainhead" in tables:
        cursor.execute("SELECT seq, hash FROM core_auditchainhead WHERE id = 1")
        row = cursor.fetchone()
        if row:
            chain = {"seq": row[0], "hash": row[1]}
        cursor.execute(
            "SELECT e.organization_id, e.seq, e.hash, g.n FROM core_auditevent e JOIN ("
            " SELECT organization_id, MAX(seq) AS last, COUNT(*) AS n FROM core_auditevent"
            " WHERE organization_id IS NOT NULL GROUP BY organization_id) g ON e.seq = g.last"
            " ORDER BY e.organization_id"
        )
        per_org = {str(org): {"seq": seq, "hash": h, "count": n} for org, seq, h, n in cursor.fetchall()}
    return {"tables": counts, "chain": chain, "chain_per_org": per_org}


def _pg_command(settings_dict: dict, program: str) -> tuple[list[str], dict]:
    bindir = os.environ.get("DUDAO_PG_BINDIR")
    binary = str(Path(bindir) / program) if bindir else shutil.which(program)
    if not binary:
        raise BackupError(f"{program} not found: install PostgreSQL's client programs or set DUDAO_PG_BINDIR")
    args = [binary, "--no-password"]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])  # not on the command line, where ps shows it
    return args, env


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _psycopg_connect(settings_dict: dict):
    import psycopg

    return psycopg.connect(
        dbname=settings_dict["NAME"], user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None, host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
    )


def _dump_database(alias: str, into: Path) -> tuple[str, dict]:
    """Copy the database into `into`; returns the file's archive name and the facts of that copy."""
    connection = connections[alias]
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        target = into / SQLITE_DUMP
        target.parent.mkdir(parents=True)
        source = sqlite3.connect(settings_dict["NAME"])
        copy_ = sqlite3.connect(target)
        try:
            source.backup(copy_)
        finally:
            source.close()
        try:
            cursor = copy_.cursor()
            facts = _facts(cursor, _tables_sqlite(cursor))
        finally:
            copy_.close()
        return SQLITE_DUMP, facts
    if connection.vendor == "postgresql":
        target = into / PG_DUMP
        target.parent.mkdir(parents=True)
        # Counts and dump read one snapshot: a backup taken while people work still matches its manifest.
        with _psycopg_connect(settings_dict) as pg:
            pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
            args, env = _pg_command(settings_dict, "pg_dump")
            _run([*args, "--format=custom", f"--snapshot={snapshot}", "--file", str(target),
                  "--dbname", settings_dict["NAME"]], env)
            with pg.cursor() as cursor:
                facts = _facts(cursor, _tables_postgresql(cursor))
            pg.rollback()
        return PG_DUMP, facts
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


# --- media ----------------------------------------------------------------------------------------
def _walk(storage, directory: str = ""):
    directories, files = storage.listdir(directory)
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


def _storage_files(storage) -> list[str]:
    try:
        return list(_walk(storage))
    except FileNotFoundError:  # a local media directory not made yet
        return []


# --- backup ---------------------------------------------------------------------------------------
def create_backup(output: Path, *, using: str = "default") -> dict:
    """Write the archive to `output` (tar.gz) and return its manifest."""
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="dudao-backup-") as tmp:
        root = Path(tmp)
        database_file, facts = _dump_database(using, root)
        storage = storages["default"]
        for name in _storage_files(storage):
            target = root / "media" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        anchors = anchor_dir()
        if anchors.is_dir():
            for path in sorted(anchors.glob("*.jsonl")):
                (root / "anchors").mkdir(exist_ok=True)
                shutil.copy2(path, root / "anchors" / path.name)
        files = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            files[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
            "vendor": connections[using].vendor,
            "database": database_file,
            **facts,
            "files": files,
        }
        (root / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False))
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(root / MANIFEST, arcname=MANIFEST)
            for name in files:
                tar.add(root / name, arcname=name)
        partial.replace(output)  # a backup that stopped half-way never looks finished
    return manifest


# --- restore --------------------------------------------------------------------------------------
@dataclass
class RestoreReport:
    manifest: dict
    tables: int = 0
    media: int = 0
    anchors: int = 0
    verified_events: int = 0
    problems: list[str] = field(default_factory=list)


def database_alias_for(url: str, alias: str = "restore_target") -> str:
    """Register the database at `url` under `alias` (settings as the default's, the place from `url`)."""
    import dj_database_url

    parsed = dj_database_url.parse(url)
    settings_dict = copy.deepcopy(connections.settings["default"])
    if parsed["ENGINE"] != settings_dict["ENGINE"]:
        settings_dict["OPTIONS"] = {}
    for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT"):
        settings_dict[key] = parsed.get(key) or ""
    forget_database_alias(alias)
    # A connection made for this run only, not added to the configured databases.
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    return alias


def forget_database_alias(alias: str) -> None:
    try:
        connection = connections[alias]
    except ConnectionDoesNotExist:
        return
    connection.close()
    del connections[alias]


def _unpack(archive: Path, into: Path) -> dict:
    """Extract the archive and check every file against the manifest (and nothing more is there)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")  # no absolute paths, no '..', no links out
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive: {exc}") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{archive} has no readable {MANIFEST}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is of format {manifest.get('format')!r}; this version reads {FORMAT}")
    listed = manifest.get("files", {})
    present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    for name in sorted(present - set(listed)):
        raise BackupError(f"{name} is in the archive but not in its manifest")
    for name, expected in sorted(listed.items()):
        path = into / name
        if not path.is_file():
            raise BackupError(f"{name} is in the manifest but missing from the archive")
        if _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the archive was altered")
    return manifest


def _holds_data(alias: str) -> bool:
    """A database holds data when its audit log has an event (every change writes one)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if "core_auditevent" not in tables:
            return False
        cursor.execute("SELECT 1 FROM core_auditevent LIMIT 1")
        return cursor.fetchone() is not None


def _restore_database(alias: str, manifest: dict, unpacked: Path) -> None:
    connection = connections[alias]
    if connection.vendor != manifest["vendor"]:
        raise BackupError(f"the archive holds a {manifest['vendor']} database; the target is {connection.vendor}")
    settings_dict = connection.settings_dict
    connection.close()
    dump = unpacked / manifest["database"]
    if connection.vendor == "sqlite":
        Path(settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(dump)
        target = sqlite3.connect(settings_dict["NAME"])
        try:
            source.backup(target)  # replaces every page of the target, schema and triggers included
        finally:
            source.close()
            target.close()
        return
    args, env = _pg_command(settings_dict, "pg_restore")
    _run([*args, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", "--dbname", settings_dict["NAME"], str(dump)], env)


def _restore_media(manifest: dict, unpacked: Path, *, force: bool) -> int:
    storage = storages["default"]
    names = [name.removeprefix("media/") for name in manifest["files"] if name.startswith("media/")]
    count = 0
    for name in names:
        if storage.exists(name):
            if not force:
                raise BackupError(f"media file {name} exists in the target storage (use --force to replace)")
            storage.delete(name)
        with (unpacked / "media" / name).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"media file {name} was stored as {saved}")
        count += 1
    return count


def _restore_anchors(unpacked: Path) -> int:
    """Merge the archive's anchor lines into the anchor directory (append what is not there yet)."""
    source = unpacked / "anchors"
    if not source.is_dir():
        return 0
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    added = 0
    for path in sorted(source.glob("*.jsonl")):
        target = directory / path.name
        have = set(target.read_text().splitlines()) if target.exists() else set()
        new = [line for line in path.read_text().splitlines() if line.strip() and line not in have]
        if new:
            with target.open("a") as out:
                out.write("".join(line + "\n" for line in new))
            added += len(new)
    return added


def restore_backup(archive: Path, *, using: str = "default", force: bool = False) -> RestoreReport:
    """Restore `archive` into the database `using` and the default storage; see the module docstring."""
    with tempfile.TemporaryDirectory(prefix="dudao-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = _unpack(Path(archive), unpacked)
        report = RestoreReport(manifest)
        if not force:
            if _holds_data(using):
                raise BackupError("the target database holds data (its audit log has events); "
                                  "restore into an empty one, or pass --force to replace it")
            if _storage_files(storages["default"]):
                raise BackupError("the target media storage holds files; restore into an empty one, "
                                  "or pass --force to replace them")
        _restore_database(using, manifest, unpacked)
        report.media = _restore_media(manifest, unpacked, force=force)
        report.anchors = _restore_anchors(unpacked)
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = (_tables_sqlite(cursor) if connection.vendor == "sqlite" else _tables_postgresql(cursor))
        facts = _facts(cursor, tables)
    report.tables = len(facts["tables"])
    for table, expected in sorted(manifest["tables"].items()):
        got = facts["tables"].get(table)
        if got != expected:
            report.problems.append(f"table {table} has {got} rows after the restore; the manifest says {expected}")
    if facts["chain"] != manifest["chain"]:
        report.problems.append(f"the audit chain head is {facts['chain']}; the manifest says {manifest['chain']}")
    if facts["chain_per_org"] != manifest["chain_per_org"]:
        report.problems.append("the per-organisation audit heads differ from the manifest")
    chain = verify_chain(using=using)
    report.verified_events = chain.checked
    if not chain.ok:
        report.problems.append(f"audit chain broken at event #{chain.bad_seq}: {chain.reason}")
    anchors, unreadable = read_anchors()
    report.problems.extend(unreadable)
    report.problems.extend(check_anchors(anchors, using=using))
    return report
