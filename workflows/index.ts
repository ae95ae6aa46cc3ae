export { tuningSession, progressQuery } from './tuningSession';
export type { SessionCarry, SessionInput } from './tuningSession';
