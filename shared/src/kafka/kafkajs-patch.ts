// hookrail runs KafkaJS 2.2.4 with one fix (patches/kafkajs+2.2.4.patch, README "Libraries"):
// without it the producer can lose or repeat records when a partition's leader moves. The fix
// is applied by `npm ci` (root postinstall) and by the image build; an install made with
// --ignore-scripts lacks it, and that must not pass unnoticed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '../config/load.ts';

const MARKER = 'hookrail patch (KafkaJS issue #1303)';

let checked = false;

/** Throws a one-line ConfigError (exit 2) when the installed KafkaJS lacks the project's patch. */
export function assertKafkaJsPatched(resolve: (id: string) => string = createRequire(import.meta.url).resolve): void {
  if (checked) return;
  const file = resolve('kafkajs/src/producer/sendMessages.js');
  if (!readFileSync(file, 'utf8').includes(MARKER)) {
    throw new ConfigError([
      `kafkajs: ${file} lacks hookrail's patch (patches/kafkajs+2.2.4.patch); expected it applied by \`npm ci\` (its postinstall) — run \`npx patch-package\` in the install, or reinstall without --ignore-scripts`,
    ]);
  }
  checked = true;
}
