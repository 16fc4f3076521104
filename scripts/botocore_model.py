"""What scripts/gen-sagemaker-model.py and scripts/gen-cloudwatch-model.py share: loading a service
model from this Python's botocore, the shapes some roots reach, each shape in the compact form the
generated modules hold (members in the model's order, required members, list/map parts, enums,
lengths, ranges and patterns; documentation left out), and writing or printing the module.
"""
import sys

import botocore
import botocore.session

# What a scalar shape keeps, in this order.
SCALAR_KEYS = ["min", "max", "pattern", "enum"]


def load_model(service, api_version):
    loader = botocore.session.get_session().get_component("data_loader")
    return loader.load_service_model(service, "service-2", api_version=api_version)


def reachable(shapes, roots):
    """Every shape name the roots reach, sorted."""
    seen = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        for key in ("member", "key", "value"):
            if key in shape:
                stack.append(shape[key]["shape"])
        for member in shape.get("members", {}).values():
            stack.append(member["shape"])
    return sorted(seen)


def compact(shape):
    kind = shape["type"]
    out = {"type": kind}
    if kind == "structure":
        out["members"] = {name: member["shape"] for name, member in shape["members"].items()}
        if shape.get("required"):
            out["required"] = list(shape["required"])
        for flag in ("union", "document"):
            if shape.get(flag):
                out[flag] = True
        return out
    if kind == "list":
        out["member"] = shape["member"]["shape"]
    elif kind == "map":
        out["key"] = shape["key"]["shape"]
        out["value"] = shape["value"]["shape"]
    for key in SCALAR_KEYS:
        if key in shape:
            out[key] = shape[key]
    return out


def write_or_print(out, text):
    """`--stdout` prints the module (the freshness tests compare it); otherwise it is written to `out`."""
    if sys.argv[1:] == ["--stdout"]:
        sys.stdout.write(text)
        return
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{out}: botocore {botocore.__version__}, {text.count(chr(10))} lines written")
