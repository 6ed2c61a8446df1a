"""The landing zone where daily house-sales drops arrive as CSV files, and what each file is.

Every file has a version that changes whenever its bytes change: a SHA-256 of its content on a
local folder (computed again only when the file's inode, size, mtime or ctime moved), the ETag on
S3. The landing sensor decides "new or replaced" by versions, never by clocks, and bronze refuses a
drop whose version is not the one its run was started for.
"""

import csv
import datetime as dt
import errno
import hashlib
import io
import os
import stat
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

import dagster as dg
import polars as pl
from upath import UPath

from real_estate.contracts.house_sales import header_fault
from real_estate.landing_layout import drop_url, folder_url
from real_estate.storage import as_upath, is_local
from real_estate.text import name_list, one_line

MB = 1024 * 1024
# The run tag that carries the drop version a run was started for.
LANDING_VERSION_TAG = "real_estate/landing_version"
HASH_CHUNK = 4 * MB
T = TypeVar("T")


@dataclass(frozen=True)
class LandingFile:
    """An entry directly under `<landing>/house_sales/`, as listed (nothing read yet)."""

    name: str
    # Changes whenever the entry may have changed: inode, size, mtime and ctime locally, the ETag on S3.
    signature: str
    # Why it cannot be a drop (a symlink, a folder), or None for a regular file.
    problem: str | None = None
    # The ETag on S3, the content hash on a local folder; for a non-drop, its signature.
    version: str | None = None
    # How the release before named this file version in its cursor (`name:size-mtime_ns`, `name:etag`).
    legacy_key: str = ""


class NotARegularFile(OSError):
    """A landing entry that is a FIFO, a device or a folder: never read."""


