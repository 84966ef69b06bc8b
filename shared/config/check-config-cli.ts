import { checkConfigFiles } from './check-config.js';

// `npm run check-config -- config/config.json`, or in the gateway image
// `node dist/shared/config/check-config-cli.js /config/config.json` (CI, init containers).
const result = checkConfigFiles(process.argv.slice(2));
for (const line of result.stdout) process.stdout.write(`${line}\n`);
for (const line of result.stderr) process.stderr.write(`${line}\n`);
process.exitCode = result.code;
