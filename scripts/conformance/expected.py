"""Runs backtesting.py on tuneflow's conformance cases and prints the expected trades and statistics as JSON.

Usage: python expected.py CASES_JSON FIXTURE_DIR
Each case: {"id", "data", "strategy", "params": {...}, "options": {"cash", "commission", "stopLoss"?, "takeProfit"?, "sizeFraction"?, "sizeUnits"?, "trailingStop"?, "spread"?, "commissionFixed"?}},
the strategy one of tuneflow's built-ins (STRATEGIES) and the params its own.
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


# Indicators as tuneflow defines them (backtest/indicators.ts), written the way pandas users write them.

def sma(values, n):
    return pd.Series(values).rolling(n).mean()


def seeded_ewm(values, n, **smoothing):
    """pandas' recursive EWM (adjust=False) seeded with the mean of the first `n` defined values, which it takes
    as its value on the n-th of them; NaN before."""
    s = pd.Series(values, dtype=float)
    first = s.first_valid_index()
    seeded = pd.Series(np.nan, index=s.index)
    if first is None or first + n > len(s):
        return seeded
    seeded.iloc[first + n - 1] = s.iloc[first:first + n].mean()
    seeded.iloc[first + n:] = s.iloc[first + n:]
    return seeded.ewm(adjust=False, **smoothing).mean()


def ema(values, n):
    """SMA-seeded EMA with smoothing 2 / (n + 1)."""
    return seeded_ewm(values, n, span=n)


def macd_line(close, fast, slow):
    return ema(close, fast) - ema(close, slow)


def macd_signal(close, fast, slow, signal):
    return ema(macd_line(close, fast, slow), signal)


def rsi(close, n):
    """Wilder's RSI: SMA-seeded averages of gains and losses smoothed by 1 / n; 50 while prices do not move."""
    delta = pd.Series(close).diff()
    gain = seeded_ewm(delta.clip(lower=0), n, com=n - 1)
    loss = seeded_ewm((-delta).clip(lower=0), n, com=n - 1)
    value = 100 - 100 / (1 + gain / loss)
    value[loss == 0] = np.where(gain[loss == 0] == 0, 50.0, 100.0)
    return value


def band(close, n, k, sign):
    """Bollinger band: the SMA plus `sign` * k population standard deviations."""
    c = pd.Series(close)
    return c.rolling(n).mean() + sign * k * c.rolling(n).std(ddof=0)


def prior_high(high, n):
    """Highest high of the `n` bars before each bar."""
    return pd.Series(high).rolling(n).max().shift(1)


def prior_low(low, n):
    """Lowest low of the `n` bars before each bar."""
    return pd.Series(low).rolling(n).min().shift(1)


LONG, SHORT, FLAT = 'long', 'short', 'flat'


class TargetStrategy(Strategy):
    """A strategy that names one target per bar, executed as tuneflow's broker does (Long: close, then buy; Short:
    close, then sell; Flat: close; None: hold). Every strategy takes the same order options."""
    stop_loss = 0.0
    take_profit = 0.0
    trailing_stop = 0.0
    size = 0.0

    def target(self):
        """This bar's target: LONG, SHORT, FLAT, or None to hold."""
        raise NotImplementedError

    def order_args(self, long):
        price = self.data.Close[-1]
        args = {}
        stops = [price * (1 - d) if long else price * (1 + d) for d in (self.stop_loss, self.trailing_stop) if d]
        if stops:
            # The nearer of the stop-loss and the trailing stop.
            args['sl'] = max(stops) if long else min(stops)
        if self.take_profit:
            args['tp'] = price * (1 + self.take_profit) if long else price * (1 - self.take_profit)
        if self.size:
            args['size'] = self.size
        return args

    def trail(self):
        """Moves each open trade's stop to `trailing_stop` from this close where that is nearer. Before any order of this
        bar, so that a signal's close order still comes first in the queue, as tuneflow's broker closes on a signal first."""
        close = self.data.Close[-1]
        for trade in self.trades:
            if trade.is_long:
                trade.sl = max(trade.sl or -np.inf, close * (1 - self.trailing_stop))
            else:
                trade.sl = min(trade.sl or np.inf, close * (1 + self.trailing_stop))

    def next(self):
        if self.trailing_stop:
            self.trail()
        target = self.target()
        if target is None:
            return
        self.position.close()
        if target == LONG:
            self.buy(**self.order_args(True))
        elif target == SHORT:
            self.sell(**self.order_args(False))


