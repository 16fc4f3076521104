import { describe, expect, it } from "vitest";
import { ByteSkipper, encodeFrame, FrameDecoder } from "./frames.js";

describe("FrameDecoder", () => {
  it("decodes frames split anywhere, stdout and stderr in order", () => {
    const wire = Buffer.concat([encodeFrame(1, "hello\n"), encodeFrame(2, "oops\n"), encodeFrame(1, ""), encodeFrame(1, "x".repeat(70_000))]);
    for (const step of [1, 3, 7, 8, 9, 1000, wire.length]) {
      const d = new FrameDecoder();
      const out: Buffer[] = [];
      for (let i = 0; i < wire.length; i += step) out.push(...d.push(wire.subarray(i, i + step)));
      expect(Buffer.concat(out).toString()).toBe(`hello\noops\n${"x".repeat(70_000)}`);
      expect(d.pending).toBe(0);
    }
  });

  it("holds an incomplete frame until it completes", () => {
    const d = new FrameDecoder();
    const f = encodeFrame(1, "abc");
    expect(d.push(f.subarray(0, 9))).toEqual([]);
    expect(d.pending).toBe(9);
    expect(d.push(f.subarray(9)).map(String)).toEqual(["abc"]);
  });
});

describe("ByteSkipper", () => {
  it("resumes exactly at an offset across chunk boundaries", () => {
    const text = "line one\nline two\nline three\n";
    for (let skip = 0; skip <= text.length; skip++) {
      const s = new ByteSkipper(skip);
      let got = "";
      let last = skip;
      for (const part of ["line ", "one\nline two\n", "line three\n"]) {
        const r = s.take(Buffer.from(part));
        if (r) {
          got += r.data.toString();
          last = r.offset;
        }
      }
      expect(got).toBe(text.slice(skip));
      expect(last).toBe(Math.max(skip, text.length));
    }
  });
});
