import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planJob } from "../../jobs/plan.js";
import type { CreateTrainingJobRequest } from "../../sagemaker/request.js";
import { containerSpec, jobIds } from "./container.js";
import { holderSpec, LABEL_NETWORK_HOLDER, mountedNode, parseLdd } from "./holder.js";
import { DockerExecutor } from "./index.js";

const req = (extra: Partial<CreateTrainingJobRequest> = {}): CreateTrainingJobRequest => ({
  TrainingJobName: "holder",
  AlgorithmSpecification: { TrainingImage: "my/image:1", TrainingInputMode: "File" },
  RoleArn: "arn:aws:iam::123456789012:role/R",
  OutputDataConfig: { S3OutputPath: "file:///tmp/out" },
  ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 2, VolumeSizeInGB: 1 },
  StoppingCondition: { MaxRuntimeInSeconds: 60 },
  Environment: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000" },
  ...extra,
});
const settings = { region: "us-east-1", accountId: "1", jobsDir: "/tmp/jobs", stopGraceSeconds: 120 };

const LDD = `	linux-vdso.so.1 (0x00007ffd5d9f2000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f0e0c0e0000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0e0be00000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e0bc1e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f0e0c10b000)
`;

describe("network holder", () => {
  it("reads ldd: the libraries by the names the program asks for, and the loader", () => {
    expect(parseLdd(LDD)).toEqual({
      libraries: [
        { name: "libdl.so.2", path: "/lib/x86_64-linux-gnu/libdl.so.2" },
        { name: "libstdc++.so.6", path: "/lib/x86_64-linux-gnu/libstdc++.so.6" },
        { name: "libc.so.6", path: "/lib/x86_64-linux-gnu/libc.so.6" },
      ],
      loader: "/lib64/ld-linux-x86-64.so.2",
    });
    expect(parseLdd("\tnot a dynamic executable\n")).toEqual({ libraries: [], loader: undefined });
  });

  it("mounts this machine's node read-only, run by its own loader from /.optml/lib", () => {
    const node = mountedNode();
    expect(node.binds.every((b) => b.endsWith(":ro") && existsSync(b.split(":")[0]!))).toBe(true);
    expect(node.binds).toContainEqual(expect.stringMatching(/:\/\.optml\/bin\/node:ro$/));
    expect(node.command.slice(1)).toEqual(["--library-path", "/.optml/lib", "/.optml/bin/node"]);
    expect(node.binds).toContainEqual(expect.stringMatching(new RegExp(`:${node.command[0]!.replace(/\./g, "\\.")}:ro$`)));
  });

  it("owns the host's network (job network, hostname and alias algo-N) and runs the forwarder; the host's container joins it", () => {
    const plan = planJob(req(), settings, 1);
    const ids = jobIds(plan, "/home/optml");
    const host = plan.hosts[1]!;
    const node = { binds: ["/usr/bin/node:/.optml/bin/node:ro"], command: ["/.optml/bin/node"] };
    const holder = holderSpec(plan, host, ids, { node, proxyScript: "/srv/proxy.js", loopbackDir: "/state/loopback/abc", forwarderArgs: ["forwarder", "algo-2", "[]"] }) as Record<string, any>;
    expect(holder).toMatchObject({
      Image: "my/image:1",
      Entrypoint: ["/.optml/bin/node", "/.optml/proxy.mjs", "forwarder", "algo-2", "[]"],
      Cmd: [],
      Hostname: "algo-2",
      User: "0:0",
      WorkingDir: "/.optml/loopback",
    });
    expect(holder.Labels).toEqual({ "optml.job": ids.job, "optml.home": ids.home, "optml.job-name": "holder", [LABEL_NETWORK_HOLDER]: "algo-2" });
    expect(holder.HostConfig.Binds).toEqual(["/usr/bin/node:/.optml/bin/node:ro", "/srv/proxy.js:/.optml/proxy.mjs:ro", "/state/loopback/abc:/.optml/loopback"]);
    expect(holder.HostConfig.NetworkMode).toBe(ids.network);
    expect(holder.NetworkingConfig.EndpointsConfig[ids.network].Aliases).toEqual(["algo-2"]);

    const joined = containerSpec(plan, host, ids, { holder: "c0ffee" }) as Record<string, any>;
    expect(joined.HostConfig.NetworkMode).toBe("container:c0ffee");
    expect(joined.Hostname).toBeUndefined();
    expect(joined.NetworkingConfig).toBeUndefined();
    expect(joined.Labels["optml.host"]).toBe("algo-2");
    expect(joined.Env).toContain("AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000");
  });

  it("a host needs one for the loopback endpoints of its container's environment, and none under network isolation", () => {
    const executor = new DockerExecutor({ home: "/tmp/optml-holder-test", baseEnv: { AWS_ENDPOINT_URL_STS: "http://localhost:4566" } });
    const plan = planJob(req(), settings, 1);
    expect(executor.loopbackEndpointsOf(plan, plan.hosts[0]!).map((e) => `${e.host}:${e.port}`).sort()).toEqual(["127.0.0.1:9000", "localhost:4566"]);
    const isolated = planJob(req({ EnableNetworkIsolation: true }), settings, 1);
    expect(executor.loopbackEndpointsOf(isolated, isolated.hosts[0]!)).toEqual([]);
    const remote = planJob(req({ Environment: { AWS_ENDPOINT_URL_S3: "https://s3.us-east-1.amazonaws.com" } }), settings, 1);
    expect(new DockerExecutor({ home: "/tmp/optml-holder-test" }).loopbackEndpointsOf(remote, remote.hosts[0]!)).toEqual([]);
  });
});
