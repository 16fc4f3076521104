"""``optml_sagemaker.Session``: a ``sagemaker.Session`` for an optml control plane."""

from __future__ import annotations

import os
import sys
import time
from typing import Optional

import sagemaker
import sagemaker.logs
import sagemaker.session as sdk_session

from .control_plane import ControlPlane, OptmlBotoSession, find_control_plane
from .local_code import file_uri, localize_training_request, localize_tuning_request
from .tailing import (
    ENDED_STATUSES,
    PROCESSING_LOG_GROUP,
    TRAINING_LOG_GROUP,
    LogTail,
    fast_poll,
    host_count,
    poll_delays,
    wait_until,
)

#: The account in the ARNs optml makes.
OPTML_ACCOUNT = "000000000000"
#: A progress mark (dot) at most this often while a job has written nothing yet.
DOT_SECONDS = 1.0


class Session(sagemaker.Session):
    """A ``sagemaker.Session`` whose SageMaker, CloudWatch Logs and CloudWatch clients talk to optml.

    Args (besides ``sagemaker.Session``'s):
        control_plane: where optml is (default: found as the optml CLI finds it).
        local_code: run code and data from this machine, with no S3: ``source_dir`` and
            ``file://`` channels are sent as ``file://`` URIs. Default: when the standard AWS
            configuration has no credentials and no default bucket is given (no S3 to use).
            False: code is uploaded to S3 exactly as ``sagemaker.Session`` does.
        output_dir: where jobs without an ``output_path`` write their output when ``local_code``
            (default: ``./optml-out``, as ``optml run``).
    """

    def __init__(
        self,
        boto_session=None,
        sagemaker_client=None,
        sagemaker_runtime_client=None,
        sagemaker_featurestore_runtime_client=None,
        default_bucket=None,
        settings=None,
        sagemaker_metrics_client=None,
        sagemaker_config: Optional[dict] = None,
        default_bucket_prefix: Optional[str] = None,
        control_plane: Optional[ControlPlane] = None,
        local_code: Optional[bool] = None,
        output_dir: Optional[str] = None,
    ):
        self.control_plane = control_plane or find_control_plane()
        if boto_session is None:
            boto_session = OptmlBotoSession(self.control_plane.endpoint)
        elif not isinstance(boto_session, OptmlBotoSession):
            # The caller's profile, keys and region, with optml's services pointed at optml.
            boto_session = OptmlBotoSession.like(self.control_plane.endpoint, boto_session)
        super().__init__(
            boto_session=boto_session,
            sagemaker_client=sagemaker_client,
            sagemaker_runtime_client=sagemaker_runtime_client,
            sagemaker_featurestore_runtime_client=sagemaker_featurestore_runtime_client,
            default_bucket=default_bucket,
            settings=settings,
            sagemaker_metrics_client=sagemaker_metrics_client,
            sagemaker_config=sagemaker_config,
            default_bucket_prefix=default_bucket_prefix,
        )
        if local_code is None:
            local_code = not boto_session.has_own_credentials and self._default_bucket_name_override is None
        self.local_code = bool(local_code)
        self.output_uri = file_uri(output_dir or os.path.join(os.getcwd(), "optml-out"))
        if self.local_code:
            # The SDK's own local-code path: it then sends source_dir and file:// inputs as
            # file:// URIs instead of uploading them to S3.
            self.local_mode = True
            self.config = {"local": {"local_code": True}}
        self.sagemaker_client.meta.events.register(
            "provide-client-params.sagemaker.CreateTrainingJob", self._localize_training_request
        )
        self.sagemaker_client.meta.events.register(
            "provide-client-params.sagemaker.CreateHyperParameterTuningJob", self._localize_tuning_request
        )

    def _localize_training_request(self, params, **_kwargs):
        return localize_training_request(params, self.output_uri) if self.local_code else params

    def _localize_tuning_request(self, params, **_kwargs):
        return localize_tuning_request(params, self.output_uri) if self.local_code else params

    def _require_s3(self, what: str) -> None:
        if not self.boto_session.has_own_credentials:
            raise ValueError(
                f"{what} needs S3, and this optml_sagemaker.Session has none (no AWS credentials were found): "
                "give the estimator local paths instead (source_dir, file:// inputs, a file:// output_path), "
                "or configure S3 the standard way (credentials, and AWS_ENDPOINT_URL_S3 for MinIO or moto) "
                "and create the Session with local_code=False"
            )

    def default_bucket(self):
        """The SDK's default bucket, where S3 is configured; else a ValueError saying what to do
        (rather than requests to AWS signed with placeholder keys)."""
        self._require_s3("The default bucket")
        return super().default_bucket()

    def account_id(self) -> str:
        """The account of the AWS credentials (STS), where there are some; else a ValueError."""
        self._require_s3("The AWS account id")
        return super().account_id()

    def expand_role(self, role):
        """A role name as an IAM role ARN in optml's account (no IAM call: optml keeps no roles)."""
        if role is None or "/" in role:
            return role
        return f"arn:aws:iam::{OPTML_ACCOUNT}:role/{role}"

    # -- training ---------------------------------------------------------------------------

    def wait_for_job(self, job, poll=5):
        """Wait for a training job to end, polling at most 0.1 s apart; the SDK's progress output."""
        last = {"desc": None}

        def done():
            desc = self.sagemaker_client.describe_training_job(TrainingJobName=job)
            if sdk_session.secondary_training_status_changed(desc, last["desc"]):
                print()
                print(sdk_session.secondary_training_status_message(desc, last["desc"]), end="")
                sys.stdout.flush()
            last["desc"] = desc
            if desc["TrainingJobStatus"] in ("InProgress", "Created", "Stopping"):
                return None
            print()
            return desc

        desc = wait_until(done, poll)
        sdk_session._check_job_status(job, desc, "TrainingJobStatus")
        return desc

    def logs_for_job(self, job_name, wait=False, poll=10, log_type="All", timeout=None):
        """Print a training job's log lines as they arrive, every host's, until it ends if ``wait``.

        The SDK's output (status messages, one color per host on a terminal, rule statuses,
        training seconds) and exceptions (``UnexpectedStatusException`` with the failure reason).
        """
        return _follow(self, "Training", job_name, wait, fast_poll(poll), log_type, timeout)

    # -- processing -------------------------------------------------------------------------

    def wait_for_processing_job(self, job, poll=5):
        """Wait for a processing job to end, polling at most 0.1 s apart."""
        describe = lambda: self.sagemaker_client.describe_processing_job(ProcessingJobName=job)  # noqa: E731
        desc = _wait_marking(describe, "ProcessingJobStatus", ("InProgress", "Stopping", "Starting"), poll)
        sdk_session._check_job_status(job, desc, "ProcessingJobStatus")
        return desc

    def logs_for_processing_job(self, job_name, wait=False, poll=10):
        """Print a processing job's log lines as they arrive, until it ends if ``wait``."""
        return _follow(self, "Processing", job_name, wait, fast_poll(poll), "All", None)

    # -- tuning -----------------------------------------------------------------------------

    def wait_for_tuning_job(self, job, poll=5):
        """Wait for a hyperparameter tuning job to end, polling at most 0.1 s apart."""
        describe = lambda: self.sagemaker_client.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)  # noqa: E731
        desc = _wait_marking(describe, "HyperParameterTuningJobStatus", ("InProgress", "Stopping"), poll)
        sdk_session._check_job_status(job, desc, "HyperParameterTuningJobStatus")
        return desc


