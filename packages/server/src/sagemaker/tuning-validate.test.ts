import { describe, expect, it } from "vitest";
import { ApiError } from "../protocol/errors.js";
import type { CreateHyperParameterTuningJobRequest } from "./tuning-request.js";
import {
  combinations,
  gridSize,
  hyperbandMaxResource,
  javaDouble,
  tuningJobProblems,
  validateCreateHyperParameterTuningJob,
  validateListHyperParameterTuningJobs,
  validateListTrainingJobsForTuningJob,
  validateTuningJobName,
  warmStartParentProblem,
} from "./tuning-validate.js";

type Json = Record<string, any>;

/** CreateHyperParameterTuningJob as the SageMaker Python SDK (v2) sends it for HyperparameterTuner(PyTorch(...)).fit(). */
function pythonSdkRequest(): Json {
  return {
    HyperParameterTuningJobName: "pytorch-training-240102-0304",
    HyperParameterTuningJobConfig: {
      Strategy: "Bayesian",
      ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 },
      TrainingJobEarlyStoppingType: "Off",
      HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
      ParameterRanges: {
        ContinuousParameterRanges: [{ Name: "lr", MinValue: "0.001", MaxValue: "0.1", ScalingType: "Logarithmic" }],
        CategoricalParameterRanges: [{ Name: "optimizer", Values: ['"sgd"', '"adam"'] }],
        IntegerParameterRanges: [{ Name: "batch-size", MinValue: "16", MaxValue: "128", ScalingType: "Auto" }],
      },
    },
    TrainingJobDefinition: {
      StaticHyperParameters: {
        epochs: "3",
        sagemaker_submit_directory: '"s3://sagemaker-us-east-1-123456789012/pytorch-training-240102-0304/source/sourcedir.tar.gz"',
        sagemaker_program: '"train.py"',
        sagemaker_container_log_level: "20",
        sagemaker_region: '"us-east-1"',
        _tuning_objective_metric: '"loss"',
      },
      RoleArn: "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000",
      OutputDataConfig: { S3OutputPath: "s3://sagemaker-us-east-1-123456789012/" },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      ResourceConfig: { InstanceCount: 1, InstanceType: "ml.m5.xlarge", VolumeSizeInGB: 30 },
      AlgorithmSpecification: {
        TrainingImage: "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1.0-cpu-py310",
        TrainingInputMode: "File",
        MetricDefinitions: [{ Name: "loss", Regex: "loss: ([0-9\\.]+)" }],
      },
      InputDataConfig: [
        {
          ChannelName: "training",
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://bucket/train", S3DataDistributionType: "FullyReplicated" } },
        },
      ],
      EnableNetworkIsolation: false,
      EnableInterContainerTrafficEncryption: false,
      EnableManagedSpotTraining: false,
    },
    Tags: [{ Key: "project", Value: "optml" }],
  };
}

