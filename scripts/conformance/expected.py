"""Runs backtesting.py on tuneflow's conformance cases and prints the expected trades and statistics as JSON.

Usage: python expected.py CASES_JSON FIXTURE_DIR
Each case: {"id", "data", "params": {"fast", "slow"}, "options": {"cash", "commission", "stopLoss"?, "takeProfit"?, "sizeFraction"?}}.
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
import backtesting
from backtesting import Backtest, Strategy
from backtesting.lib import crossover

# Metric names in tuneflow -> backtesting.py's stats keys.
METRICS = {
    'equity_final': 'Equity Final [$]',
    'equity_peak': 'Equity Peak [$]',
    'commissions': 'Commissions [$]',
    'return_pct': 'Return [%]',
    'buy_hold_return_pct': 'Buy & Hold Return [%]',
    'return_ann_pct': 'Return (Ann.) [%]',
    'volatility_ann_pct': 'Volatility (Ann.) [%]',
    'cagr_pct': 'CAGR [%]',
    'sharpe': 'Sharpe Ratio',
    'sortino': 'Sortino Ratio',
    'calmar': 'Calmar Ratio',
    'alpha_pct': 'Alpha [%]',
    'beta': 'Beta',
    'max_drawdown_pct': 'Max. Drawdown [%]',
    'avg_drawdown_pct': 'Avg. Drawdown [%]',
    'max_drawdown_duration': 'Max. Drawdown Duration',
    'avg_drawdown_duration': 'Avg. Drawdown Duration',
    'trades': '# Trades',
    'win_rate_pct': 'Win Rate [%]',
    'best_trade_pct': 'Best Trade [%]',
    'worst_trade_pct': 'Worst Trade [%]',
    'avg_trade_pct': 'Avg. Trade [%]',
    'max_trade_duration': 'Max. Trade Duration',
    'avg_trade_duration': 'Avg. Trade Duration',
    'profit_factor': 'Profit Factor',
    'expectancy_pct': 'Expectancy [%]',
    'sqn': 'SQN',
    'kelly': 'Kelly Criterion',
    'exposure_pct': 'Exposure Time [%]',
}


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    """backtesting.py's SmaCross, with optional stop-loss / take-profit distances and order size."""
    fast = 10
    slow = 30
    stop_loss = 0.0
    take_profit = 0.0
    size = 0.0

    def init(self):
        self.sma1 = self.I(sma, self.data.Close, self.fast)
        self.sma2 = self.I(sma, self.data.Close, self.slow)

    def order_args(self, long):
        price = self.data.Close[-1]
        args = {}
        if self.stop_loss:
            args['sl'] = price * (1 - self.stop_loss) if long else price * (1 + self.stop_loss)
        if self.take_profit:
            args['tp'] = price * (1 + self.take_profit) if long else price * (1 - self.take_profit)
        if self.size:
            args['size'] = self.size
        return args

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy(**self.order_args(True))
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell(**self.order_args(False))


DURATIONS = {'max_drawdown_duration', 'avg_drawdown_duration', 'max_trade_duration', 'avg_trade_duration'}


def stat(stats, name):
    """One statistic as tuneflow names and measures it: durations in days, commissions 0 where backtesting.py hides them."""
    key = METRICS[name]
    if name == 'commissions':
        return number(stats[key] if key in stats else 0.0)
    value = stats[key]
    if name in DURATIONS and not isinstance(value, pd.Timedelta):
        # NaT, or the drawdown fraction backtesting.py reports as a duration when no drawdown ends: not a duration.
        return None
    return number(value)


def number(value):
    """JSON has no NaN or infinity: NaN -> None, infinities -> strings; a Timedelta in days."""
    if isinstance(value, pd.Timedelta):
        return value / pd.Timedelta(days=1)
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    value = float(value)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return 'Infinity' if value > 0 else '-Infinity'
    return value


def run(case, fixture_dir):
    data = pd.read_csv(f"{fixture_dir}/{case['data']}", index_col=0, parse_dates=True)
    o = case['options']
    bt = Backtest(data, SmaCross, cash=o['cash'], commission=o['commission'], finalize_trades=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        stats = bt.run(fast=case['params']['fast'], slow=case['params']['slow'],
                       stop_loss=o.get('stopLoss', 0.0), take_profit=o.get('takeProfit', 0.0),
                       size=o.get('sizeFraction', 0.0))
    t = stats['_trades']
    trades = [[int(r.Size), int(r.EntryBar), int(r.ExitBar), float(r.EntryPrice), float(r.ExitPrice),
               float(r.PnL), float(r.ReturnPct) * 100] for r in t.itertuples()]
    n = len(data)
    # What tuneflow's `lastBarEntries: false` leaves out: trades opened on the last bar, closed or still open.
    open_at_end = len(stats['_strategy']._broker.trades) > 0
    last_bar_entry = any(tr[1] == n - 1 for tr in trades) or open_at_end
    return {
        'stats': {k: stat(stats, k) for k in METRICS},
        'trades': trades,
        'lastBarEntry': last_bar_entry,
        'openAtEnd': open_at_end,
    }


def main():
    cases = json.load(open(sys.argv[1]))
    fixture_dir = sys.argv[2]
    out = {
        'versions': {'backtesting': backtesting.__version__, 'pandas': pd.__version__, 'numpy': np.__version__},
        'results': {c['id']: run(c, fixture_dir) for c in cases},
    }
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
