import { describe, expect, it } from "vitest";
import { parseConfigTexts } from "./config-files.js";
import { computeContract } from "./contract-env.js";

const host = { numCpus: 4, numGpus: 0, numNeurons: 0, smddprunInstalled: true, smddpmprunInstalled: false };

function contract(hp: Record<string, unknown>, env: Record<string, string> = {}, rc?: string) {
  const config = parseConfigTexts({
    hyperparameters: JSON.stringify(hp),
    inputDataConfig: '{"train": {"TrainingInputMode": "File"}}',
    resourceConfig: rc ?? '{"current_host": "algo-1", "hosts": ["algo-1"]}',
  });
  return computeContract(config, { baseDir: "/opt/ml", env, host });
}

describe("training environment edge cases", () => {
  it("decodes model parallelism from SM_HP_MP_PARAMETERS as Python's `x and x != '{}'`", () => {
    const mp = (v?: string) => {
      const env: Record<string, string> = v === undefined ? {} : { SM_HP_MP_PARAMETERS: v };
      return JSON.parse(contract({}, env).envVars.SM_TRAINING_ENV!).is_modelparallel_enabled;
    };
    expect([mp(), mp("{}"), mp('{"pp": 2}'), mp("")]).toEqual([null, false, true, ""]);
  });

  it("takes SAGEMAKER_PROGRAM over sagemaker_program, but an empty one only for the module name", () => {
    expect(contract({ sagemaker_program: '"a.py"' }, { SAGEMAKER_PROGRAM: "b.py" }).envVars.SM_MODULE_NAME).toBe("b");
    const empty = contract({ sagemaker_program: '"a.py"' }, { SAGEMAKER_PROGRAM: "" }).envVars;
    expect([empty.SM_MODULE_NAME, empty.SM_USER_ENTRY_POINT]).toEqual(["", "a.py"]);
    // A non-string program is rendered with str() in the module name and as JSON in the entry point.
    const odd = contract({ sagemaker_program: "[1, 2]" }).envVars;
    expect([odd.SM_MODULE_NAME, odd.SM_USER_ENTRY_POINT]).toEqual(["[1, 2]", "[1,2]"]);
  });

  it("takes the log level and submit directory from hyperparameters with Python's str()", () => {
    const e = contract({ sagemaker_container_log_level: "10.0", sagemaker_submit_directory: "5" }).envVars;
    expect([e.SM_LOG_LEVEL, e.SM_MODULE_DIR]).toEqual(["10.0", "5"]);
  });

  it("reports smddprun from the host facts and the topology only when present", () => {
    const te = JSON.parse(contract({}).envVars.SM_TRAINING_ENV!);
    expect([te.is_smddprun_installed, te.is_smddpmprun_installed, te.topology]).toEqual([true, false, []]);
    expect(contract({}).envVars.SM_TOPOLOGY).toBeUndefined();
    const withTopology = contract({}, {}, '{"current_host": "algo-1", "hosts": ["algo-1"], "topology": {"b": [1.5], "a": null}}');
    expect(withTopology.envVars.SM_TOPOLOGY).toBe('{"a":null,"b":[1.5]}');
  });

  it("lets a later channel or hyperparameter win when names collide after upper-casing", () => {
    const e = contract({ lr: "1", LR: "2" }).envVars;
    expect(e.SM_HP_LR).toBe("2");
    expect(e.SM_HPS).toBe('{"LR":2,"lr":1}');
  });

  it("keeps distribution over string-named groups as Python's `in` does", () => {
    const rc =
      '{"current_host": "algo-1", "hosts": ["algo-1", "algo-2"], "instance_groups": [' +
      '{"instance_group_name": "g1", "hosts": ["algo-1"]}, {"instance_group_name": "g2", "hosts": ["algo-2"]}]}';
    const te = contract({ sagemaker_distribution_instance_groups: '"g2"' }, {}, rc).trainingEnvironment;
    expect(te.distributionHosts).toEqual(["algo-2"]);
    expect(te.masterHostname).toBe("algo-2");
    // A hyperparameter, named as one, in its file: not an "environment variable".
    expect(() => contract({ sagemaker_distribution_instance_groups: "3" }, {}, rc)).toThrow(
      'hyperparameters.json: field "sagemaker_distribution_instance_groups" must be a list of instance group names (e.g. ["train-group"]), found 3',
    );
  });

  it("writes non-ASCII and supplementary characters raw in plain values and escaped in JSON", () => {
    const e = contract({ "clé": '"😀 \\u0001"', big: "123456789012345678901234567890", f: "1e400", n: "NaN" }).envVars;
    expect(e["SM_HP_CLÉ"]).toBe("😀 \u0001");
    expect(e.SM_HP_BIG).toBe("123456789012345678901234567890");
    expect([e.SM_HP_F, e.SM_HP_N]).toEqual(["Infinity", "NaN"]);
    expect(e.SM_HPS).toBe('{"big":123456789012345678901234567890,"cl\\u00e9":"\\ud83d\\ude00 \\u0001","f":Infinity,"n":NaN}');
    expect(contract({ "clé": '"😀 \\u0001"', big: "123456789012345678901234567890", f: "1e400", n: "NaN" }).cmdArgs).toEqual([
      "--big",
      "123456789012345678901234567890",
      "--clé",
      "😀 \u0001",
      "-f",
      "inf",
      "-n",
      "nan",
    ]);
  });
});
