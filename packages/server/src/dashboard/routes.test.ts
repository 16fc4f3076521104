import { describe, expect, it } from "vitest";
import { hostAllowed } from "./routes.js";

describe("hostAllowed (DNS rebinding)", () => {
  it("takes the loopback names for a loopback address, with or without a port", () => {
    for (const host of ["127.0.0.1:7077", "127.0.0.1", "localhost:7077", "LOCALHOST", "[::1]:7077"]) expect(hostAllowed(host, "127.0.0.1")).toBe(true);
  });

  it("refuses any other name, and a missing Host", () => {
    for (const host of ["attacker.example", "attacker.example:7077", "127.0.0.1.nip.io:7077", "10.0.0.5:7077", ""]) expect(hostAllowed(host, "127.0.0.1")).toBe(false);
    expect(hostAllowed(undefined, "127.0.0.1")).toBe(false);
  });

  it("takes the address served, and anything when serving every address", () => {
    expect(hostAllowed("10.0.0.5:7077", "10.0.0.5")).toBe(true);
    expect(hostAllowed("localhost:7077", "10.0.0.5")).toBe(false);
    expect(hostAllowed("[::1]:7077", "::1")).toBe(true);
    expect(hostAllowed("anything:1", "0.0.0.0")).toBe(true);
  });
});