def open_regular(path: str) -> BinaryIO:
    """A landing file opened for reading, refusing symlinks (ELOOP) and anything not a regular file.

    O_NONBLOCK: opening a FIFO named like a drop must not hang the sensor or a run.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise NotARegularFile(f"{path} is not a regular file")
    return os.fdopen(descriptor, "rb")


def why_unreadable(error: OSError) -> str:
    """An open that failed, as a reason naming the cause (never the path's target)."""
    if isinstance(error, NotARegularFile):
        return "is not a regular file"
    if error.errno == errno.ELOOP:
        return "is a symbolic link, not a regular file"
    return f"cannot be read ({error.strerror or type(error).__name__})"


def content_version(drop: BinaryIO) -> str:
    """The SHA-256 of a file's bytes, read from its current position in chunks, as a version."""
    digest = hashlib.sha256()
    while chunk := drop.read(HASH_CHUNK):
        digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def _stat_signature(status: os.stat_result) -> str:
    # ctime cannot be set by a producer: a file rewritten in place with an old mtime still moves it.
    return f"{status.st_ino}-{status.st_size}-{status.st_mtime_ns}-{status.st_ctime_ns}"


class LandingZone(dg.ConfigurableResource):
    """A folder or `s3://` prefix holding `house_sales/<YYYY-MM-DD>.csv` drops."""

    url: str
    max_drop_mb: int = 512

    @property
    def folder(self) -> UPath:
        """`<landing>/house_sales`, where the drops are."""
        return as_upath(folder_url(self.url))

    def house_sales_drop(self, day: dt.date) -> UPath:
        """Where the drop for `day` is expected."""
        return as_upath(drop_url(self.url, day))

    def list_files(self, known: Mapping[str, tuple[str, str]] | None = None) -> list[LandingFile]:
        """The entries directly under `house_sales/` (hidden ones aside), each with its version.

        `known` maps names to the signature and version of an earlier listing: a local file whose
        signature holds is not read again. S3 listings are paged; their ETags are the versions.
        """
        folder = self.folder
        if is_local(folder):
            if not folder.exists():
                return []
            entries = [entry for entry in os.scandir(folder.path) if not entry.name.startswith(".")]
            return [_local_file(entry, (known or {}).get(entry.name)) for entry in entries]
        listing = folder.fs.ls(folder.path, detail=True, refresh=True)
        return [_object_file(entry) for entry in listing if not _name(entry).startswith(".")]

    def read_house_sales(self, day: dt.date) -> "HouseSalesDrop":
        """The day's drop, checked and ready to stage in the lake: found, a regular file, within
        the size limit, and a header with the 21 columns of `kc_house_data` (in any order).

        Fails clearly, naming the partition, the file and the line or columns at fault. Its
        version, and the rows being UTF-8 CSV and not ragged, are checked as it streams
        (`HouseSalesDrop.stage`), before anything is published.
        """
        path = self.house_sales_drop(day)
        drop = self._local_drop(day, path) if is_local(path) else self._object_drop(day, path)
        _check_header(day, path, _read(drop, lambda: pl.read_csv(drop.source, infer_schema=False, n_rows=1)))
        return drop

    def _local_drop(self, day: dt.date, path: UPath) -> "HouseSalesDrop":
        """The local drop, its signature read through a descriptor that cannot follow a symlink."""
        with _opened(day, path) as drop:
            status = os.fstat(drop.fileno())
        self._check_size(day, path, status.st_size)
        signature = _stat_signature(status)
        return HouseSalesDrop(day, path, signature, lambda: _hashed(day, path, signature))

    def _object_drop(self, day: dt.date, path: UPath) -> "HouseSalesDrop":
        """The object, its ETag as its version and its signature."""
        if not path.exists():
            raise _missing(day, path)
        info = path.fs.info(path.path, refresh=True)
        self._check_size(day, path, int(info["size"]))
        version = _etag_version(info)
        return HouseSalesDrop(day, path, version, lambda: version)

    def _check_size(self, day: dt.date, path: UPath, size: int) -> None:
        if size > self.max_drop_mb * MB:
            raise _unusable(
                day,
                path,
                f"is {size / MB:,.0f} MB, above the {self.max_drop_mb:,} MB limit for one day's drop "
                "(REAL_ESTATE_MAX_DROP_MB); it was not read. Split the delivery or raise the limit",
            )


def _name(entry: Mapping[str, object]) -> str:
    return str(entry["name"]).rstrip("/").rsplit("/", 1)[-1]


def _local_file(entry: os.DirEntry, known: tuple[str, str] | None) -> LandingFile:
    """A local entry with its version: its content hash, reused while its signature holds."""
    try:
        status = entry.stat(follow_symlinks=False)
    except OSError as error:  # gone between the listing and now: seen again at the next evaluation
        return LandingFile(entry.name, "gone", why_unreadable(error), "gone")
    signature = _stat_signature(status)
    legacy_key = f"{entry.name}:{status.st_size}-{status.st_mtime_ns}"
    if stat.S_ISLNK(status.st_mode) or not stat.S_ISREG(status.st_mode):
        problem = "is a symbolic link, not a regular file" if stat.S_ISLNK(status.st_mode) else None
        return LandingFile(
            entry.name, signature, problem or "is not a regular file", f"entry:{signature}", legacy_key
        )
    if known and known[0] == signature:
        return LandingFile(entry.name, signature, None, known[1], legacy_key)
    try:
        with open_regular(entry.path) as drop:
            version = content_version(drop)
    except OSError as error:
        return LandingFile(entry.name, signature, why_unreadable(error), f"entry:{signature}", legacy_key)
    return LandingFile(entry.name, signature, None, version, legacy_key)


def _object_file(entry: Mapping[str, object]) -> LandingFile:
    if entry.get("type") == "directory":
        return LandingFile(
            _name(entry), "prefix", "is a folder; only objects directly under house_sales/ count", "prefix"
        )
    version = _etag_version(entry)
    return LandingFile(_name(entry), version, version=version, legacy_key=f"{_name(entry)}:{version[5:]}")


def _etag_version(info: Mapping[str, object]) -> str:
    return f"etag:{str(info.get('ETag') or info.get('etag') or '').strip(chr(34))}"


@dataclass(frozen=True)
class HouseSalesDrop:
    """A day's drop whose size and header were checked: its rows lazily, and staged as Parquet in
    one stream that fails when the file changed, or is another version than the run's."""

    day: dt.date
    path: UPath
    signature: str
    read_version: Callable[[], str]

    @property
    def source(self) -> str:
        """The drop as polars reads it: a local path or an `s3://` URL."""
        return self.path.path if is_local(self.path) else str(self.path)

    def lazy(self) -> pl.LazyFrame:
        """The drop's rows, every value a string."""
        return pl.scan_csv(self.source, infer_schema=False)

    def stage(self, target: str, expected_version: str | None = None) -> str:
        """Stream the drop to Parquet at `target` while its version is read; return the version
        once the file is known unchanged and, given `expected_version`, to be that version.

        The content hash runs beside the stream (a second reader of the same bytes), so it costs
        no extra pass.
        """
        with ThreadPoolExecutor(max_workers=1) as hasher:
            version = hasher.submit(self.read_version)
            _read(self, lambda: archive(self.lazy(), target))
            read = version.result()
        if current_signature(self.path) != self.signature:
            raise _changed_while_read(self.day, self.path)
        _check_version(self.day, self.path, read, expected_version)
        return read


def archive(rows: pl.LazyFrame, target: str) -> None:
    """Stream a drop's rows, every value a string, to the Parquet file bronze keeps.

    An archive of strings that is only ever read whole: zstd's fastest level compresses it as well
    as the default here, and no reader filters on column statistics.
    """
    rows.sink_parquet(target, compression_level=1, statistics=False)


def _opened(day: dt.date, path: UPath) -> BinaryIO:
    """The local drop opened for reading; O_NOFOLLOW: a symlink in the landing folder must never
    lead anywhere else on the machine."""
    try:
        return open_regular(path.path)
    except FileNotFoundError:
        raise _missing(day, path) from None
    except OSError as error:
        raise _unusable(day, path, f"{why_unreadable(error)}; it was not read") from error


def _hashed(day: dt.date, path: UPath, signature: str) -> str:
    """The content hash of the local drop, read through a descriptor of the file with `signature`."""
    with _opened(day, path) as drop:
        if _stat_signature(os.fstat(drop.fileno())) != signature:  # swapped for another file
            raise _changed_while_read(day, path)
        return content_version(drop)


def current_signature(path: UPath) -> str:
    """What changes whenever the drop at `path` may have: its lstat signature, or its ETag on S3."""
    if is_local(path):
        return _stat_signature(os.stat(path.path, follow_symlinks=False))
    return _etag_version(path.fs.info(path.path, refresh=True))


def _read(drop: HouseSalesDrop, read: Callable[[], T]) -> T:
    """`read()`, with polars' parse errors turned into a clear failure naming the drop."""
    try:
        return read()
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
        # Not chained: polars' message quotes the field it choked on, whole, and the event log
        # would keep it; the failure says why, bounded.
        raise _unusable(drop.day, drop.path, _unreadable(drop.path, error)) from None


def _check_header(day: dt.date, path: UPath, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        raise _unusable(day, path, f"has a header but no rows (columns: {name_list(frame.columns)})")
    fault = header_fault(frame.columns)
    if fault:
        raise _unusable(day, path, f"has a header (line 1) that {fault}")


def _check_version(day: dt.date, path: UPath, version: str, expected_version: str | None) -> None:
    if expected_version and version != expected_version:
        raise _unusable(
            day,
            path,
            f"is version {version}, not {expected_version} that this run was started for: it was "
            "replaced after the landing sensor saw it. The sensor starts a run for the new version once "
            "it stays unchanged",
        )


def _missing(day: dt.date, path: UPath) -> dg.Failure:
    return dg.Failure(
        description=(
            f"No house-sales drop for partition {day}: expected {path}. Write one with "
            f"`real-estate-sample --start {day}` or wait for the day's delivery."
        ),
        allow_retries=False,
    )


def _changed_while_read(day: dt.date, path: UPath) -> dg.Failure:
    return _unusable(
        day,
        path,
        "changed while it was read (a producer still writing it?). The landing sensor starts a run "
        "for the new version once it stays unchanged",
    )


def _unreadable(path: UPath, error: Exception) -> str:
    """Why polars could not read the drop, bounded, with the first ragged line when that is the cause
    (or the first line whose field is too long to look at)."""
    reason = f"cannot be read as UTF-8 CSV: {one_line(str(error))}"
    records = None
    try:
        drop = open_regular(path.path) if is_local(path) else path.open("rb")
        with io.TextIOWrapper(drop, encoding="utf-8", newline="") as text:
            records = csv.reader(text)
            header = next(records, [])
            for record in records:
                if len(record) > len(header):
                    return (
                        f"has {len(record)} fields on line {records.line_num}, more than the "
                        f"{len(header)} columns of its header (an unquoted comma, e.g. a thousands "
                        "separator?)"
                    )
    except csv.Error as csv_error:
        if records is not None and records.line_num:
            # Past csv's field size limit, counting the line's fields would mean holding the field.
            what = (
                f"has a field over {csv.field_size_limit():,} characters"
                if "field limit" in str(csv_error)
                else one_line(str(csv_error))
            )
            return f"{reason} (line {records.line_num} {what})"
    except (OSError, UnicodeDecodeError):
        pass
    return reason


def _unusable(day: dt.date, path: UPath, problem: str) -> dg.Failure:
    """A clear, non-retryable error naming the partition and the file; nothing is written."""
    return dg.Failure(
        description=f"bronze/house_sales [{day}]: the drop {path} {problem}. Nothing was written.",
        allow_retries=False,
    )
