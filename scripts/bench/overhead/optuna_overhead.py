"""Optuna's durable storages on the trivial objective of bench:overhead.

Usage: optuna_overhead.py journal|sqlite <path> <trials>
Prints one JSON object: the storage, trials, seconds from creating the study to the last trial told, and versions.
The study runs sequentially (n_jobs=1) with a seeded RandomSampler, so every second goes to the storage and
Optuna's own bookkeeping, as tuneflow's figure goes to its durable stack.
"""
import json
import sys
import time

import optuna


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    return -((x - 0.3) ** 2) - (y - 0.7) ** 2


def main() -> None:
    kind, path, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if kind == "journal":
        # JournalFileBackend appends each log record and fsyncs the file before returning.
        storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(path))
    elif kind == "sqlite":
        storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    else:
        raise SystemExit(f"unknown storage {kind}")
    started = time.perf_counter()
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=1), direction="maximize")
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - started
    print(json.dumps({"storage": kind, "trials": len(study.trials), "seconds": seconds, "optuna": optuna.__version__}))


if __name__ == "__main__":
    main()
