export { createBacktestPool, type BacktestPool, type BacktestPoolOptions, type PoolStats } from './pool';
