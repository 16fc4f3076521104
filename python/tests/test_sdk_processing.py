"""The SageMaker Python SDK v2's processors on an optml_sagemaker.Session with S3 (moto on
loopback, which the control plane also uses): ScriptProcessor(...).run(code=..., inputs=...,
outputs=..., wait=True, logs=True), SKLearnProcessor, FrameworkProcessor with source_dir (its
runproc.sh bootstrap) and processor.jobs[-1].describe().

Runs only with OPTML_TEST_SAGEMAKER_SDK=1, where the `sagemaker` package is importable (see
"Testing with the real SDK" in python/README.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import unittest
from unittest import mock

from support import SDK_BARE_ENV, SDK_SKIP_REASON, SDK_WANTED, TempDirs, job_name, require_control_plane, sdk_missing

if SDK_WANTED:
    try:
        import boto3
        from sagemaker.processing import FrameworkProcessor, ProcessingInput, ProcessingOutput, ScriptProcessor
        from sagemaker.sklearn.estimator import SKLearn
        from sagemaker.sklearn.processing import SKLearnProcessor

        import optml_sagemaker
    except ImportError as e:  # fail, not skip: the run asked for these tests
        raise sdk_missing(e) from e

# A processing script written for SageMaker's containers: fixed /opt/ml/processing paths.
PREPROCESS = """
import os, sys
rows = open("/opt/ml/processing/input/data/rows.csv").read().splitlines()
print(f"preprocessing {len(rows)} rows with {sys.argv[1:]}", flush=True)
os.makedirs("/opt/ml/processing/train", exist_ok=True)
open("/opt/ml/processing/train/train.csv", "w").write("\\n".join(r + ",x" for r in rows))
"""


@unittest.skipUnless(SDK_WANTED, SDK_SKIP_REASON)
class SdkProcessors(unittest.TestCase):
    def setUp(self):
        self.home = require_control_plane()
        s3 = os.environ.get("OPTML_TEST_S3_ENDPOINT")
        if not s3:
            self.skipTest("no S3 server: the test driver sets OPTML_TEST_S3_ENDPOINT")
        self.dirs = TempDirs()
        self.env = mock.patch.dict(
            os.environ,
            {**SDK_BARE_ENV, "OPTML_HOME": self.home, "AWS_ENDPOINT_URL": s3, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"},
        )
        self.env.start()
        self.bucket = "optml-proc-" + job_name("b").replace("_", "-").lower()[-30:]
        self.session = optml_sagemaker.Session(default_bucket=self.bucket)
        self.session.default_bucket()
        self.s3 = boto3.client("s3")
        self.s3.put_object(Bucket=self.bucket, Key="data/rows.csv", Body=b"1\n2\n3\n")
        self.code = self.dirs.dir("code", {"preprocess.py": PREPROCESS, "helper.py": "X = 1\n"})

    def tearDown(self):
        self.env.stop()
        self.dirs.close()

    def run_processor(self, processor, **run):
        name = job_name("sdk-proc")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            processor.run(
                inputs=[ProcessingInput(source=f"s3://{self.bucket}/data/", destination="/opt/ml/processing/input/data")],
                outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train", destination=f"s3://{self.bucket}/out/{name}")],
                arguments=["--split", "0.2"],
                job_name=name,
                wait=True,
                logs=True,
                **run,
            )
        desc = processor.jobs[-1].describe()
        self.assertEqual(desc["ProcessingJobStatus"], "Completed", desc.get("FailureReason"))
        self.assertEqual(desc["ProcessingJobName"], name)
        self.assertIn("preprocessing 3 rows with ['--split', '0.2']", printed.getvalue())
        body = self.s3.get_object(Bucket=self.bucket, Key=f"out/{name}/train.csv")["Body"].read()
        self.assertEqual(body, b"1,x\n2,x\n3,x")
        return desc

    def test_script_processor_run_wait_logs_describe(self):
        processor = ScriptProcessor(
            image_uri="python:3.11", command=["python3"], role="SageMakerRole", instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=self.session
        )
        desc = self.run_processor(processor, code=os.path.join(self.code, "preprocess.py"))
        self.assertEqual(desc["AppSpecification"]["ContainerEntrypoint"], ["python3", "/opt/ml/processing/input/code/preprocess.py"])

    def test_sklearn_processor(self):
        processor = SKLearnProcessor(framework_version="1.2-1", role="SageMakerRole", instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=self.session)
        self.run_processor(processor, code=os.path.join(self.code, "preprocess.py"))

    def test_framework_processor_with_source_dir_runs_runproc_sh(self):
        processor = FrameworkProcessor(
            estimator_cls=SKLearn, framework_version="1.2-1", role="SageMakerRole", instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=self.session
        )
        desc = self.run_processor(processor, code="preprocess.py", source_dir=self.code)
        self.assertEqual(desc["AppSpecification"]["ContainerEntrypoint"][0], "/bin/bash")
        self.assertTrue(desc["AppSpecification"]["ContainerEntrypoint"][1].endswith("runproc.sh"))


if __name__ == "__main__":
    unittest.main()
