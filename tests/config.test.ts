import { defaultConfig, mergeConfig } from '../protocol/config.js';

describe('configuration', () => {
  test('defaults are right for a 2-core machine', () => {
    expect(defaultConfig.threads).toBe(1);
    expect(defaultConfig.mode).toBe('exact');
  });
  test('valid fields are taken, invalid ones reported and kept', () => {
    const { config, problems } = mergeConfig(defaultConfig, { specedit: { threads: 2, maxDraftTokens: -3, bogus: true } });
    expect(config.threads).toBe(2);
    expect(config.maxDraftTokens).toBe(defaultConfig.maxDraftTokens);
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/maxDraftTokens/);
    expect(problems.join('\n')).toMatch(/bogus/);
  });
  test('learning from edits: statistics on, the edit log opt-in', () => {
    expect(defaultConfig).toMatchObject({ dataDir: null, drafterFloor: 0.3, pinnedDrafters: [], logAcceptedEdits: false });
    const { config, problems } = mergeConfig(defaultConfig, { drafterFloor: 1.5, pinnedDrafters: ['small'], logAcceptedEdits: true });
    expect(config).toMatchObject({ drafterFloor: 0.3, pinnedDrafters: ['small'], logAcceptedEdits: true });
    expect(problems).toEqual([expect.stringMatching(/drafterFloor/)]);
  });
  test('non-object settings change nothing', () => {
    expect(mergeConfig(defaultConfig, 'x').config).toEqual(defaultConfig);
    expect(mergeConfig(defaultConfig, null).problems).toEqual([]);
  });
});
