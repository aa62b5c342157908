/**
 * After each test file: servers its tests started over stdio and did not shut
 * down (a test that failed half way) are killed, so that they cannot keep
 * the jest run from ending.
 */
import { LspTestClient } from '../../tools/lsp-client.js';

afterAll(() => LspTestClient.killAll());
