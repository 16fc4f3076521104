import { describe, expect, it } from "vitest";
import { LinePassthrough, TailBuffer } from "./output-stream.js";

function sink() {
  const writes: string[] = [];
  return { writes, write: (chunk: Uint8Array) => writes.push(Buffer.from(chunk).toString("utf8")) };
}

describe("LinePassthrough", () => {
  it("writes whole lines as they complete and the rest at the end, bytes unchanged", () => {
    const out = sink();
    const pass = new LinePassthrough(out, 60_000);
    pass.write(Buffer.from("one\ntw"));
    expect(out.writes).toEqual(["one\n"]);
    pass.write(Buffer.from("o\nthree\nfo"));
    expect(out.writes).toEqual(["one\n", "two\nthree\n"]);
    pass.write(Buffer.from("ur"));
    pass.end();
    expect(out.writes.join("")).toBe("one\ntwo\nthree\nfour");
  });

  it("never splits a multi-byte character", () => {
    const out = sink();
    const pass = new LinePassthrough(out, 60_000);
    const bytes = Buffer.from("é🎉\n");
    for (const b of bytes) pass.write(Buffer.from([b]));
    pass.end();
    expect(out.writes).toEqual(["é🎉\n"]);
  });
});

describe("TailBuffer", () => {
  it("keeps everything while small", () => {
    const tail = new TailBuffer(100);
    tail.push(Buffer.from("a\n"));
    tail.push(Buffer.from("b"));
    expect(tail.text()).toBe("a\nb");
  });

  it("keeps the end, from the first whole line", () => {
    const tail = new TailBuffer(10);
    for (let i = 0; i < 20; i++) tail.push(Buffer.from(`line${i}\n`));
    expect(tail.text()).toBe("line19\n");
  });
});
