"""The SageMaker Python SDK v2's HyperparameterTuner on an optml_sagemaker.Session: fit(), wait(),
best_training_job(), analytics().dataframe(), attach() and stop_tuning_job().

Runs only with OPTML_TEST_SAGEMAKER_SDK=1, where the `sagemaker` package (and pandas, for
analytics().dataframe()) is importable (see "Testing with the real SDK" in python/README.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import tarfile
import time
import unittest
from unittest import mock

from support import SDK_BARE_ENV, SDK_SKIP_REASON, SDK_WANTED, TempDirs, job_name, require_control_plane, sdk_missing

if SDK_WANTED:
    try:
        import pandas
        from sagemaker.estimator import Estimator
        from sagemaker.tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter

        import optml_sagemaker
    except ImportError as e:  # fail, not skip: the run asked for these tests
        raise sdk_missing(e, "the SageMaker Python SDK (with pandas)") from e

# loss = (x - 0.3)^2 + (0 if optimizer == "adam" else 0.5) + layers / 100, reached at the last
# epoch; a model file saying what it was trained with.
OBJECTIVE = """
import json, os, time
hp = json.loads(os.environ["SM_HPS"])
x, layers, optimizer = float(hp["x"]), int(hp["layers"]), hp["optimizer"]
epochs = int(hp.get("epochs", 1))
final = (x - 0.3) ** 2 + (0 if optimizer == "adam" else 0.5) + layers / 100
for e in range(1, epochs + 1):
    time.sleep(float(hp.get("pause", 0)))
    print(f"epoch {e} loss={final + (epochs - e) / epochs:.6f}", flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w").write(f"x={x} layers={layers} optimizer={optimizer}")
"""

def ranges() -> dict:
    return {"x": ContinuousParameter(0, 1), "layers": IntegerParameter(1, 4), "optimizer": CategoricalParameter(["adam", "sgd"])}


def loss(t) -> float:
    return (float(t["x"]) - 0.3) ** 2 + (0 if t["optimizer"] == "adam" else 0.5) + int(t["layers"]) / 100


@unittest.skipUnless(SDK_WANTED, SDK_SKIP_REASON)
class SdkTuner(unittest.TestCase):
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

    def tuner(self, max_jobs: int, parallel: int, **hyperparameters) -> HyperparameterTuner:
        code = self.dirs.dir(job_name("code"), {"objective.py": OBJECTIVE})
        estimator = Estimator(
            image_uri="python:3.11",
            role="SageMakerRole",
            instance_count=1,
            instance_type="ml.m5.large",
            entry_point="objective.py",
            source_dir=code,
            sagemaker_session=self.session,
            hyperparameters=hyperparameters,
        )
        return HyperparameterTuner(
            estimator,
            objective_metric_name="loss",
            objective_type="Minimize",
            hyperparameter_ranges=ranges(),
            metric_definitions=[{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
            strategy="Random",
            random_seed=17,
            max_jobs=max_jobs,
            max_parallel_jobs=parallel,
        )

    def tuning_name(self, prefix: str) -> str:
        # Tuning job names have at most 32 characters.
        return f"{prefix}-{int(time.time() * 1000) % 10**9}"

    def test_fit_wait_best_training_job_analytics_and_attach(self):
        tuner = self.tuner(max_jobs=4, parallel=2, epochs=2)
        name = self.tuning_name("sdk-tune")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            tuner.fit(job_name=name, wait=False)
            tuner.wait()
        self.assertRegex(printed.getvalue(), r"^\.*!\n$", "the SDK's marks: a dot a second while InProgress, ! at Completed")
        desc = tuner.describe()
        self.assertEqual(desc["HyperParameterTuningJobStatus"], "Completed")
        self.assertEqual(desc["TrainingJobStatusCounters"]["Completed"], 4)

        trials = self.session.sagemaker_client.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["TrainingJobSummaries"]
        self.assertEqual(len(trials), 4)
        best = min(trials, key=lambda t: loss(t["TunedHyperParameters"]))
        self.assertEqual(tuner.best_training_job(), best["TrainingJobName"])

        df = tuner.analytics().dataframe()
        self.assertIsInstance(df, pandas.DataFrame)
        self.assertEqual(len(df), 4)
        for column in ("x", "layers", "optimizer", "TrainingJobName", "TrainingJobStatus", "FinalObjectiveValue", "TrainingStartTime", "TrainingEndTime", "TrainingElapsedTimeSeconds"):
            self.assertIn(column, df.columns)
        self.assertEqual(sorted(df["TrainingJobName"]), sorted(t["TrainingJobName"] for t in trials))
        self.assertEqual(set(df["TrainingJobStatus"]), {"Completed"})
        for _, row in df.iterrows():
            self.assertAlmostEqual(row["FinalObjectiveValue"], loss(row), places=5)
            self.assertGreaterEqual(row["TrainingElapsedTimeSeconds"], 0)
        self.assertEqual(df.loc[df["FinalObjectiveValue"].idxmin(), "TrainingJobName"], best["TrainingJobName"])
        ranges = tuner.analytics().tuning_ranges
        self.assertEqual(ranges["optimizer"]["Values"], ["adam", "sgd"])
        self.assertEqual((ranges["layers"]["MinValue"], ranges["layers"]["MaxValue"]), ("1", "4"))

        attached = HyperparameterTuner.attach(name, sagemaker_session=self.session)
        self.assertEqual(attached.best_training_job(), best["TrainingJobName"])
        self.assertEqual((attached.objective_metric_name, attached.objective_type), ("loss", "Minimize"))
        self.assertEqual((attached.max_jobs, attached.max_parallel_jobs, attached.strategy), (4, 2, "Random"))
        self.assertEqual(sorted(attached._hyperparameter_ranges), ["layers", "optimizer", "x"])
        self.assertIsInstance(attached.estimator, Estimator)
        self.assertEqual(attached.estimator.image_uri, "python:3.11")

        # The best job's model, through the estimator attached to it.
        with contextlib.redirect_stdout(io.StringIO()):
            estimator = attached.best_estimator()
        self.assertTrue(estimator.model_data.startswith("file://" + self.out + "/"), estimator.model_data)
        with tarfile.open(estimator.model_data[len("file://"):]) as tar:
            model = tar.extractfile("model.txt").read().decode()
        tuned = best["TunedHyperParameters"]
        self.assertIn(f"layers={tuned['layers']}", model)
        self.assertIn(f"optimizer={tuned['optimizer']}", model)

    def test_stop_tuning_job(self):
        tuner = self.tuner(max_jobs=6, parallel=2, epochs=300, pause=0.2)
        name = self.tuning_name("sdk-stop")
        tuner.fit(job_name=name, wait=False)
        client = self.session.sagemaker_client
        deadline = time.monotonic() + 60
        while True:
            trials = client.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["TrainingJobSummaries"]
            if len(trials) == 2 and all(t["TrainingJobStatus"] == "InProgress" for t in trials):
                break
            self.assertLess(time.monotonic(), deadline, f"the trials did not start: {trials}")
            time.sleep(0.1)
        # Their programs run.
        logs, group = self.session.boto_session.client("logs"), "/aws/sagemaker/TrainingJobs"
        for t in trials:
            while not any(
                e["message"].startswith("epoch 1 ")
                for s in logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=t["TrainingJobName"] + "/")["logStreams"]
                for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True)["events"]
            ):
                self.assertLess(time.monotonic(), deadline, f"{t['TrainingJobName']} did not print its first epoch")
                time.sleep(0.1)
        tuner.stop_tuning_job()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), self.assertLogs("sagemaker", "WARNING") as warned:
            tuner.wait()
        self.assertRegex(printed.getvalue(), r"^[_.]*s\n$", "the SDK's marks: _ while Stopping, s at Stopped")
        self.assertIn("Job ended with status 'Stopped' rather than 'Completed'", "\n".join(warned.output))
        desc = tuner.describe()
        self.assertEqual(desc["HyperParameterTuningJobStatus"], "Stopped")
        self.assertEqual(desc["TrainingJobStatusCounters"]["Stopped"], 2)
        df = tuner.analytics().dataframe(force_refresh=True)
        self.assertEqual(set(df["TrainingJobStatus"]), {"Stopped"})


if __name__ == "__main__":
    unittest.main()
