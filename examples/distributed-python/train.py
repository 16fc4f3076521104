"""Data-parallel logistic regression across the hosts of a SageMaker training job, in plain
Python sockets (no frameworks), the way distributed code finds its peers on SageMaker:

- the master is `master_hostname` from SM_TRAINING_ENV, ranks follow the sorted host list;
- each host trains on its own shard of the `train` channel (ShardedByS3Key gives disjoint files);
- every epoch, workers send their gradient sums to the master over TCP, the master averages them
  over all rows, steps, and sends the new weights back: full-batch gradient descent, the same
  model as one host on all the data, up to the order of floating-point sums.

Hosts start at different times: workers retry until the master listens.
Run on one host it needs no network at all.
"""
import argparse
import csv
import glob
import json
import math
import os
import socket
import time

PORT = 29500


def load(directory):
    rows = []
    for path in sorted(glob.glob(os.path.join(directory, "**", "*.csv"), recursive=True)):
        with open(path) as f:
            for record in csv.DictReader(f):
                rows.append(([float(record[k]) for k in record if k != "failure"], float(record["failure"])))
    return rows


class Peers:
    """The master's view (a connection per worker) or a worker's (one connection to the master)."""

    def __init__(self, env):
        self.hosts = sorted(env["hosts"])
        self.me = env["current_host"]
        self.master = env["master_hostname"]
        self.rank = self.hosts.index(self.me)
        self.links = []
        if len(self.hosts) == 1:
            return
        if self.me == self.master:
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("0.0.0.0", PORT))
            server.listen()
            while len(self.links) < len(self.hosts) - 1:
                conn, _ = server.accept()
                self.links.append(conn.makefile("rw"))
            server.close()
        else:
            deadline = time.time() + 300
            while True:
                try:
                    conn = socket.create_connection((self.master, PORT), timeout=10)
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.2)
            self.links.append(conn.makefile("rw"))
        print(f"rank {self.rank} of {len(self.hosts)} ({self.me}), master {self.master}", flush=True)

    def allreduce(self, values):
        """Element-wise sum of `values` over every host, known to every host."""
        if len(self.hosts) == 1:
            return values
        if self.me == self.master:
            total = list(values)
            for link in self.links:
                theirs = json.loads(link.readline())
                total = [a + b for a, b in zip(total, theirs)]
            for link in self.links:
                link.write(json.dumps(total) + "\n")
                link.flush()
            return total
        link = self.links[0]
        link.write(json.dumps(values) + "\n")
        link.flush()
        return json.loads(link.readline())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--learning-rate", type=float, default=0.5)
    args = parser.parse_args()

    env = json.loads(os.environ["SM_TRAINING_ENV"])
    peers = Peers(env)
    rows = load(os.environ["SM_CHANNEL_TRAIN"])
    print(f"{env['current_host']}: {len(rows)} rows in its shard", flush=True)
    if not rows:
        raise SystemExit(f"{env['current_host']} got no rows: give the train channel at least as many files as hosts")
    width = len(rows[0][0])

    # Standardise with statistics over all hosts' rows.
    stats = peers.allreduce([float(len(rows))] + [sum(x[i] for x, _ in rows) for i in range(width)]
                            + [sum(x[i] ** 2 for x, _ in rows) for i in range(width)])
    n = stats[0]
    mean = [s / n for s in stats[1:1 + width]]
    std = [math.sqrt(max(q / n - m * m, 1e-12)) for q, m in zip(stats[1 + width:], mean)]
    data = [([(v - m) / s for v, m, s in zip(x, mean, std)], y) for x, y in rows]

    w = [0.0] * width
    b = 0.0
    for epoch in range(1, args.epochs + 1):
        grad = [0.0] * (width + 2)  # d/dw..., d/db, loss
        for x, y in data:
            z = sum(wi * xi for wi, xi in zip(w, x)) + b
            p = 1 / (1 + math.exp(-z))
            for i in range(width):
                grad[i] += (p - y) * x[i]
            grad[width] += p - y
            grad[width + 1] -= y * math.log(max(p, 1e-12)) + (1 - y) * math.log(max(1 - p, 1e-12))
        grad = peers.allreduce(grad)
        w = [wi - args.learning_rate * g / n for wi, g in zip(w, grad)]
        b -= args.learning_rate * grad[width] / n
        if env["current_host"] == peers.master and (epoch % 20 == 0 or epoch == args.epochs):
            print(f"epoch={epoch} train_loss={grad[width + 1] / n:.6f}", flush=True)

    if env["current_host"] == peers.master:
        with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as f:
            json.dump({"weights": w, "bias": b, "mean": mean, "std": std, "rows": n, "hosts": len(peers.hosts)}, f)
        print("model saved", flush=True)


if __name__ == "__main__":
    main()
