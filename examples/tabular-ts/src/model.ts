/**
 * Logistic regression on numeric CSV tables: reading the data, fitting by full-batch gradient
 * descent on standardized features with L2 regularization, and scoring. No dependencies, so the
 * job's code directory (this folder) runs as it is.
 *
 * The saved model (model.json) is plain JSON that the Python example writes in the same form.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly number[][];
}

export interface LogisticModel {
  readonly format: "optml-example/logistic-regression@1";
  readonly features: readonly string[];
  readonly label: string;
  /** Per feature: x' = (x - mean) / std. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
}

export function parseCsv(text: string, source: string): Table {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  if (!header) throw new Error(`${source}: empty CSV`);
  const columns = header.split(",").map((c) => c.trim());
  const rows = lines.map((line, i) => {
    const cells = line.split(",").map(Number);
    if (cells.length !== columns.length || cells.some(Number.isNaN)) throw new Error(`${source}: line ${i + 2} is not ${columns.length} numbers`);
    return cells;
  });
  return { columns, rows };
}

/** Every .csv file of a channel directory, as one table (they must share a header). */
export function readChannel(dir: string): Table {
  const files = readdirSync(dir).filter((f) => f.endsWith(".csv")).sort();
  if (files.length === 0) throw new Error(`no .csv files in ${dir}`);
  const tables = files.map((f) => parseCsv(readFileSync(join(dir, f), "utf8"), join(dir, f)));
  const columns = tables[0]!.columns;
  for (const [i, t] of tables.entries()) {
    if (t.columns.join(",") !== columns.join(",")) throw new Error(`${files[i]} has columns ${t.columns.join(",")}, not ${columns.join(",")}`);
  }
  return { columns, rows: tables.flatMap((t) => t.rows) };
}

/** Features and labels of a table, in the model's feature order. */
export function split(table: Table, features: readonly string[], label: string): { x: number[][]; y: number[] } {
  const index = (name: string) => {
    const at = table.columns.indexOf(name);
    if (at < 0) throw new Error(`column '${name}' is missing (columns: ${table.columns.join(", ")})`);
    return at;
  };
  const featureAt = features.map(index);
  const labelAt = index(label);
  return { x: table.rows.map((r) => featureAt.map((i) => r[i]!)), y: table.rows.map((r) => r[labelAt]!) };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The probability of the positive class for one row of raw features. */
export function predict(model: LogisticModel, row: readonly number[]): number {
  let z = model.bias;
  for (let j = 0; j < row.length; j++) z += model.weights[j]! * ((row[j]! - model.mean[j]!) / model.std[j]!);
  return sigmoid(z);
}

/** Mean log loss and accuracy (threshold 0.5). */
export function evaluate(model: LogisticModel, x: readonly number[][], y: readonly number[]): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < x.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, predict(model, x[i]!)));
    loss -= y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p);
    if ((p >= 0.5 ? 1 : 0) === y[i]) correct++;
  }
  return { loss: loss / x.length, accuracy: correct / x.length };
}

export interface FitOptions {
  readonly features: readonly string[];
  readonly label: string;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  /** Called after each epoch with the model so far. */
  readonly onEpoch?: (epoch: number, model: LogisticModel) => void;
}

export function fit(x: readonly number[][], y: readonly number[], options: FitOptions): LogisticModel {
  const n = x.length;
  const d = options.features.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / n) || 1);
  const z = x.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
  const weights = new Array<number>(d).fill(0);
  let bias = 0;
  const snapshot = (): LogisticModel => ({
    format: "optml-example/logistic-regression@1",
    features: [...options.features],
    label: options.label,
    mean,
    std,
    weights: [...weights],
    bias,
  });
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const gradW = new Array<number>(d).fill(0);
    let gradB = 0;
    for (let i = 0; i < n; i++) {
      let s = bias;
      for (let j = 0; j < d; j++) s += weights[j]! * z[i]![j]!;
      const error = sigmoid(s) - y[i]!;
      for (let j = 0; j < d; j++) gradW[j]! += error * z[i]![j]!;
      gradB += error;
    }
    for (let j = 0; j < d; j++) weights[j]! -= options.learningRate * (gradW[j]! / n + options.l2 * weights[j]!);
    bias -= (options.learningRate * gradB) / n;
    options.onEpoch?.(epoch, snapshot());
  }
  return snapshot();
}
