"""A national roll-up: many forums' anonymised exports in one DuckDB database.

Sources are folders (an unpacked export, or a folder holding export ZIPs and unpacked exports at any
depth), export ZIP files, or ``s3://bucket/prefix`` on an S3-compatible store, read by DuckDB's
``httpfs`` extension when it can be loaded, else through ``s3fs`` registered with DuckDB as an fsspec
file system (see :func:`s3_exports`). Every export is checked against its manifest first
(:func:`forum_core.publication.verify`): one with a missing, changed or added file is skipped and named.
The roll-up is a plain DuckDB file whose tables a ministry can take further with any tool (DuckDB,
Parquet via ``COPY``, pandas...); no server of our own.

Tables: ``forums`` (one row per forum), the forums' own ``priorities``, ``attendance``,
``representation``, ``recommendation``, ``recommendation_source`` and ``recommendation_answer`` with a
``forum_key`` column in front, ``included_by_field`` and ``recurring_problems`` (derived) and
``skipped`` (what was left out and why).
"""

from __future__ import annotations

import io
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from forum_core import publication
from forum_core.comparison import core_title
from forum_core.report import FUNDED

# The published tables the roll-up keeps, each with ``forum_key`` in front.
KEPT = (
    "priorities",
    "attendance",
    "representation",
    "recommendation",
    "recommendation_source",
    "recommendation_answer",
)
# What the roll-up reads of every export: without these columns an export is skipped, not guessed at.
NEEDED = {
    "forum": {"title", "municipality", "forum_date"},
    "priorities": {"field", "group_number", "rank", "title", "pebbles", "recommendation", "status"},
}
MAX_EXPORT_BYTES = 200 * 1024 * 1024  # an export ZIP's unpacked size: far above a real forum's ~0.3 MB


@dataclass
class Export:
    source: str  # where it came from, as the person named it (a ZIP, a folder, an s3:// address)
    files: dict[str, bytes] | None = None
    problem: str = ""  # not_found | not_an_export | unreadable | too_large | s3_unavailable
    detail: str = ""
    path: Path | None = None  # a local ZIP, read only when its turn comes (see :func:`load_export`)


@dataclass
class Rollup:
    forums: int = 0
    participants: int = 0
    skipped: list[dict] = field(default_factory=list)  # source, file, problem
    included_by_field: list[dict] = field(default_factory=list)
    recurring: list[dict] = field(default_factory=list)
    municipalities: int = 0
    years: list[int] = field(default_factory=list)


# --- reading exports ---------------------------------------------------------------------------------


