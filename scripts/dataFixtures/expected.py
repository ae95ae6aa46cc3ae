"""Writes the data fixtures: bars in local time zones across changes of clocks, as CSV and as pandas writes Parquet,
and pandas' resample output and daily bins for them (resample.json), which test/backtest/resample.test.ts and
test/backtest/zones.test.ts compare the engine with. Run by scripts/dataFixtures/generateFixtures.ts."""
import json
import sys

import numpy as np
import pandas as pd
import pyarrow

OUT = sys.argv[1]
AGG = {'Open': 'first', 'High': 'max', 'Low': 'min', 'Close': 'last', 'Volume': 'sum'}


def bars(index, seed, start_price):
    rng = np.random.default_rng(seed)
    n = len(index)
    close = np.round(start_price * np.exp(np.cumsum(rng.normal(0, 0.004, n))), 2)
    open_ = np.round(np.concatenate([[start_price], close[:-1]]) * np.exp(rng.normal(0, 0.001, n)), 2)
    high = np.round(np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.002, n))), 2)
    low = np.round(np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.002, n))), 2)
    volume = rng.integers(100, 10_000, n).astype(float)
    return pd.DataFrame({'Open': open_, 'High': high, 'Low': low, 'Close': close, 'Volume': volume}, index=index)


def epoch_ms(index):
    return [int(x) for x in (index.tz_convert('UTC').tz_localize(None) - pd.Timestamp('1970-01-01')) // pd.Timedelta('1ms')]


def resampled(df, rule):
    out = df.resample(rule).agg(AGG).dropna()
    return {'time': epoch_ms(out.index), **{c.lower(): out[c].tolist() for c in ['Open', 'High', 'Low', 'Close', 'Volume']}}


def daily_bins(index):
    last = pd.Series(np.arange(len(index)), index=index).resample('D').last().dropna().astype(int)
    return {'binLast': last.tolist(), 'weekendShare': float(index.day_of_week.isin([5, 6]).mean())}


# Hourly bars of every day in Berlin around both changes of clocks in 2024, with a missing day and missing hours;
# written as naive wall-clock times, so the hour of the autumn change appears twice and the spring one not at all.
berlin_index = pd.DatetimeIndex(
    list(pd.date_range('2024-03-25', '2024-04-08', freq='1h', tz='Europe/Berlin', inclusive='left'))
    + list(pd.date_range('2024-10-21', '2024-11-04', freq='1h', tz='Europe/Berlin', inclusive='left')),
    name='Date',
)
berlin = bars(berlin_index, 21, 100.0)
berlin = berlin[(berlin.index.normalize() != pd.Timestamp('2024-04-02', tz='Europe/Berlin')) & ~np.isin(np.arange(len(berlin)), [5, 6, 7, 400, 401])]
berlin.loc[berlin.index[[10, 11, 12, 13]], 'Volume'] = np.nan
berlin_csv = berlin.copy()
berlin_csv.index = berlin_csv.index.tz_localize(None)
berlin_csv.to_csv(f'{OUT}/berlin_hourly.csv', date_format='%Y-%m-%d %H:%M:%S')

# US equity hours in New York around both changes of clocks in 2024, as pandas writes a zoned index to Parquet.
days = pd.bdate_range('2024-02-26', '2024-03-22').append(pd.bdate_range('2024-10-21', '2024-11-15'))
ny_index = pd.DatetimeIndex(
    [t for d in days for t in pd.date_range(f'{d.date()} 09:30', f'{d.date()} 16:00', freq='15min', tz='America/New_York', inclusive='left')],
    name='Date',
)
new_york = bars(ny_index, 22, 400.0)
new_york['Volume'] = new_york['Volume'].astype('int64')
new_york.to_parquet(f'{OUT}/new_york_15min.parquet', compression='snappy')
new_york.to_parquet(f'{OUT}/new_york_15min_zstd.parquet', compression='zstd')

cases = []
for timeframe, rule in [('3h', '3h'), ('4h', '4h'), ('90min', '90min'), ('1d', '1D'), ('2d', '2D'), ('1w', 'W')]:
    cases.append({'file': 'berlin_hourly.csv', 'timezone': 'Europe/Berlin', 'timeframe': timeframe, 'expected': resampled(berlin, rule)})
ny_float = new_york.astype({'Volume': float})
for timeframe, rule in [('1h', '1h'), ('4h', '4h'), ('1d', '1D'), ('1w', 'W')]:
    cases.append({'file': 'new_york_15min.parquet', 'timezone': None, 'timeframe': timeframe, 'expected': resampled(ny_float, rule)})
# The same instants counted in another zone's days (tz_convert): a day in Tokyo holds the end of one New York session.
for timeframe, rule in [('4h', '4h'), ('1d', '1D')]:
    cases.append({'file': 'new_york_15min.parquet', 'timezone': 'Asia/Tokyo', 'timeframe': timeframe, 'expected': resampled(ny_float.tz_convert('Asia/Tokyo'), rule)})

calendars = [
    {'file': 'berlin_hourly.csv', 'timezone': 'Europe/Berlin', **daily_bins(berlin.index)},
    {'file': 'new_york_15min.parquet', 'timezone': None, **daily_bins(new_york.index)},
    {'file': 'new_york_15min.parquet', 'timezone': 'Asia/Tokyo', **daily_bins(new_york.index.tz_convert('Asia/Tokyo'))},
]
versions = {'pandas': pd.__version__, 'numpy': np.__version__, 'pyarrow': pyarrow.__version__}
json.dump({'versions': versions, 'berlin': {'time': epoch_ms(berlin.index)}, 'cases': cases, 'calendars': calendars}, sys.stdout)
