/** Command ids, custom requests and code-action kinds shared by the server, tests and docs. */
export const COMMANDS = {
  /** Edit with an instruction: arguments `[{uri, range, instruction}]`. */
  edit: 'specedit.edit',
  /** Applies a code action's edit for clients without resolve support: arguments `[ActionData]`. */
  apply: 'specedit.apply',
} as const;

export const REQUESTS = {
  /** Statistics of the last edits and totals: see README "specedit/stats". */
  stats: 'specedit/stats',
} as const;