def zip_files(data: bytes) -> dict[str, bytes]:
    """The files of an export ZIP (folders inside it are kept in the names); ValueError if it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_EXPORT_BYTES:
                raise ValueError("too_large")
            return {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # EOFError: a cut-off file
        raise ValueError("not_an_export") from exc


def folder_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _from_zip(path: Path) -> Export:
    # Read when a worker takes it: 500 forums' files are never all in memory at once.
    return Export(str(path), path=path)


def load_export(export: Export) -> Export:
    if export.files is not None or export.path is None:
        return export
    try:
        return Export(export.source, zip_files(export.path.read_bytes()))
    except OSError as exc:
        return Export(export.source, problem="unreadable", detail=exc.strerror or str(exc))
    except ValueError as exc:
        return Export(export.source, problem=str(exc))


def local_exports(source: str) -> list[Export]:
    """An unpacked export, an export ZIP, or every export below a folder (ZIPs and unpacked ones)."""
    path = Path(source)
    if path.is_file():
        return [_from_zip(path)]
    if not path.is_dir():
        return [Export(source, problem="not_found")]
    if (path / publication.MANIFEST).is_file():
        return [Export(source, folder_files(path))]
    found = []
    for manifest in sorted(path.rglob(publication.MANIFEST)):
        found.append(Export(str(manifest.parent), folder_files(manifest.parent)))
    found += [_from_zip(p) for p in sorted(path.rglob("*.zip"))]
    return found or [Export(source, problem="not_an_export")]


def _sql_text(value: str) -> str:
    """A SQL string literal. CREATE SECRET is DDL and takes no prepared parameters, so the
    credentials (from the environment, never from a file of the export) are quoted here."""
    return "'" + str(value).replace("'", "''") + "'"


def s3_settings() -> dict[str, str]:
    """Where and as whom an s3:// source is read, from the environment (never from an export): the
    usual ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION`` and, for a store other than
    Amazon's, ``FORUM_S3_ENDPOINT`` (host:port), ``FORUM_S3_URL_STYLE`` (path) and ``FORUM_S3_USE_SSL``
    (false). Both ways of reading S3 take these, so a bucket is read the same either way."""
    found = {
        "key": os.environ.get("AWS_ACCESS_KEY_ID"),
        "secret": os.environ.get("AWS_SECRET_ACCESS_KEY"),
        "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        "endpoint": os.environ.get("FORUM_S3_ENDPOINT"),
        "url_style": os.environ.get("FORUM_S3_URL_STYLE"),
    }
    if os.environ.get("FORUM_S3_USE_SSL", "").lower() in ("0", "false", "no"):
        found["use_ssl"] = "false"
    return {k: v for k, v in found.items() if v}


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's httpfs extension: LOAD it if installed, else INSTALL it (from DuckDB's extension
    repository: that needs the internet once, or ``FORUM_DUCKDB_EXTENSIONS`` naming a folder or
    address that holds the extension files for this DuckDB version); then an S3 secret from
    :func:`s3_settings`."""
    try:
        con.execute("LOAD httpfs")
    except duckdb.Error:
        given = os.environ.get("FORUM_DUCKDB_EXTENSIONS")
        # DuckDB's own Python calls: the path or address is an argument, not SQL text
        if not given:
            con.install_extension("httpfs")
        elif given.endswith((".duckdb_extension", ".duckdb_extension.gz")):  # the extension's file itself
            con.install_extension(given)
        else:  # a copy of DuckDB's repository: <folder>/v2.0.0/linux_amd64/httpfs.duckdb_extension.gz
            con.install_extension("httpfs", repository_url=given)
        con.load_extension("httpfs")
    settings = s3_settings()
    names = {"key": "KEY_ID", "secret": "SECRET", "region": "REGION", "endpoint": "ENDPOINT", "url_style": "URL_STYLE"}
    parts = [f"{names[k]} {_sql_text(v)}" for k, v in settings.items() if k in names]
    if "use_ssl" in settings:
        parts.append("USE_SSL false")
    if parts:
        con.execute("CREATE OR REPLACE SECRET forum_rollup_s3 (TYPE s3, " + ", ".join(parts) + ")")


def register_s3fs(con: duckdb.DuckDBPyConnection):
    """Without httpfs (no internet to fetch it, and no copy for this DuckDB version): ``s3fs``, an
    fsspec file system, registered with DuckDB, which then reads s3:// with the same ``glob`` and
    ``read_blob``. Same settings as httpfs (:func:`s3_settings`); without a key and secret, s3fs
    looks in the usual places itself (environment, ~/.aws). ImportError if s3fs is not installed."""
    import s3fs

    settings = s3_settings()
    options: dict = {"client_kwargs": {}, "config_kwargs": {}}
    if "key" in settings and "secret" in settings:
        options |= {"key": settings["key"], "secret": settings["secret"]}
    if "region" in settings:
        options["client_kwargs"]["region_name"] = settings["region"]
    if "endpoint" in settings:
        endpoint = settings["endpoint"]
        scheme = "http" if "use_ssl" in settings else "https"
        options["endpoint_url"] = endpoint if "://" in endpoint else f"{scheme}://{endpoint}"
    if "use_ssl" in settings:
        options["use_ssl"] = False
    if settings.get("url_style", "").lower() in ("path", "vhost"):
        style = "path" if settings["url_style"].lower() == "path" else "virtual"
        options["config_kwargs"]["s3"] = {"addressing_style": style}
    # A fresh instance for each roll-up: the bucket as it is now, not as an earlier roll-up listed it.
    # Its listing cache stays on: filled by the glob, it answers the size and date DuckDB asks before
    # each read (4 HEAD requests a file without it, 5x slower against a local server).
    fs = s3fs.S3FileSystem(skip_instance_cache=True, **options)
    con.register_filesystem(fs)
    return fs


