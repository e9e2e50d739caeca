// Before/after report without the hookrail CLI:
//   node services/monitor/src/report-cli.ts BEFORE AFTER [--json]
// BEFORE and AFTER are saved /status files or attempt-topic ranges "FROM..TO" (ISO times,
// epoch ms, "now", "-2h"); ranges read $HOOKRAIL_KAFKA_BROKERS / $HOOKRAIL_CONFIG.
import { baseConfigSchema, baseEnv, createKafka, createLogger, loadConfig, topicNames } from '@hookrail/shared';
import { beforeAfterReport, parsePeriod } from './report.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const [before, after] = args.filter((a) => a !== '--json');
if (!before || !after) {
  process.stderr.write('usage: report-cli.ts BEFORE AFTER [--json]  (each a /status JSON file or FROM..TO)\n');
  process.exit(2);
}
const report = await beforeAfterReport(parsePeriod(before), parsePeriod(after), async () => {
  const config = loadConfig(baseConfigSchema, { envMap: baseEnv });
  return { kafka: createKafka(config.kafka, createLogger('report', 'error'), 'hookrail-report'), topic: topicNames(config.topics.prefix).attempts };
});
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${report.text}\n`);
