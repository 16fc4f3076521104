import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { detectHostFacts } from "./host-facts.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A PATH of one temporary directory holding these executables (name -> shell script body). */
function pathWith(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "optml-host-facts-"));
  dirs.push(dir);
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe("detectHostFacts", () => {
  it("counts GPUs, Neuron cores and the smddp launchers from the tools on PATH", () => {
    const PATH = pathWith({
      "nvidia-smi": 'test "$1" = --list-gpus || exit 9\necho "GPU 0: NVIDIA H100 (UUID: GPU-a)"\necho "GPU 1: NVIDIA H100 (UUID: GPU-b)"',
      "neuron-ls": 'test "$1" = -j || exit 9\necho \'[{"nc_count": 2}, {"nc_count": 2}]\'',
      smddprun: "exit 0",
    });
    const facts = detectHostFacts({ PATH });
    expect(facts).toMatchObject({ numGpus: 2, numNeurons: 4, smddprunInstalled: true, smddpmprunInstalled: false });
    expect(facts.numCpus).toBeGreaterThan(0);
  });

  it("counts 0 GPUs when nvidia-smi is missing or fails", () => {
    expect(detectHostFacts({ PATH: pathWith({}) }).numGpus).toBe(0);
    expect(detectHostFacts({ PATH: pathWith({ "nvidia-smi": 'echo "GPU 0: x"; exit 6' }) }).numGpus).toBe(0);
  });
});

describe("OPTML_NUM_CPUS / OPTML_NUM_GPUS (what optml's executor gave a simulated instance)", () => {
  it("win over the machine's CPUs and nvidia-smi's GPUs", () => {
    const PATH = pathWith({ "nvidia-smi": 'echo "GPU 0: A (UUID: GPU-0)"; echo "GPU 1: A (UUID: GPU-1)"' });
    expect(detectHostFacts({ PATH, OPTML_NUM_CPUS: "3", OPTML_NUM_GPUS: "1" })).toMatchObject({ numCpus: 3, numGpus: 1 });
    expect(detectHostFacts({ PATH, OPTML_NUM_GPUS: "0" })).toMatchObject({ numGpus: 0 });
  });

  it("are ignored unless whole numbers (CPUs > 0): the machine's counts then", () => {
    const PATH = pathWith({ "nvidia-smi": 'echo "GPU 0: A (UUID: GPU-0)"' });
    const machine = detectHostFacts({ PATH });
    expect(detectHostFacts({ PATH, OPTML_NUM_CPUS: "0", OPTML_NUM_GPUS: "two" })).toMatchObject({ numCpus: machine.numCpus, numGpus: 1 });
  });
});
