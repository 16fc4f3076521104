"""A SageMaker processing script: reads CSV rows from its input at /opt/ml/processing/input/raw,
splits them into train and test sets (every --test-every-th row is a test row), and writes them to
/opt/ml/processing/train and /opt/ml/processing/test, which the job uploads. Standard library only."""

import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--test-every", type=int, default=5)
args = parser.parse_args()

raw = "/opt/ml/processing/input/raw"
with open("/opt/ml/config/resourceconfig.json") as f:
    host = json.load(f)["current_host"]
rows = []
for name in sorted(os.listdir(raw)):
    with open(os.path.join(raw, name)) as f:
        lines = f.read().splitlines()
    rows += lines[1:]  # each file starts with a header
print(f"{host}: read {len(rows)} rows from {raw}", flush=True)

train = [r for i, r in enumerate(rows) if (i + 1) % args.test_every != 0]
test = [r for i, r in enumerate(rows) if (i + 1) % args.test_every == 0]
for split, part in (("train", train), ("test", test)):
    out = f"/opt/ml/processing/{split}"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{split}.csv"), "w") as f:
        f.write("\n".join(part) + "\n")
    print(f"{host}: wrote {len(part)} rows to {out}/{split}.csv", flush=True)

with open("/opt/ml/output/message", "w") as f:
    f.write(f"{len(train)} train rows, {len(test)} test rows")