#: The SDK's one-character marks of a job's status while it waits for processing and tuning jobs.
STATUS_MARKS = {"Completed": "!", "InProgress": ".", "Failed": "*", "Stopped": "s", "Stopping": "_"}


def _wait_marking(describe, status_key, in_progress, poll):
    """Describe until the status leaves ``in_progress``, printing the SDK's status marks (at most
    one a second while it waits, however fast it polls); the last description."""
    out = _Output()

    def done():
        desc = describe()
        status = desc[status_key]
        if status in in_progress:
            out.mark(STATUS_MARKS.get(status, "?"))
            return None
        out.partial(STATUS_MARKS.get(status, "?"))
        out.end_line()
        return desc

    return wait_until(done, poll)


def _send_telemetry_unless_optml(status, feature_list, session, *args, **kwargs):
    """The SDK's telemetry request, never made for an optml Session: nothing about a job run on
    this machine is sent anywhere. (Its own opt-out, TelemetryOptOut in the SDK defaults config,
    makes the SDK validate the whole config against its schema at each of the ~20 lookups of a
    fit(), about 0.5 s: too slow to set for every user.)"""
    if isinstance(session, Session):
        return None
    return _sdk_send_telemetry(status, feature_list, session, *args, **kwargs)


try:
    from sagemaker.telemetry import telemetry_logging as _telemetry
