import { describe, expect, it } from "vitest";
import { executorDescription, imageNotRunWarning, optmlExecutor, RECORDED_ONLY_IMAGE } from "./description.js";

describe("executorDescription", () => {
  it("says what each executor means for the job", () => {
    expect(executorDescription("process", "x:1")).toEqual({ Name: "process", Description: "local processes" });
    expect(executorDescription("netns", "x:1")).toEqual({ Name: "netns", Description: "local processes, one network namespace per host" });
    expect(executorDescription("docker", "1.dkr.ecr.us-east-1.amazonaws.com/x:1")).toEqual({
      Name: "docker",
      Description: "Docker image 1.dkr.ecr.us-east-1.amazonaws.com/x:1",
    });
  });

  it("is known once the hosts are launched (the executor stored with them)", () => {
    const request = { AlgorithmSpecification: { TrainingImage: "x:1" } };
    expect(optmlExecutor(null, request)).toBeUndefined();
    expect(optmlExecutor({ executor: "docker", hosts: [] }, request)).toEqual({ Name: "docker", Description: "Docker image x:1" });
  });
});

describe("imageNotRunWarning", () => {
  it("names the image and why it was not run", () => {
    expect(imageNotRunWarning("x:1", { reason: "no-engine", socketPath: "/var/run/docker.sock" })).toBe(
      "TrainingImage x:1 was not run: the job runs as local processes with this machine's Python and Node (no Docker engine answers at /var/run/docker.sock); " +
        "to run the image, build or pull it and use the docker executor (optml train --executor docker, or the tag optml:executor=docker)",
    );
    expect(imageNotRunWarning("x:1", { reason: "image-absent" })).toContain("(the Docker engine does not have the image); ");
  });

  it("says nothing without an image, or of the one optml run records", () => {
    expect(imageNotRunWarning(undefined, { reason: "image-absent" })).toBeUndefined();
    expect(imageNotRunWarning(RECORDED_ONLY_IMAGE, { reason: "image-absent" })).toBeUndefined();
  });
});
