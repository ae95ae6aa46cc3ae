import { defineSearchAttributeKey } from '@temporalio/common';

/** Custom search attributes, so sessions can be found and sorted in the Web UI. */
export const TuneSession = defineSearchAttributeKey('TuneSession', 'KEYWORD');
export const TuneStrategy = defineSearchAttributeKey('TuneStrategy', 'KEYWORD');
export const TuneAlgorithm = defineSearchAttributeKey('TuneAlgorithm', 'KEYWORD');
export const TuneTrialsDone = defineSearchAttributeKey('TuneTrialsDone', 'INT');
export const TuneBestScore = defineSearchAttributeKey('TuneBestScore', 'DOUBLE');
export const TuneTags = defineSearchAttributeKey('TuneTags', 'KEYWORD_LIST');
/** Set once a session is steered: paused, running again, stopping, then how it ended (see ControlState). */
export const TuneState = defineSearchAttributeKey('TuneState', 'KEYWORD');
/** The trial budget, set when `tuneflow extend` changes it. */
export const TuneBudget = defineSearchAttributeKey('TuneBudget', 'INT');

/** The same keys as the dev server's `--search-attribute Name=Type` flags take them. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, string> = {
  TuneSession: 'Keyword',
  TuneStrategy: 'Keyword',
  TuneAlgorithm: 'Keyword',
  TuneTrialsDone: 'Int',
  TuneBestScore: 'Double',
  TuneTags: 'KeywordList',
  TuneState: 'Keyword',
  TuneBudget: 'Int',
};
