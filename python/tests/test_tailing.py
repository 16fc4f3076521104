"""Fast waits and per-host log streaming, with boto3 against a real control plane."""

from __future__ import annotations

import unittest

from optml_sagemaker.tailing import MAX_POLL_SECONDS, TRAINING_LOG_GROUP, LogTail, fast_poll, host_count, poll_delays, wait_until

from support import TempDirs, clients, is_root, job_name, script_mode_request, wait_for_end

COUNTING = """
import os, sys, time
host = os.environ["SM_CURRENT_HOST"]
for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 30):
    print(f"{host} line {i}", flush=True)
    time.sleep(0.01)
"""


class Polling(unittest.TestCase):
    def test_delays_start_short_and_never_exceed_the_cap(self):
        delays = poll_delays()
        first = [next(delays) for _ in range(10)]
        self.assertLess(first[0], MAX_POLL_SECONDS)
        self.assertEqual(first, sorted(first))
        self.assertEqual(max(first), MAX_POLL_SECONDS)
        self.assertEqual(fast_poll(5), MAX_POLL_SECONDS)
        self.assertEqual(fast_poll(0.05), 0.05)

    def test_wait_until_returns_the_first_answer_and_times_out(self):
        answers = iter([None, None, {"done": True}])
        self.assertEqual(wait_until(lambda: next(answers)), {"done": True})
        with self.assertRaises(TimeoutError):
            wait_until(lambda: None, timeout=0.1)

    def test_host_count_of_training_and_processing_descriptions(self):
        self.assertEqual(host_count({"ResourceConfig": {"InstanceCount": 3}}, "Training"), 3)
        groups = {"ResourceConfig": {"InstanceGroups": [{"InstanceCount": 2}, {"InstanceCount": 1}]}}
        self.assertEqual(host_count(groups, "Training"), 3)
        self.assertEqual(host_count({"ProcessingResources": {"ClusterConfig": {"InstanceCount": 2}}}, "Processing"), 2)
        with self.assertRaisesRegex(ValueError, "Training or Processing"):
            host_count({}, "Transform")


class Streaming(unittest.TestCase):
    def setUp(self):
        self.dirs = TempDirs()
        self.sagemaker, self.logs = clients()

    def tearDown(self):
        self.dirs.close()

    def follow(self, name: str, hosts: int):
        """Every event, read while the job runs, until it has ended and been read once more."""
        tail = LogTail(self.logs, TRAINING_LOG_GROUP, name, hosts)
        seen = []
        ended = False
        while True:
            batch = tail.poll()
            stamps = [e["timestamp"] for _, e in batch]
            self.assertEqual(stamps, sorted(stamps), "each read merges the hosts' new lines in time order")
            seen.extend(batch)
            if ended:
                return tail, seen
            status = wait_until(lambda: self.sagemaker.describe_training_job(TrainingJobName=name), timeout=5)
            ended = status["TrainingJobStatus"] in ("Completed", "Failed", "Stopped")

    def start(self, prefix: str, hosts: int) -> str:
        name = job_name(prefix)
        code = self.dirs.dir(f"code-{name}", {"count.py": COUNTING})
        self.sagemaker.create_training_job(**script_mode_request(name, code, "count.py", self.dirs.dir(f"out-{name}", {}), hosts))
        return name

    def user_lines(self, seen):
        return [(i, e["message"]) for i, e in seen if " line " in e["message"]]

    def test_every_line_once_in_order_while_the_job_runs(self):
        name = self.start("tail-one", 1)
        tail, seen = self.follow(name, 1)
        self.assertEqual(len(tail.streams), 1)
        self.assertTrue(tail.streams[0].startswith(name + "/algo-1-"), tail.streams)
        self.assertEqual(self.user_lines(seen), [(0, f"algo-1 line {i}") for i in range(30)])
        stamps = [e["timestamp"] for _, e in seen]
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(tail.poll(), [], "a finished job's streams have nothing new")
        self.assertEqual(wait_for_end(self.sagemaker, name)["TrainingJobStatus"], "Completed")

    def test_a_job_that_has_not_written_yet_has_no_streams(self):
        tail = LogTail(self.logs, TRAINING_LOG_GROUP, job_name("never-created"), 1)
        self.assertEqual((tail.poll(), tail.streams), ([], []))

    @unittest.skipUnless(is_root(), "multi-host jobs run in network namespaces, which need root")
    def test_each_host_has_its_index_in_stream_name_order(self):
        name = self.start("tail-two", 2)
        tail, seen = self.follow(name, 2)
        self.assertEqual([s.split("/")[1].rsplit("-", 1)[0] for s in tail.streams], ["algo-1", "algo-2"])
        lines = self.user_lines(seen)
        for index, host in enumerate(["algo-1", "algo-2"]):
            self.assertEqual([m for i, m in lines if i == index], [f"{host} line {n}" for n in range(30)])


if __name__ == "__main__":
    unittest.main()
