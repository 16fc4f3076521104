"""What the package's tests share: the control plane the test driver started, jobs, directories.

The driver (python/tests/python.test.ts) starts a real control plane with ``optml serve`` and runs
these tests with ``OPTML_HOME`` set to its state directory; ``OPTML_TEST_S3_ENDPOINT`` is a moto S3
server on loopback that the control plane also uses.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import unittest

import boto3

# The tests of the real SageMaker Python SDK (test_sdk_*.py) run only when asked for.
SDK_WANTED = os.environ.get("OPTML_TEST_SAGEMAKER_SDK") == "1"
SDK_SKIP_REASON = "set OPTML_TEST_SAGEMAKER_SDK=1 (with the SageMaker Python SDK installed) to run these"


def sdk_missing(error: ImportError, what: str = "the SageMaker Python SDK") -> ImportError:
    """The error of a run that asked for the SDK's tests where the SDK does not import: fail, not skip."""
    return ImportError(
        f"OPTML_TEST_SAGEMAKER_SDK=1 but {what} does not import here: build it from source into a "
        "virtual environment as python/README.md says under 'Testing with the real SDK', and name that "
        f"environment's python in OPTML_SAGEMAKER_PYTHON ({error})"
    )


# No credentials, no S3 configured: a fresh machine with only optml (the SDK tests' environment).
SDK_BARE_ENV = {
    "AWS_CONFIG_FILE": "/nonexistent/optml-test/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/optml-test/credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
}

TEST_KEYS = {"aws_access_key_id": "AKIDOPTMLTEST", "aws_secret_access_key": "optml-test-secret"}


def require_control_plane() -> str:
    home = os.environ.get("OPTML_HOME")
    if not home or not os.path.exists(os.path.join(home, "control-plane.json")):
        raise unittest.SkipTest(
            "no control plane: run these tests through `npx vitest run python/tests` (it starts one), "
            "or set OPTML_HOME to the state directory of a running `optml serve`"
        )
    return home


def endpoint() -> str:
    with open(os.path.join(require_control_plane(), "control-plane.json"), encoding="utf-8") as f:
        return json.load(f)["endpoint"]


def clients():
    """boto3 SageMaker and CloudWatch Logs clients on the control plane, as any boto3 user makes them."""
    session = boto3.Session(region_name="us-east-1", **TEST_KEYS)
    return session.client("sagemaker", endpoint_url=endpoint()), session.client("logs", endpoint_url=endpoint())


class TempDirs:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="optml-sagemaker-test-")

    def dir(self, name: str, files: dict) -> str:
        d = os.path.join(self.root, name)
        os.makedirs(d, exist_ok=True)
        for rel, text in files.items():
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return d

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


_counter = [0]


def job_name(prefix: str) -> str:
    _counter[0] += 1
    return f"{prefix}-{os.getpid()}-{int(time.time() * 1000) % 10**8}-{_counter[0]}"


def script_mode_request(name: str, code_dir: str, program: str, output_dir: str, hosts: int = 1) -> dict:
    """A script-mode CreateTrainingJob request as the SageMaker Python SDK sends one, on local paths."""
    return {
        "TrainingJobName": name,
        "HyperParameters": {
            "sagemaker_program": json.dumps(program),
            "sagemaker_submit_directory": json.dumps("file://" + code_dir),
            "sagemaker_container_log_level": "20",
            "sagemaker_job_name": json.dumps(name),
            "sagemaker_region": '"us-east-1"',
        },
        "AlgorithmSpecification": {"TrainingImage": "python:3.11", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::000000000000:role/SageMakerRole",
        "OutputDataConfig": {"S3OutputPath": "file://" + output_dir},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": hosts, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


# How to describe each kind of job: the operation, its name parameter, its status member.
DESCRIBE = {
    "training": ("describe_training_job", "TrainingJobName", "TrainingJobStatus"),
    "processing": ("describe_processing_job", "ProcessingJobName", "ProcessingJobStatus"),
}


def wait_for_end(sagemaker, name: str, timeout: float = 120, kind: str = "training") -> dict:
    """Describe the job until it has ended (Completed, Failed or Stopped); its description."""
    operation, parameter, member = DESCRIBE[kind]
    deadline = time.monotonic() + timeout
    while True:
        d = getattr(sagemaker, operation)(**{parameter: name})
        if d[member] in ("Completed", "Failed", "Stopped"):
            return d
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} still {d[member]} after {timeout} s")
        time.sleep(0.1)


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
