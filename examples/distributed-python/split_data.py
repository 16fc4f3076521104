"""Split examples/tabular-ts/data/train/train.csv into 8 shard files (round-robin rows), so that
ShardedByS3Key has files to give each host. Run from the repository root:
    python3 examples/distributed-python/split_data.py
"""
import os

SOURCE = "examples/tabular-ts/data/train/train.csv"
TARGET = "examples/distributed-python/data/train"
SHARDS = 8

with open(SOURCE) as f:
    header, *rows = f.read().strip().split("\n")
os.makedirs(TARGET, exist_ok=True)
for i in range(SHARDS):
    with open(os.path.join(TARGET, f"part-{i}.csv"), "w") as out:
        out.write("\n".join([header] + rows[i::SHARDS]) + "\n")
print(f"{len(rows)} rows into {SHARDS} shards under {TARGET}")
