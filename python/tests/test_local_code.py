"""The SDK's local-code request shapes, made into the ones optml reads."""

from __future__ import annotations

import os
import unittest

from optml_sagemaker.local_code import file_uri, localize_training_request, localize_tuning_request

OUT = "file:///work/optml-out"


class LocalizeTrainingRequest(unittest.TestCase):
    def test_a_file_data_source_becomes_an_s3_data_source_on_the_same_uri(self):
        params = {
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {"FileDataSource": {"FileDataDistributionType": "ShardedByS3Key", "FileUri": "file:///data/train"}},
                    "ContentType": "text/csv",
                },
                {"ChannelName": "test", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/test"}}},
            ]
        }
        out = localize_training_request(params, OUT)
        self.assertEqual(
            out["InputDataConfig"][0],
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "file:///data/train", "S3DataDistributionType": "ShardedByS3Key"}},
                "ContentType": "text/csv",
            },
        )
        self.assertEqual(out["InputDataConfig"][1], params["InputDataConfig"][1])
        self.assertIn("FileDataSource", params["InputDataConfig"][0]["DataSource"], "the caller's dict is left alone")

    def test_empty_output_paths_become_the_local_output_directory_and_given_ones_stay(self):
        params = {
            "OutputDataConfig": {"S3OutputPath": "", "KmsKeyId": ""},
            "DebugHookConfig": {"S3OutputPath": "", "CollectionConfigurations": []},
            "ProfilerConfig": {"S3OutputPath": "file:///mine"},
        }
        out = localize_training_request(params, OUT)
        self.assertEqual(out["OutputDataConfig"], {"S3OutputPath": OUT, "KmsKeyId": ""})
        self.assertEqual(out["DebugHookConfig"]["S3OutputPath"], OUT)
        self.assertEqual(out["ProfilerConfig"], {"S3OutputPath": "file:///mine"})
        self.assertNotIn("TensorBoardOutputConfig", out)

    def test_a_tuning_jobs_training_definitions_are_localized_each(self):
        local = {"ChannelName": "train", "DataSource": {"FileDataSource": {"FileUri": "file:///data/train"}}}
        definition = {"OutputDataConfig": {"S3OutputPath": ""}, "InputDataConfig": [local], "StaticHyperParameters": {"a": "1"}}
        out = localize_tuning_request({"HyperParameterTuningJobName": "t", "TrainingJobDefinition": definition}, OUT)
        self.assertEqual(out["TrainingJobDefinition"]["OutputDataConfig"], {"S3OutputPath": OUT})
        self.assertEqual(out["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"], "file:///data/train")
        self.assertEqual(out["TrainingJobDefinition"]["StaticHyperParameters"], {"a": "1"})
        self.assertEqual(definition["OutputDataConfig"], {"S3OutputPath": ""}, "the caller's dict is left alone")
        several = localize_tuning_request({"TrainingJobDefinitions": [definition, {"OutputDataConfig": {"S3OutputPath": "file:///mine"}}]}, OUT)
        self.assertEqual([d["OutputDataConfig"]["S3OutputPath"] for d in several["TrainingJobDefinitions"]], [OUT, "file:///mine"])

    def test_file_uri_is_absolute_and_percent_encoded(self):
        self.assertEqual(file_uri("/a dir/x"), "file:///a%20dir/x")
        self.assertEqual(file_uri("rel"), "file://" + os.path.join(os.getcwd(), "rel"))


if __name__ == "__main__":
    unittest.main()
