"""Optuna's fANOVA parameter importance for a case written by scripts/compareImportance.ts.

Reads the case (search space, trials, seeds) from the JSON file given as the only argument and prints
one JSON object: the Optuna version and, per seed, the importances and the seconds they took.
"""
import json
import sys
import time

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator, get_param_importances


def distribution(spec):
    if spec["type"] == "categorical":
        return CategoricalDistribution(spec["choices"])
    cls = IntDistribution if spec["type"] == "int" else FloatDistribution
    return cls(spec["low"], spec["high"], log=spec.get("log", False))


def main(path):
    with open(path) as f:
        case = json.load(f)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {name: distribution(spec) for name, spec in case["space"].items()}
    study = optuna.create_study(direction=case["direction"])
    study.add_trials(
        [optuna.trial.create_trial(params=t["params"], distributions=distributions, value=t["value"]) for t in case["trials"]]
    )
    runs = {}
    for seed in case["seeds"]:
        started = time.perf_counter()
        importances = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        runs[str(seed)] = {"importances": importances, "seconds": time.perf_counter() - started}
    print(json.dumps({"optuna": optuna.__version__, "runs": runs}))


if __name__ == "__main__":
    main(sys.argv[1])
