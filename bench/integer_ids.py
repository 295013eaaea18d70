#!/usr/bin/env python3
"""Copies a shop with its user, session and account ids rewritten as
integers, to measure what grouping on integer keys would change.

    bench/integer_ids.py --data DIR --out DIR_INT [--force]

Each id keeps its digits (`u0123456` becomes 123456, the demo shop's
`s00001-001` becomes 1001); the copy is refused unless the rewrite keeps
every table's ids distinct, so that every segment has the same members,
written as numbers. The other columns, row groups and compression are
kept. segql reads integer keys as it reads text keys (LANGUAGE.md §1), so
bench/techniques.py --integer-ids DIR_INT runs the suite on both and
compares the answers with the ids' letters taken off.
"""

import argparse
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ID_COLUMNS = ["user_id", "session_id", "account_id"]


def as_integers(column):
    digits = pc.replace_substring_regex(column, pattern="[^0-9]", replacement="")
    return pc.cast(digits, pa.int64())


def rewrite(source, target):
    reader = pq.ParquetFile(source)
    schema = reader.schema_arrow
    ids = [c for c in ID_COLUMNS if c in schema.names]
    fields = [pa.field(f.name, pa.int64(), f.nullable) if f.name in ids else f for f in schema]
    out_schema = pa.schema(fields)
    seen = {c: (set(), set()) for c in ids}
    with pq.ParquetWriter(target, out_schema, compression="zstd") as writer:
        for group in range(reader.num_row_groups):
            table = reader.read_row_group(group)
            for c in ids:
                index = table.schema.get_field_index(c)
                column = table.column(index)
                converted = as_integers(column)
                seen[c][0].update(pc.unique(column).to_pylist())
                seen[c][1].update(pc.unique(converted).to_pylist())
                table = table.set_column(index, out_schema.field(c), converted)
            writer.write_table(table, row_group_size=table.num_rows)
    for c, (texts, numbers) in seen.items():
        if len(texts) != len(numbers):
            sys.exit(f"{source}: {c} has {len(texts)} distinct ids but {len(numbers)} "
                     "as integers; the rewrite would merge ids")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder with events.parquet and users.parquet")
    p.add_argument("--out", required=True)
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = p.parse_args()
    out = Path(args.out)
    if out.exists():
        if not args.force:
            sys.exit(f"{out} exists; pass --force to replace it")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for source in sorted(Path(args.data).glob("*.parquet")):
        rewrite(source, out / source.name)
        print(f"wrote {out / source.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
