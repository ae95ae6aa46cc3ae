import { defineUpdate } from '@temporalio/workflow';
import type { ExtendRequest, SessionProgress } from '../types/session';

/**
 * Live control of a running session. Each update is validated before it is accepted (a refusal says why and
 * leaves no trace in history) and answers with the session's progress as it stands after the change.
 */
export const pauseUpdate = defineUpdate<SessionProgress>('pause');
export const resumeUpdate = defineUpdate<SessionProgress>('resume');
export const extendUpdate = defineUpdate<SessionProgress, [ExtendRequest]>('extend');
export const stopUpdate = defineUpdate<SessionProgress>('stop');

/** The state a session shows in its `TuneState` search attribute once it has been steered. */
export type ControlState = 'running' | 'paused' | 'stopping' | 'stopped' | 'completed';
