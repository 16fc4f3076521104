/**
 * What each ml.* instance type offers: vCPUs, memory (GiB) and NVIDIA GPUs, from AWS's published
 * EC2 specifications of the instance each ml.* type runs on. `optml serve --instance-resources
 * enforce` gives a host these (capped at what the machine has, see executors/resources.ts), and
 * every job on a machine with GPUs gets as many GPUs as its type has. A type not listed here gets
 * no limit (and a warning).
 */

export interface InstanceSpec {
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
}

type Row = readonly [size: string, vcpus: number, memoryGiB: number, gpus?: number];

/** The sizes of one family: `ml.<family>.<size>`. */
function family(name: string, rows: readonly Row[]): [string, InstanceSpec][] {
  return rows.map(([size, vcpus, memoryGiB, gpus = 0]) => [`ml.${name}.${size}`, { vcpus, memoryGiB, gpus }]);
}

// General purpose: 4 GiB per vCPU (m4: 4, t3: burstable, t3.medium 2 vCPUs / 4 GiB).
const M6I: Row[] = [["large", 2, 8], ["xlarge", 4, 16], ["2xlarge", 8, 32], ["4xlarge", 16, 64], ["8xlarge", 32, 128], ["12xlarge", 48, 192], ["16xlarge", 64, 256], ["24xlarge", 96, 384], ["32xlarge", 128, 512]];
const M7I: Row[] = [...M6I.slice(0, 8), ["48xlarge", 192, 768]];
// Compute optimised: 2 GiB per vCPU.
const C6I: Row[] = [["large", 2, 4], ["xlarge", 4, 8], ["2xlarge", 8, 16], ["4xlarge", 16, 32], ["8xlarge", 32, 64], ["12xlarge", 48, 96], ["16xlarge", 64, 128], ["24xlarge", 96, 192], ["32xlarge", 128, 256]];
const C7I: Row[] = [...C6I.slice(0, 8), ["48xlarge", 192, 384]];
// Memory optimised: 8 GiB per vCPU.
const R5: Row[] = [["large", 2, 16], ["xlarge", 4, 32], ["2xlarge", 8, 64], ["4xlarge", 16, 128], ["8xlarge", 32, 256], ["12xlarge", 48, 384], ["16xlarge", 64, 512], ["24xlarge", 96, 768]];
const R7I: Row[] = [...R5, ["48xlarge", 192, 1536]];
// G5 and G6: one GPU up to 16xlarge; 12xlarge and 24xlarge have 4, 48xlarge 8.
const G5: Row[] = [["xlarge", 4, 16, 1], ["2xlarge", 8, 32, 1], ["4xlarge", 16, 64, 1], ["8xlarge", 32, 128, 1], ["16xlarge", 64, 256, 1], ["12xlarge", 48, 192, 4], ["24xlarge", 96, 384, 4], ["48xlarge", 192, 768, 8]];

/** The specifications by instance type. */
export const INSTANCE_SPECS: ReadonlyMap<string, InstanceSpec> = new Map([
  ...family("t3", [["medium", 2, 4], ["large", 2, 8], ["xlarge", 4, 16], ["2xlarge", 8, 32]]),
  ...family("m4", [["xlarge", 4, 16], ["2xlarge", 8, 32], ["4xlarge", 16, 64], ["10xlarge", 40, 160], ["16xlarge", 64, 256]]),
  ...family("m5", [["large", 2, 8], ["xlarge", 4, 16], ["2xlarge", 8, 32], ["4xlarge", 16, 64], ["12xlarge", 48, 192], ["24xlarge", 96, 384]]),
  ...family("m6i", M6I),
  ...family("m7i", M7I),
  ...family("c4", [["xlarge", 4, 7.5], ["2xlarge", 8, 15], ["4xlarge", 16, 30], ["8xlarge", 36, 60]]),
  ...family("c5", [["large", 2, 4], ["xlarge", 4, 8], ["2xlarge", 8, 16], ["4xlarge", 16, 32], ["9xlarge", 36, 72], ["18xlarge", 72, 144]]),
  ...family("c5n", [["large", 2, 5.25], ["xlarge", 4, 10.5], ["2xlarge", 8, 21], ["4xlarge", 16, 42], ["9xlarge", 36, 96], ["18xlarge", 72, 192]]),
  ...family("c6i", C6I),
  ...family("c7i", C7I),
  ...family("r5", R5),
  ...family("r5d", R5),
  ...family("r7i", R7I),
  ...family("g4dn", [["xlarge", 4, 16, 1], ["2xlarge", 8, 32, 1], ["4xlarge", 16, 64, 1], ["8xlarge", 32, 128, 1], ["12xlarge", 48, 192, 4], ["16xlarge", 64, 256, 1]]),
  ...family("g5", G5),
  ...family("g6", G5),
  ...family("g6e", [["xlarge", 4, 32, 1], ["2xlarge", 8, 64, 1], ["4xlarge", 16, 128, 1], ["8xlarge", 32, 256, 1], ["16xlarge", 64, 512, 1], ["12xlarge", 48, 384, 4], ["24xlarge", 96, 768, 4], ["48xlarge", 192, 1536, 8]]),
  ...family("p2", [["xlarge", 4, 61, 1], ["8xlarge", 32, 488, 8], ["16xlarge", 64, 732, 16]]),
  ...family("p3", [["2xlarge", 8, 61, 1], ["8xlarge", 32, 244, 4], ["16xlarge", 64, 488, 8]]),
  ...family("p3dn", [["24xlarge", 96, 768, 8]]),
  ...family("p4d", [["24xlarge", 96, 1152, 8]]),
  ...family("p4de", [["24xlarge", 96, 1152, 8]]),
  ...family("p5", [["4xlarge", 16, 256, 1], ["48xlarge", 192, 2048, 8]]),
  ...family("p5e", [["48xlarge", 192, 2048, 8]]),
  ...family("p5en", [["48xlarge", 192, 2048, 8]]),
]);

/** An instance type's specification; undefined for a type not in the table. */
export function instanceSpec(instanceType: string): InstanceSpec | undefined {
  return INSTANCE_SPECS.get(instanceType);
}
