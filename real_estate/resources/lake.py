"""The datalake: one Parquet file per asset partition, on a local folder or S3, written atomically.

Built on Dagster's own `UPathIOManager` (dagster-polars fails on polars 2.x; see README):
`<lake>/<layer>/<asset>/<YYYY-MM-DD>.parquet`.

Large outputs are not held in memory: silver and gold stream theirs to a staged Parquet file outside
the lake, audit it (silver counts its rules in the very pass that writes the file), and only then
hand it to the IO manager, which publishes that very file (write-audit-publish, without writing it
twice). Bronze stages the drop the same way.
"""

import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import dagster as dg
import polars as pl
from dagster._core.storage.upath_io_manager import escape_dotdot_segments
from upath import UPath

from real_estate.storage import as_upath, is_local, publish_atomically


class SelfWriting(Protocol):
    """A value that writes itself to the lake: its rows lazily, and `write(path)` as Parquet."""

    def lazy(self) -> pl.LazyFrame: ...

    def write(self, path: str) -> None: ...


@dataclass(frozen=True)
class StagedParquet:
    """A Parquet file written outside the lake, to be audited and then published as an asset's value."""

    path: Path

    def lazy(self) -> pl.LazyFrame:
        """The staged rows, scanned lazily (as `DataFrame.lazy()` gives a frame's)."""
        return pl.scan_parquet(self.path)

    def rows(self) -> int:
        """How many rows were staged (from the file's footer)."""
        return self.lazy().select(pl.len()).collect().item()

    def write(self, path: str) -> None:
        """Move the staged file to `path` (a rename on the same file system), touched: a temporary
        file is judged abandoned by how long nothing wrote to it."""
        shutil.move(self.path, path)
        os.utime(path)


@dataclass(frozen=True)
class StoredPartition:
    """A partition the lake already holds, handed back as an asset's value: its file is not written
    again (e.g. a kept parks snapshot, which must keep its bytes and its modification time)."""

    frame: pl.DataFrame

    def lazy(self) -> pl.LazyFrame:
        """The stored rows (as `DataFrame.lazy()` gives a frame's)."""
        return self.frame.lazy()


class PolarsParquetIOManager(dg.UPathIOManager):
    """Writes polars frames as Parquet (atomically) and loads them back as lazy frames."""

    extension = ".parquet"

    def make_safe_partition_path(self, base_path: UPath, partition: str) -> UPath:
        return base_path / escape_dotdot_segments(partition.lstrip("/"))

    def dump_to_path(
        self,
        context: dg.OutputContext,
        obj: pl.DataFrame | pl.LazyFrame | SelfWriting | StoredPartition,
        path: UPath,
    ) -> None:
        if isinstance(obj, StoredPartition):
            return
        if isinstance(obj, pl.DataFrame):
            publish_atomically(path, lambda tmp: obj.write_parquet(tmp))
        elif isinstance(obj, pl.LazyFrame):
            publish_atomically(path, lambda tmp: obj.sink_parquet(tmp))
        else:
            publish_atomically(path, obj.write)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pl.LazyFrame:
        # Scans are lazy: check now, so a missing partition is found (or skipped) at load time.
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist")
        return pl.scan_parquet(path.path if is_local(path) else str(path))

    def partition_path(self, asset_key: dg.AssetKey, partition: str) -> UPath:
        """Where the lake keeps one partition of an asset (the path a load of it would read)."""
        folder = self._base_path.joinpath(*asset_key.path)
        return self._with_extension(self.make_safe_partition_path(folder, partition))

    def make_directory(self, path: UPath) -> None:
        # Object stores have no directories, and local ones are made by the atomic write.
        return None

    def stored_partitions(self, key: dg.AssetKey) -> list[str]:
        """The partitions of `key` with a published file, from one listing of its folder."""
        folder = self._base_path.joinpath(*key.path)
        if not folder.exists():
            return []
        names = (path.name for path in folder.iterdir())
        return sorted(
            name.removesuffix(self.extension)
            for name in names
            if name.endswith(self.extension) and not name.startswith(".")
        )

    def read_partition(self, key: dg.AssetKey, partition: str) -> tuple[pl.DataFrame, str] | None:
        """One partition's frame and the SHA-256 of its file (read once, so both describe one
        version), or None when the lake has no such partition."""
        path = self.partition_path(key, partition)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            return None
        return pl.read_parquet(io.BytesIO(content)), hashlib.sha256(content).hexdigest()


class LakeIOManager(dg.ConfigurableIOManagerFactory):
    """The datalake root: a local folder or an `s3://bucket/prefix` URL."""

    base_url: str

    def create_io_manager(self, context: dg.InitResourceContext) -> PolarsParquetIOManager:
        return PolarsParquetIOManager(base_path=as_upath(self.base_url))