/** Deep copy, then apply `edit` to the copy. */
function withEdit(base: Json, edit: (req: Json) => void): Json {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

/** The error validation throws for `input`, or undefined. */
function errorOf(input: Json): ApiError | undefined {
  try {
    validateCreateHyperParameterTuningJob(input);
    return undefined;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
}

const problems = (req: Json) => tuningJobProblems(req as CreateHyperParameterTuningJobRequest);
const config = (req: Json) => req.HyperParameterTuningJobConfig;
const definition = (req: Json) => req.TrainingJobDefinition;

/** A Grid job over two categorical ranges (6 combinations). */
function gridRequest(): Json {
  return withEdit(pythonSdkRequest(), (r) => {
    config(r).Strategy = "Grid";
    delete config(r).ResourceLimits.MaxNumberOfTrainingJobs;
    config(r).ParameterRanges = {
      CategoricalParameterRanges: [
        { Name: "optimizer", Values: ["sgd", "adam", "adagrad"] },
        { Name: "lr", Values: ["0.1", "0.01"] },
      ],
    };
  });
}

/** Two training job definitions, each with its own objective and ranges. */
function twoDefinitions(): Json {
  return withEdit(pythonSdkRequest(), (r) => {
    const base = r.TrainingJobDefinition;
    delete r.TrainingJobDefinition;
    const { HyperParameterTuningJobObjective: objective, ParameterRanges: ranges } = config(r);
    delete config(r).HyperParameterTuningJobObjective;
    delete config(r).ParameterRanges;
    r.TrainingJobDefinitions = [
      { ...structuredClone(base), DefinitionName: "torch", TuningObjective: structuredClone(objective), HyperParameterRanges: ranges },
      {
        ...structuredClone(base),
        DefinitionName: "other",
        TuningObjective: structuredClone(objective),
        HyperParameterRanges: { IntegerParameterRanges: [{ Name: "depth", MinValue: "1", MaxValue: "10" }] },
      },
    ];
  });
}

describe("CreateHyperParameterTuningJob: requests SageMaker accepts", () => {
  it.each([
    ["the SageMaker Python SDK's request", pythonSdkRequest()],
    ["a Grid job without MaxNumberOfTrainingJobs", gridRequest()],
    ["a Grid job whose MaxNumberOfTrainingJobs is the number of combinations", withEdit(gridRequest(), (r) => (config(r).ResourceLimits.MaxNumberOfTrainingJobs = 6))],
    ["several training job definitions", twoDefinitions()],
    [
      "Hyperband inferring MaxResource from the static 'epochs'",
      withEdit(pythonSdkRequest(), (r) => {
        config(r).Strategy = "Hyperband";
        config(r).StrategyConfig = { HyperbandStrategyConfig: { MinResource: 1 } };
      }),
    ],
    [
      "completion criteria, a seed, early stopping and a warm start",
      withEdit(pythonSdkRequest(), (r) => {
        config(r).TrainingJobEarlyStoppingType = "Auto";
        config(r).RandomSeed = 42;
        config(r).TuningJobCompletionCriteria = {
          TargetObjectiveMetricValue: 0.05,
          BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 3 },
          ConvergenceDetected: { CompleteOnConvergence: "Enabled" },
        };
        r.WarmStartConfig = { ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent" }], WarmStartType: "TransferLearning" };
      }),
    ],
    [
      "HyperParameterTuningResourceConfig instead of ResourceConfig, and file:// URIs",
      withEdit(pythonSdkRequest(), (r) => {
        delete definition(r).ResourceConfig;
        definition(r).HyperParameterTuningResourceConfig = {
          InstanceConfigs: [{ InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 }],
          AllocationStrategy: "Prioritized",
        };
        definition(r).OutputDataConfig.S3OutputPath = "file:///tmp/out";
      }),
    ],
    ["members the shape does not know (ignored, as AWS ignores them)", withEdit(pythonSdkRequest(), (r) => (r.SomethingNew = { x: 1 }))],
  ])("%s", (_name, request) => {
    expect(errorOf(request)).toBeUndefined();
  });
});

describe("CreateHyperParameterTuningJob: shapes and constraints, in AWS's words", () => {
  it("lists every constraint violation in one ValidationException", () => {
    const error = errorOf(
      withEdit(pythonSdkRequest(), (r) => {
        r.HyperParameterTuningJobName = "name_with_underscore";
        config(r).Strategy = "Evolutionary";
        config(r).ResourceLimits.MaxParallelTrainingJobs = 0;
        config(r).ResourceLimits.MaxRuntimeInSeconds = 60;
        config(r).RandomSeed = -1;
        config(r).ParameterRanges.ContinuousParameterRanges[0].ScalingType = "Exponential";
        config(r).TuningJobCompletionCriteria = { BestObjectiveNotImproving: { MaxNumberOfTrainingJobsNotImproving: 2 } };
        delete definition(r).RoleArn;
      }),
    );
    expect(error?.code).toBe("ValidationException");
    expect(error?.message).toBe(
      "8 validation errors detected: " +
        [
          "Value 'name_with_underscore' at 'hyperParameterTuningJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}",
          "Value 'Evolutionary' at 'hyperParameterTuningJobConfig.strategy' failed to satisfy constraint: Member must satisfy enum value set: [Bayesian, Random, Hyperband, Grid]",
          "Value '0' at 'hyperParameterTuningJobConfig.resourceLimits.maxParallelTrainingJobs' failed to satisfy constraint: Member must have value greater than or equal to 1",
          "Value '60' at 'hyperParameterTuningJobConfig.resourceLimits.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 120",
          "Value 'Exponential' at 'hyperParameterTuningJobConfig.parameterRanges.continuousParameterRanges.1.member.scalingType' failed to satisfy constraint: Member must satisfy enum value set: [Auto, Linear, Logarithmic, ReverseLogarithmic]",
          "Value '2' at 'hyperParameterTuningJobConfig.tuningJobCompletionCriteria.bestObjectiveNotImproving.maxNumberOfTrainingJobsNotImproving' failed to satisfy constraint: Member must have value greater than or equal to 3",
          "Value '-1' at 'hyperParameterTuningJobConfig.randomSeed' failed to satisfy constraint: Member must have value greater than or equal to 0",
          "Value null at 'trainingJobDefinition.roleArn' failed to satisfy constraint: Member must not be null",
        ].join("; "),
    );
  });

  it("requires the name and the config, and checks list sizes and lengths", () => {
    expect(errorOf({})?.message).toBe(
      "2 validation errors detected: " +
        "Value null at 'hyperParameterTuningJobName' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'hyperParameterTuningJobConfig' failed to satisfy constraint: Member must not be null",
    );
    const tooLong = errorOf(withEdit(pythonSdkRequest(), (r) => (r.HyperParameterTuningJobName = "a".repeat(33))));
    const at = "Value 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' at 'hyperParameterTuningJobName' failed to satisfy constraint: ";
    expect(tooLong?.message).toBe(
      `2 validation errors detected: ${at}Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}; ` +
        `${at}Member must have length less than or equal to 32`,
    );
    const noValues = errorOf(withEdit(pythonSdkRequest(), (r) => (config(r).ParameterRanges.CategoricalParameterRanges[0].Values = [])));
    expect(noValues?.message).toBe(
      "1 validation error detected: Value '[]' at 'hyperParameterTuningJobConfig.parameterRanges.categoricalParameterRanges.1.member.values' " +
        "failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const elevenDefinitions = withEdit(twoDefinitions(), (r) => {
      r.TrainingJobDefinitions = Array.from({ length: 11 }, (_, i) => ({ ...r.TrainingJobDefinitions[0], DefinitionName: `d${i}` }));
    });
    expect(errorOf(elevenDefinitions)?.message).toContain("at 'trainingJobDefinitions' failed to satisfy constraint: Member must have length less than or equal to 10");
  });

  it("answers a wrong JSON type with a SerializationException, before any constraint", () => {
    const error = errorOf(
      withEdit(pythonSdkRequest(), (r) => {
        config(r).TuningJobCompletionCriteria = { TargetObjectiveMetricValue: "0.1" };
        r.HyperParameterTuningJobName = "bad_name";
      }),
    );
    expect(error).toMatchObject({ code: "SerializationException", message: "STRING_VALUE can not be converted to a Float" });
    expect(errorOf(withEdit(pythonSdkRequest(), (r) => (config(r).ResourceLimits.MaxParallelTrainingJobs = "2")))).toMatchObject({
      code: "SerializationException",
      message: "STRING_VALUE can not be converted to an Integer",
    });
  });
});

describe("CreateHyperParameterTuningJob: the rules between members", () => {
  it("answers a missing objective metric in SageMaker's words", () => {
    const error = errorOf(withEdit(pythonSdkRequest(), (r) => (config(r).HyperParameterTuningJobObjective.MetricName = "validation:loss")));
    expect(error).toMatchObject({
      code: "ValidationException",
      message: "A metric is required for this hyperparameter tuning job objective. Provide a metric in the metric definitions.",
    });
    expect(problems(withEdit(pythonSdkRequest(), (r) => delete definition(r).AlgorithmSpecification.MetricDefinitions))).toEqual([
      "A metric is required for this hyperparameter tuning job objective. Provide a metric in the metric definitions.",
    ]);
    expect(problems(withEdit(pythonSdkRequest(), (r) => delete config(r).HyperParameterTuningJobObjective))).toEqual([
      "A tuning objective is required: give HyperParameterTuningJobConfig.HyperParameterTuningJobObjective (or the TuningObjective of each training job definition).",
    ]);
  });

  it("checks the ranges: numbers, min below max, logarithmic scaling above 0, reverse logarithmic within [0, 1)", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      config(r).ParameterRanges = {
        IntegerParameterRanges: [
          { Name: "epochs-i", MinValue: "10", MaxValue: "5" },
          { Name: "layers", MinValue: "1.5", MaxValue: "x" },
          { Name: "units", MinValue: "0", MaxValue: "64", ScalingType: "Logarithmic" },
          { Name: "k", MinValue: "1", MaxValue: "9", ScalingType: "ReverseLogarithmic" },
        ],
        ContinuousParameterRanges: [
          { Name: "lr", MinValue: "0.1", MaxValue: "0.1" },
          { Name: "wd", MinValue: "-1", MaxValue: "1", ScalingType: "Logarithmic" },
          { Name: "momentum", MinValue: "0.5", MaxValue: "1.0", ScalingType: "ReverseLogarithmic" },
          { Name: "beta", MinValue: "0.9", MaxValue: "0.999", ScalingType: "ReverseLogarithmic" },
          { Name: "eps", MinValue: "1e-8", MaxValue: "1e-6", ScalingType: "Logarithmic" },
        ],
        CategoricalParameterRanges: [{ Name: "act", Values: ["relu", "tanh", "relu"] }],
      };
    });
    expect(problems(req)).toEqual([
      "The MinValue 10 of the integer parameter range 'epochs-i' must be less than its MaxValue 5.",
      "The MinValue '1.5' of the integer parameter range 'layers' is not an integer.",
      "The MaxValue 'x' of the integer parameter range 'layers' is not an integer.",
      "The integer parameter range 'units' has ScalingType Logarithmic: logarithmic scaling works only for ranges that have only values greater than 0.",
      "The integer parameter range 'k' has ScalingType ReverseLogarithmic, which is not supported for IntegerParameterRange.",
      "The MinValue 0.1 of the continuous parameter range 'lr' must be less than its MaxValue 0.1.",
      "The continuous parameter range 'wd' has ScalingType Logarithmic: logarithmic scaling works only for ranges that have only values greater than 0.",
      "The continuous parameter range 'momentum' has ScalingType ReverseLogarithmic: reverse logarithmic scaling works only for ranges that are entirely within the range 0<=x<1.0.",
      "The categorical parameter range 'act' lists 'relu' more than once; each value may appear once.",
    ]);
  });

  it("keeps each hyperparameter either static or tuned, in one range, within the counts SageMaker allows", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      definition(r).StaticHyperParameters.lr = "0.01";
      config(r).ParameterRanges.IntegerParameterRanges.push({ Name: "optimizer", MinValue: "1", MaxValue: "3" });
    });
    expect(problems(req)).toEqual([
      "The hyperparameter 'optimizer' has more than one parameter range; each tuned hyperparameter has exactly one.",
      "The hyperparameter 'lr' is both static (StaticHyperParameters) and tuned (a parameter range); it can be only one of them.",
    ]);
    const many = withEdit(pythonSdkRequest(), (r) => {
      config(r).ParameterRanges.IntegerParameterRanges = Array.from({ length: 30 }, (_, i) => ({ Name: `p${i}`, MinValue: "1", MaxValue: "9" }));
      for (let i = 0; i < 70; i++) definition(r).StaticHyperParameters[`s${i}`] = "1";
    });
    expect(problems(many)).toEqual([
      "A tuning job can search at most 30 hyperparameters; the parameter ranges name 32.",
      "You can use up to 100 hyperparameters in total (static + tunable); there are 76 static and 32 tunable ones.",
    ]);
  });

  it("refuses a Grid search over integer or continuous ranges, and a MaxNumberOfTrainingJobs other than the number of combinations", () => {
    expect(problems(withEdit(pythonSdkRequest(), (r) => (config(r).Strategy = "Grid")))).toEqual([
      "Only categorical parameters are supported when using the grid search strategy: give the values to try as CategoricalParameterRanges instead of integer or continuous ranges.",
    ]);
    expect(problems(withEdit(gridRequest(), (r) => (config(r).ResourceLimits.MaxNumberOfTrainingJobs = 10)))).toEqual([
      "With the Grid strategy, MaxNumberOfTrainingJobs (10) must equal the total number of distinct categorical combinations possible (6), or be left out.",
    ]);
    expect(problems(withEdit(gridRequest(), (r) => (config(r).ParameterRanges = {})))).toEqual([
      "The Grid strategy searches categorical parameter ranges: give at least one CategoricalParameterRange.",
    ]);
    expect(gridSize(gridRequest() as CreateHyperParameterTuningJobRequest)).toBe(6);
  });

  it("needs MaxNumberOfTrainingJobs without Grid, and enough combinations for it, in SageMaker's words", () => {
    expect(problems(withEdit(pythonSdkRequest(), (r) => delete config(r).ResourceLimits.MaxNumberOfTrainingJobs))).toEqual([
      "ResourceLimits.MaxNumberOfTrainingJobs is required with the Bayesian strategy (only Grid infers it from the search space).",
    ]);
    const few = withEdit(pythonSdkRequest(), (r) => {
      config(r).Strategy = "Random";
      config(r).ResourceLimits.MaxNumberOfTrainingJobs = 10;
      config(r).ParameterRanges = { IntegerParameterRanges: [{ Name: "num_layers", MinValue: "1", MaxValue: "3" }] };
    });
    expect(errorOf(few)?.message).toBe(
      "You don't have enough combinations of hyperparameter ranges. The total number of hyperparameter combinations for the provided ranges [3.0] " +
        "must be equal or greater than the value of MaxNumberOfJobs, [10]. Provide additional ranges.",
    );
    expect(combinations({ IntegerParameterRanges: [{ Name: "a", MinValue: "1", MaxValue: "3" }], CategoricalParameterRanges: [{ Name: "b", Values: ["x", "y"] }] })).toBe(6);
    expect(combinations({ ContinuousParameterRanges: [{ Name: "a", MinValue: "0", MaxValue: "1" }] })).toBe(Infinity);
  });

  it("keeps Hyperband's rules: early stopping Off, a MaxResource given or inferred, and its options only with Hyperband", () => {
    const hyperband = (edit: (r: Json) => void) =>
      withEdit(pythonSdkRequest(), (r) => {
        config(r).Strategy = "Hyperband";
        edit(r);
      });
    expect(problems(hyperband((r) => (config(r).TrainingJobEarlyStoppingType = "Auto")))).toEqual([
      "Because the Hyperband strategy has its own advanced internal early stopping mechanism, TrainingJobEarlyStoppingType must be Off to use Hyperband.",
    ]);
    expect(problems(hyperband((r) => delete definition(r).StaticHyperParameters.epochs))).toEqual([
      "MaxResource parameter is not provided and could not be inferred from provided static hyperparameters of TrainingJobDefinition.",
    ]);
    const inferred = hyperband((r) => {
      delete definition(r).StaticHyperParameters.epochs;
      definition(r).StaticHyperParameters.num_epochs = "40";
    });
    expect(problems(inferred)).toEqual([]);
    expect(hyperbandMaxResource(inferred as CreateHyperParameterTuningJobRequest, definition(inferred))).toBe(40);
    expect(problems(hyperband((r) => (config(r).StrategyConfig = { HyperbandStrategyConfig: { MaxResource: 30000 } })))).toEqual([
      "The MaxResource of Hyperband is 30000; the maximum value is 20000 (epochs).",
    ]);
    // MinResource above the MaxResource inferred from 'epochs' (3).
    expect(problems(hyperband((r) => (config(r).StrategyConfig = { HyperbandStrategyConfig: { MinResource: 5 } })))).toEqual([
      "The MinResource of Hyperband (5) must not be greater than its MaxResource (3).",
    ]);
    expect(problems(withEdit(pythonSdkRequest(), (r) => (config(r).StrategyConfig = { HyperbandStrategyConfig: { MinResource: 1 } })))).toEqual([
      "StrategyConfig.HyperbandStrategyConfig should be provided only if Hyperband is selected as the Strategy; the Strategy is Bayesian.",
    ]);
  });

  it("needs exactly one of TrainingJobDefinition and TrainingJobDefinitions, and a name for each of several", () => {
    expect(problems(withEdit(pythonSdkRequest(), (r) => delete r.TrainingJobDefinition))).toEqual([
      "Specify exactly one of TrainingJobDefinition or TrainingJobDefinitions.",
    ]);
    expect(problems(withEdit(twoDefinitions(), (r) => (r.TrainingJobDefinition = r.TrainingJobDefinitions[0])))[0]).toBe(
      "Specify exactly one of TrainingJobDefinition or TrainingJobDefinitions.",
    );
    const unnamed = withEdit(twoDefinitions(), (r) => {
      delete r.TrainingJobDefinitions[0].DefinitionName;
      r.TrainingJobDefinitions.push({ ...structuredClone(r.TrainingJobDefinitions[1]) });
    });
    expect(problems(unnamed)).toEqual([
      "Training job definition 1 has no DefinitionName; each of several TrainingJobDefinitions needs one.",
      "The DefinitionName 'other' is used by more than one training job definition; each needs a name of its own.",
    ]);
  });

  it("names the training job definition a problem is in, when there are several", () => {
    const req = withEdit(twoDefinitions(), (r) => {
      r.TrainingJobDefinitions[1].TuningObjective.MetricName = "accuracy";
      r.TrainingJobDefinitions[1].AlgorithmSpecification.AlgorithmName = "xgboost";
    });
    expect(problems(req)).toEqual([
      "In training job definition 'other': AlgorithmSpecification must specify exactly one of TrainingImage or AlgorithmName.",
      "In training job definition 'other': A metric is required for this hyperparameter tuning job objective. Provide a metric in the metric definitions.",
    ]);
  });

  it("refuses what a trial could not take: channel names '.' and '..', NUL in an environment value or static hyperparameter", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      definition(r).InputDataConfig[0].ChannelName = "..";
      definition(r).StaticHyperParameters.epochs = "3\u0000";
      definition(r).Environment = { BAD: "\u0000" };
    });
    expect(problems(req)).toEqual([
      "Value '..' at 'trainingJobDefinition.inputDataConfig.1.member.channelName' failed to satisfy constraint: " +
        "Member must not be '.' or '..' (a channel is the directory /opt/ml/input/data/<ChannelName>).",
      "Value '3\u0000' at 'trainingJobDefinition.staticHyperParameters.epochs.member' failed to satisfy constraint: " +
        "Member must not contain the NUL character (U+0000): a process's environment and arguments cannot carry it.",
      "Value '\u0000' at 'trainingJobDefinition.environment.BAD.member' failed to satisfy constraint: " +
        "Member must not contain the NUL character (U+0000): a process's environment and arguments cannot carry it.",
    ]);
    const several = withEdit(twoDefinitions(), (r) => (r.TrainingJobDefinitions[1].InputDataConfig[0].ChannelName = "."));
    expect(problems(several)).toEqual([
      "Value '.' at 'trainingJobDefinitions.2.member.inputDataConfig.1.member.channelName' failed to satisfy constraint: " +
        "Member must not be '.' or '..' (a channel is the directory /opt/ml/input/data/<ChannelName>).",
    ]);
  });

  it("keeps the training-job rules of each definition, and one kind of resource configuration", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      definition(r).EnableManagedSpotTraining = true;
      definition(r).HyperParameterTuningResourceConfig = { InstanceType: "ml.m5.large" };
    });
    expect(problems(req)).toEqual([
      "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds",
      "A training job definition must specify exactly one of ResourceConfig or HyperParameterTuningResourceConfig.",
      "HyperParameterTuningResourceConfig needs InstanceType and InstanceCount, or InstanceConfigs.",
    ]);
    const both = withEdit(pythonSdkRequest(), (r) => {
      delete definition(r).ResourceConfig;
      definition(r).HyperParameterTuningResourceConfig = {
        InstanceType: "ml.m5.large",
        InstanceConfigs: [{ InstanceType: "ml.m5.xlarge", InstanceCount: 1, VolumeSizeInGB: 30 }],
      };
    });
    expect(problems(both)).toEqual(["If you use InstanceConfigs, do not provide values for InstanceType, VolumeSizeInGB or InstanceCount."]);
  });

  it("refuses Autotune, and warm starts from no name, the same name twice, or itself", () => {
    const req = withEdit(pythonSdkRequest(), (r) => {
      r.Autotune = { Mode: "Enabled" };
      config(r).ParameterRanges.AutoParameters = [{ Name: "x", ValueHint: "1" }];
      r.WarmStartConfig = {
        WarmStartType: "IdenticalDataAndAlgorithm",
        ParentHyperParameterTuningJobs: [{}, { HyperParameterTuningJobName: "p" }, { HyperParameterTuningJobName: "p" }, { HyperParameterTuningJobName: "PYTORCH-training-240102-0304" }],
      };
    });
    expect(problems(req)).toEqual([
      "optml does not run Autotune: leave Autotune out and give the Strategy, ResourceLimits and parameter ranges of the tuning job yourself.",
      "optml does not run Autotune, so it has no use for AutoParameters: give each hyperparameter's range instead.",
      "WarmStartConfig.ParentHyperParameterTuningJobs 1 names no HyperParameterTuningJobName.",
      "The parent tuning job 'p' is named more than once in WarmStartConfig.ParentHyperParameterTuningJobs.",
      "A tuning job cannot warm start from itself: 'pytorch-training-240102-0304' is among its ParentHyperParameterTuningJobs.",
    ]);
  });

  it("puts every broken rule in one ValidationException", () => {
    const error = errorOf(
      withEdit(pythonSdkRequest(), (r) => {
        config(r).HyperParameterTuningJobObjective.MetricName = "acc";
        config(r).StrategyConfig = { HyperbandStrategyConfig: {} };
      }),
    );
    expect(error?.message).toBe(
      "A metric is required for this hyperparameter tuning job objective. Provide a metric in the metric definitions. " +
        "StrategyConfig.HyperbandStrategyConfig should be provided only if Hyperband is selected as the Strategy; the Strategy is Bayesian.",
    );
  });
});