def crossing(a, b):
    """Long where `a` crosses above `b`, Short where it crosses below (backtesting.py's `crossover`)."""
    if crossover(a, b):
        return LONG
    if crossover(b, a):
        return SHORT
    return None


class SmaCross(TargetStrategy):
    """backtesting.py's SmaCross."""
    fast = 10
    slow = 30

    def init(self):
        self.sma1 = self.I(sma, self.data.Close, self.fast)
        self.sma2 = self.I(sma, self.data.Close, self.slow)

    def target(self):
        return crossing(self.sma1, self.sma2)


class EmaCross(TargetStrategy):
    fast = 12
    slow = 26

    def init(self):
        self.ema1 = self.I(ema, self.data.Close, self.fast)
        self.ema2 = self.I(ema, self.data.Close, self.slow)

    def target(self):
        return crossing(self.ema1, self.ema2)


class Macd(TargetStrategy):
    fast = 12
    slow = 26
    signal = 9

    def init(self):
        self.line = self.I(macd_line, self.data.Close, self.fast, self.slow)
        self.signal_line = self.I(macd_signal, self.data.Close, self.fast, self.slow, self.signal)

    def target(self):
        return crossing(self.line, self.signal_line)


class RsiReversion(TargetStrategy):
    period = 14
    lower = 30.0
    upper = 70.0

    def init(self):
        self.rsi = self.I(rsi, self.data.Close, self.period)

    def target(self):
        before, now = self.rsi[-2], self.rsi[-1]
        if before >= self.lower and now < self.lower:
            return LONG
        if before <= self.upper and now > self.upper:
            return FLAT
        return None


class BollingerBreakout(TargetStrategy):
    period = 20
    k = 2.0

    def init(self):
        self.upper_band = self.I(band, self.data.Close, self.period, self.k, 1)
        self.lower_band = self.I(band, self.data.Close, self.period, self.k, -1)

    def target(self):
        close = self.data.Close
        if close[-2] <= self.upper_band[-2] and close[-1] > self.upper_band[-1]:
            return LONG
        if close[-2] >= self.lower_band[-2] and close[-1] < self.lower_band[-1]:
            return SHORT
        return None


class DonchianBreakout(TargetStrategy):
    lookback = 20

    def init(self):
        self.high = self.I(prior_high, self.data.High, self.lookback)
        self.low = self.I(prior_low, self.data.Low, self.lookback)

    def target(self):
        close = self.data.Close
        if close[-1] > self.high[-1] and not close[-2] > self.high[-2]:
            return LONG
        if close[-1] < self.low[-1] and not close[-2] < self.low[-2]:
            return SHORT
        return None


STRATEGIES = {
    'sma_crossover': SmaCross,
    'ema_crossover': EmaCross,
    'macd': Macd,
    'rsi_reversion': RsiReversion,
    'bollinger_breakout': BollingerBreakout,
    'donchian_breakout': DonchianBreakout,
}

# tuneflow's order options -> TargetStrategy's attributes (an absent option keeps the attribute's default).
ORDER_OPTIONS = {'stopLoss': 'stop_loss', 'takeProfit': 'take_profit', 'trailingStop': 'trailing_stop', 'sizeFraction': 'size', 'sizeUnits': 'size'}


def backtest_args(options):
    """Backtest's arguments for tuneflow's broker options: a fixed commission makes the `(fixed, relative)` pair."""
    fixed = options.get('commissionFixed', 0)
    commission = (fixed, options['commission']) if fixed else options['commission']
    return {'cash': options['cash'], 'commission': commission, 'spread': options.get('spread', 0.0)}


def strategy_args(options):
    """bt.run's keyword arguments for tuneflow's order options."""
    return {attr: options[name] for name, attr in ORDER_OPTIONS.items() if name in options}


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
    bt = Backtest(data, STRATEGIES[case['strategy']], finalize_trades=True, **backtest_args(case['options']))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        stats = bt.run(**case['params'], **strategy_args(case['options']))
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
