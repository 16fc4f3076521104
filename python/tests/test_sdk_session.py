"""optml_sagemaker.Session driven by the real SageMaker Python SDK v2.

Runs only with OPTML_TEST_SAGEMAKER_SDK=1, where the `sagemaker` package is importable (see
"Testing with the real SDK" in python/README.md for how to build it from source).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tarfile
import threading
import unittest
from unittest import mock

from support import SDK_BARE_ENV, SDK_SKIP_REASON, SDK_WANTED, TempDirs, is_root, job_name, require_control_plane, sdk_missing

if SDK_WANTED:
    try:
        import boto3
        import sagemaker
        from sagemaker.estimator import Estimator
        from sagemaker.exceptions import UnexpectedStatusException
        from sagemaker.telemetry import telemetry_logging

        import optml_sagemaker
    except ImportError as e:  # fail, not skip: the run asked for these tests
        raise sdk_missing(e) from e

TRAIN = """
import os, sys
print("script starts", flush=True)
rows = open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "rows.csv")).read().splitlines()
print(f"read {len(rows)} rows", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write(f"rows={len(rows)}")
if os.environ.get("SM_HP_FAIL") == "true":
    print("giving up: the data is bad", file=sys.stderr, flush=True)
    raise SystemExit(3)
"""

# Prints a line, then ends only once the test has seen that line printed by fit().
WAIT_FOR_GO = """
import os, time
print("waiting for go", flush=True)
go = os.environ["OPTML_TEST_GO_FILE"]
for _ in range(600):
    if os.path.exists(go):
        print("got go", flush=True)
        break
    time.sleep(0.1)
else:
    raise SystemExit("no go: the line was not streamed while the job ran")
"""


@unittest.skipUnless(SDK_WANTED, SDK_SKIP_REASON)
class SdkSession(unittest.TestCase):
    def setUp(self):
        self.home = require_control_plane()
        self.dirs = TempDirs()
        self.env = mock.patch.dict(os.environ, {**SDK_BARE_ENV, "OPTML_HOME": self.home})
        self.env.start()
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "OPTML_ENDPOINT"):
            os.environ.pop(name, None)
        self.out = self.dirs.dir("out", {})
        self.session = optml_sagemaker.Session(output_dir=self.out)

    def tearDown(self):
        self.env.stop()
        self.dirs.close()

    def estimator(self, script: str, **kwargs):
        code = self.dirs.dir(job_name("code"), {"train.py": script})
        return Estimator(
            image_uri="python:3.11",
            role="SageMakerRole",
            instance_count=kwargs.pop("instance_count", 1),
            instance_type="ml.m5.large",
            entry_point="train.py",
            source_dir=code,
            sagemaker_session=self.session,
            **kwargs,
        ), code

    def data(self):
        return self.dirs.dir(job_name("data"), {"rows.csv": "1,2\n3,4\n5,6\n"})

    def test_found_and_configured_without_any_environment_variable(self):
        s = self.session
        self.assertIsInstance(s, sagemaker.Session)
        self.assertEqual(s.control_plane.found_by, os.path.join(self.home, "control-plane.json"))
        for client in (s.sagemaker_client, s.boto_session.client("logs"), s.boto_session.client("cloudwatch")):
            self.assertEqual(client.meta.endpoint_url, s.control_plane.endpoint)
        self.assertTrue(s.local_code and s.local_mode)
        self.assertEqual(s.expand_role("SageMakerRole"), "arn:aws:iam::000000000000:role/SageMakerRole")
        with self.assertRaisesRegex(ValueError, r"The default bucket needs S3, and this optml_sagemaker.Session has none .*local_code=False"):
            s.default_bucket()

    def test_a_given_boto_session_keeps_its_keys_and_region_and_optml_gets_its_services(self):
        mine = boto3.Session(aws_access_key_id="AKIDMINE", aws_secret_access_key="s", region_name="eu-west-1")
        s = optml_sagemaker.Session(boto_session=mine)
        self.assertEqual(s.sagemaker_client.meta.endpoint_url, s.control_plane.endpoint)
        self.assertEqual(s.boto_session.client("logs").meta.endpoint_url, s.control_plane.endpoint)
        self.assertEqual((s.boto_region_name, s.boto_session.get_credentials().access_key), ("eu-west-1", "AKIDMINE"))
        self.assertFalse(s.local_code or s.local_mode, "with credentials, S3 is taken to be configured")
        self.assertTrue(optml_sagemaker.Session(boto_session=mine, local_code=True).local_mode)
        self.assertNotEqual(mine.client("sagemaker").meta.endpoint_url, s.control_plane.endpoint, "the given session is left alone")

    def test_fit_runs_local_code_on_local_data_and_the_model_is_a_file_to_open(self):
        est, code = self.estimator(TRAIN)
        data = self.data()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), mock.patch.object(telemetry_logging, "_requests_helper") as sent, \
                mock.patch.object(telemetry_logging, "_get_accountId", return_value="000000000000"):
            est.fit({"train": "file://" + data}, job_name=job_name("sdk-fit"))
            self.assertEqual(sent.call_count, 0, "no telemetry request for an optml Session")
            # ...while a plain sagemaker.Session's would be made (here into the mock).
            telemetry_logging._send_telemetry_request(1, [1], sagemaker.Session(boto_session=boto3.Session(region_name="us-east-1")))
            self.assertEqual(sent.call_count, 1)
        text = printed.getvalue()
        self.assertIn("script starts\n", text)
        self.assertIn("read 3 rows\n", text)
        self.assertIn("Completed - Training job completed", text)
        self.assertRegex(text, r"Training seconds: \d+\nBillable seconds: \d+\n$")
        desc = est.latest_training_job.describe()
        self.assertEqual(json.loads(desc["HyperParameters"]["sagemaker_submit_directory"]), "file://" + code)
        self.assertEqual(desc["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"], "file://" + data)
        self.assertTrue(est.model_data.startswith("file://" + self.out + "/"), est.model_data)
        with tarfile.open(est.model_data[len("file://"):]) as tar:
            self.assertEqual(tar.extractfile("model.txt").read(), b"rows=3")

    def test_a_failed_job_raises_the_sdks_exception_with_the_reason(self):
        est, _ = self.estimator(TRAIN, hyperparameters={"fail": "true"})
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), self.assertRaises(UnexpectedStatusException) as raised:
            est.fit({"train": "file://" + self.data()}, job_name=job_name("sdk-fail"))
        reason = est.latest_training_job.describe()["FailureReason"]
        self.assertIn("Error for Training job", str(raised.exception))
        self.assertIn(f"Failed. Reason: {reason}", str(raised.exception))
        self.assertEqual(raised.exception.actual_status, "Failed")
        self.assertIn("giving up: the data is bad\n", printed.getvalue())

    def test_without_logs_fit_waits_for_the_end(self):
        est, _ = self.estimator(TRAIN)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            est.fit({"train": "file://" + self.data()}, job_name=job_name("sdk-quiet"), logs="None")
        self.assertNotIn("script starts", printed.getvalue())
        self.assertEqual(est.latest_training_job.describe()["TrainingJobStatus"], "Completed")
        self.assertTrue(os.path.exists(est.model_data[len("file://"):]))

    def test_log_lines_are_printed_while_the_job_runs(self):
        go = os.path.join(self.dirs.root, job_name("go"))
        est, _ = self.estimator(WAIT_FOR_GO, environment={"OPTML_TEST_GO_FILE": go})
        data = self.data()

        class Watch(io.StringIO):
            def write(self, s):
                if "waiting for go" in s:
                    open(go, "w").close()
                return super().write(s)

        printed = Watch()
        with contextlib.redirect_stdout(printed):
            est.fit({"train": "file://" + data}, job_name=job_name("sdk-live"))
        self.assertIn("waiting for go\n", printed.getvalue())
        self.assertIn("got go\n", printed.getvalue())

    def test_training_job_analytics_reads_the_metric_as_cloudwatch_would_give_it(self):
        # The same loss on every line: each minute's Average is it, however the lines fall into minutes.
        est, _ = self.estimator('for i in range(3):\n    print(f"epoch {i} loss=0.25", flush=True)\n',
                                metric_definitions=[{"Name": "loss", "Regex": "loss=([0-9.]+)"}])
        with contextlib.redirect_stdout(io.StringIO()):
            est.fit(job_name=job_name("sdk-analytics"), logs="None")
        frame = est.training_job_analytics.dataframe()
        self.assertEqual(set(frame["metric_name"]), {"loss"})
        self.assertGreaterEqual(len(frame), 1)
        self.assertTrue(all(v == 0.25 for v in frame["value"]), frame)

    @unittest.skipUnless(is_root(), "multi-host jobs run in network namespaces, which need root")
    def test_every_hosts_lines_are_printed(self):
        est, _ = self.estimator(TRAIN, instance_count=2)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            est.fit({"train": "file://" + self.data()}, job_name=job_name("sdk-hosts"))
        self.assertEqual(printed.getvalue().count("read 3 rows\n"), 2)


@unittest.skipUnless(SDK_WANTED, SDK_SKIP_REASON)
class SdkSessionWithS3(unittest.TestCase):
    """S3 configured the standard way (here moto on loopback, which the control plane also uses)."""

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
        self.bucket = "optml-sdk-" + job_name("b").replace("_", "-").lower()[-30:]

    def tearDown(self):
        self.env.stop()
        self.dirs.close()

    def test_code_and_data_go_through_s3_exactly_as_with_sagemaker_session(self):
        self.assertFalse(optml_sagemaker.Session().local_code, "credentials in the environment: S3 mode")
        session = optml_sagemaker.Session(default_bucket=self.bucket)
        self.assertFalse(session.local_code or session.local_mode)
        s3 = boto3.client("s3")
        session.default_bucket()
        s3.put_object(Bucket=self.bucket, Key="data/rows.csv", Body=b"1,2\n3,4\n")
        code = self.dirs.dir("code", {"train.py": TRAIN})
        est = Estimator(
            image_uri="python:3.11", role="SageMakerRole", instance_count=1, instance_type="ml.m5.large",
            entry_point="train.py", source_dir=code, sagemaker_session=session,
        )
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            est.fit({"train": f"s3://{self.bucket}/data/"}, job_name=job_name("sdk-s3"))
        self.assertIn("read 2 rows\n", printed.getvalue())
        desc = est.latest_training_job.describe()
        submitted = json.loads(desc["HyperParameters"]["sagemaker_submit_directory"])
        self.assertTrue(submitted.startswith(f"s3://{self.bucket}/"), submitted)
        self.assertTrue(est.model_data.startswith(f"s3://{self.bucket}/"), est.model_data)
        key = est.model_data[len(f"s3://{self.bucket}/"):]
        body = io.BytesIO(s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        with tarfile.open(fileobj=body) as tar:
            self.assertEqual(tar.extractfile("model.txt").read(), b"rows=2")


@unittest.skipUnless(SDK_WANTED, SDK_SKIP_REASON)
class StatusMarks(unittest.TestCase):
    """The wait of processing and tuning jobs, at the status marks (test_sdk_tuning.py waits for real tuning jobs)."""

    def test_the_wait_ends_on_the_first_final_status_with_the_sdks_marks_at_most_one_a_second(self):
        from optml_sagemaker.session import _wait_marking

        answers = iter([{"S": "InProgress"}] * 5 + [{"S": "Failed", "FailureReason": "r"}])
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            desc = _wait_marking(lambda: next(answers), "S", ("InProgress", "Stopping"), 0.01)
        self.assertEqual(desc, {"S": "Failed", "FailureReason": "r"})
        self.assertEqual(printed.getvalue(), ".*\n")


if __name__ == "__main__":
    unittest.main()
