"""Run cases of config-generator.ts through SageMaker's toolkit itself (sagemaker-training).

Not used in CI (CI has no toolkit): `npm run fuzz:contract -- --reference <toolkit src> --python <venv python>`.
argv[1]: the directory that holds the `sagemaker_training` package. Cases come as a JSON list on
stdin; each answer is {"env": ..., "args": ...} from Environment().to_env_vars()/to_cmd_args(),
or {"error": "<exception>"}. Host detection is replaced by the case's host facts (nvidia-smi and
neuron-ls answer through a stand-in for subprocess.check_output, so the toolkit's own instance
type table still applies); the base dir is a temporary one, written back as the case's.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, sys.argv[1])
base = tempfile.mkdtemp(prefix="optml-reference-")
config_dir = os.path.join(base, "input", "config")
os.makedirs(config_dir)
os.environ["SAGEMAKER_BASE_DIR"] = base
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
    os.environ.pop(name, None)
logging.disable(logging.CRITICAL)

from sagemaker_training import environment  # noqa: E402

host = {}


def check_output(cmd, *args, **kwargs):
    if cmd[0] == "nvidia-smi" and host["numGpus"] > 0:
        return "".join("GPU %d: Stand-in (UUID: GPU-%d)\n" % (i, i) for i in range(host["numGpus"])).encode()
    if cmd[0] == "neuron-ls" and host["numNeurons"] > 0:
        return json.dumps([{"nc_count": host["numNeurons"]}]).encode()
    raise OSError("not installed")


environment.subprocess.check_output = check_output
environment.num_cpus = lambda: host["numCpus"]
environment.validate_smddprun = lambda: False
environment.validate_smddpmprun = lambda: False

CASE_ENV = (
    "TRAINING_JOB_NAME", "SAGEMAKER_PROGRAM", "SAGEMAKER_TRAINING_MODULE", "SM_HP_MP_PARAMETERS",
    "SAGEMAKER_CONTAINER_LOG_LEVEL", "SAGEMAKER_SUBMIT_DIRECTORY", "CURRENT_HOST",
    "SAGEMAKER_JOB_NAME", "SAGEMAKER_REGION",
)
FILES = {"hyperparameters": "hyperparameters.json", "inputDataConfig": "inputdataconfig.json",
         "resourceConfig": "resourceconfig.json"}


def run(case):
    host.clear()
    host.update(case["host"])
    for name in CASE_ENV:
        os.environ.pop(name, None)
    os.environ.update(case["env"])
    for key, name in FILES.items():
        with open(os.path.join(config_dir, name), "w", encoding="utf-8") as f:
            f.write(case["files"][key])
    try:
        env = environment.Environment()
        result = {"env": env.to_env_vars(), "args": env.to_cmd_args()}
    except Exception as e:  # every failure is an answer: the job would fail
        return {"error": "%s: %s" % (type(e).__name__, e)}
    ours = base + "/"
    theirs = os.path.join(case["baseDir"], "")
    swap = lambda s: s.replace(ours, theirs)
    return {"env": {k: swap(v) for k, v in result["env"].items()}, "args": [swap(a) for a in result["args"]]}


cases = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps([run(c) for c in cases], ensure_ascii=True))
