"""A SageMaker script-mode training program, written the way SageMaker Python SDK users write one.

It predicts machine failures from sensor readings with logistic regression (the same task and
algorithm as examples/tabular-ts), using the standard library only. Hyperparameters arrive as
command-line arguments; the channels, the model dir and the output data dir come from SM_*
environment variables, with argparse defaults as in the SDK's documentation.
"""

import argparse
import csv
import json
import math
import os


def read_channel(directory):
    """Every .csv file of a channel directory, as (columns, rows of floats)."""
    files = sorted(f for f in os.listdir(directory) if f.endswith(".csv"))
    if not files:
        raise SystemExit(f"no .csv files in {directory}")
    columns, rows = None, []
    for name in files:
        with open(os.path.join(directory, name), newline="") as f:
            reader = csv.reader(f)
            header = [c.strip() for c in next(reader)]
            if columns is None:
                columns = header
            elif header != columns:
                raise SystemExit(f"{name} has columns {header}, not {columns}")
            rows.extend([float(v) for v in row] for row in reader if row)
    return columns, rows


def split(columns, rows, features, label):
    at = [columns.index(f) for f in features]
    y_at = columns.index(label)
    return [[r[i] for i in at] for r in rows], [r[y_at] for r in rows]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def predict(model, row):
    z = model["bias"]
    for j, v in enumerate(row):
        z += model["weights"][j] * ((v - model["mean"][j]) / model["std"][j])
    return sigmoid(z)


def evaluate(model, x, y):
    loss, correct = 0.0, 0
    for row, target in zip(x, y):
        p = min(1 - 1e-12, max(1e-12, predict(model, row)))
        loss -= target * math.log(p) + (1 - target) * math.log(1 - p)
        correct += (1 if p >= 0.5 else 0) == target
    return loss / len(x), correct / len(x)


def fit(x, y, features, label, epochs, learning_rate, l2, on_epoch):
    n, d = len(x), len(features)
    mean = [sum(r[j] for r in x) / n for j in range(d)]
    std = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in x) / n) or 1.0 for j in range(d)]
    z = [[(v - mean[j]) / std[j] for j, v in enumerate(r)] for r in x]
    weights, bias = [0.0] * d, 0.0

    def snapshot():
        return {
            "format": "optml-example/logistic-regression@1",
            "features": list(features),
            "label": label,
            "mean": mean,
            "std": std,
            "weights": list(weights),
            "bias": bias,
        }

    for epoch in range(1, epochs + 1):
        grad_w, grad_b = [0.0] * d, 0.0
        for i in range(n):
            s = bias
            for j in range(d):
                s += weights[j] * z[i][j]
            error = sigmoid(s) - y[i]
            for j in range(d):
                grad_w[j] += error * z[i][j]
            grad_b += error
        for j in range(d):
            weights[j] -= learning_rate * (grad_w[j] / n + l2 * weights[j])
        bias -= learning_rate * grad_b / n
        on_epoch(epoch, snapshot())
    return snapshot()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    # Hyperparameters, passed by SageMaker as --name value.
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=1.0)
    parser.add_argument("--l2", type=float, default=0.001)
    parser.add_argument("--label", type=str, default="failure")
    # Where SageMaker puts things.
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--output-data-dir", type=str, default=os.environ.get("SM_OUTPUT_DATA_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", type=str, default=os.environ.get("SM_CHANNEL_VALIDATION"))
    args, _ = parser.parse_known_args()

    columns, train_rows = read_channel(args.train)
    val_columns, val_rows = read_channel(args.validation)
    features = [c for c in columns if c != args.label]
    train_x, train_y = split(columns, train_rows, features, args.label)
    val_x, val_y = split(val_columns, val_rows, features, args.label)
    print(f"{len(train_x)} training rows, {len(val_x)} validation rows, features: {', '.join(features)}")
    print(f"epochs={args.epochs} learning-rate={args.learning_rate} l2={args.l2}")

    def report(epoch, model):
        t_loss, t_acc = evaluate(model, train_x, train_y)
        v_loss, v_acc = evaluate(model, val_x, val_y)
        print(
            f"epoch={epoch} train_loss={t_loss:.4f} train_accuracy={t_acc:.4f} "
            f"validation_loss={v_loss:.4f} validation_accuracy={v_acc:.4f}"
        )

    model = fit(train_x, train_y, features, args.label, args.epochs, args.learning_rate, args.l2, report)

    os.makedirs(args.model_dir, exist_ok=True)
    with open(os.path.join(args.model_dir, "model.json"), "w") as f:
        json.dump(model, f, indent=2)
    v_loss, v_acc = evaluate(model, val_x, val_y)
    if args.output_data_dir:
        os.makedirs(args.output_data_dir, exist_ok=True)
        with open(os.path.join(args.output_data_dir, "metrics.json"), "w") as f:
            json.dump({"validation": {"loss": v_loss, "accuracy": v_acc}}, f, indent=2)
    print(f"saved {os.path.join(args.model_dir, 'model.json')}: validation accuracy {v_acc:.4f}")
