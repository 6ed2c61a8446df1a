"""The datalake: one Parquet file per asset partition, on a local folder or S3, written atomically.

Built on Dagster's own `UPathIOManager` (dagster-polars fails on polars 2.x; see README):
`<lake>/<layer>/<asset>/<YYYY-MM-DD>.parquet`.
"""

import hashlib
import io

import dagster as dg
import polars as pl
from dagster._core.storage.upath_io_manager import escape_dotdot_segments
from upath import UPath

from real_estate.storage import as_upath, is_local, publish_atomically


class PolarsParquetIOManager(dg.UPathIOManager):
    """Writes polars frames as Parquet (atomically) and loads them back as lazy frames."""

    extension = ".parquet"

    def make_safe_partition_path(self, base_path: UPath, partition: str) -> UPath:
        return base_path / escape_dotdot_segments(partition.lstrip("/"))

    def dump_to_path(self, context: dg.OutputContext, obj: pl.DataFrame | pl.LazyFrame, path: UPath) -> None:
        if isinstance(obj, pl.LazyFrame):
            publish_atomically(path, lambda tmp: obj.sink_parquet(tmp))
        else:
            publish_atomically(path, lambda tmp: obj.write_parquet(tmp))

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
