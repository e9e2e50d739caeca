import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, SubscriptionError } from '@hookrail/shared';
import { CommanderError } from 'commander';
import kafkajs from 'kafkajs';
import { CLI_EXIT, CliError, describeFailure } from './errors.ts';

describe('describeFailure', () => {
  it('maps bad configuration and subscriptions to exit 2, and says --brokers when brokers are missing', () => {
    const config = describeFailure(new ConfigError(['kafka.brokers: required']));
    assert.equal(config.exitCode, CLI_EXIT.usage);
    assert.match(config.message, /--brokers/);
    assert.equal(describeFailure(new SubscriptionError(['x'])).exitCode, CLI_EXIT.usage);
  });

  it('keeps commander\'s usage errors at 2 and --help at 0, with nothing more to print', () => {
    assert.deepEqual(describeFailure(new CommanderError(1, 'commander.invalidArgument', 'bad')), { message: '', exitCode: 2 });
    assert.deepEqual(describeFailure(new CommanderError(0, 'commander.helpDisplayed', '')), { message: '', exitCode: 0 });
  });

  it('carries a CliError\'s own code, and names the innermost cause of a KafkaJS error', () => {
    assert.deepEqual(describeFailure(new CliError('cannot reach Kafka', CLI_EXIT.unreachable)), { message: 'cannot reach Kafka', exitCode: 4 });
    const cause = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1' } as never);
    const outer = new kafkajs.KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 3, retryTime: 100 });
    const { message, exitCode } = describeFailure(outer);
    assert.equal(exitCode, CLI_EXIT.failed);
    assert.match(message, /^Kafka: .*ECONNREFUSED/);
  });
});
