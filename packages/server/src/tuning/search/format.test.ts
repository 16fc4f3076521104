import { describe, expect, it } from "vitest";
import { formatContinuous, formatInteger } from "./format.js";

describe("tuned value text", () => {
  it("renders continuous values as Python's repr does (as SageMaker's HyperParameters show them)", () => {
    // Values seen in a SageMaker tuning trial's HyperParameters.
    expect(formatContinuous(0.011391935592233605)).toBe("0.011391935592233605");
    expect(formatContinuous(5.081388147234708e-6)).toBe("5.081388147234708e-06");
    expect(formatContinuous(1.8903517751689445)).toBe("1.8903517751689445");
    // Python: repr(1.0), repr(0.0001), repr(0.00001), repr(1e16), repr(123456789012345.6), repr(-2.5e-7), repr(1e22)
    expect(formatContinuous(1)).toBe("1.0");
    expect(formatContinuous(0.0001)).toBe("0.0001");
    expect(formatContinuous(0.00001)).toBe("1e-05");
    expect(formatContinuous(1e16)).toBe("1e+16");
    expect(formatContinuous(1e15)).toBe("1000000000000000.0");
    expect(formatContinuous(123456789012345.6)).toBe("123456789012345.6");
    expect(formatContinuous(-2.5e-7)).toBe("-2.5e-07");
    expect(formatContinuous(1e22)).toBe("1e+22");
    expect(formatContinuous(1.5e-123)).toBe("1.5e-123");
    expect(formatContinuous(-0)).toBe("0.0");
    expect(formatContinuous(250)).toBe("250.0");
    expect(formatContinuous(0.1 + 0.2)).toBe("0.30000000000000004");
  });

  it("round-trips every continuous value exactly", () => {
    for (const x of [Math.PI, 1 / 3, 2 ** -40, 6.02214076e23, -1e-300, 0.5, 99.99, Number.MIN_VALUE, Number.MAX_VALUE]) {
      expect(Number(formatContinuous(x))).toBe(x);
    }
  });

  it("renders integers plainly and refuses what is not one", () => {
    expect(formatInteger(5)).toBe("5");
    expect(formatInteger(-12)).toBe("-12");
    expect(formatInteger(-0)).toBe("0");
    expect(() => formatInteger(1.5)).toThrow(/not a safe integer/);
    expect(() => formatContinuous(Number.NaN)).toThrow(/not a finite number/);
  });
});
