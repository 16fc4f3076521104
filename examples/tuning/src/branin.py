"""A cheap objective for hyperparameter tuning, as a SageMaker script-mode training program.

Branin's function of the hyperparameters x1 (in [-5, 10]) and x2 (in [0, 15]), a standard test
function of tuners: its minimum, 0.397887, is at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475).
Each "epoch" prints `objective: <value>`, a value that falls towards Branin's as the epochs go on
(as a training loss would: early stopping has intermediate values to judge), and the last line is
the final value, which the tuning job's MetricDefinitions read. `--noise` adds Gaussian noise of
that standard deviation to every value (seeded by `--seed`). Standard library only: any python3.
"""

import argparse
import json
import math
import os
import random
import time


def branin(x1, x2):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--x1", type=float, required=True)
    p.add_argument("--x2", type=float, required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--noise", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seconds-per-epoch", type=float, default=0.0)
    p.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "."))
    args, _ = p.parse_known_args()

    rng = random.Random(args.seed)
    target = branin(args.x1, args.x2)
    value = target
    for epoch in range(1, args.epochs + 1):
        time.sleep(args.seconds_per_epoch)
        # From target + 10 at the first epoch down to the target at the last.
        value = target + 10.0 * (args.epochs - epoch) / max(1, args.epochs - 1) + rng.gauss(0, args.noise)
        print(f"epoch {epoch}/{args.epochs}: objective: {value:.6f}", flush=True)
    print(f"final objective: {value:.6f}", flush=True)

    with open(os.path.join(args.model_dir, "model.json"), "w") as f:
        json.dump({"x1": args.x1, "x2": args.x2, "objective": value}, f)


if __name__ == "__main__":
    main()
