"""Times backtesting.py's Backtest.optimize and vectorbt's Portfolio.from_signals on the SMA crossover grid.

Usage: python bench.py backtesting.py|vectorbt CSV; prints one JSON object:
{seconds, backtests, sampled, rss_growth_mb, versions}. One library per process, so that its peak memory is its own.
Costs and exits are switched on in both: commission 0.002, a stop-loss 5 % and a take-profit 10 % on every trade.
Both run on one core: backtesting.py's optimize gets a one-thread pool, and numba runs vectorbt's loops
on the calling thread.
"""
import json
import resource
import sys
import time
import warnings
from multiprocessing.dummy import Pool as ThreadPool

import numpy as np
import pandas as pd
import backtesting
import vectorbt as vbt
from backtesting import Backtest, Strategy
from backtesting.lib import crossover

warnings.filterwarnings('ignore')
backtesting.Pool = lambda *args, **kwargs: ThreadPool(1)

FAST = range(5, 51, 5)
SLOW = range(10, 201, 10)
PAIRS = [(f, s) for f in FAST for s in SLOW if f < s]
# backtesting.py needs seconds per run on 100,000 bars: time a random sample of the grid there.
SAMPLE_ABOVE_BARS = 20_000
SAMPLE_RUNS = 8
COMMISSION = 0.002
STOP_LOSS = 0.05
TAKE_PROFIT = 0.10


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    fast = 10
    slow = 30

    def init(self):
        self.sma1 = self.I(sma, self.data.Close, self.fast)
        self.sma2 = self.I(sma, self.data.Close, self.slow)

    def next(self):
        # Exits from the signal bar's close, as tuneflow's stopLoss / takeProfit (and scripts/conformance/expected.py).
        price = self.data.Close[-1]
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy(sl=price * (1 - STOP_LOSS), tp=price * (1 + TAKE_PROFIT))
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell(sl=price * (1 + STOP_LOSS), tp=price * (1 - TAKE_PROFIT))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_backtesting_py(df):
    bt = Backtest(df, SmaCross, cash=10_000, commission=COMMISSION, finalize_trades=True)
    sample = len(df) > SAMPLE_ABOVE_BARS
    t = time.perf_counter()
    _, heatmap = bt.optimize(fast=FAST, slow=SLOW, constraint=lambda p: p.fast < p.slow,
                             max_tries=SAMPLE_RUNS if sample else None, random_state=0, return_heatmap=True)
    seconds = time.perf_counter() - t
    # optimize() runs each evaluated point once, then the best point once more for its stats.
    return {'seconds': seconds, 'backtests': int(heatmap.notna().sum()) + 1, 'sampled': sample}


def run_vectorbt(df):
    close, index = df.Close, df.index
    cols = pd.MultiIndex.from_tuples(PAIRS, names=['fast', 'slow'])
    t = time.perf_counter()
    fast = vbt.MA.run(close, window=[p[0] for p in PAIRS]).ma.values
    slow = vbt.MA.run(close, window=[p[1] for p in PAIRS]).ma.values
    up = np.zeros_like(fast, dtype=bool)
    down = np.zeros_like(fast, dtype=bool)
    # Decided on a bar's close, filled at the next bar's open, as in the other two engines.
    up[2:] = (fast[:-2] < slow[:-2]) & (fast[1:-1] > slow[1:-1])
    down[2:] = (slow[:-2] < fast[:-2]) & (slow[1:-1] > fast[1:-1])
    pf = vbt.Portfolio.from_signals(
        close, entries=pd.DataFrame(up, index=index, columns=cols), short_entries=pd.DataFrame(down, index=index, columns=cols),
        price=df.Open, open=df.Open, high=df.High, low=df.Low, fees=COMMISSION, sl_stop=STOP_LOSS, tp_stop=TAKE_PROFIT,
        # Its stops count from a price of the entry bar; its fill (that bar's open) is the nearest to the signal's close.
        stop_entry_price='fillprice',
        init_cash=10_000, size=np.inf, size_granularity=1, upon_opposite_entry='reverse', freq=index[1] - index[0])
    pf.total_return(), pf.sharpe_ratio(), pf.max_drawdown(), pf.trades.count()
    return {'seconds': time.perf_counter() - t, 'backtests': len(PAIRS), 'sampled': False}


def main():
    library, path = sys.argv[1], sys.argv[2]
    df = pd.read_csv(path, index_col=0, parse_dates=True)
    if library == 'vectorbt':
        run_vectorbt(df.iloc[:500])  # numba compiles on first use; keep that out of the timing
    base = peak_rss_mb()
    result = run_vectorbt(df) if library == 'vectorbt' else run_backtesting_py(df)
    result['rss_growth_mb'] = peak_rss_mb() - base
    result['versions'] = {'backtesting': backtesting.__version__, 'vectorbt': vbt.__version__, 'pandas': pd.__version__, 'numpy': np.__version__}
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
