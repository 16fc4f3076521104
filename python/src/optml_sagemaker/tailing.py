"""Fast waits and per-host log streaming for SageMaker jobs, with boto3 clients only.

The SageMaker Python SDK sleeps before its first Describe call (5 s), polls every 5 to 10 s and
describes every 30 s while streaming logs: right for a service whose jobs take minutes to
provision, far too slow for a control plane on this machine. Here every wait polls at most
:data:`MAX_POLL_SECONDS` apart and starts without sleeping.
"""

from __future__ import annotations

import time
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from botocore.exceptions import ClientError

#: The longest pause between two polls.
MAX_POLL_SECONDS = 0.1
#: The first pause: a job that ends quickly is seen ending quickly.
FIRST_POLL_SECONDS = 0.02

ENDED_STATUSES = ("Completed", "Failed", "Stopped")

#: Log groups of the job kinds, as SageMaker names them.
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
PROCESSING_LOG_GROUP = "/aws/sagemaker/ProcessingJobs"


def poll_delays(max_seconds: float = MAX_POLL_SECONDS) -> Iterator[float]:
    """Pauses between polls: from :data:`FIRST_POLL_SECONDS`, doubling, up to ``max_seconds``."""
    delay = min(FIRST_POLL_SECONDS, max_seconds)
    while True:
        yield delay
        delay = min(delay * 2, max_seconds)


def fast_poll(poll: Optional[float]) -> float:
    """The SDK's ``poll`` argument, capped at :data:`MAX_POLL_SECONDS`."""
    if poll is None or poll <= 0:
        return MAX_POLL_SECONDS
    return min(float(poll), MAX_POLL_SECONDS)


def wait_until(check: Callable[[], Optional[dict]], poll: Optional[float] = None, timeout: Optional[float] = None) -> dict:
    """Call ``check`` until it returns a value; first at once, then at most ``poll`` seconds apart.

    Raises TimeoutError after ``timeout`` seconds (None: no limit).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    for delay in poll_delays(fast_poll(poll)):
        result = check()
        if result is not None:
            return result
        if deadline is not None and time.monotonic() + delay > deadline:
            raise TimeoutError(f"still waiting after {timeout} s")
        time.sleep(delay)
    raise AssertionError("unreachable")


class LogTail:
    """The new log events of one job's streams (one per host), in time order across hosts.

    Streams are named ``<job>/<host>-<epoch>`` in the job kind's log group, as SageMaker names
    them; they appear when a host first writes, so they are looked for until there is one per host.
    Each stream is read forward with its own token, so no event is read twice or skipped.
    """

    def __init__(self, logs_client, log_group: str, job_name: str, host_count: int):
        self.client = logs_client
        self.log_group = log_group
        self.job_name = job_name
        self.host_count = max(1, int(host_count))
        #: Stream names, in name order (algo-1 first): an event's index is its host's place here.
        self.streams: List[str] = []
        self._tokens: Dict[str, Optional[str]] = {}

    def _find_streams(self) -> None:
        names: List[str] = []
        token = None
        try:
            while True:
                page = self.client.describe_log_streams(
                    logGroupName=self.log_group,
                    logStreamNamePrefix=self.job_name + "/",
                    orderBy="LogStreamName",
                    **({"nextToken": token} if token else {}),
                )
                names.extend(s["logStreamName"] for s in page.get("logStreams", []))
                token = page.get("nextToken")
                if not token:
                    break
        except ClientError as e:
            # No log group yet: nothing has been written by any job of this kind.
            if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            return
        for name in sorted(names):
            if name not in self._tokens:
                self._tokens[name] = None
        self.streams = sorted(self._tokens)

    def _read(self, stream: str) -> List[dict]:
        events: List[dict] = []
        while True:
            args = {"logGroupName": self.log_group, "logStreamName": stream, "startFromHead": True}
            token = self._tokens[stream]
            if token is not None:
                args["nextToken"] = token
            page = self.client.get_log_events(**args)
            batch = page.get("events", [])
            events.extend(batch)
            following = page.get("nextForwardToken")
            if following is not None:
                self._tokens[stream] = following
            # CloudWatch Logs ends a forward read by handing back the token it was given.
            if not batch or following is None or following == token:
                return events

    def poll(self) -> List[Tuple[int, dict]]:
        """The events written since the last poll, as (host index, event), oldest first."""
        if len(self.streams) < self.host_count:
            self._find_streams()
        found: List[Tuple[int, int, dict]] = []
        for index, stream in enumerate(self.streams):
            for order, event in enumerate(self._read(stream)):
                found.append((index, order, event))
        found.sort(key=lambda f: (f[2]["timestamp"], f[0], f[1]))
        return [(index, event) for index, _, event in found]


def host_count(description: dict, kind: str) -> int:
    """How many hosts a job has, from its Describe response (``kind``: Training or Processing)."""
    if kind == "Training":
        config = description.get("ResourceConfig", {})
        groups = config.get("InstanceGroups")
        if groups:
            return sum(int(g.get("InstanceCount", 0)) for g in groups)
        return int(config.get("InstanceCount", 1))
    if kind == "Processing":
        return int(description.get("ProcessingResources", {}).get("ClusterConfig", {}).get("InstanceCount", 1))
    raise ValueError(f"no hosts known for job kind {kind!r}: use Training or Processing")
