"""The SageMaker Python SDK (v2) on an optml control plane, at local speed.

``optml_sagemaker.Session()`` is a ``sagemaker.Session`` whose SageMaker, CloudWatch Logs and
CloudWatch clients talk to the optml control plane (found as the optml CLI finds it), that waits
with fast polling and streams each host's log lines as they arrive, and that runs local code and
data without S3. It needs the ``sagemaker`` package; the rest of this package needs only boto3.
"""

from .control_plane import DEFAULT_ENDPOINT, ControlPlane, OptmlBotoSession, boto_session, find_control_plane

__all__ = ["Session", "ControlPlane", "OptmlBotoSession", "boto_session", "find_control_plane", "DEFAULT_ENDPOINT"]
__version__ = "0.1.0"


def __getattr__(name):
    # `sagemaker` is imported only when the Session is asked for: it is the user's to install,
    # and takes a few seconds to import.
    if name == "Session":
        try:
            from .session import Session
        except ModuleNotFoundError as e:
            if e.name != "sagemaker" and not (e.name or "").startswith("sagemaker."):
                raise
            raise ModuleNotFoundError(
                "optml_sagemaker.Session needs the SageMaker Python SDK v2: pip install 'sagemaker>=2,<3' "
                "(or see 'Testing with the real SDK' in optml's python/README.md to build it from source)",
                name="sagemaker",
            ) from e
        return Session
    raise AttributeError(f"module 'optml_sagemaker' has no attribute {name!r}")
