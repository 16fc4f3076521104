import { describe, expect, it } from "vitest";
import { parseS3Uri } from "./s3-location.js";
import { s3ClientConfig } from "./s3.js";

describe("parseS3Uri", () => {
  it("splits bucket and key", () => {
    expect(parseS3Uri("s3://my-bucket/job/source/sourcedir.tar.gz")).toEqual({ bucket: "my-bucket", key: "job/source/sourcedir.tar.gz" });
    expect(parseS3Uri("s3://my-bucket")).toBeUndefined();
    expect(parseS3Uri("s3://my-bucket/")).toBeUndefined();
    expect(parseS3Uri("https://x/y")).toBeUndefined();
  });
});

describe("s3ClientConfig", () => {
  it("uses the default chain and virtual-host addressing without overrides", () => {
    expect(s3ClientConfig({}, undefined)).toEqual({ region: "us-east-1", followRegionRedirects: true, forcePathStyle: false });
    expect(s3ClientConfig({ AWS_DEFAULT_REGION: "eu-west-1" }, "us-west-2").region).toBe("eu-west-1");
    expect(s3ClientConfig({}, "us-west-2").region).toBe("us-west-2");
    expect(s3ClientConfig({ AWS_S3_FORCE_PATH_STYLE: "true" }, undefined).forcePathStyle).toBe(true);
  });

  it("takes an endpoint override with path-style addressing, the S3-specific variable first", () => {
    const config = s3ClientConfig(
      { AWS_ENDPOINT_URL: "http://generic:1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000", AWS_REGION: "ap-south-1" },
      undefined,
    );
    expect(config).toMatchObject({ endpoint: "http://127.0.0.1:9000", forcePathStyle: true, region: "ap-south-1" });
    expect(s3ClientConfig({ S3_ENDPOINT_URL: "http://legacy:2" }, undefined).endpoint).toBe("http://legacy:2");
  });

  it("takes explicit keys from the given environment", () => {
    expect(s3ClientConfig({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" }, undefined).credentials).toEqual({
      accessKeyId: "a",
      secretAccessKey: "s",
      sessionToken: "t",
    });
  });
});
