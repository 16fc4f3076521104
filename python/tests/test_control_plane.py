"""Finding the control plane as the optml CLI does, and boto3 clients pointed at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import unittest
from unittest import mock

import boto3

import optml_sagemaker
from optml_sagemaker.control_plane import DEFAULT_ENDPOINT, OptmlBotoSession, find_control_plane

from support import TempDirs, endpoint, require_control_plane

# No credentials anywhere, and no instance metadata service to ask: what a fresh machine has.
BARE_ENV = {
    "AWS_CONFIG_FILE": "/nonexistent/optml-test/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/optml-test/credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
    "PATH": os.environ.get("PATH", ""),
}


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


class FindControlPlane(unittest.TestCase):
    def setUp(self):
        self.dirs = TempDirs()
        self.home = self.dirs.dir("home", {})

    def tearDown(self):
        self.dirs.close()

    def lease(self, record):
        """Written as the CLI writes it: whole, by a rename."""
        tmp = os.path.join(self.home, "control-plane.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(record if isinstance(record, str) else json.dumps(record))
        os.replace(tmp, os.path.join(self.home, "control-plane.json"))

    def test_optml_endpoint_comes_first(self):
        self.lease({"pid": os.getpid(), "endpoint": "http://127.0.0.1:1111", "by": "optml serve"})
        found = find_control_plane({"OPTML_ENDPOINT": "http://127.0.0.1:2222/", "OPTML_HOME": self.home})
        self.assertEqual((found.endpoint, found.found_by), ("http://127.0.0.1:2222", "OPTML_ENDPOINT"))

    def test_the_lease_of_a_live_holder_in_optml_home(self):
        self.lease({"pid": os.getpid(), "endpoint": "http://127.0.0.1:1111", "by": "optml serve", "since": "x"})
        found = find_control_plane({"OPTML_HOME": self.home})
        self.assertEqual(found.endpoint, "http://127.0.0.1:1111")
        self.assertEqual(found.found_by, os.path.join(self.home, "control-plane.json"))

    def test_home_defaults_to_dot_optml_in_the_users_home(self):
        os.makedirs(os.path.join(self.dirs.root, ".optml"))
        self.home = os.path.join(self.dirs.root, ".optml")
        self.lease({"pid": os.getpid(), "endpoint": "http://127.0.0.1:3333"})
        with mock.patch.dict(os.environ, {"HOME": self.dirs.root}, clear=True):
            self.assertEqual(find_control_plane().endpoint, "http://127.0.0.1:3333")

    def test_a_dead_holder_a_starting_holder_or_no_lease_mean_the_default_port(self):
        self.assertEqual(find_control_plane({"OPTML_HOME": self.home}), optml_sagemaker.ControlPlane(DEFAULT_ENDPOINT, "default"))
        self.lease({"pid": dead_pid(), "endpoint": "http://127.0.0.1:1111"})
        self.assertEqual(find_control_plane({"OPTML_HOME": self.home}).endpoint, DEFAULT_ENDPOINT)
        self.lease("{not json")
        self.assertEqual(find_control_plane({"OPTML_HOME": self.home}).endpoint, DEFAULT_ENDPOINT)


    def test_a_starting_holder_is_waited_for_then_named(self):
        self.lease({"pid": os.getpid(), "endpoint": None, "by": "optml train"})
        publish = threading.Timer(0.3, self.lease, [{"pid": os.getpid(), "endpoint": "http://127.0.0.1:6666", "by": "optml train"}])
        publish.start()
        try:
            self.assertEqual(find_control_plane({"OPTML_HOME": self.home}, wait_seconds=30).endpoint, "http://127.0.0.1:6666")
        finally:
            publish.join()
        self.lease({"pid": os.getpid(), "endpoint": None, "by": "optml train"})
        with self.assertRaisesRegex(RuntimeError, f"process {os.getpid()} \\(optml train\\) holds .* has not started listening"):
            find_control_plane({"OPTML_HOME": self.home}, wait_seconds=0.2)


class BotoSession(unittest.TestCase):
    def test_optml_services_go_to_the_control_plane_and_s3_stays_standard(self):
        with mock.patch.dict(os.environ, BARE_ENV, clear=True):
            session = OptmlBotoSession("http://127.0.0.1:4444")
            for service in ("sagemaker", "logs", "cloudwatch"):
                self.assertEqual(session.client(service).meta.endpoint_url, "http://127.0.0.1:4444", service)
            self.assertEqual(session.client("s3").meta.endpoint_url, "https://s3.amazonaws.com")
            self.assertEqual(session.client("sagemaker", endpoint_url="http://127.0.0.1:5555").meta.endpoint_url, "http://127.0.0.1:5555")

    def test_placeholder_keys_and_region_only_where_the_standard_chain_has_none(self):
        with mock.patch.dict(os.environ, BARE_ENV, clear=True):
            bare = OptmlBotoSession("http://127.0.0.1:4444")
            self.assertFalse(bare.has_own_credentials)
            self.assertEqual(bare.get_credentials().access_key, "optml")
            self.assertEqual(bare.region_name, "us-east-1")
        keyed = {**BARE_ENV, "AWS_ACCESS_KEY_ID": "AKIDUSER", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "eu-west-1"}
        with mock.patch.dict(os.environ, keyed, clear=True):
            own = OptmlBotoSession("http://127.0.0.1:4444")
            self.assertTrue(own.has_own_credentials)
            self.assertEqual(own.get_credentials().access_key, "AKIDUSER")
            self.assertEqual(own.region_name, "eu-west-1")

    def test_like_takes_a_given_sessions_keys_and_region_and_leaves_it_alone(self):
        with mock.patch.dict(os.environ, BARE_ENV, clear=True):
            given = boto3.Session(aws_access_key_id="AKIDGIVEN", aws_secret_access_key="s", aws_session_token="t", region_name="ap-south-1")
            made = OptmlBotoSession.like("http://127.0.0.1:4444", given)
            self.assertTrue(made.has_own_credentials)
            self.assertEqual((made.get_credentials().access_key, made.get_credentials().token), ("AKIDGIVEN", "t"))
            self.assertEqual(made.region_name, "ap-south-1")
            self.assertEqual(made.client("sagemaker").meta.endpoint_url, "http://127.0.0.1:4444")
            self.assertEqual(given.client("sagemaker").meta.endpoint_url, "https://api.sagemaker.ap-south-1.amazonaws.com")
            given.client("s3"), made.client("s3")  # each session makes its own S3 client

    def test_the_instance_metadata_service_is_not_asked_by_default(self):
        with mock.patch.dict(os.environ, BARE_ENV, clear=True):
            chain = OptmlBotoSession("http://127.0.0.1:4444")._session.get_component("credential_provider")
            self.assertFalse(_has(chain, "iam-role"))
            asked = OptmlBotoSession("http://127.0.0.1:4444", instance_metadata=True)._session.get_component("credential_provider")
            self.assertTrue(_has(asked, "iam-role"))


def _has(chain, name) -> bool:
    return any(p.METHOD == name for p in chain.providers)


class RealControlPlane(unittest.TestCase):
    def test_found_through_its_lease_and_answering(self):
        home = require_control_plane()
        found = find_control_plane({"OPTML_HOME": home})
        self.assertEqual(found.found_by, os.path.join(home, "control-plane.json"))
        self.assertEqual(found.endpoint, endpoint())
        with mock.patch.dict(os.environ, {**BARE_ENV, "OPTML_HOME": home}, clear=True):
            sagemaker = optml_sagemaker.boto_session().client("sagemaker")
            self.assertIn("TrainingJobSummaries", sagemaker.list_training_jobs(MaxResults=1))


if __name__ == "__main__":
    unittest.main()
