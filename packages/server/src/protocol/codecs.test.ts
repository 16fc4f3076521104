/**
 * The protocol layer's codecs on the wire, with raw HTTP: one toy service with a wire model is
 * reached in rpc-v2-CBOR, awsJson1_0, awsJson1_1 and query with the same handler, answers and
 * errors in each protocol's form; a service without a model stays awsJson1_1 only. (The real
 * clients are driven against CloudWatch in test/cloudwatch.e2e.test.ts.)
 */
import { decode, encode } from "cbor2";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "./errors.js";
import { createApiServer } from "./server.js";
import type { RequestContext, ServiceDefinition } from "./types.js";
import type { WireServiceModel } from "./wire-model.js";

const MODEL: WireServiceModel = {
  botocoreVersion: "test",
  apiVersion: "2020-01-01",
  targetPrefix: "Toy_2020",
  signingName: "toy",
  xmlNamespace: "http://toy.example/doc/2020-01-01/",
  protocols: ["smithy-rpc-v2-cbor", "json", "query"],
  awsQueryCompatible: true,
  operations: { Echo: "EchoInput" },
  outputs: { Echo: { shape: "EchoOutput", resultWrapper: "EchoResult" } },
  errors: { BadThing: { code: "BadThingCode", status: 400, sender: true } },
  shapes: {
    EchoInput: { type: "structure", members: { Name: "Text", When: "Time", Count: "Int", Ratio: "Double", Flag: "Bool", Tags: "Tags", Pairs: "Pairs" } },
    EchoOutput: { type: "structure", members: { Name: "Text", When: "Time", Count: "Int", Ratio: "Double", Flag: "Bool", Tags: "Tags", Pairs: "Pairs" } },
    Text: { type: "string" },
    Time: { type: "timestamp" },
    Int: { type: "integer" },
    Double: { type: "double" },
    Bool: { type: "boolean" },
    Tags: { type: "list", member: "Tag" },
    Tag: { type: "structure", members: { Key: "Text", Value: "Text" } },
    Pairs: { type: "map", key: "Text", value: "Double" },
  },
};

const seen: { input: Record<string, unknown>; ctx: RequestContext }[] = [];
const toy: ServiceDefinition = {
  targetPrefix: "Toy_2020",
  signingName: "toy",
  model: MODEL,
  handlers: {
    Echo: (input, ctx) => {
      seen.push({ input, ctx });
      if (input.Name === "bad") throw new ApiError("BadThingException", "That <thing> & more is bad.", 400, "BadThingCode");
      return input;
    },
  },
};
const plain: ServiceDefinition = { targetPrefix: "Plain", signingName: "plain", handlers: { Ping: () => ({ ok: true }) } };

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = createApiServer({ services: [plain, toy] });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const WHEN = new Date("2026-11-30T12:34:56.500Z");
const INPUT = { Name: "a&b", When: WHEN, Count: 3, Ratio: 0.25, Flag: true, Tags: [{ Key: "k", Value: "v" }], Pairs: { p50: 1.5 } };