describe("CreateHyperParameterTuningJob: SageMaker's limits", () => {
  it("answers more parallel or total training jobs than SageMaker allows with ResourceLimitExceeded", () => {
    expect(errorOf(withEdit(pythonSdkRequest(), (r) => (config(r).ResourceLimits.MaxParallelTrainingJobs = 101)))).toMatchObject({
      code: "ResourceLimitExceeded",
      message:
        "The account-level service limit 'Number of parallel training jobs per hyperparameter tuning job' is 100 Jobs, " +
        "with current utilization of 0 Jobs and a request delta of 101 Jobs. 100 is the most SageMaker allows.",
    });
    const bayesian = (n: number) =>
      withEdit(pythonSdkRequest(), (r) => {
        config(r).ResourceLimits.MaxNumberOfTrainingJobs = n;
      });
    expect(errorOf(bayesian(750))).toBeUndefined();
    expect(errorOf(bayesian(751))).toMatchObject({ code: "ResourceLimitExceeded" });
    expect(errorOf(bayesian(751))?.message).toContain("'[Bayesian optimization] Number of training jobs per hyperparameter tuning job' is 750 Jobs");
    expect(errorOf(withEdit(bayesian(10_000), (r) => (config(r).Strategy = "Random")))).toBeUndefined();
    const bigGrid = withEdit(gridRequest(), (r) => {
      config(r).ParameterRanges.CategoricalParameterRanges = [
        { Name: "a", Values: Array.from({ length: 30 }, (_, i) => `${i}`) },
        { Name: "b", Values: Array.from({ length: 26 }, (_, i) => `${i}`) },
      ];
    });
    expect(errorOf(bigGrid)?.message).toContain("is 750 Jobs, with current utilization of 0 Jobs and a request delta of 780 Jobs");
  });
});

