export { tuningSession } from './tuningSession';
export type { SessionInput } from './tuningSession';
export type { RetryFailedInput } from './retryFailed';
export { walkForwardSplit } from './walkForward';
export { leaderboardQuery, progressQuery, trialIssuesQuery } from './trialLoop';
export type { SessionCarry } from './trialLoop';