describe("the protocol layer's codecs", () => {
  it("rpc-v2-CBOR: /service/<prefix>/operation/<Op>, CBOR both ways, timestamps as Dates, smithy-protocol on the answer", async () => {
    const r = await fetch(`${url}/service/Toy_2020/operation/Echo`, {
      method: "POST",
      headers: { "smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", Accept: "application/cbor" },
      body: encode(INPUT),
    });
    expect([r.status, r.headers.get("content-type"), r.headers.get("smithy-protocol")]).toEqual([200, "application/cbor", "rpc-v2-cbor"]);
    expect(decode(new Uint8Array(await r.arrayBuffer()))).toEqual(INPUT);
    expect(seen.at(-1)!.input.When).toEqual(WHEN);
    expect(seen.at(-1)!.ctx.protocol).toBe("rpcv2Cbor");
  });

  it("rpc-v2-CBOR errors: a CBOR map {__type, message} with x-amzn-query-error for a query-compatible service", async () => {
    const r = await fetch(`${url}/service/Toy_2020/operation/Echo`, { method: "POST", headers: { "smithy-protocol": "rpc-v2-cbor" }, body: encode({ Name: "bad" }) });
    expect([r.status, r.headers.get("smithy-protocol"), r.headers.get("x-amzn-query-error")]).toEqual([400, "rpc-v2-cbor", "BadThingCode;Sender"]);
    expect(decode(new Uint8Array(await r.arrayBuffer()))).toEqual({ __type: "BadThingException", message: "That <thing> & more is bad." });
    const unknown = await fetch(`${url}/service/Toy_2020/operation/Nope`, { method: "POST", headers: { "smithy-protocol": "rpc-v2-cbor" }, body: encode({}) });
    expect(decode(new Uint8Array(await unknown.arrayBuffer()))).toEqual({ __type: "UnknownOperationException", message: "Unknown operation Toy_2020.Nope." });
    const noHeader = await fetch(`${url}/service/Toy_2020/operation/Echo`, { method: "POST", body: encode({}) });
    expect((decode(new Uint8Array(await noHeader.arrayBuffer())) as { message: string }).message).toContain("smithy-protocol: rpc-v2-cbor");
    const notCbor = await fetch(`${url}/service/Toy_2020/operation/Echo`, { method: "POST", headers: { "smithy-protocol": "rpc-v2-cbor" }, body: "{" });
    expect((decode(new Uint8Array(await notCbor.arrayBuffer())) as { __type: string }).__type).toBe("SerializationException");
  });

  it("awsJson1_0 and 1_1: the same handler, epoch-second timestamps, the answer in the request's JSON version", async () => {
    for (const version of ["1.0", "1.1"]) {
      const r = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": `application/x-amz-json-${version}`, "X-Amz-Target": "Toy_2020.Echo" },
        body: JSON.stringify({ ...INPUT, When: WHEN.getTime() / 1000 }),
      });
      expect([r.status, r.headers.get("content-type")]).toEqual([200, `application/x-amz-json-${version}`]);
      expect(await r.json()).toEqual({ ...INPUT, When: WHEN.getTime() / 1000 });
      expect(seen.at(-1)!.input.When).toEqual(WHEN);
    }
    const bad = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "Toy_2020.Echo" }, body: '{"Name":"bad"}' });
    expect([bad.status, bad.headers.get("x-amzn-errortype"), bad.headers.get("x-amzn-query-error")]).toEqual([400, "BadThingException", "BadThingCode;Sender"]);
    expect(await bad.json()).toEqual({ __type: "BadThingException", message: "That <thing> & more is bad." });
    const badTime = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "Toy_2020.Echo" }, body: '{"When":true}' });
    expect(((await badTime.json()) as { __type: string }).__type).toBe("SerializationException");
  });

  it("query: a form in, XML out in the service's namespace (lists as member, maps as entry, ISO timestamps, escaped text)", async () => {
    const form = new URLSearchParams({
      Action: "Echo",
      Version: "2020-01-01",
      Name: "a&b",
      When: "2026-11-30T12:34:56.500Z",
      Count: "3",
      Ratio: "0.25",
      Flag: "true",
      "Tags.member.1.Key": "k",
      "Tags.member.1.Value": "v",
      "Pairs.entry.1.key": "p50",
      "Pairs.entry.1.value": "1.5",
    });
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" }, body: form.toString() });
    expect([r.status, r.headers.get("content-type")]).toEqual([200, "text/xml"]);
    const xml = await r.text();
    const id = r.headers.get("x-amzn-requestid");
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<EchoResponse xmlns="http://toy.example/doc/2020-01-01/"><EchoResult>' +
        "<Name>a&amp;b</Name><When>2026-11-30T12:34:56.500Z</When><Count>3</Count><Ratio>0.25</Ratio><Flag>true</Flag>" +
        "<Tags><member><Key>k</Key><Value>v</Value></member></Tags><Pairs><entry><key>p50</key><value>1.5</value></entry></Pairs>" +
        `</EchoResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></EchoResponse>\n`,
    );
    expect(seen.at(-1)!.input).toEqual(INPUT);
    expect(seen.at(-1)!.ctx.protocol).toBe("awsQuery");
  });

  it("query errors: <ErrorResponse> with the query code, Sender, the message escaped", async () => {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "Action=Echo&Version=2020-01-01&Name=bad" });
    expect(r.status).toBe(400);
    const xml = await r.text();
    expect(xml).toContain('<ErrorResponse xmlns="http://toy.example/doc/2020-01-01/"><Error><Type>Sender</Type><Code>BadThingCode</Code>');
    expect(xml).toContain("<Message>That &lt;thing&gt; &amp; more is bad.</Message>");
    const version = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "Action=Echo&Version=1999-01-01" });
    expect(await version.text()).toContain("<Code>UnknownOperationException</Code>");
    const notInt = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "Action=Echo&Count=three" });
    expect(await notInt.text()).toContain("<Message>Cannot read Count: &apos;three&apos; is not an integer.</Message>");
  });

  it("a service without a wire model is awsJson1_1 only", async () => {
    const json = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Plain.Ping" }, body: "{}" });
    expect(await json.json()).toEqual({ ok: true });
    const cbor = await fetch(`${url}/service/Plain/operation/Ping`, { method: "POST", headers: { "smithy-protocol": "rpc-v2-cbor" }, body: encode({}) });
    expect([cbor.status, (decode(new Uint8Array(await cbor.arrayBuffer())) as { __type: string }).__type]).toEqual([400, "UnknownOperationException"]);
    const json10 = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "Plain.Ping" }, body: "{}" });
    expect(((await json10.json()) as { __type: string }).__type).toBe("UnknownOperationException");
  });
});

describe("the protocol layer before a service is known", () => {
  it("answers a query request for an unknown action in the XML of the only query service, and a bad CBOR path without a crash", async () => {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "Action=Nope&Version=2020-01-01" });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('<ErrorResponse xmlns="http://toy.example/doc/2020-01-01/"><Error><Type>Sender</Type><Code>UnknownOperationException</Code><Message>Unknown operation Nope.</Message>');
    const bad = await fetch(`${url}/service/Toy%ZZ/operation/Echo`, { method: "POST", headers: { "smithy-protocol": "rpc-v2-cbor" }, body: encode({}) });
    expect([bad.status, (decode(new Uint8Array(await bad.arrayBuffer())) as { __type: string }).__type]).toEqual([400, "UnknownOperationException"]);
  });
});
