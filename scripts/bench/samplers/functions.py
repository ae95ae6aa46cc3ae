"""The test functions of the sampler benchmark, as in scripts/bench/samplers/functions.ts (minimized)."""

import math

import numpy as np

HARTMANN_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
HARTMANN_P = 1e-4 * np.array(
    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
)
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(x):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return float(a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s)


def hartmann6(x):
    return float(-np.sum(HARTMANN_ALPHA * np.exp(-np.sum(HARTMANN_A * (x - HARTMANN_P) ** 2, axis=1))))


def rosenbrock(x):
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x):
    n = len(x)
    return float(-20 * math.exp(-0.2 * math.sqrt(np.sum(x**2) / n)) - math.exp(np.sum(np.cos(2 * math.pi * x)) / n) + 20 + math.e)


FUNCTIONS = {
    "branin": (branin, [(-5, 10), (0, 15)]),
    "hartmann6": (hartmann6, [(0, 1)] * 6),
    "rosenbrock4": (rosenbrock, [(-5, 10)] * 4),
    "ackley5": (ackley, [(-32.768, 32.768)] * 5),
}