describe("the other tuning operations' requests", () => {
  it("take a well-formed tuning job name", () => {
    expect(validateTuningJobName({ HyperParameterTuningJobName: "tune-1" })).toBe("tune-1");
    expect(() => validateTuningJobName({})).toThrow(
      "1 validation error detected: Value null at 'hyperParameterTuningJobName' failed to satisfy constraint: Member must not be null",
    );
    expect(() => validateTuningJobName({ HyperParameterTuningJobName: "-x" })).toThrow("Member must satisfy regular expression pattern");
    expect(validateListTrainingJobsForTuningJob({ HyperParameterTuningJobName: "t", SortBy: "FinalObjectiveMetricValue", StatusEquals: "Completed" })).toBe("t");
    expect(() => validateListTrainingJobsForTuningJob({ HyperParameterTuningJobName: "t", SortBy: "Objective" })).toThrow(
      "Value 'Objective' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, CreationTime, Status, FinalObjectiveMetricValue]",
    );
  });

  it("check ListHyperParameterTuningJobs' filters", () => {
    expect(() => validateListHyperParameterTuningJobs({ SortBy: "CreationTime", StatusEquals: "Stopped", MaxResults: 100, CreationTimeAfter: 1 })).not.toThrow();
    expect(() => validateListHyperParameterTuningJobs({ MaxResults: 101, StatusEquals: "Done" })).toThrow(
      "2 validation errors detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100; " +
        "Value 'Done' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [Completed, InProgress, Failed, Stopped, Stopping, Deleting, DeleteFailed]",
    );
  });
});

