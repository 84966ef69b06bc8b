import { loadConfigBytes, type RuntimeConfig } from '../../../shared/config/index.js';

/** Config builders shared by the governance tests. */

/** Two providers (openai with two named keys, anthropic) and whatever governance is given. */
export function governedConfig(governance: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: {
      openai: {
        keys: [
          { name: 'oa-1', value: 'sk-test-one', models: ['*'], weight: 1 },
          { name: 'oa-2', value: 'sk-test-two', models: ['*'], weight: 1 },
        ],
      },
      anthropic: { keys: [{ name: 'an-1', value: 'sk-ant-test', models: ['*'], weight: 1 }] },
    },
    governance,
    ...extra,
  };
}

/** Loads a config object as a node would. */
export function loadRuntime(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): RuntimeConfig {
  return loadConfigBytes(JSON.stringify(config), env).config;
}
