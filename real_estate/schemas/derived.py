"""Pandera models whose columns come from a contract rather than a class body."""

import pandera.polars as pa


def derived_model(
    name: str,
    doc: str,
    columns: dict[str, tuple[object, pa.Field]],
    base: type[pa.DataFrameModel] = pa.DataFrameModel,
    strict: bool | None = None,
) -> type[pa.DataFrameModel]:
    """A pandera model named `name`: `base`'s columns, then `columns` (name: (dtype, field))."""
    namespace: dict[str, object] = {
        "__doc__": doc,
        "__annotations__": {column: dtype for column, (dtype, _) in columns.items()},
        **{column: spec for column, (_, spec) in columns.items()},
    }
    if strict is not None:
        namespace["Config"] = type("Config", (), {"strict": strict})
    return type(name, (base,), namespace)