describe("warm start against a parent", () => {
  const child = withEdit(pythonSdkRequest(), (r) => {
    r.WarmStartConfig = { ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "parent" }], WarmStartType: "IdenticalDataAndAlgorithm" };
  }) as CreateHyperParameterTuningJobRequest;
  const parent = withEdit(pythonSdkRequest(), (r) => (r.HyperParameterTuningJobName = "parent")) as CreateHyperParameterTuningJobRequest;

  it("allows a hyperparameter to move between static and tuned, not a new one, in SageMaker's words", () => {
    expect(warmStartParentProblem(child, parent)).toBeUndefined();
    const moved = withEdit(child, (r) => {
      definition(r).StaticHyperParameters.lr = "0.01";
      config(r).ParameterRanges.ContinuousParameterRanges = [];
    }) as CreateHyperParameterTuningJobRequest;
    expect(warmStartParentProblem(moved, parent)).toBeUndefined();
    const added = withEdit(child, (r) => (definition(r).StaticHyperParameters.dropout = "0.1")) as CreateHyperParameterTuningJobRequest;
    expect(warmStartParentProblem(added, parent)).toBe(
      "The set of tunable plus static HyperParameter names is not the same across current and parent tuning jobs. " +
        "Please ensure this set is constant when warm starting. Note that previously static HyperParameters can be tuned in warm start jobs and vice versa.",
    );
    const image = withEdit(child, (r) => (definition(r).AlgorithmSpecification.TrainingImage = "other:1")) as CreateHyperParameterTuningJobRequest;
    expect(warmStartParentProblem(image, parent)).toContain("the training image must stay that of the parent tuning job 'parent'");
    const transfer = withEdit(image, (r) => (r.WarmStartConfig.WarmStartType = "TransferLearning")) as CreateHyperParameterTuningJobRequest;
    expect(warmStartParentProblem(transfer, parent)).toBeUndefined();
  });
});

describe("javaDouble", () => {
  it("writes numbers as Java's Double.toString", () => {
    expect([3, 0, 2.5, 1234567, 1e7, 1.5e10, 0.0001, Infinity].map(javaDouble)).toEqual(["3.0", "0.0", "2.5", "1234567.0", "1.0E7", "1.5E10", "1.0E-4", "Infinity"]);
  });
});
