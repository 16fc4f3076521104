"""Processing jobs through boto3, as any boto3 user makes them: CreateProcessingJob with a script
run as ContainerEntrypoint on local (file://) inputs and outputs, DescribeProcessingJob,
ListProcessingJobs, the logs in /aws/sagemaker/ProcessingJobs, StopProcessingJob and the
bad-input ValidationException."""

from __future__ import annotations

import os
import time
import unittest

from botocore.exceptions import ClientError

from support import TempDirs, clients, job_name, require_control_plane, wait_for_end

SCRIPT = """
import json, os, sys, time
cfg = json.load(open("/opt/ml/config/processingjobconfig.json"))
rows = open("/opt/ml/processing/input/data/rows.csv").read().splitlines()
print(f"{cfg['ProcessingJobName']} read {len(rows)} rows", flush=True)
os.makedirs("/opt/ml/processing/output", exist_ok=True)
open("/opt/ml/processing/output/count.txt", "w").write(str(len(rows)))
if sys.argv[1:] == ["sleep"]:
    print("sleeping", flush=True)
    time.sleep(600)
"""


class ProcessingWithBoto3(unittest.TestCase):
    def setUp(self):
        require_control_plane()
        self.sagemaker, self.logs = clients()
        self.dirs = TempDirs()
        self.code = self.dirs.dir("code", {"process.py": SCRIPT})
        self.data = self.dirs.dir("data", {"rows.csv": "1\n2\n3\n"})
        self.out = self.dirs.dir("out", {})

    def tearDown(self):
        self.dirs.close()

    def request(self, name: str, args=None) -> dict:
        return {
            "ProcessingJobName": name,
            "RoleArn": "arn:aws:iam::000000000000:role/SageMakerRole",
            "AppSpecification": {
                "ImageUri": "000000000000.dkr.ecr.us-east-1.amazonaws.com/my-processing:latest",
                "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/process.py"],
                **({"ContainerArguments": args} if args else {}),
            },
            "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}},
            "ProcessingInputs": [
                {"InputName": "code", "S3Input": {"S3Uri": f"file://{self.code}", "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix", "S3InputMode": "File"}},
                {"InputName": "data", "S3Input": {"S3Uri": f"file://{self.data}", "LocalPath": "/opt/ml/processing/input/data", "S3DataType": "S3Prefix", "S3InputMode": "File"}},
            ],
            "ProcessingOutputConfig": {
                "Outputs": [{"OutputName": "result", "S3Output": {"S3Uri": f"file://{self.out}/{name}", "LocalPath": "/opt/ml/processing/output", "S3UploadMode": "EndOfJob"}}]
            },
        }

    def test_create_describe_list_and_logs(self):
        name = job_name("boto3-proc")
        arn = self.sagemaker.create_processing_job(**self.request(name))["ProcessingJobArn"]
        self.assertEqual(arn, f"arn:aws:sagemaker:us-east-1:000000000000:processing-job/{name.lower()}")
        d = wait_for_end(self.sagemaker, name, kind="processing")
        self.assertEqual(d["ProcessingJobStatus"], "Completed", d.get("FailureReason"))
        self.assertEqual(d["ProcessingJobArn"], arn)
        self.assertLessEqual(d["ProcessingStartTime"], d["ProcessingEndTime"])
        with open(os.path.join(self.out, name, "count.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "3")
        listed = self.sagemaker.list_processing_jobs(NameContains=name)["ProcessingJobSummaries"]
        self.assertEqual([(s["ProcessingJobName"], s["ProcessingJobStatus"]) for s in listed], [(name, "Completed")])
        group = "/aws/sagemaker/ProcessingJobs"
        streams = self.logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=name + "/")["logStreams"]
        self.assertEqual(len(streams), 1)
        self.assertRegex(streams[0]["logStreamName"], rf"^{name}/algo-1-\d+$")
        events = self.logs.get_log_events(logGroupName=group, logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
        self.assertIn(f"{name} read 3 rows", [e["message"] for e in events])

    def test_stop(self):
        name = job_name("boto3-stop")
        self.sagemaker.create_processing_job(**self.request(name, args=["sleep"]))
        group = "/aws/sagemaker/ProcessingJobs"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            streams = self.logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=name + "/")["logStreams"]
            lines = [e["message"] for s in streams for e in self.logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True)["events"]]
            if "sleeping" in lines:
                break
            time.sleep(0.1)
        self.sagemaker.stop_processing_job(ProcessingJobName=name)
        d = wait_for_end(self.sagemaker, name, kind="processing")
        self.assertEqual(d["ProcessingJobStatus"], "Stopped")
        # What it wrote before the stop is uploaded.
        self.assertTrue(os.path.exists(os.path.join(self.out, name, "count.txt")))

    def test_bad_input(self):
        request = self.request(job_name("boto3-bad"))
        request["ProcessingInputs"][1]["S3Input"]["LocalPath"] = "/data"
        with self.assertRaises(ClientError) as caught:
            self.sagemaker.create_processing_job(**request)
        self.assertEqual(caught.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("S3Input.LocalPath '/data' must be a path under /opt/ml/processing/", caught.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as missing:
            self.sagemaker.describe_processing_job(ProcessingJobName="no-such-processing-job")
        self.assertEqual(missing.exception.response["Error"]["Code"], "ResourceNotFound")


if __name__ == "__main__":
    unittest.main()
