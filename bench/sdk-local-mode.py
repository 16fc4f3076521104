"""SageMaker Python SDK local mode's start for a toolkit-image job with local code: the time from
Estimator.fit() to the script's first line, as bench/container.mts measures optml's. The SDK's own
local mode (instance_type "local", local_code: no S3) runs the image with docker-compose.

    /work/sdk-venv/bin/python bench/sdk-local-mode.py --image optml-test/sagemaker-toolkit:local [--runs 3]

Needs the SDK v2 (python/README.md), docker-compose (Debian's `docker-compose`) and the image.
Prints one line: `sdk-local-mode median_ms min_ms max_ms runs`. The SDK's telemetry request (to
AWS, unreachable here) is replaced by a no-op.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MARK = "first line"


class FirstLine(io.TextIOBase):
    """stdout that notes when MARK first appears (the SDK prints the containers' output)."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: float | None = None
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            if self.seen is None and MARK in text:
                self.seen = time.monotonic()
        return len(text)

    def flush(self) -> None:
        pass


def docker(*args: str) -> list[str]:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout.split()


def compose_containers(image: str) -> set[str]:
    return set(docker("ps", "-aq", "--filter", f"ancestor={image}", "--filter", "label=com.docker.compose.project"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["SAGEMAKER_DISABLE_TELEMETRY"] = "true"
    from sagemaker.estimator import Estimator
    from sagemaker.local import LocalSession
    from sagemaker.telemetry import telemetry_logging

    # The SDK's telemetry GET to AWS (after the work it reports on) cannot be reached from here.
    telemetry_logging._requests_helper = lambda url, timeout: None

    root = tempfile.mkdtemp(prefix="optml-bench-sdk-local-")
    code = os.path.join(root, "code")
    os.makedirs(code)
    with open(os.path.join(code, "train.py"), "w") as f:
        f.write(f'print("{MARK}", flush=True)\n')
    # What the SDK's docker-compose leaves (the exited containers, its sagemaker-local network) goes at the end.
    before = compose_containers(args.image)
    had_network = "sagemaker-local" in docker("network", "ls", "--format", "{{.Name}}")
    session = LocalSession()
    session.config = {"local": {"local_code": True}}
    try:
        times = []
        for i in range(args.runs + 1):  # the first is a warm-up
            estimator = Estimator(
                image_uri=args.image,
                role="arn:aws:iam::123456789012:role/Bench",
                instance_count=1,
                instance_type="local",
                entry_point="train.py",
                source_dir=code,
                output_path=f"file://{root}/out",
                sagemaker_session=session,
            )
            out = FirstLine(sys.stdout)
            saved = sys.stdout
            sys.stdout = out
            t0 = time.monotonic()
            try:
                estimator.fit(wait=True, logs=True)
            finally:
                sys.stdout = saved
            if out.seen is None:
                raise SystemExit("the script's first line was not seen on standard output")
            if i > 0:
                times.append((out.seen - t0) * 1000)
    finally:
        left = sorted(compose_containers(args.image) - before)
        if left:
            docker("rm", "-f", *left)
        if not had_network:
            subprocess.run(["docker", "network", "rm", "sagemaker-local"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    print(f"sdk-local-mode {statistics.median(times):.0f} {min(times):.0f} {max(times):.0f} {len(times)}")


if __name__ == "__main__":
    main()
