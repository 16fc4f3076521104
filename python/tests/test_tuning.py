"""Hyperparameter tuning jobs through boto3: create, describe, list, list-training-jobs-for, stop and
delete, and the shapes boto3 parses out of the answers (datetimes, counters, BestTrainingJob,
pagination with NextToken, modeled errors)."""

from __future__ import annotations

import datetime
import json
import time
import unittest

from botocore.exceptions import ClientError

from support import TempDirs, clients, job_name, require_control_plane

# loss = (x - 0.3)^2 at the last epoch, one epoch every `pause` seconds.
OBJECTIVE = """
import json, os, time
hp = json.loads(os.environ["SM_HPS"])
x = float(hp["x"])
epochs = int(hp.get("epochs", 1))
for e in range(1, epochs + 1):
    time.sleep(float(hp.get("pause", 0)))
    print(f"epoch {e} loss={(x - 0.3) ** 2 + (epochs - e) / epochs:.6f}", flush=True)
"""

ENDED = ("Completed", "Failed", "Stopped")


class Tuning(unittest.TestCase):
    def setUp(self):
        require_control_plane()
        self.sm, self.logs = clients()
        self.dirs = TempDirs()
        self.code = self.dirs.dir("code", {"objective.py": OBJECTIVE})
        self.out = self.dirs.dir("out", {})

    def tearDown(self):
        self.dirs.close()

    def request(self, name: str, max_jobs: int, parallel: int, statics: dict | None = None, **config) -> dict:
        return {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobConfig": {
                "Strategy": "Random",
                "RandomSeed": 5,
                "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
                "ResourceLimits": {"MaxNumberOfTrainingJobs": max_jobs, "MaxParallelTrainingJobs": parallel},
                "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Linear"}]},
                **config,
            },
            "TrainingJobDefinition": {
                "StaticHyperParameters": {
                    "sagemaker_program": json.dumps("objective.py"),
                    "sagemaker_submit_directory": json.dumps("file://" + self.code),
                    **(statics or {}),
                },
                "AlgorithmSpecification": {
                    "TrainingImage": "python:3.11",
                    "TrainingInputMode": "File",
                    "MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
                },
                "RoleArn": "arn:aws:iam::000000000000:role/SageMakerRole",
                "OutputDataConfig": {"S3OutputPath": "file://" + self.out},
                "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
                "StoppingCondition": {"MaxRuntimeInSeconds": 600},
            },
        }

    def wait(self, name: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            d = self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
            if d["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
                return d
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} still {d['HyperParameterTuningJobStatus']} after {timeout} s")
            time.sleep(0.2)

    def wait_for_line(self, job: str, prefix: str, timeout: float = 60):
        """Until the training job's program has printed a line starting with `prefix`."""
        group, deadline = "/aws/sagemaker/TrainingJobs", time.monotonic() + timeout
        while True:
            for stream in self.logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=job + "/")["logStreams"]:
                events = self.logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)["events"]
                if any(e["message"].startswith(prefix) for e in events):
                    return
            self.assertLess(time.monotonic(), deadline, f"{job} printed no line starting with {prefix!r}")
            time.sleep(0.1)

    def assertTimestamp(self, value):
        self.assertIsInstance(value, datetime.datetime)
        self.assertIsNotNone(value.tzinfo, "boto3 parses the API's timestamps as aware datetimes")
        self.assertLess(abs(time.time() - value.timestamp()), 600)

    def assertTrialSummary(self, t: dict, name: str):
        self.assertRegex(t["TrainingJobName"], rf"^{name}-\d{{3}}-[0-9a-f]{{8}}$")
        self.assertRegex(t["TrainingJobArn"], r"^arn:aws:sagemaker:us-east-1:\d{12}:training-job/")
        self.assertEqual(t["TuningJobName"], name)
        for key in ("CreationTime", "TrainingStartTime", "TrainingEndTime"):
            self.assertTimestamp(t[key])
        self.assertLessEqual(t["TrainingStartTime"], t["TrainingEndTime"])
        self.assertEqual(list(t["TunedHyperParameters"]), ["x"])
        self.assertIsInstance(t["TunedHyperParameters"]["x"], str)
        metric = t["FinalHyperParameterTuningJobObjectiveMetric"]
        self.assertEqual((metric["Type"], metric["MetricName"]), ("Minimize", "loss"))
        self.assertIsInstance(metric["Value"], float)
        self.assertAlmostEqual(metric["Value"], (float(t["TunedHyperParameters"]["x"]) - 0.3) ** 2, places=5)
        self.assertEqual((t["TrainingJobStatus"], t["ObjectiveStatus"]), ("Completed", "Succeeded"))

    def test_create_describe_and_list_as_boto3_parses_them(self):
        name = job_name("tune")
        created = self.sm.create_hyper_parameter_tuning_job(**self.request(name, max_jobs=4, parallel=2))
        self.assertRegex(created["HyperParameterTuningJobArn"], rf"^arn:aws:sagemaker:us-east-1:\d{{12}}:hyper-parameter-tuning-job/{name.lower()}$")
        with self.assertRaises(self.sm.exceptions.ResourceInUse):
            self.sm.create_hyper_parameter_tuning_job(**self.request(name, max_jobs=4, parallel=2))

        d = self.wait(name)
        self.assertEqual(d["HyperParameterTuningJobStatus"], "Completed")
        self.assertEqual(d["HyperParameterTuningJobArn"], created["HyperParameterTuningJobArn"])
        for key in ("CreationTime", "LastModifiedTime", "HyperParameterTuningEndTime"):
            self.assertTimestamp(d[key])
        self.assertLessEqual(d["CreationTime"], d["HyperParameterTuningEndTime"])
        self.assertEqual(d["TrainingJobStatusCounters"], {"Completed": 4, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0})
        self.assertEqual(d["ObjectiveStatusCounters"], {"Succeeded": 4, "Pending": 0, "Failed": 0})
        self.assertIsInstance(d["ConsumedResources"]["RuntimeInSeconds"], int)
        config = d["HyperParameterTuningJobConfig"]
        self.assertEqual(config["ResourceLimits"], {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2})
        self.assertEqual(config["TrainingJobEarlyStoppingType"], "Off")
        self.assertEqual(d["TrainingJobDefinition"]["StaticHyperParameters"]["_tuning_objective_metric"], "loss")
        self.assertNotIn("FailureReason", d)

        # Every trial, a page at a time.
        trials, token, pages = [], None, 0
        while True:
            page = self.sm.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=name, MaxResults=1, SortBy="CreationTime", SortOrder="Ascending", **({"NextToken": token} if token else {})
            )
            pages += 1
            self.assertLessEqual(len(page["TrainingJobSummaries"]), 1)
            trials += page["TrainingJobSummaries"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 4)
        self.assertEqual([t["TrainingJobName"][len(name):len(name) + 4] for t in trials], ["-001", "-002", "-003", "-004"])
        for t in trials:
            self.assertTrialSummary(t, name)
        # boto3's own paginator walks the same pages.
        paginated = [
            t["TrainingJobName"]
            for page in self.sm.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job").paginate(
                HyperParameterTuningJobName=name, SortBy="CreationTime", SortOrder="Ascending", PaginationConfig={"PageSize": 3}
            )
            for t in page["TrainingJobSummaries"]
        ]
        self.assertEqual(paginated, [t["TrainingJobName"] for t in trials])
        by_objective = self.sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, SortBy="FinalObjectiveMetricValue", SortOrder="Ascending"
        )["TrainingJobSummaries"]
        values = [t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in by_objective]
        self.assertEqual(values, sorted(values))

        # The best job is the one with the lowest loss, summarized as the list summarizes it.
        best = d["BestTrainingJob"]
        self.assertEqual(best, by_objective[0])
        self.assertTrialSummary(best, name)

        # The trials are ordinary training jobs that know their tuning job.
        listed = [t["TrainingJobName"] for page in self.sm.get_paginator("list_training_jobs").paginate(NameContains=name) for t in page["TrainingJobSummaries"]]
        self.assertEqual(sorted(listed), sorted(t["TrainingJobName"] for t in trials))
        job = self.sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
        self.assertEqual(job["TuningJobArn"], d["HyperParameterTuningJobArn"])
        self.assertEqual(job["HyperParameters"]["x"], best["TunedHyperParameters"]["x"])

    def test_list_hyper_parameter_tuning_jobs_filters_sorts_and_pages(self):
        prefix = job_name("tunels")
        names = [f"{prefix}-{i}" for i in range(3)]
        for n in names:
            self.sm.create_hyper_parameter_tuning_job(**self.request(n, max_jobs=1, parallel=1))
        for n in names:
            self.wait(n)
        seen, token = [], None
        while True:
            page = self.sm.list_hyper_parameter_tuning_jobs(
                NameContains=prefix, MaxResults=2, SortBy="Name", SortOrder="Descending", **({"NextToken": token} if token else {})
            )
            self.assertLessEqual(len(page["HyperParameterTuningJobSummaries"]), 2)
            seen += page["HyperParameterTuningJobSummaries"]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual([s["HyperParameterTuningJobName"] for s in seen], sorted(names, reverse=True))
        s = seen[0]
        self.assertEqual((s["HyperParameterTuningJobStatus"], s["Strategy"]), ("Completed", "Random"))
        for key in ("CreationTime", "LastModifiedTime", "HyperParameterTuningEndTime"):
            self.assertTimestamp(s[key])
        self.assertEqual(s["TrainingJobStatusCounters"]["Completed"], 1)
        self.assertEqual(s["ObjectiveStatusCounters"]["Succeeded"], 1)
        self.assertEqual(s["ResourceLimits"], {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1})
        paginated = [
            s["HyperParameterTuningJobName"]
            for page in self.sm.get_paginator("list_hyper_parameter_tuning_jobs").paginate(NameContains=prefix, StatusEquals="Completed", PaginationConfig={"PageSize": 1})
            for s in page["HyperParameterTuningJobSummaries"]
        ]
        self.assertEqual(paginated, sorted(names))
        self.assertEqual(self.sm.list_hyper_parameter_tuning_jobs(NameContains=prefix, StatusEquals="InProgress")["HyperParameterTuningJobSummaries"], [])
        after = self.sm.list_hyper_parameter_tuning_jobs(NameContains=prefix, CreationTimeAfter=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5))
        self.assertEqual(after["HyperParameterTuningJobSummaries"], [])

    def test_stop_then_delete(self):
        name = job_name("tunestop")
        self.sm.create_hyper_parameter_tuning_job(**self.request(name, max_jobs=6, parallel=2, statics={"epochs": "300", "pause": "0.2"}))
        deadline = time.monotonic() + 60
        while True:
            trials = self.sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["TrainingJobSummaries"]
            if len(trials) == 2 and all(t["TrainingJobStatus"] == "InProgress" for t in trials):
                break
            self.assertLess(time.monotonic(), deadline, f"the trials did not start: {trials}")
            time.sleep(0.1)
        # Their programs run: stopping running trials is what is tested.
        for t in trials:
            self.wait_for_line(t["TrainingJobName"], "epoch 1 ")
        # Running: it cannot be deleted.
        with self.assertRaises(ClientError) as refused:
            self.sm.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException")

        self.assertEqual(self.sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertIn(self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["HyperParameterTuningJobStatus"], ("Stopping", "Stopped"))
        d = self.wait(name, 60)
        self.assertEqual(d["HyperParameterTuningJobStatus"], "Stopped")
        self.assertTimestamp(d["HyperParameterTuningEndTime"])
        self.assertEqual(d["TrainingJobStatusCounters"]["Stopped"], 2)
        trials = self.sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name, StatusEquals="Stopped")["TrainingJobSummaries"]
        self.assertEqual(len(trials), 2)
        # Stopped: it cannot be stopped again.
        with self.assertRaises(ClientError) as again:
            self.sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        self.assertEqual(again.exception.response["Error"]["Code"], "ValidationException")

        self.sm.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        with self.assertRaises(self.sm.exceptions.ResourceNotFound) as gone:
            self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        self.assertIn(name, gone.exception.response["Error"]["Message"])
        with self.assertRaises(self.sm.exceptions.ResourceNotFound):
            self.sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        # Its training jobs stay, as SageMaker's do.
        for t in trials:
            self.assertEqual(self.sm.describe_training_job(TrainingJobName=t["TrainingJobName"])["TrainingJobStatus"], "Stopped")

    def test_bad_input_gets_a_validation_exception(self):
        request = self.request(job_name("tunebad"), max_jobs=2, parallel=1)
        request["HyperParameterTuningJobConfig"]["ParameterRanges"]["ContinuousParameterRanges"][0].update(MinValue="2", MaxValue="1")
        with self.assertRaises(ClientError) as refused:
            self.sm.create_hyper_parameter_tuning_job(**request)
        self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(self.sm.exceptions.ResourceNotFound):
            self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=request["HyperParameterTuningJobName"])


if __name__ == "__main__":
    unittest.main()
