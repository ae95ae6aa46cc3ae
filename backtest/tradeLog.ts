/**
 * Closed trades as columns of typed arrays, grown by doubling and reused across the trials of a batch, so a
 * backtest allocates nothing per trade.
 */
export class TradeLog {
  count = 0;
  /** Units, negative for shorts. */
  size = new Float64Array(64);
  entryBar = new Int32Array(64);
  exitBar = new Int32Array(64);
  entryPrice = new Float64Array(64);
  exitPrice = new Float64Array(64);
  /** Stop-loss and take-profit prices, NaN when unset. */
  sl = new Float64Array(64);
  tp = new Float64Array(64);
  /** Profit in cash after both commissions. */
  pnl = new Float64Array(64);
  /** Return as a fraction of the entry value, net of commissions (backtesting.py's `ReturnPct`). */
  returnFrac = new Float64Array(64);
  /** Entry plus exit commission in cash. */
  commission = new Float64Array(64);
  /** Epoch milliseconds of the entry and exit bars. */
  entryTime = new Float64Array(64);
  exitTime = new Float64Array(64);

  clear(): void {
    this.count = 0;
  }

  /** Forgets the trades after the first `count`: those a measurement of a prefix closed only for itself. */
  truncate(count: number): void {
    this.count = Math.min(this.count, count);
  }

  /**
   * Records a closed trade. Its entry and exit times are left for {@link stampTimes}: read one trade at a time
   * from a long series they are cache misses the broker would wait for, where one loop over the trades overlaps them.
   */
  push(size: number, entryBar: number, exitBar: number, entryPrice: number, exitPrice: number,
    sl: number, tp: number, pnl: number, returnFrac: number, commission: number): void {
    if (this.count === this.size.length) this.grow();
    const k = this.count++;
    this.size[k] = size;
    this.entryBar[k] = entryBar;
    this.exitBar[k] = exitBar;
    this.entryPrice[k] = entryPrice;
    this.exitPrice[k] = exitPrice;
    this.sl[k] = sl;
    this.tp[k] = tp;
    this.pnl[k] = pnl;
    this.returnFrac[k] = returnFrac;
    this.commission[k] = commission;
  }

  /** Sets the entry and exit times of the trades from `from` on from the bars' times `time`. */
  stampTimes(time: Float64Array, from: number): void {
    for (let k = from; k < this.count; k++) {
      this.entryTime[k] = time[this.entryBar[k]];
      this.exitTime[k] = time[this.exitBar[k]];
    }
  }

  private grow(): void {
    const cap = this.size.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.size = f64(this.size);
    this.entryBar = i32(this.entryBar);
    this.exitBar = i32(this.exitBar);
    this.entryPrice = f64(this.entryPrice);
    this.exitPrice = f64(this.exitPrice);
    this.sl = f64(this.sl);
    this.tp = f64(this.tp);
    this.pnl = f64(this.pnl);
    this.returnFrac = f64(this.returnFrac);
    this.commission = f64(this.commission);
    this.entryTime = f64(this.entryTime);
    this.exitTime = f64(this.exitTime);
  }
}