def _error_line(exc: Exception) -> str:
    """The line of a DuckDB error worth showing. An error raised in a Python file system (s3fs)
    reaches DuckDB with its traceback in front: then its last line, "FileNotFoundError: The
    specified bucket does not exist", not "Traceback (most recent call last):"."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    if lines and lines[0].startswith("Traceback"):
        told = [line for line in lines[1:] if not line.startswith((" ", "LINE "))]
        return told[0] if told else lines[-1]
    return lines[0] if lines else type(exc).__name__


def _parent(name: str) -> str:
    # string work, not PurePosixPath: that would fold the "//" of "s3://bucket/..."
    return name.rsplit("/", 1)[0]


def blob_exports(con: duckdb.DuckDBPyConnection, root: str) -> list[Export]:
    """Every export below ``root`` through DuckDB's own file system (``glob`` and ``read_blob``): the
    way an s3:// address is read, by httpfs or by a registered fsspec file system. Export ZIPs and
    unpacked exports (a folder with a manifest.json) are both found, as in :func:`local_exports`;
    ``root`` may also be one export ZIP."""
    base = root.rstrip("/")
    listed = [r[0] for r in con.execute("SELECT file FROM glob(?) ORDER BY file", [base + "/**"]).fetchall()]
    if not listed:  # one ZIP named by its own address
        listed = [r[0] for r in con.execute("SELECT file FROM glob(?)", [base]).fetchall()]
    if not listed:
        return [Export(root, problem="not_found")]
    # an fsspec file system lists the folders too (httpfs does not): a name with names below it is one
    folders_listed = {_parent(n) for n in listed}
    files = [n for n in listed if n not in folders_listed]
    names = [n for n in files if n != base] or files

    def read(name: str) -> bytes:
        return con.execute("SELECT content FROM read_blob(?)", [name]).fetchone()[0]

    found = []
    folders = sorted({_parent(n) for n in names if n.rsplit("/", 1)[-1] == publication.MANIFEST})
    for folder in folders:
        inside = [n for n in names if n.startswith(folder + "/") and not n.endswith(".zip")]
        # one read_blob for the export's files: DuckDB fetches them together
        got = con.execute("SELECT filename, content FROM read_blob(?)", [inside]).fetchall()
        found.append(Export(folder, {n[len(folder) + 1 :]: content for n, content in got}))
    for name in names:
        if name.endswith(".zip"):
            try:
                found.append(Export(name, zip_files(read(name))))
            except ValueError as exc:
                found.append(Export(name, problem=str(exc)))
    return found or [Export(root, problem="not_an_export")]


class S3Unavailable(Exception):
    """Neither httpfs nor s3fs can read s3:// here; the message says why httpfs could not."""


def s3_reader(con: duckdb.DuckDBPyConnection) -> str:
    """Make ``con`` read s3://: "httpfs" when DuckDB's extension loads (the first choice: DuckDB's own,
    and it also reads gcs:// and r2://), else "s3fs" (fsspec); S3Unavailable if neither."""
    try:
        load_httpfs(con)
        return "httpfs"
    except duckdb.Error as exc:
        why = str(exc).splitlines()[0]
    try:
        register_s3fs(con)
    except ImportError:
        raise S3Unavailable(why) from None
    return "s3fs"


def _s3_reader_or_why(con: duckdb.DuckDBPyConnection) -> str | S3Unavailable:
    try:
        return s3_reader(con)
    except S3Unavailable as exc:
        return exc


def s3_exports(con: duckdb.DuckDBPyConnection, source: str, reader: str | S3Unavailable | None = None) -> list[Export]:
    """The exports below an s3:// address; ``reader`` is what :func:`s3_reader` already set up on
    ``con``, or why it could not (set up here when not given)."""
    reader = reader or _s3_reader_or_why(con)
    if isinstance(reader, S3Unavailable):
        return [Export(source, problem="s3_unavailable", detail=str(reader))]
    if reader == "s3fs" and not source.lower().startswith(("s3://", "s3a://")):
        return [Export(source, problem="s3_unavailable", detail="gcs:// and r2:// are read by httpfs only")]
    try:
        return blob_exports(con, source)
    except duckdb.Error as exc:
        return [Export(source, problem="unreadable", detail=_error_line(exc))]


