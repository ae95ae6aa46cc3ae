#!/usr/bin/env python3
"""SMA-crossover backtester for tuneflow's external-command evaluator (Python 3.8+, standard library only).

Protocol: one JSON object on stdin,
    {"session_id": ..., "trial_id": ..., "attempt": ..., "params": {"fast": 10, "slow": 30},
     "data": {"path": "/abs/prices.csv"}, "objective": {"metric": "sharpe", "direction": "maximize"}}
and one JSON object of metrics as the last line of stdout. Anything else on stdout and all of stderr end up
in the trial's log. A non-zero exit fails the attempt and tuneflow retries it.

Trading rules follow backtesting.py's SmaCross: when the fast SMA of closes crosses above the slow one, close
any short and go long with all equity at the next bar's open; the reverse on a cross below. Commission is a
fraction of traded value. Statistics use backtesting.py's definitions (zero risk-free rate).
Environment: SMA_BT_CASH (default 10000), SMA_BT_COMMISSION (default 0.002).
"""
import csv
import json
import math
import os
import sys


def load_bars(path):
    """Opens and closes from a CSV with a header naming Open and Close (any case) after a date column."""
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = [h.strip().lower() for h in next(rows)]
        try:
            i_open, i_close = header.index("open"), header.index("close")
        except ValueError:
            sys.exit(f"{path}: expected Open and Close columns, found {header}")
        opens, closes = [], []
        for row in rows:
            if row:
                opens.append(float(row[i_open]))
                closes.append(float(row[i_close]))
    return opens, closes


def sma(values, n):
    out = [math.nan] * len(values)
    total = 0.0
    for i, v in enumerate(values):
        total += v
        if i >= n:
            total -= values[i - n]
        if i >= n - 1:
            out[i] = total / n
    return out


def simulate(opens, closes, fast, slow, cash, commission):
    """Equity at each close and the number of trades entered."""
    f, s = sma(closes, fast), sma(closes, slow)
    position = 0.0  # units held, negative when short
    equity = [cash] * len(closes)
    trades = 0
    target = 0
    for i in range(len(closes)):
        if target:
            price = opens[i]
            value = cash + position * price
            cash = value - abs(position) * price * commission  # close the current position
            units = cash / (price * (1 + commission))
            position = target * units
            cash -= position * price + units * price * commission
            trades += 1
            target = 0
        equity[i] = cash + position * closes[i]
        if i >= slow and f[i - 1] < s[i - 1] and f[i] > s[i]:
            target = 1
        elif i >= slow and s[i - 1] < f[i - 1] and s[i] > f[i]:
            target = -1
    return equity, trades


def statistics(equity, trades, periods_per_year=252):
    returns = [b / a - 1 for a, b in zip(equity, equity[1:])]
    peak, max_dd = equity[0], 0.0
    for e in equity:
        peak = max(peak, e)
        max_dd = max(max_dd, 1 - e / peak)
    sharpe = None
    if len(returns) > 1 and all(r > -1 for r in returns):
        gmean = math.exp(sum(math.log1p(r) for r in returns) / len(returns)) - 1
        mean = sum(returns) / len(returns)
        var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
        annual = (1 + gmean) ** periods_per_year - 1
        vol = math.sqrt((var + (1 + gmean) ** 2) ** periods_per_year - (1 + gmean) ** (2 * periods_per_year))
        sharpe = annual / vol if vol > 0 else None
    return {
        "sharpe": sharpe,
        "return_pct": (equity[-1] / equity[0] - 1) * 100,
        "max_drawdown_pct": -max_dd * 100,
        "trades": trades,
    }


def main():
    request = json.load(sys.stdin)
    params = request["params"]
    fast, slow = int(params["fast"]), int(params["slow"])
    opens, closes = load_bars(request["data"]["path"])
    if not 1 <= fast < slow <= len(closes):
        sys.exit(f"need 1 <= fast < slow <= {len(closes)} bars, got fast={fast} slow={slow}")
    cash = float(os.environ.get("SMA_BT_CASH", "10000"))
    commission = float(os.environ.get("SMA_BT_COMMISSION", "0.002"))
    print(f"trial {request['trial_id']}: {len(closes)} bars, fast={fast} slow={slow}", file=sys.stderr)

    equity, trades = simulate(opens, closes, fast, slow, cash, commission)
    print(json.dumps(statistics(equity, trades), allow_nan=False))


if __name__ == "__main__":
    main()
