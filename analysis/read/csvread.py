"""Read one CSV of a results directory, tolerating what an interrupted or copied run leaves
behind: a missing or empty file, a truncated last line, rows with missing cells. Problems become
warnings (one line each), never exceptions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from memload import names as C

CHUNK_ROWS = 500_000
RowFilter = Callable[[pd.DataFrame], "pd.Series[bool]"]


@dataclass(frozen=True, kw_only=True)
class CsvSpec:
    file_name: str
    numeric: tuple[str, ...] = ()  # read as float64; rows with a missing value here are dropped
    optional_numeric: tuple[str, ...] = ()  # numeric too, but 0 when a file (an older one) lacks it
    categorical: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    with_percentiles: bool = False  # also read Locust's "50%" ... "100%" columns (float32)
    keep_rows: RowFilter | None = None  # applied chunk by chunk, to bound memory

    @property
    def required(self) -> tuple[str, ...]:
        return self.numeric + self.categorical + self.text


@dataclass(kw_only=True)
class CsvResult:
    frame: pd.DataFrame
    percentile_columns: dict[str, float] = field(default_factory=dict)


def _complete_lines(path: Path, warnings: list[str]) -> Path | io.BytesIO | None:
    """The file, or its bytes up to the last newline when the last line was cut off."""
    with path.open("rb") as handle:
        handle.seek(-1, io.SEEK_END)
        if handle.read(1) == b"\n":
            return path
    data = path.read_bytes()
    cut = data.rfind(b"\n")
    if cut < 0:
        warnings.append(f"{path.name}: no complete line (interrupted run?); file ignored")
        return None
    warnings.append(f"{path.name}: truncated last line dropped (interrupted run?)")
    return io.BytesIO(data[: cut + 1])


def _read_header(source: Path | io.BytesIO) -> list[str]:
    if isinstance(source, io.BytesIO):
        first_line = source.getvalue().split(b"\n", 1)[0].decode("utf-8", errors="replace")
        return next(csv.reader([first_line]), [])
    with source.open(newline="", encoding="utf-8", errors="replace") as handle:
        return next(csv.reader(handle), [])


def _dtypes(spec: CsvSpec, percentiles: dict[str, float], numeric: bool) -> dict[str, Any]:
    dtypes: dict[str, Any] = {name: "category" for name in spec.categorical}
    dtypes.update({name: str for name in spec.text})
    if numeric:
        dtypes.update({name: np.float64 for name in spec.numeric})
        dtypes.update({name: np.float32 for name in percentiles})
    return dtypes


def _parse(
    source: Path | io.BytesIO, spec: CsvSpec, percentiles: dict[str, float], numeric: bool
) -> pd.DataFrame:
    if isinstance(source, io.BytesIO):
        source.seek(0)
    usecols = list(spec.required) + list(percentiles)
    reader = pd.read_csv(
        source,
        usecols=usecols,
        dtype=_dtypes(spec, percentiles, numeric),
        na_values=C.NA_VALUES,
        keep_default_na=False,
        on_bad_lines="skip",
        chunksize=CHUNK_ROWS,
        engine="c",
    )
    chunks = [chunk if spec.keep_rows is None else chunk[spec.keep_rows(chunk)] for chunk in reader]
    if not chunks:
        return pd.DataFrame({name: pd.Series(dtype=float) for name in usecols})
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    for name in spec.categorical:  # concat of differing categories falls back to object
        frame[name] = frame[name].astype("category")
    if not numeric:
        for name in list(spec.numeric) + list(percentiles):
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def _drop_incomplete(frame: pd.DataFrame, spec: CsvSpec, warnings: list[str]) -> pd.DataFrame:
    if not spec.numeric:
        return frame.reset_index(drop=True)
    complete = frame[list(spec.numeric)].notna().all(axis=1)
    dropped = int((~complete).sum())
    if dropped:
        warnings.append(f"{spec.file_name}: {dropped} row(s) with missing or non-numeric cells ignored")
        frame = frame[complete]
    return frame.reset_index(drop=True)


def read_csv(run_dir: Path, spec: CsvSpec, warnings: list[str]) -> CsvResult | None:
    """Read ``spec.file_name`` from ``run_dir``; None (and a warning) when it is unusable."""
    path = run_dir / spec.file_name
    if not path.is_file():
        warnings.append(f"{spec.file_name}: missing; figures and plots from it are absent")
        return None
    if path.stat().st_size == 0:
        warnings.append(f"{spec.file_name}: empty file; figures and plots from it are absent")
        return None
    source = _complete_lines(path, warnings)
    if source is None:
        return None
    header = _read_header(source)
    missing = [name for name in spec.required if name not in header]
    if missing:
        warnings.append(f"{spec.file_name}: missing column(s) {', '.join(missing)}; file ignored")
        return None
    percentiles = C.percentile_columns(header) if spec.with_percentiles else {}
    absent = [name for name in spec.optional_numeric if name not in header]
    spec = replace(spec, numeric=spec.numeric + tuple(n for n in spec.optional_numeric if n in header))
    try:
        try:
            frame = _parse(source, spec, percentiles, numeric=True)
        except ValueError:  # a non-numeric cell in a numeric column: coerce, then drop the row
            frame = _parse(source, spec, percentiles, numeric=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        warnings.append(f"{spec.file_name}: unreadable ({first_line}); file ignored")
        return None
    frame = _drop_incomplete(frame, spec, warnings)
    for name in absent:
        frame[name] = 0.0
    return CsvResult(frame=frame, percentile_columns=percentiles)
