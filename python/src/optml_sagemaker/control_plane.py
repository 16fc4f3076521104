"""Where the optml control plane is, and a boto3 session whose clients talk to it.

The control plane is found the way the optml CLI finds it:
1. ``OPTML_ENDPOINT``;
2. else the control plane that serves the state directory (``OPTML_HOME``, default ``~/.optml``):
   ``<home>/control-plane.json``, written by ``optml serve`` (or by any optml command running an
   embedded control plane) with its pid and endpoint, while that process lives;
3. else ``http://127.0.0.1:7077`` (``optml serve``'s default port).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

import boto3
import botocore.config
import botocore.credentials

LEASE_FILE = "control-plane.json"
DEFAULT_ENDPOINT = "http://127.0.0.1:7077"
DEFAULT_REGION = "us-east-1"
#: The services optml speaks; their clients are pointed at the control plane.
OPTML_SERVICES = ("sagemaker", "logs", "cloudwatch")
#: Keys that sign requests when the standard chain finds none: a control plane started without
#: ``--auth`` accepts any.
PLACEHOLDER_KEYS = ("optml", "optml")
#: How long a control plane that is starting is waited for (the CLI's wait).
STARTING_WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class ControlPlane:
    endpoint: str
    #: How it was found, for messages: "OPTML_ENDPOINT", the lease file's path, or "default".
    found_by: str


def default_home(env: Mapping[str, str]) -> str:
    return env.get("OPTML_HOME") or os.path.join(os.path.expanduser("~"), ".optml")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except (ProcessLookupError, OSError):
        return False


def _read_lease(lease_file: str) -> Optional[Tuple[int, Optional[str], str]]:
    """(pid, endpoint or None while starting, holder) of a live holder, or None."""
    try:
        with open(lease_file, encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("pid"), int) or not _alive(record["pid"]):
        return None
    endpoint = record.get("endpoint")
    return record["pid"], endpoint if isinstance(endpoint, str) and endpoint else None, str(record.get("by", "optml"))


def find_control_plane(
    env: Optional[Mapping[str, str]] = None, home: Optional[str] = None, wait_seconds: float = STARTING_WAIT_SECONDS
) -> ControlPlane:
    """The control plane the optml CLI would talk to, from ``env`` (default: ``os.environ``).

    A holder that is still starting (its lease has no endpoint yet) is waited for up to
    ``wait_seconds``, as the CLI waits; then a RuntimeError says so.
    """
    env = os.environ if env is None else env
    explicit = env.get("OPTML_ENDPOINT")
    if explicit:
        return ControlPlane(explicit.rstrip("/"), "OPTML_ENDPOINT")
    lease_file = os.path.join(home or default_home(env), LEASE_FILE)
    deadline = time.monotonic() + wait_seconds
    while True:
        lease = _read_lease(lease_file)
        if lease is None:
            return ControlPlane(DEFAULT_ENDPOINT, "default")
        pid, endpoint, by = lease
        if endpoint:
            return ControlPlane(endpoint.rstrip("/"), lease_file)
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"the optml control plane of process {pid} ({by}) holds {os.path.dirname(lease_file)} but has not "
                "started listening; wait for it, or stop that process"
            )
        time.sleep(0.05)


class OptmlBotoSession(boto3.session.Session):
    """A boto3 session whose SageMaker, CloudWatch Logs and CloudWatch clients talk to optml.

    Every other service (S3 above all) is left to the standard configuration, so a job's data can
    live in real S3, MinIO or moto exactly as with ``sagemaker.Session``.
    """

    def __init__(self, endpoint: str, instance_metadata: bool = False, credentials=None, **kwargs):
        """``instance_metadata``: also look for credentials at the EC2 instance metadata service
        (default False: optml runs on this machine, and looking there costs a timeout off EC2).
        ``credentials``: botocore credentials to sign with instead of the standard chain's."""
        super().__init__(**kwargs)
        self.optml_endpoint = endpoint
        if credentials is not None:
            given = _GivenCredentials(credentials)
            self._session.register_component("credential_provider", botocore.credentials.CredentialResolver([given]))
        elif not instance_metadata:
            self._session.get_component("credential_provider").remove("iam-role")
        #: Whether credentials were found (False: the placeholder keys sign).
        self.has_own_credentials = True
        if self.get_credentials() is None:
            self.has_own_credentials = False
            # Keep the botocore session (and its loaded models); only the keys change.
            self._session.set_credentials(*PLACEHOLDER_KEYS)
        if self.region_name is None:
            self._session.set_config_variable("region", DEFAULT_REGION)

    @classmethod
    def like(cls, endpoint: str, given: boto3.session.Session) -> "OptmlBotoSession":
        """A session with ``given``'s profile, region and credentials (``given`` is left as it is)."""
        return cls(
            endpoint,
            credentials=given.get_credentials(),
            region_name=given.region_name,
            profile_name=given._session.profile,  # None unless chosen (argument or AWS_PROFILE)
        )

    def client(self, service_name, *args, **kwargs):  # noqa: D102 - boto3's signature
        if service_name in OPTML_SERVICES and not kwargs.get("endpoint_url") and len(args) < 3:
            kwargs["endpoint_url"] = self.optml_endpoint
            # One attempt, short connect timeout: the control plane is local, and a retry only
            # hides that it is not running.
            local = botocore.config.Config(connect_timeout=5, retries={"max_attempts": 1, "mode": "standard"})
            given = kwargs.get("config")
            kwargs["config"] = local.merge(given) if given is not None else local
        return super().client(service_name, *args, **kwargs)


class _GivenCredentials(botocore.credentials.CredentialProvider):
    METHOD = "given"

    def __init__(self, credentials):
        super().__init__()
        self._credentials = credentials

    def load(self):
        return self._credentials


def boto_session(control_plane: Optional[ControlPlane] = None, **kwargs) -> OptmlBotoSession:
    """A boto3 session pointed at ``control_plane`` (default: :func:`find_control_plane`)."""
    control_plane = control_plane or find_control_plane()
    return OptmlBotoSession(control_plane.endpoint, **kwargs)
