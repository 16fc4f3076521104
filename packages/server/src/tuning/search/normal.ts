/**
 * The standard normal distribution's density and distribution function, and the logarithm of
 * expected improvement, computed so that it stays finite and ordered far from the incumbent
 * (where EI itself underflows to 0 and every candidate would look the same).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** erfc(x), Chebyshev fit with a fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * log E[max(0, best - f)] for f ~ N(mean, sd²) (minimisation): log(sd) + log(z Φ(z) + φ(z)),
 * z = (best - mean) / sd; for z < -8 by the asymptotic series φ(z)(1/z² - 3/z⁴ + 15/z⁶).
 */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  const z = (best - mean) / sd;
  if (z >= -8) {
    const h = z * normalCdf(z) + normalPdf(z);
    return Math.log(sd) + Math.log(Math.max(h, Number.MIN_VALUE));
  }
  const z2 = z * z;
  const series = 1 / z2 - 3 / (z2 * z2) + 15 / (z2 * z2 * z2);
  return Math.log(sd) - 0.5 * z2 - LOG_SQRT_2PI + Math.log(series);
}
