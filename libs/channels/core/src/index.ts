export type { AttemptOutcome, Channel } from './channel';
