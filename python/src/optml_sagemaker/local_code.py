"""Requests of a Session without S3: the SDK's local-code shapes, made into what optml reads.

With ``local.local_code`` the SageMaker Python SDK gives the job its code as ``file://`` (the
hyperparameter ``sagemaker_submit_directory``), but it writes ``file://`` channels as
``FileDataSource`` (a shape of its own local mode, unknown to the SageMaker API) and leaves the
output path empty. optml reads ``file://`` wherever SageMaker reads ``s3://``: a channel becomes an
``S3DataSource`` on the same URI and every empty output path becomes the session's local output
directory. A tuning job's training definitions are made so in the same way.
"""

from __future__ import annotations

import os
from typing import Any, Dict
from urllib.parse import quote


def file_uri(path: str) -> str:
    """``file://`` plus the absolute path, percent-encoded as a URI."""
    return "file://" + quote(os.path.abspath(path))


def _channel(channel: Dict[str, Any]) -> Dict[str, Any]:
    source = channel.get("DataSource", {})
    local = source.get("FileDataSource")
    if local is None:
        return channel
    s3 = {
        "S3DataType": "S3Prefix",
        "S3Uri": local["FileUri"],
        "S3DataDistributionType": local.get("FileDataDistributionType", "FullyReplicated"),
    }
    rest = {k: v for k, v in source.items() if k != "FileDataSource"}
    return {**channel, "DataSource": {**rest, "S3DataSource": s3}}


def _fill(config: Any, key: str, default_uri: str) -> Any:
    if isinstance(config, dict) and config.get(key) == "":
        return {**config, key: default_uri}
    return config


def localize_training_request(params: Dict[str, Any], output_uri: str) -> Dict[str, Any]:
    """The CreateTrainingJob parameters with local channels and empty output paths made optml's."""
    out = dict(params)
    if "InputDataConfig" in out:
        out["InputDataConfig"] = [_channel(c) for c in out["InputDataConfig"]]
    for member, key in (
        ("OutputDataConfig", "S3OutputPath"),
        ("DebugHookConfig", "S3OutputPath"),
        ("ProfilerConfig", "S3OutputPath"),
        ("TensorBoardOutputConfig", "S3OutputPath"),
    ):
        if member in out:
            out[member] = _fill(out[member], key, output_uri)
    return out


def localize_tuning_request(params: Dict[str, Any], output_uri: str) -> Dict[str, Any]:
    """The CreateHyperParameterTuningJob parameters with each training definition localized."""
    out = dict(params)
    if "TrainingJobDefinition" in out:
        out["TrainingJobDefinition"] = localize_training_request(out["TrainingJobDefinition"], output_uri)
    if "TrainingJobDefinitions" in out:
        out["TrainingJobDefinitions"] = [localize_training_request(d, output_uri) for d in out["TrainingJobDefinitions"]]
    return out
