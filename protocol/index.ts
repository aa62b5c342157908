export * from './text.js';
export * from './edit-task.js';
export * from './stats.js';
export * from './commands.js';
export * from './config.js';
export * from './prompt-format.js';
export * from './workspace.js';
export * from './type-view.js';
