"""The consumer's sum, mean and stddev computed from their definition, with
exact arithmetic and no code of the consumer's (README, "Figures"):

  sum     the exact sum of the doubles, rounded once to the nearest double
          (beyond the range: infinite, printed null)
  mean    that sum divided by the count, in doubles; for a sum beyond the
          range, the exact mean rounded once
  stddev  sqrt(T / (n (n - 1))), T = n * sum(x^2) - sum(x)^2 taken exactly
          and rounded once, the division and sqrt in doubles (for T beyond
          the range: the exact quotient rounded once); None below two values

Equal to the consumer's bit for bit, whatever order it read the values in.
"""
import math
from fractions import Fraction


def rounded(q):
    """A Fraction as the nearest double, infinite beyond the range."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def exact_moments(values):
    """[sum, mean, stddev] of a list of floats (or ints)."""
    n = len(values)
    s1 = sum(Fraction(v) for v in values)
    total = rounded(s1)
    if n == 0:
        return [total, None, None]
    mean = total / n if math.isfinite(total) else rounded(s1 / n)
    if n < 2:
        return [total, mean, None]
    s2 = sum(Fraction(v) * Fraction(v) for v in values)
    t = n * s2 - s1 * s1
    var = rounded(t) / (float(n) * float(n - 1))
    if not math.isfinite(rounded(t)):
        var = rounded(t / (n * (n - 1)))
    return [total, mean, math.sqrt(max(var, 0.0))]