except ImportError:  # an SDK v2 release from before telemetry
    _telemetry = None
if _telemetry is not None and hasattr(_telemetry, "_send_telemetry_request"):
    _sdk_send_telemetry = _telemetry._send_telemetry_request
    _telemetry._send_telemetry_request = _send_telemetry_unless_optml


def _print_rule_statuses(out, desc, last, key):
    statuses = desc.get(key, {})
    if statuses and sdk_session._rule_statuses_changed(statuses, last):
        out.end_line()
        for status in statuses:
            print(f"{status['RuleConfigurationName']}: {status['RuleEvaluationStatus']}")
        return statuses
    return last


def _follow(session: Session, kind: str, job_name: str, wait: bool, poll: float, log_type: str, timeout):
    """The SDK's ``_logs_for_job`` / ``logs_for_processing_job``, without its sleeps.

    Each round reads every host's new lines, then prints what changed in the job's status, so a
    status follows the lines written before it; after the job ends its streams are read once more.
    """
    client = session.sagemaker_client
    if kind == "Training":
        describe = lambda: client.describe_training_job(TrainingJobName=job_name)  # noqa: E731
        status_key, log_group = "TrainingJobStatus", TRAINING_LOG_GROUP
    else:
        describe = lambda: client.describe_processing_job(ProcessingJobName=job_name)  # noqa: E731
        status_key, log_group = "ProcessingJobStatus", PROCESSING_LOG_GROUP
    deadline = time.time() + timeout if timeout else None
    description = describe()
    out = _Output()
    if kind == "Training":
        out.partial(sdk_session.secondary_training_status_message(description, None))
    hosts = host_count(description, kind)
    tail = LogTail(session.boto_session.client("logs"), log_group, job_name, hosts)
    color_wrap = sagemaker.logs.ColorWrap()
    last_description = description
    last_rules = {"DebugRuleEvaluationStatuses": None, "ProfilerRuleEvaluationStatuses": None}
    ended = description[status_key] in ENDED_STATUSES
    delays = poll_delays(poll)
    while True:
        events = tail.poll()
        if tail.streams:
            for index, event in events:
                out.end_line()
                color_wrap(index, event["message"])
        else:
            out.mark()
        if kind == "Training":
            if sdk_session.secondary_training_status_changed(description, last_description):
                out.end_line()
                out.partial(sdk_session.secondary_training_status_message(description, last_description))
                last_description = description
            if log_type in ("All", "Rules"):
                for key in last_rules:
                    last_rules[key] = _print_rule_statuses(out, description, last_rules[key], key)
        if deadline is not None and time.time() > deadline:
            out.end_line()
            print("Timeout Exceeded. {} seconds elapsed.".format(timeout))
            break
        if ended or not wait:
            break
        time.sleep(next(delays))
        description = describe()
        ended = description[status_key] in ENDED_STATUSES
    out.end_line()
    if wait:
        sdk_session._check_job_status(job_name, description, status_key)
        if kind == "Training":
            _print_billing(description, hosts)
    return last_description


class _Output:
    """Standard output with the SDK's partial lines (a status message, progress dots) closed
    before the next full line."""

    def __init__(self):
        self.open = False
        self.last_mark = 0.0

    def partial(self, text: str) -> None:
        print(text, end="")
        sys.stdout.flush()
        self.open = True

    def mark(self, text: str = ".") -> None:
        """A progress mark, at most one every DOT_SECONDS."""
        if time.monotonic() - self.last_mark >= DOT_SECONDS:
            self.last_mark = time.monotonic()
            self.partial(text)

    def end_line(self) -> None:
        if self.open:
            print()
            self.open = False


def _print_billing(description, hosts):
    training_time = description.get("TrainingTimeInSeconds")
    billable_time = description.get("BillableTimeInSeconds")
    if training_time is not None:
        print("Training seconds:", training_time * hosts)
    if billable_time is not None:
        print("Billable seconds:", billable_time * hosts)
        if description.get("EnableManagedSpotTraining") and training_time:
            saving = (1 - float(billable_time) / training_time) * 100
            print("Managed Spot Training savings: {:.1f}%".format(saving))
