"""Independent numbers for tuneflow's overfitting statistics, computed with numpy and scipy.

Writes test/fixtures/overfitting/reference.json, which test/analysis/overfitting.test.ts checks against;
the tests themselves need no Python. Regenerate with:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy
    /tmp/venv/bin/python scripts/overfitting/reference.py test/fixtures/overfitting/reference.json

Definitions, as analysis/deflatedSharpe.ts and analysis/pbo.ts state them:
- Sharpe ratio per period: mean / sample std (ddof 1); skewness and kurtosis (not excess) from population
  moments, scipy.stats.skew and scipy.stats.kurtosis(fisher=False).
- PSR(SR*) = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2)) (Bailey & Lopez de Prado 2012).
- SR* = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e))) (Bailey & Lopez de Prado 2014).
- N_eff = rho + (1 - rho) N with rho the mean pairwise Pearson correlation of the series, clamped to [0, 1].
- PBO by CSCV (Bailey, Borwein, Lopez de Prado & Zhu 2015): the first T mod S rows dropped, S equal blocks,
  every choice of S/2 blocks as in sample; the in-sample best by Sharpe ratio (first on ties), its
  out-of-sample average rank among the K trials, omega = rank / (K + 1), lambda = ln(omega / (1 - omega)),
  PBO = share of lambda <= 0. A series that does not vary in a half has Sharpe ratio 0.
This script computes every split directly from the rows, not from per-block sums as tuneflow does.
"""
import itertools
import json
import math
import sys

import numpy as np
from scipy import stats

EULER_GAMMA = 0.5772156649015329


def sharpe(x):
    sd = np.std(x, ddof=1)
    return float(np.mean(x) / sd) if sd > 0 else 0.0


def psr(sr, benchmark, t, skew, kurt):
    return float(stats.norm.cdf((sr - benchmark) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr * sr)))


def expected_max(variance, n):
    if n <= 1:
        return 0.0
    return math.sqrt(variance) * ((1 - EULER_GAMMA) * stats.norm.ppf(1 - 1 / n) + EULER_GAMMA * stats.norm.ppf(1 - 1 / (n * math.e)))


def pbo(matrix, blocks):
    t, k = matrix.shape
    length = t // blocks
    rows = matrix[t - length * blocks:]
    parts = [rows[b * length:(b + 1) * length] for b in range(blocks)]
    logits = []
    for chosen in itertools.combinations(range(blocks), blocks // 2):
        rest = [b for b in range(blocks) if b not in chosen]
        ins = np.concatenate([parts[b] for b in chosen])
        oos = np.concatenate([parts[b] for b in rest])
        is_sr = [sharpe(ins[:, j]) for j in range(k)]
        oos_sr = [sharpe(oos[:, j]) for j in range(k)]
        best = int(np.argmax(is_sr))
        omega = stats.rankdata(oos_sr)[best] / (k + 1)
        logits.append(math.log(omega / (1 - omega)))
    return float(np.mean(np.array(logits) <= 0)), logits


def rounded(a):
    return [round(float(v), 6) for v in a]


def main(out):
    rng = np.random.default_rng(20140501)
    normal = {
        'x': [-9.0, -6.5, -4.2, -3.0, -2.2, -1.0, -0.3, 0.0, 0.7, 1.96, 2.5, 4.0, 5.5],
        'p': [1e-12, 1e-6, 0.001, 0.02425, 0.1, 0.37, 0.5, 0.8, 0.97575, 0.99, 0.999999, 1 - 1e-10],
    }
    normal['cdf'] = [float(stats.norm.cdf(x)) for x in normal['x']]
    normal['quantile'] = [float(stats.norm.ppf(p)) for p in normal['p']]

    series_cases = []
    shapes = {
        'normal': lambda n: 0.0006 + 0.01 * rng.standard_normal(n),
        'fat tails': lambda n: 0.0004 + 0.006 * rng.standard_t(4, n),
        'negative skew': lambda n: 0.0015 + 0.004 * rng.standard_normal(n) - 0.02 * rng.exponential(1.0, n) * (rng.random(n) < 0.05),
    }
    for name, draw in shapes.items():
        x = np.round(draw(400), 6)
        m = {
            'count': len(x), 'mean': float(np.mean(x)), 'std': float(np.std(x, ddof=1)), 'sharpe': sharpe(x),
            'skewness': float(stats.skew(x)), 'kurtosis': float(stats.kurtosis(x, fisher=False)),
        }
        variance, trials = 0.0004, 250
        star = expected_max(variance, trials)
        series_cases.append({
            'name': name, 'returns': rounded(x), 'moments': m, 'psr': psr(m['sharpe'], 0, len(x), m['skewness'], m['kurtosis']),
            'sharpe_variance': variance, 'trials': trials, 'expected_max_sharpe': star,
            'deflated_sharpe': psr(m['sharpe'], star, len(x), m['skewness'], m['kurtosis']),
        })

    common = rng.standard_normal(300)
    corr_series = [np.round(0.01 * (w * common + math.sqrt(1 - w * w) * rng.standard_normal(300)), 6) for w in (0.9, 0.7, 0.5, 0.3, 0.0, -0.4)]
    c = np.corrcoef(np.array(corr_series))
    mean_corr = float(np.mean(c[np.triu_indices(len(corr_series), 1)]))
    correlation = {
        'series': [rounded(s) for s in corr_series], 'mean_correlation': mean_corr, 'trials': 1000,
        'trials_effective': min(1.0, max(0.0, mean_corr)) + (1 - min(1.0, max(0.0, mean_corr))) * 1000,
    }

    pbo_cases = []
    for name, t, k, blocks, edge in (('noise', 243, 7, 6, 0.0), ('one real edge', 400, 10, 8, 0.002), ('noise, 16 blocks', 323, 12, 16, 0.0)):
        m = 0.01 * rng.standard_normal((t, k))
        m[:, 3] += edge
        m = np.round(m, 6)
        value, logits = pbo(m, blocks)
        case = {'name': name, 'blocks': blocks, 'returns': [rounded(m[:, j]) for j in range(k)], 'pbo': value, 'combinations': len(logits)}
        case['logits' if len(logits) <= 100 else 'logit_summary'] = (
            logits if len(logits) <= 100 else {'mean': float(np.mean(logits)), 'min': float(np.min(logits)), 'max': float(np.max(logits))})
        pbo_cases.append(case)

    result = {
        'generated_by': 'scripts/overfitting/reference.py',
        'versions': {'numpy': np.__version__, 'scipy': __import__('scipy').__version__},
        'normal': normal, 'series': series_cases, 'correlation': correlation, 'pbo': pbo_cases,
    }
    with open(out, 'w') as f:
        json.dump(result, f)
        f.write('\n')


if __name__ == '__main__':
    main(sys.argv[1])
