"""Estimator.fit() of a no-op script-mode job through the real SageMaker Python SDK v2: a plain
sagemaker.Session against optml_sagemaker.Session, on the same control plane, in the same run.

    OPTML_SAGEMAKER_PYTHON=/work/sdk-venv/bin/python   # a Python with the SDK (python/README.md)
    $OPTML_SAGEMAKER_PYTHON bench/sdk-fit.py [--runs 5]

Starts moto's S3 server (the machine's python3 -m moto.server) and `optml serve` on free loopback
ports, both stopped at the end. Sessions, each fitting the same job --runs times, in rounds:
- plain: sagemaker.Session pointed at optml the documented way (AWS_ENDPOINT_URL_SAGEMAKER and
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS), code uploaded to S3 (moto); its telemetry request itself (an
  HTTP GET to AWS) is replaced by a no-op, all the work before it is done;
- optml-s3: optml_sagemaker.Session(local_code=False), the same S3 requests as plain;
- optml-local: optml_sagemaker.Session() with local code: no S3 at all.
Prints, per session, the median fit() time and the median time from fit() to the script's first
log line on standard output, then the ratios against plain.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "python", "src"))
MARK = "no-op job starts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, proc: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start in {timeout} s")


def answering(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).read()
        return True
    except OSError:
        return False


def published(home: str):
    try:
        with open(os.path.join(home, "control-plane.json"), encoding="utf-8") as f:
            return json.load(f).get("endpoint")
    except (OSError, ValueError):
        return None


class FirstLine(io.TextIOBase):
    """Standard output that remembers when the job's first line was printed."""

    def __init__(self, since: float):
        self.since = since
        self.first = None

    def write(self, s):
        if self.first is None and MARK in s:
            self.first = time.perf_counter() - self.since
        return len(s)


def fit_once(make_session, code: str, inputs: dict, name: str):
    from sagemaker.estimator import Estimator

    session = make_session()
    est = Estimator(
        image_uri="python:3.11", role="arn:aws:iam::000000000000:role/SageMakerRole", instance_count=1,
        instance_type="ml.m5.large", entry_point="noop.py", source_dir=code, sagemaker_session=session,
    )
    start = time.perf_counter()
    out = FirstLine(start)
    saved, sys.stdout = sys.stdout, out
    try:
        est.fit(inputs, job_name=name)
    finally:
        sys.stdout = saved
    return time.perf_counter() - start, out.first


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="optml-bench-sdk-")
    s3_endpoint = f"http://127.0.0.1:{free_port()}"
    moto = subprocess.Popen(["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", s3_endpoint.rsplit(":", 1)[1]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        wait_for("moto.server", lambda: answering(s3_endpoint), moto)
        aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
        home = os.path.join(root, "home")
        serve = subprocess.Popen(
            ["node", os.path.join(REPO, "packages/cli/bin/optml.js"), "serve", "--port", "0", "--home", home],
            env={**os.environ, **aws, "AWS_ENDPOINT_URL_S3": s3_endpoint}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        endpoint = wait_for("optml serve", lambda: published(home), serve)
        # This process: S3 (and STS, for the default bucket's owner) on moto; SageMaker and
        # CloudWatch Logs on optml the documented way, for the plain session.
        os.environ.update({**aws, "AWS_ENDPOINT_URL": s3_endpoint, "AWS_ENDPOINT_URL_SAGEMAKER": endpoint,
                           "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": endpoint, "AWS_EC2_METADATA_DISABLED": "true",
                           "OPTML_HOME": home, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"})
        os.environ.pop("OPTML_ENDPOINT", None)
        import logging

        import boto3
        import sagemaker

        import optml_sagemaker

        for name in ("sagemaker", "sagemaker.config", "botocore"):
            logging.getLogger(name).setLevel(logging.WARNING)
        # The plain session's telemetry runs as usual (its account from STS, here moto) up to the
        # HTTP request itself, which would leave this machine: that one call records instead.
        from sagemaker.telemetry import telemetry_logging

        telemetry_logging._requests_helper = lambda url, timeout: None
        bucket = "optml-bench"
        boto3.client("s3").create_bucket(Bucket=bucket)
        boto3.client("s3").put_object(Bucket=bucket, Key="data/rows.csv", Body=b"1,2\n")
        data = os.path.join(root, "data")
        os.makedirs(data)
        with open(os.path.join(data, "rows.csv"), "w") as f:
            f.write("1,2\n")
        code = os.path.join(root, "code")
        os.makedirs(code)
        with open(os.path.join(code, "noop.py"), "w") as f:
            f.write(f"print({MARK!r}, flush=True)\n")
        sessions = {
            "plain": (lambda: sagemaker.Session(default_bucket=bucket), {"train": f"s3://{bucket}/data/"}),
            "optml-s3": (lambda: optml_sagemaker.Session(default_bucket=bucket, local_code=False), {"train": f"s3://{bucket}/data/"}),
            "optml-local": (lambda: optml_sagemaker.Session(local_code=True, output_dir=os.path.join(root, "out")), {"train": "file://" + data}),
        }
        times = {k: [] for k in sessions}
        firsts = {k: [] for k in sessions}
        for run in range(args.runs):
            for kind, (make, inputs) in sessions.items():
                took, first = fit_once(make, code, inputs, f"bench-{kind}-{run}")
                times[kind].append(took)
                firsts[kind].append(first)
                print(f"run {run + 1} {kind:12s} fit {took:6.2f} s, first line {first:6.2f} s", file=sys.stderr)
        print(f"\nEstimator.fit() of a no-op script-mode job, median of {args.runs} (SageMaker Python SDK {sagemaker.__version__}):")
        plain_fit = statistics.median(times["plain"])
        plain_first = statistics.median(firsts["plain"])
        for kind in sessions:
            fit, first = statistics.median(times[kind]), statistics.median(firsts[kind])
            print(f"  {kind:12s} fit() {fit:5.2f} s ({plain_fit / fit:4.1f}x plain)   first log line {first:5.2f} s after fit() starts ({plain_first / first:4.1f}x plain)")
    finally:
        for proc in (serve, moto):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        subprocess.run(["rm", "-rf", root], check=False)


if __name__ == "__main__":
    main()
