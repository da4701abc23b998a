/** Loading and validating the configuration file (JSON, or YAML by extension or content). */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type Config } from './schema.ts';
import { DEMO_CONFIG } from './demo.ts';

/** A configuration problem: the message names the file and every bad field. */
export class ConfigError extends Error {}

/** Validates a parsed configuration object; `source` names it in errors. */
export function parseConfig(raw: unknown, source: string): Config {
  const r = ConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration in ${source}:\n${lines.join('\n')}`);
}

/** Reads a configuration file, or returns the built-in demo configuration when no file is given. */
export function loadConfig(file?: string): Config {
  if (!file) return parseConfig(DEMO_CONFIG, 'the built-in demo configuration');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read configuration ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `configuration ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
    );
  }
  return parseConfig(raw, file);
}
