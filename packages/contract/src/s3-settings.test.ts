import { describe, expect, it } from "vitest";
import { s3Settings } from "./s3-settings.js";

describe("s3Settings", () => {
  it("takes the S3 endpoint first, then the general one, with path-style addressing", () => {
    expect(s3Settings({ AWS_ENDPOINT_URL: "http://a", AWS_ENDPOINT_URL_S3: "http://s3" }, "eu-west-1")).toEqual({
      region: "eu-west-1",
      endpoint: "http://s3",
      forcePathStyle: true,
    });
    expect(s3Settings({ AWS_ENDPOINT_URL: "http://a", AWS_DEFAULT_REGION: "ap-south-1" }, "x").endpoint).toBe("http://a");
  });

  it("uses AWS's own endpoints, virtual-hosted, unless told otherwise", () => {
    expect(s3Settings({ AWS_REGION: "us-west-2" }, "x")).toEqual({ region: "us-west-2", forcePathStyle: false });
    expect(s3Settings({ AWS_S3_FORCE_PATH_STYLE: "true" }, "us-east-1").forcePathStyle).toBe(true);
  });

  it("takes keys from the given environment when it holds both", () => {
    expect(s3Settings({ AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" }, "r").credentials).toEqual({
      accessKeyId: "k",
      secretAccessKey: "s",
      sessionToken: "t",
    });
    expect(s3Settings({ AWS_ACCESS_KEY_ID: "k" }, "r").credentials).toBeUndefined();
  });
});
