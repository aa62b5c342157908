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
  test('non-object settings change nothing', () => {
    expect(mergeConfig(defaultConfig, 'x').config).toEqual(defaultConfig);
    expect(mergeConfig(defaultConfig, null).problems).toEqual([]);
  });
});
