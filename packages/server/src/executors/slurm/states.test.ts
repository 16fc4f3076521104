import { describe, expect, it } from "vitest";
import { isTerminal, nodeDownReason, parseSacct, parseSqueue, queueMessage, slurmEndReason, vanishedReason } from "./states.js";

describe("Slurm's job states", () => {
  it("reads squeue's and sacct's lines", () => {
    expect(parseSqueue("12|PENDING|Resources|\n13|RUNNING|None|n[1-3]\n")).toEqual([
      { id: "12", state: "PENDING", reason: "Resources", nodes: "" },
      { id: "13", state: "RUNNING", reason: "None", nodes: "n[1-3]" },
    ]);
    expect(parseSacct("14|CANCELLED by 0|None|n1\n")).toEqual([{ id: "14", state: "CANCELLED", reason: "None", nodes: "n1" }]);
  });

  it("quotes Slurm's reason while a job waits, and says when it can never start as asked", () => {
    expect(queueMessage({ id: "1", state: "PENDING", reason: "Resources", nodes: "" })).toBe("Waiting in the Slurm queue (Resources)");
    expect(queueMessage({ id: "1", state: "PENDING", reason: "None", nodes: "" })).toBe("Waiting in the Slurm queue (Priority)");
    expect(queueMessage({ id: "1", state: "PENDING", reason: "PartitionTimeLimit", nodes: "" })).toMatch(/^Waiting in the Slurm queue \(PartitionTimeLimit\): Slurm says the job cannot start/);
  });

  it("names Slurm's state in the FailureReason of every end Slurm decided, and none for the program's own", () => {
    const end = (state: string, reason = "None") => slurmEndReason({ id: "7", state, reason, nodes: "n1" });
    expect(end("NODE_FAIL")).toMatch(/^InternalServerError: a node of Slurm job 7 failed \(Slurm state NODE_FAIL\)/);
    expect(end("PREEMPTED")).toMatch(/^CapacityError: .*PREEMPTED/);
    expect(end("CANCELLED")).toMatch(/^ClientError: Slurm job 7 was cancelled outside optml \(Slurm state CANCELLED\)/);
    expect(end("TIMEOUT", "TimeLimit")).toMatch(/^ClientError: .*time limit \(Slurm state TIMEOUT, reason TimeLimit\)/);
    expect(end("OUT_OF_MEMORY")).toMatch(/^AlgorithmError: .*OUT_OF_MEMORY/);
    expect(end("COMPLETED")).toBeUndefined();
    expect(end("FAILED")).toBeUndefined();
    expect(end("RUNNING")).toBeUndefined();
    expect(vanishedReason("7")).toMatch(/^InternalServerError: Slurm job 7 vanished/);
    // srun gave up on a dead node before slurmctld ended the job as NODE_FAIL.
    expect(nodeDownReason({ id: "7", state: "FAILED", reason: "NonZeroExitCode", nodes: "n[1-2]" }, ["n2"])).toBe(
      "InternalServerError: a node of Slurm job 7 failed (Slurm holds n2 as down; the job ended FAILED); the hosts on it are gone",
    );
    expect(["COMPLETED", "NODE_FAIL", "TIMEOUT"].every(isTerminal)).toBe(true);
    expect(["PENDING", "RUNNING", "COMPLETING", "CONFIGURING"].some(isTerminal)).toBe(false);
  });
});
