import { describe, expect, it } from "vitest";
import { endpointsOfHosts } from "./index.js";
import { forwardedAddresses, loopbackEndpoints, loopbackHost, relayTargets, socketName } from "./endpoints.js";

describe("loopback endpoints of a host's environment", () => {
  it("takes every endpoint variable on loopback, with the port from the URL or the scheme", () => {
    const endpoints = loopbackEndpoints({
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000",
      AWS_ENDPOINT_URL_STS: "https://localhost/",
      AWS_ENDPOINT_URL: "http://[::1]:4566",
      S3_ENDPOINT_URL: "http://127.0.0.2:9001/path",
      AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:51679/creds",
      AWS_ENDPOINT_URL_SAGEMAKER: "http://localhost:8080",
    });
    expect(endpoints).toEqual([
      { host: "127.0.0.1", port: 9000, variables: ["AWS_ENDPOINT_URL_S3"] },
      { host: "localhost", port: 443, variables: ["AWS_ENDPOINT_URL_STS"] },
      { host: "::1", port: 4566, variables: ["AWS_ENDPOINT_URL"] },
      { host: "127.0.0.2", port: 9001, variables: ["S3_ENDPOINT_URL"] },
      { host: "127.0.0.1", port: 51679, variables: ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] },
      { host: "localhost", port: 8080, variables: ["AWS_ENDPOINT_URL_SAGEMAKER"] },
    ]);
  });

  it("leaves out other hosts, other variables, and what is not a URL; names one endpoint once", () => {
    expect(
      loopbackEndpoints({
        AWS_ENDPOINT_URL_S3: "http://minio.internal:9000",
        AWS_ENDPOINT_URL_STS: "https://sts.us-east-1.amazonaws.com",
        AWS_ENDPOINT_URL_SQS: "http://10.0.0.5:9324",
        AWS_ENDPOINT_URL_KMS: "not a url",
        AWS_ENDPOINT_URL_SNS: "",
        MY_SERVICE_URL: "http://127.0.0.1:7000",
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8000",
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: "http://127.0.0.1:8000/",
      }),
    ).toEqual([{ host: "127.0.0.1", port: 8000, variables: ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] }]);
  });

  it("knows loopback hosts: 127.0.0.0/8, localhost and its subdomains, ::1", () => {
    expect(["127.0.0.1", "127.255.0.9", "LOCALHOST", "s3.localhost", "localhost.", "[::1]", "::1"].map(loopbackHost)).toEqual([
      "127.0.0.1",
      "127.255.0.9",
      "localhost",
      "localhost",
      "localhost",
      "::1",
      "::1",
    ]);
    expect(["128.0.0.1", "127.0.0.256", "localhost.example.com", "0.0.0.0", "[::2]", "host.docker.internal"].map(loopbackHost)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("a forwarder listens on the address itself, and on both 127.0.0.1 and ::1 for localhost; an address named outright wins", () => {
    const endpoints = loopbackEndpoints({ AWS_ENDPOINT_URL: "http://localhost:9000", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000", AWS_ENDPOINT_URL_STS: "http://[::1]:5000" });
    expect(forwardedAddresses(endpoints)).toEqual([
      { address: "127.0.0.1", port: 9000, socket: "127.0.0.1-9000.sock" },
      { address: "::1", port: 5000, socket: "__1-5000.sock" },
      { address: "::1", port: 9000, socket: "localhost-9000.sock" },
    ]);
    expect(relayTargets(endpoints)).toEqual([
      { socket: "localhost-9000.sock", host: "localhost", port: 9000 },
      { socket: "127.0.0.1-9000.sock", host: "127.0.0.1", port: 9000 },
      { socket: "__1-5000.sock", host: "::1", port: 5000 },
    ]);
    expect(socketName({ host: "127.0.0.1", port: 80 })).toBe("127.0.0.1-80.sock");
  });

  it("a job's relay serves the endpoints of all its hosts, each once", () => {
    const a = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000" });
    const b = loopbackEndpoints({ AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000", AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9001" });
    expect(endpointsOfHosts([a, b, []]).map((e) => `${e.host}:${e.port}`)).toEqual(["127.0.0.1:9000", "127.0.0.1:9001"]);
  });
});
