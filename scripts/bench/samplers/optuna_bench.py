"""Optuna's side of `npm run bench:samplers`: the same test functions, samplers at their defaults.

Reads one JSON job from stdin and prints one JSON result per line:
  {"kind": "quality", "sampler": "TPESampler", "function": "branin", "seeds": [0, 1], "trials": 300, "table": null}
    -> {"sampler", "function", "seed", "best": [best value after each trial]}
  {"kind": "speed", "observed": [1000, 10000], "measure": 30}
    -> {"observed", "per_second"}
  {"kind": "propose", "function": "branin", "history": [[[x0, x1], value], ...], "draws": 1000, "candidates": [[x0, x1], ...]}
    -> {"proposals": [point TPESampler proposes from that history with seed r, for r < draws],
        "acquisition": [log l(x) - log g(x) of each candidate]}
"""

import json
import math
import sys
import time

import numpy as np
import optuna

from functions import FUNCTIONS

optuna.logging.set_verbosity(optuna.logging.WARNING)


def make_sampler(name, seed):
    """An Optuna sampler by its class name (TPESampler, CmaEsSampler, ...), at its defaults."""
    return getattr(optuna.samplers, name)(seed=seed)


def table_objective(table):
    """The backtest objective, precomputed by the TypeScript side for every (fast, slow) point."""
    values = {(int(f), int(s)): v for f, s, v in table["points"]}

    def objective(trial):
        fast = trial.suggest_int("fast", table["fast"][0], table["fast"][1])
        slow = trial.suggest_int("slow", table["slow"][0], table["slow"][1])
        if fast >= slow:
            # Optuna has no constraint language for sampling; an infeasible point scores the worst feasible value.
            return table["worst"]
        return values[(fast, slow)]

    return objective


def function_objective(name):
    fn, bounds = FUNCTIONS[name]

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
        return fn(np.asarray(x))

    return objective


def quality(job):
    direction = "maximize" if job.get("table") else "minimize"
    objective = table_objective(job["table"]) if job.get("table") else function_objective(job["function"])
    for seed in job["seeds"]:
        study = optuna.create_study(sampler=make_sampler(job["sampler"], seed), direction=direction)
        study.optimize(objective, n_trials=job["trials"])
        values = [t.value for t in study.trials]
        running = (np.maximum if direction == "maximize" else np.minimum).accumulate(values)
        print(json.dumps({"sampler": job["sampler"], "function": job["function"], "seed": seed, "best": running.tolist()}), flush=True)


def speed(job):
    fn, bounds = FUNCTIONS["hartmann6"]
    dists = {f"x{i}": optuna.distributions.FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    rng = np.random.default_rng(0)
    for observed in job["observed"]:
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
        trials = []
        for _ in range(observed):
            params = {k: float(rng.uniform(d.low, d.high)) for k, d in dists.items()}
            value = fn(np.asarray(list(params.values())))
            trials.append(optuna.trial.create_trial(params=params, distributions=dists, value=value))
        study.add_trials(trials)
        start = time.perf_counter()
        for _ in range(job["measure"]):
            trial = study.ask(dists)
            study.tell(trial, fn(np.asarray([trial.params[k] for k in dists])))
        elapsed = time.perf_counter() - start
        print(json.dumps({"observed": observed, "per_second": job["measure"] / elapsed}), flush=True)


def propose(job):
    """What TPESampler (defaults) proposes next from a given history, over many seeds, and its EI of fixed points."""
    from optuna.samplers._tpe.sampler import _split_trials, default_gamma

    _, bounds = FUNCTIONS[job["function"]]
    dists = {f"x{i}": optuna.distributions.FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(bounds)}
    sampler = optuna.samplers.TPESampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    study.add_trials(
        [optuna.trial.create_trial(params=dict(zip(dists, x)), distributions=dists, value=value) for x, value in job["history"]]
    )
    # The trial being sampled for: running, and left out of its own constant liar as in study.optimize.
    asked = study._storage.get_trial(study.ask()._trial_id)
    proposals = []
    for r in range(job["draws"]):
        sampler._rng.rng.seed(r)
        params = sampler._sample(study, asked, dists)
        proposals.append([params[k] for k in dists])
    done = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    below, above = _split_trials(study, done, default_gamma(len(done)))
    l = sampler._build_parzen_estimator(study, dists, below, handle_below=True)
    g = sampler._build_parzen_estimator(study, dists, above, handle_below=False)
    candidates = np.asarray(job["candidates"], dtype=float)
    samples = {k: candidates[:, i] for i, k in enumerate(dists)}
    acquisition = sampler._compute_acquisition_func(samples, l, g)
    print(json.dumps({"proposals": proposals, "acquisition": acquisition.tolist()}))


if __name__ == "__main__":
    job = json.loads(sys.stdin.read())
    {"quality": quality, "speed": speed, "propose": propose}[job["kind"]](job)
