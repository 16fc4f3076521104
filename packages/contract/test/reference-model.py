# The training contract of SPEC.md sections 3-6, written in Python so that Python itself
# decides what Python decides in the reference: json.loads (numbers, NaN, duplicate keys,
# escapes), json.dumps(sort_keys, compact, ensure_ascii), str()/repr() (printability, quotes),
# sorted() (code point order) and str.upper(). The rules are this project's reading of the
# contract (optml's own words, not the toolkit's code); the fuzz script checks this model against
# the toolkit itself where it is installed.
#
# Used by test/contract.differential.test.ts through python-oracle.ts: `run(case)` takes one case
# of test/config-generator.ts and returns {"env": {...}, "args": [...]} or {"error": "<Python exception>"}.
import os.path

RESERVED = {
    "sagemaker_program", "sagemaker_submit_directory", "sagemaker_enable_cloudwatch_metrics",
    "sagemaker_region", "sagemaker_container_log_level", "sagemaker_job_name",
    "default_user_module_name", "_tuning_objective_metric", "sagemaker_s3_output",
}
DISTRIBUTION_FLAGS = [
    "sagemaker_mpi_enabled", "sagemaker_parameter_server_enabled",
    "sagemaker_distributed_dataparallel_enabled", "sagemaker_pytorch_ddp_enabled",
    "sagemaker_pytorch_xla_multi_worker_enabled", "sagemaker_multi_worker_mirrored_strategy_enabled",
    "sagemaker_torch_distributed_enabled",
]
FIXED_NEURON_CORES = {"trn2.48xlarge": 64}
MISSING = object()


