"""boto3's CloudWatch client against optml, in the protocol asked for, printing what it got as JSON.

Usage: python3 cloudwatch_client.py <endpoint> <job> <protocol> <start epoch> <end epoch>
protocol: "default" (what this botocore picks from the model's list, by its own priority: JSON 1.0
for botocore 1.43, which ranks json before rpc-v2-CBOR), or one of
"smithy-rpc-v2-cbor", "json", "query", forced by a copy of botocore's own CloudWatch model that
lists only that protocol, put first on the loader's path (AWS_DATA_PATH, set before boto3 loads).
"""
import json
import os
import sys
import tempfile
from datetime import datetime, timezone

endpoint, job, protocol, start, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])

if protocol != "default":
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    model = loader.load_service_model("cloudwatch", "service-2", api_version="2010-08-01")
    model["metadata"]["protocol"] = protocol
    model["metadata"]["protocols"] = [protocol]
    data_path = tempfile.mkdtemp(prefix="optml-cw-model-")
    os.makedirs(os.path.join(data_path, "cloudwatch", "2010-08-01"))
    with open(os.path.join(data_path, "cloudwatch", "2010-08-01", "service-2.json"), "w") as f:
        json.dump(model, f)
    os.environ["AWS_DATA_PATH"] = data_path

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

seen = {}


def record_protocol(request, **_):
    headers = request.headers
    if headers.get("smithy-protocol"):
        seen["protocol"] = "rpcv2Cbor"
    elif headers.get("X-Amz-Target"):
        seen["protocol"] = "awsJson" + (b"1.0" in headers.get("Content-Type", b"") and "1_0" or "1_1")
    else:
        seen["protocol"] = "awsQuery"


cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1")
cw.meta.events.register("before-send.cloudwatch.*", record_protocol)
t0 = datetime.fromtimestamp(start, tz=timezone.utc)
t1 = datetime.fromtimestamp(end, tz=timezone.utc)
NS = "/aws/sagemaker/TrainingJobs"
host = lambda n: [{"Name": "Host", "Value": f"{job}/algo-{n}"}]  # noqa: E731
STATS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"]


def stats(dimensions, **extra):
    r = cw.get_metric_statistics(Namespace=NS, MetricName="loss", Dimensions=dimensions, StartTime=t0, EndTime=t1, Period=86400, **extra)
    return [{k: v for k, v in p.items() if k != "Timestamp"} for p in r["Datapoints"]]


def error(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"], "class": type(e).__name__}
    return None


metrics = []
for page in cw.get_paginator("list_metrics").paginate(Namespace=NS, Dimensions=[{"Name": "Host"}]):
    metrics += page["Metrics"]
out = {
    "listed": sorted(f'{m["MetricName"]} {m["Dimensions"][0]["Value"]}' for m in metrics if m["Dimensions"][0]["Value"].startswith(job + "/")),
    "byJob": [m["Dimensions"] for m in cw.list_metrics(Namespace=NS, MetricName="loss", Dimensions=[{"Name": "TrainingJobName", "Value": job}])["Metrics"]],
    "host1": stats(host(1), Statistics=STATS),
    "host2": stats(host(2), Statistics=STATS),
    "job": stats([{"Name": "TrainingJobName", "Value": job}], Statistics=STATS),
    "percentiles": stats(host(1), ExtendedStatistics=["p50", "p100"]),
}
query = lambda i, n, stat: {  # noqa: E731
    "Id": i,
    "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "loss", "Dimensions": host(n)}, "Period": 1, "Stat": stat},
}
data = cw.get_metric_data(MetricDataQueries=[query("a", 1, "Maximum"), query("b", 2, "Sum")], StartTime=t0, EndTime=t1, ScanBy="TimestampAscending")
out["data"] = [{"Id": r["Id"], "Label": r["Label"], "Values": r["Values"], "StatusCode": r["StatusCode"], "Timestamps": [t.timestamp() for t in r["Timestamps"]]} for r in data["MetricDataResults"]]
pages = []
for page in cw.get_paginator("get_metric_data").paginate(MetricDataQueries=[query("a", 1, "Maximum")], StartTime=t0, EndTime=t1, ScanBy="TimestampDescending", PaginationConfig={"PageSize": 3}):
    pages.append([v for r in page["MetricDataResults"] for v in r["Values"]])
out["pages"] = pages
out["badPeriod"] = error(lambda: cw.get_metric_statistics(Namespace=NS, MetricName="loss", Dimensions=host(1), StartTime=t0, EndTime=t1, Period=7, Statistics=["Sum"]))
out["noStatistics"] = error(lambda: cw.get_metric_statistics(Namespace=NS, MetricName="loss", Dimensions=host(1), StartTime=t0, EndTime=t1, Period=60))
out["expression"] = error(lambda: cw.get_metric_data(MetricDataQueries=[{"Id": "e", "Expression": "SUM(METRICS())"}], StartTime=t0, EndTime=t1))
out["protocol"] = seen.get("protocol")
import botocore.utils  # noqa: E402

out["botocore"] = {"version": botocore.__version__, "priority": list(botocore.utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS)}
print(json.dumps(out))