def collect(sources: list[str], con: duckdb.DuckDBPyConnection) -> list[Export]:
    found: list[Export] = []
    reader: str | S3Unavailable | None = None  # how s3:// is read, set up once for all s3:// sources
    for source in sources:
        if source.lower().startswith(("s3://", "s3a://", "gcs://", "r2://")):
            reader = reader or _s3_reader_or_why(con)
            found += s3_exports(con, source, reader)
        else:
            found += local_exports(source)
    return found


# --- the roll-up ---------------------------------------------------------------------------------------


@dataclass
class _Read:
    source: str
    wrong: list[tuple[str, str]]
    manifest: dict | None = None
    tables: dict = field(default_factory=dict)
    problem: str = ""  # the export could not be read at all (see Export.problem)
    detail: str = ""


def _read(export: Export) -> _Read:
    """Load an export, verify it against its manifest and read the kept tables; only the tables are
    kept, not the files (in a worker thread: reading, unzipping, hashing and Parquet decoding let go
    of Python's lock)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    export = load_export(export)
    if export.files is None:
        return _Read(export.source, [], problem=export.problem, detail=export.detail)
    wrong = publication.verify(export.files)
    if wrong:
        return _Read(export.source, wrong)
    tables = {}
    for name in ("forum",) + KEPT:
        data = export.files.get(f"{name}.parquet")
        if data is not None:
            try:
                # ParquetFile.read without threads: ~10x faster than read_table for files this small
                # (read_table sets up a dataset and a thread pool for each)
                tables[name] = pq.ParquetFile(pa.BufferReader(data)).read(use_threads=False)
            except (pa.ArrowException, OSError, ValueError):  # hashes match, but the file is no Parquet
                return _Read(export.source, [(f"{name}.parquet", "unreadable")])
    for name, columns in NEEDED.items():
        if name not in tables or not columns <= set(tables[name].column_names):
            return _Read(export.source, [(f"{name}.parquet", "not_an_export")])
    if tables["forum"].num_rows != 1:
        return _Read(export.source, [("forum.parquet", "not_an_export")])
    return _Read(export.source, [], publication.read_manifest(export.files), tables)


def _with_key(table, key: str):
    import pyarrow as pa

    return table.add_column(0, "forum_key", pa.array([key] * table.num_rows, pa.string()))


def build(sources: list[str], out: Path, workers: int = 2) -> Rollup:
    """Read, verify and roll up every export of ``sources`` into the DuckDB file ``out`` (replaced)."""
    import pyarrow as pa

    result = Rollup()
    reader = duckdb.connect()  # for s3:// sources (httpfs or s3fs) and glob/read_blob
    try:
        exports = collect(sources, reader)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            done = list(pool.map(_read, exports))
    finally:
        reader.close()

    forums, parts, seen = [], {name: [] for name in KEPT}, set()
    for r in done:
        if r.problem:
            result.skipped.append({"source": r.source, "file": "", "problem": r.problem, "detail": r.detail})
            continue
        if r.wrong:
            for name, problem in r.wrong:
                result.skipped.append({"source": r.source, "file": name, "problem": problem, "detail": ""})
            continue
        forum = r.tables["forum"].to_pylist()[0]
        m = r.manifest
        code = str(m.get("municipality_code") or "")
        key = f"{code or forum['municipality']}/{forum['forum_date']}"
        if key in seen:  # the same forum given twice (a ZIP and its unpacked copy): counted once
            result.skipped.append({"source": r.source, "file": "", "problem": "duplicate", "detail": key})
            continue
        seen.add(key)
        came = 0
        if "attendance" in r.tables:
            came = sum(
                a["count"] or 0
                for a in r.tables["attendance"].to_pylist()
                if a["measure"] in ("came",) and a["group_number"]
            )
        forums.append(
            {
                "forum_key": key,
                "source": r.source,
                "municipality": forum["municipality"],
                "municipality_code": code,
                "forum_title": forum["title"],
                "forum_date": forum["forum_date"],
                "year": forum["forum_date"].year if forum["forum_date"] else None,
                "format_version": str(m.get("format_version")),
                "app_version": str(m.get("app_version")),
                "participants": came,
            }
        )
        for name in KEPT:
            if name in r.tables:
                parts[name].append(_with_key(r.tables[name], key))

    out = Path(out)
    if out.exists() and not _earlier_rollup(out):  # never a forum's database named by mistake
        raise NotReplaced(str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, Path(f"{out}.wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    try:
        con.execute("BEGIN")
        forum_table = pa.Table.from_pylist(
            forums,
            schema=pa.schema(
                [
                    ("forum_key", pa.string()),
                    ("source", pa.string()),
                    ("municipality", pa.string()),
                    ("municipality_code", pa.string()),
                    ("forum_title", pa.string()),
                    ("forum_date", pa.date32()),
                    ("year", pa.int32()),
                    ("format_version", pa.string()),
                    ("app_version", pa.string()),
                    ("participants", pa.int64()),
                ]
            ),
        )
        _create(con, "forums", forum_table)
        for name, tables in parts.items():
            if tables:
                # a newer minor version may add columns (null in older forums' rows) or widen a type
                _create(con, name, pa.concat_tables(tables, promote_options="permissive").combine_chunks())
        skipped = pa.Table.from_pylist(
            result.skipped,
            schema=pa.schema(
                [("source", pa.string()), ("file", pa.string()), ("problem", pa.string()), ("detail", pa.string())]
            ),
        )
        _create(con, "skipped", skipped)
        _derive(con, bool(parts["priorities"]))
        con.execute("COMMIT")
        _summarise(con, result)
    finally:
        con.close()
    return result


def _earlier_rollup(path: Path) -> bool:
    """A file this function wrote before, even one that read no forum (it has no priorities table
    then, so :func:`open_rollup` refuses it, yet a second try with the same --out must replace it)."""
    try:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    except (duckdb.Error, OSError):
        return False
    try:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
        }
    finally:
        con.close()
    return {"forums", "skipped", "included_by_field", "recurring_problems"} <= tables


def _create(con: duckdb.DuckDBPyConnection, name: str, table) -> None:
    # ``name`` is one of this module's fixed table names (an identifier cannot be a parameter),
    # never text from an export: checked, then quoted.
    if name not in (*KEPT, "forums", "skipped"):
        raise ValueError(f"not a roll-up table: {name!r}")
    con.register("incoming", table)
    try:
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
    finally:
        con.unregister("incoming")


def _derive(con: duckdb.DuckDBPyConnection, any_priorities: bool) -> None:
    funded = list(FUNDED)
    if not any_priorities:
        con.execute(
            "CREATE TABLE included_by_field (field VARCHAR, recommendations BIGINT, answered BIGINT, "
            "included BIGINT, partly BIGINT, included_share DOUBLE)"
        )
        con.execute(
            "CREATE TABLE recurring_problems (field VARCHAR, core_title VARCHAR, title VARCHAR, forums BIGINT, "
            "municipalities BIGINT, years VARCHAR, funded_somewhere BOOLEAN)"
        )
        return
    # Share of recommendations included by field: each group priority that became a recommendation,
    # by the mayor's latest answer (included, partly, or any other answer).
    con.execute(
        """CREATE TABLE included_by_field AS
        SELECT field,
               count(*) FILTER (WHERE recommendation IS NOT NULL) AS recommendations,
               count(*) FILTER (WHERE status IS NOT NULL) AS answered,
               count(*) FILTER (WHERE status = 'included') AS included,
               count(*) FILTER (WHERE status = 'partly') AS partly,
               round(100.0 * count(*) FILTER (WHERE status IN ('included', 'partly'))
                     / nullif(count(*) FILTER (WHERE recommendation IS NOT NULL), 0), 1) AS included_share
        FROM priorities GROUP BY field ORDER BY field"""
    )
    # Problems that recur: the same field and the same core title (case, brackets and punctuation
    # aside, as the comparison page matches them) in more than one municipality or year. Exact core
    # titles, not the page's fuzzy match: that compares every pair and would take minutes here.
    titles = [r[0] for r in con.execute("SELECT DISTINCT title FROM priorities").fetchall()]
    con.execute("CREATE TEMP TABLE core_of (title VARCHAR, core_title VARCHAR)")
    con.executemany("INSERT INTO core_of VALUES (?, ?)", [(t, core_title(t)) for t in titles])
    con.execute(
        """CREATE TABLE recurring_problems AS
        SELECT p.field, c.core_title, min(p.title) AS title,
               count(DISTINCT p.forum_key) AS forums,
               count(DISTINCT f.municipality_code || '|' || f.municipality) AS municipalities,
               array_to_string(list_sort(list_distinct(list(CAST(f.year AS VARCHAR)))), ', ') AS years,
               coalesce(bool_or(list_contains(?::VARCHAR[], p.status)), false) AS funded_somewhere
        FROM priorities p JOIN core_of c ON c.title = p.title JOIN forums f ON f.forum_key = p.forum_key
        WHERE c.core_title <> ''
        GROUP BY p.field, c.core_title
        HAVING count(DISTINCT f.municipality_code || '|' || f.municipality) > 1 OR count(DISTINCT f.year) > 1
        ORDER BY forums DESC, municipalities DESC, p.field, c.core_title""",
        [funded],
    )


def _summarise(con: duckdb.DuckDBPyConnection, result: Rollup) -> None:
    forums, people, places = con.execute(
        "SELECT count(*), coalesce(sum(participants), 0), count(DISTINCT municipality_code || '|' || municipality) "
        "FROM forums"
    ).fetchone()
    result.forums, result.participants, result.municipalities = forums, int(people), places
    result.years = [r[0] for r in con.execute("SELECT DISTINCT year FROM forums ORDER BY year").fetchall()]
    cur = con.execute("SELECT * FROM included_by_field")
    columns = [d[0] for d in cur.description]
    result.included_by_field = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    cur = con.execute("SELECT * FROM recurring_problems")
    columns = [d[0] for d in cur.description]
    result.recurring = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


# --- reading a roll-up back -------------------------------------------------------------------------------


class NotARollup(ValueError):
    """A file that is not a roll-up made by :func:`build`."""


class NotReplaced(Exception):
    """The --out file exists and is not a roll-up (a forum's database, say): it is left alone."""


def open_rollup(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a roll-up file that can reach nothing else: a roll-up from elsewhere
    could hold views that read this laptop's files, so external access is off and only base tables
    are read (:func:`priorities_by_forum`)."""
    try:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    except (duckdb.Error, OSError) as exc:
        raise NotARollup(str(exc).splitlines()[0] if str(exc) else "unreadable") from None
    base = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    if not {"forums", "priorities"} <= base:
        con.close()
        raise NotARollup("no forums or priorities table")
    return con


def priorities_by_forum(path: Path | str) -> list[dict]:
    """Each forum of a roll-up with its priorities: forum_key, municipality, municipality_code,
    forum_title, forum_date, priorities (field, group_number, rank, title, pebbles, status...)."""
    con = open_rollup(path)
    try:
        cur = con.execute("SELECT * FROM forums ORDER BY forum_date, forum_key")
        columns = [d[0] for d in cur.description]
        forums = {row[0]: dict(zip(columns, row, strict=True)) | {"priorities": []} for row in cur.fetchall()}
        cur = con.execute("SELECT * FROM priorities ORDER BY forum_key, group_number, rank")
        columns = [d[0] for d in cur.description]
        for row in cur.fetchall():
            item = dict(zip(columns, row, strict=True))
            if item["forum_key"] in forums:
                forums[item["forum_key"]]["priorities"].append(item)
        return list(forums.values())
    except duckdb.Error as exc:
        raise NotARollup(str(exc).splitlines()[0]) from None
    finally:
        con.close()