def decoded(value):
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def rendered(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def arguments(hps):
    out = []
    for key in sorted(hps):
        out.append("" if key == "" else ("-" if len(key) == 1 else "--") + key)
        value = hps[key]
        if isinstance(value, dict):
            out.append(",".join("%s=%s" % (k, v) for k, v in sorted(value.items())))
        else:
            out.append("" if value is None else str(value))
    return out


def to_environ(value, name):
    # What putting the value into os.environ demands (the toolkit does it for three values).
    if not isinstance(value, str):
        raise TypeError("%s: str expected, not %s" % (name, type(value).__name__))
    if "\0" in value:
        raise ValueError("%s: embedded null byte" % name)
    value.encode("utf-8", "surrogateescape")


def environment(case):
    env = case["env"]
    files = case["files"]
    int(env.get("SAGEMAKER_CONTAINER_LOG_LEVEL", "20"))
    rc = json.loads(files["resourceConfig"])
    channels = json.loads(files["inputDataConfig"])
    every = {k: decoded(v) for k, v in json.loads(files["hyperparameters"]).items()}

    platform = {k: v for k, v in every.items() if k in RESERVED or k.startswith("sagemaker_")}
    user = {k: v for k, v in every.items() if k not in platform}
    framework = {k: v for k, v in platform.items() if k not in RESERVED}

    base = case["baseDir"]
    join = os.path.join
    paths = {
        "model": join(base, "model"), "input": join(base, "input"), "code": join(base, "code"),
        "config": join(base, "input", "config"), "data": join(base, "input", "data"),
        "output": join(base, "output"), "output_data": join(base, "output", "data"),
        "intermediate": join(base, "output", "intermediate"),
    }

    hosts = rc["hosts"]
    current_host = rc["current_host"]
    instance_type = rc.get("current_instance_type", "local")
    group = rc.get("current_group_name", "homogeneousCluster")
    groups = rc.get("instance_groups", [])
    neurons = case["host"]["numNeurons"]
    for key, cores in FIXED_NEURON_CORES.items():
        if key in instance_type:
            neurons = cores
            break

    to_environ(platform.get("sagemaker_job_name", ""), "sagemaker_job_name")
    to_environ(current_host, "current_host")
    region = platform.get("sagemaker_region", MISSING)
    if region is not MISSING and region:
        to_environ(region, "sagemaker_region")

    group_hosts = next((g["hosts"] for g in groups if g["instance_group_name"] == group), [])
    group_names = [g["instance_group_name"] for g in groups]
    groups_dict = {g["instance_group_name"]: g for g in groups}
    if "sagemaker_distribution_instance_groups" in framework:
        dist_groups = framework["sagemaker_distribution_instance_groups"]
    else:
        dist_groups = [group] if any(framework.get(f, False) for f in DISTRIBUTION_FLAGS) else []
    if groups:
        dist_hosts = [h for g in groups if g["instance_group_name"] in dist_groups for h in g["hosts"]]
    else:
        dist_hosts = list(hosts)
    group in dist_groups  # a TypeError where the value is not a container
    master = dist_hosts[0] if dist_hosts else hosts[0]

    program_env = env.get("SAGEMAKER_PROGRAM")
    module = program_env if program_env is not None else str(platform.get("sagemaker_program"))
    if module and module.endswith(".py"):
        module = module[:-3]
    entry_point = program_env or platform.get("sagemaker_program")
    mp = env.get("SM_HP_MP_PARAMETERS")
    host = case["host"]

    te = {
        "additional_framework_parameters": framework,
        "channel_input_dirs": {c: join(paths["data"], c) for c in channels},
        "current_host": current_host,
        "current_instance_group": group,
        "current_instance_group_hosts": group_hosts,
        "current_instance_type": instance_type,
        "distribution_hosts": dist_hosts,
        "distribution_instance_groups": dist_groups,
        "framework_module": env.get("SAGEMAKER_TRAINING_MODULE"),
        "hosts": hosts,
        "hyperparameters": user,
        "input_config_dir": paths["config"],
        "input_data_config": channels,
        "input_dir": paths["input"],
        "instance_groups": group_names,
        "instance_groups_dict": groups_dict,
        "is_hetero": len(group_names) > 1,
        "is_master": current_host == master,
        "is_modelparallel_enabled": mp and mp != "{}",
        "is_smddpmprun_installed": False,
        "is_smddprun_installed": False,
        "job_name": env.get("TRAINING_JOB_NAME"),
        "log_level": platform.get("sagemaker_container_log_level", 20),
        "master_hostname": master,
        "model_dir": paths["model"],
        "module_dir": str(platform.get("sagemaker_submit_directory", paths["code"])),
        "module_name": module,
        "network_interface_name": rc.get("network_interface_name", "eth0"),
        "num_cpus": host["numCpus"],
        "num_gpus": host["numGpus"],
        "num_neurons": neurons,
        "output_data_dir": paths["output_data"],
        "output_dir": paths["output"],
        "output_intermediate_dir": paths["intermediate"],
        "resource_config": rc,
        "topology": rc.get("topology", []),
        "user_entry_point": entry_point,
    }
    args = arguments(user)
    variables = [
        ("hosts", hosts), ("network_interface_name", te["network_interface_name"]), ("hps", user),
        ("user_entry_point", entry_point), ("framework_params", framework), ("resource_config", rc),
        ("input_data_config", channels), ("output_data_dir", paths["output_data"]),
        ("channels", sorted(channels)), ("current_host", current_host),
        ("current_instance_type", instance_type), ("current_instance_group", group),
        ("current_instance_group_hosts", group_hosts), ("instance_groups", group_names),
        ("instance_groups_dict", groups_dict), ("distribution_instance_groups", dist_groups),
        ("is_hetero", te["is_hetero"]), ("module_name", module), ("log_level", te["log_level"]),
        ("framework_module", te["framework_module"]), ("input_dir", paths["input"]),
        ("input_config_dir", paths["config"]), ("output_dir", paths["output"]),
        ("num_cpus", host["numCpus"]), ("num_gpus", host["numGpus"]), ("num_neurons", neurons),
        ("model_dir", paths["model"]), ("module_dir", te["module_dir"]), ("training_env", te),
        ("user_args", args), ("output_intermediate_dir", paths["intermediate"]),
    ]
    if te["topology"]:
        variables.append(("topology", te["topology"]))
    variables += [("channel_" + c, d) for c, d in te["channel_input_dirs"].items()]
    variables += [("hp_" + k, v) for k, v in user.items()]
    return {"env": {"SM_" + k.upper(): rendered(v) for k, v in variables}, "args": args}


def run(case):
    try:
        return environment(case)
    except (TypeError, ValueError, UnicodeError, KeyError, IndexError, AttributeError) as e:
        return {"error": "%s: %s" % (type(e).__name__, e)}
