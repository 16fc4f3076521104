"""PyTorch DistributedDataParallel training, written for SageMaker's torch_distributed launcher.

SageMaker (and optml) start this script with torchrun on every host
(distribution={"torch_distributed": {"enabled": True}}, i.e. the hyperparameter
sagemaker_torch_distributed_enabled=true): torchrun gives each process RANK, LOCAL_RANK,
WORLD_SIZE, MASTER_ADDR and MASTER_PORT, so the script only calls init_process_group.

It learns to predict machine failures (examples/tabular-ts/data) with a small MLP on CPU (gloo).
Every rank reads the whole `train` channel and trains on its own share of it (DistributedSampler);
DDP averages the gradients, so every rank ends with the same parameters, which it shows as a
checksum. Rank 0 evaluates on the `validation` channel when there is one and saves the model.
"""
import argparse
import csv
import json
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def say(line):
    """One write per line: the ranks of a host share its log, and a print's parts could interleave."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def load(channel_dir):
    rows = []
    for name in sorted(os.listdir(channel_dir)):
        with open(os.path.join(channel_dir, name)) as f:
            rows += [[float(v) for v in row] for row in list(csv.reader(f))[1:]]
    data = torch.tensor(rows)
    return data[:, :-1], data[:, -1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    args = parser.parse_args()

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    host, local_rank = os.environ["SM_CURRENT_HOST"], int(os.environ["LOCAL_RANK"])
    torch.manual_seed(0)

    x, y = load(os.environ["SM_CHANNEL_TRAIN"])
    mean, std = x.mean(0), x.std(0)
    dataset = TensorDataset((x - mean) / std, y)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    say(f"rank {rank}/{world} on {host} (local rank {local_rank}): {len(sampler)} of {len(dataset)} rows")

    model = DistributedDataParallel(torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=args.learning_rate, momentum=0.9)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        total = torch.zeros(2)
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += torch.tensor([loss.item() * len(xb), len(xb)])
        dist.all_reduce(total)  # the epoch's loss over every rank's rows
        if rank == 0 and (epoch % 10 == 9 or epoch == args.epochs - 1):
            say(f"epoch {epoch + 1}: train_loss={total[0] / total[1]:.4f}")

    checksum = sum(p.double().sum().item() for p in model.parameters())
    say(f"rank {rank}: parameter checksum {checksum:.12f}")

    if rank == 0:
        net = model.module
        validation = os.environ.get("SM_CHANNEL_VALIDATION")
        if validation:
            vx, vy = load(validation)
            with torch.no_grad():
                accuracy = ((net((vx - mean) / std) > 0).float() == vy).float().mean().item()
            say(f"validation_accuracy={accuracy:.4f}")
        model_dir = os.environ["SM_MODEL_DIR"]
        torch.save({"state_dict": net.state_dict(), "mean": mean, "std": std}, os.path.join(model_dir, "model.pt"))
        with open(os.path.join(model_dir, "training.json"), "w") as f:
            json.dump({"world_size": world, "hosts": json.loads(os.environ["SM_HOSTS"]), "epochs": args.epochs}, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
