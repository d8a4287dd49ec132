export * from './subjects';
export * from './messages';
export * from './watch-events';
export * from './registry';
export * from './span-attributes';
