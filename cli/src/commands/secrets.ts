import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { examples } from '../help.ts';
import { printJson } from '../output.ts';

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(random: (size: number) => Buffer = randomBytes): string {
  return `whsec_${random(32).toString('base64')}`;
}

export function secretsCommand(program: Command): void {
  const secrets = program.command('secrets').description('signing secrets for subscriptions');
  secrets
    .command('generate')
    .description('print a new signing secret (whsec_…) for a subscription\'s "secrets" list; give the same secret to the receiver')
    .option('--json', 'print {"secret": "whsec_…"}')
    .addHelpText('after', examples('hookrail secrets generate', 'hookrail secrets generate --json'))
    .action((options: { json?: boolean }) => {
      const secret = generateSecret();
      if (options.json) printJson({ secret });
      else console.log(secret);
    });
}
