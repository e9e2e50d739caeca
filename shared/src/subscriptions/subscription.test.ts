import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventTypeMatches, matchSubscriptions } from './match.ts';
import { parseStoredSubscription, parseSubscriptionsYaml, SubscriptionError } from './subscription.ts';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;

const problemsOf = (text: string): string[] => {
  try {
    parseSubscriptionsYaml(text, 'subs.yaml');
  } catch (error) {
    assert.ok(error instanceof SubscriptionError);
    return [...error.problems];
  }
  return assert.fail('expected the file to be rejected');
};

describe('subscriptions', () => {
  it('parses a file with defaults filled in', () => {
    const [sub] = parseSubscriptionsYaml(
      `subscriptions:\n  - id: warehouse\n    source: shop\n    destination: dwh\n    url: https://dwh.example.com/hook\n    eventTypes: ["order.*"]\n    tier: 1\n    secrets: ["${SECRET}"]\n`,
    );
    assert.equal(sub!.enabled, true);
    assert.equal(sub!.maxInFlight, 16);
    assert.equal(sub!.ordered, undefined);
  });

  it('names every problem of every entry, and duplicate ids', () => {
    const problems = problemsOf(`subscriptions:
  - id: Bad Id
    source: shop
    destination: x
    url: ftp://x
    eventTypes: []
    tier: 4
    secrets: [nope]
    colour: blue
  - id: a
    source: s
    destination: d
    url: https://a.example.com
    eventTypes: ["*"]
    tier: 2
    secrets: ["${SECRET}"]
  - id: a
    source: s
    destination: d
    url: https://a.example.com
    eventTypes: ["*"]
    tier: 2
    secrets: ["${SECRET}"]
`);
    const expected = [
      /^subscriptions\[0\] \(Bad Id\)\.id: expected a lower-case id/,
      /^subscriptions\[0\] \(Bad Id\)\.url: expected an http:\/\/ or https:\/\/ URL/,
      /^subscriptions\[0\] \(Bad Id\)\.eventTypes: expected at least one event-type pattern/,
      /^subscriptions\[0\] \(Bad Id\)\.tier: expected tier 1, 2 or 3/,
      /^subscriptions\[0\] \(Bad Id\)\.secrets\[0\]: the signing secret decodes to 3 bytes: expected "whsec_"/,
      /^subscriptions\[0\] \(Bad Id\): unknown field colour/,
      /^subscriptions\[2\] \(a\)\.id: duplicate id "a"/,
    ];
    for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `${pattern} not in:\n${problems.join('\n')}`);
  });

  it('says what is wrong with the file itself', () => {
    assert.match(problemsOf('subscriptions: [')[0]!, /not valid YAML/);
    assert.match(problemsOf('hello: world')[0]!, /expected "subscriptions:" with a list/);
  });

  it('matches exact types, prefixes and everything', () => {
    assert.ok(eventTypeMatches('*', 'anything'));
    assert.ok(eventTypeMatches('order.*', 'order.created'));
    assert.ok(eventTypeMatches('order.*', 'order.line.added'));
    assert.ok(!eventTypeMatches('order.*', 'orders.created'));
    assert.ok(!eventTypeMatches('order.*', 'order'));
    assert.ok(eventTypeMatches('order.created', 'order.created'));
    assert.ok(!eventTypeMatches('order.created', 'order.created.v2'));
  });

  it('routes only to enabled subscriptions of the topic, in id order', () => {
    const base = { source: 's', destination: 'd', url: 'https://x.example.com', tier: 1 as const, secrets: [SECRET], maxInFlight: 1 };
    const subs = [
      { ...base, id: 'c', eventTypes: ['*'], enabled: true },
      { ...base, id: 'a', eventTypes: ['order.*'], enabled: true },
      { ...base, id: 'b', eventTypes: ['*'], enabled: false },
      { ...base, id: 'd', eventTypes: ['*'], enabled: true, topics: ['other'] },
    ];
    assert.deepEqual(matchSubscriptions(subs, { type: 'order.paid', topic: 'shop' }).map((s) => s.id), ['a', 'c']);
    assert.deepEqual(matchSubscriptions(subs, { type: 'user.x', topic: 'other' }).map((s) => s.id), ['c', 'd']);
  });

  it('rejects secrets signing cannot use, naming the subscription and how to make a good one', () => {
    const entry = (id: string, secret: string) =>
      `  - id: ${id}\n    source: s\n    destination: d\n    url: https://x.example.com\n    eventTypes: ["*"]\n    tier: 1\n    secrets: ["${secret}"]\n`;
    const unpadded = SECRET.replace(/=+$/, '');
    const long = `whsec_${Buffer.alloc(65, 3).toString('base64')}`;
    const short = `whsec_${Buffer.alloc(23, 3).toString('base64')}`;
    const prefixed = `sk_${Buffer.alloc(32, 3).toString('base64')}`;
    const problems = problemsOf(`subscriptions:\n${entry('a', unpadded)}${entry('b', long)}${entry('c', short)}${entry('d', prefixed)}`);
    assert.equal(problems.length, 4);
    assert.match(problems[0]!, /^subscriptions\[0\] \(a\)\.secrets\[0\]: the signing secret is base64 without its "=" padding/);
    assert.match(problems[1]!, /^subscriptions\[1\] \(b\)\.secrets\[0\]: the signing secret decodes to 65 bytes/);
    assert.match(problems[2]!, /^subscriptions\[2\] \(c\)\.secrets\[0\]: the signing secret decodes to 23 bytes/);
    assert.match(problems[3]!, /^subscriptions\[3\] \(d\)\.secrets\[0\]: the signing secret has the prefix "sk_"/);
    for (const problem of problems) assert.match(problem, /expected "whsec_" \+ base64 of 24–64 random bytes \(make one with "hookrail secrets generate" or/);
  });

  it('reads a stored subscription with an unusable secret, and says what is wrong with it', () => {
    const stored = { id: 'old', source: 's', destination: 'd', url: 'https://x.example.com', eventTypes: ['*'], tier: 2, secrets: [SECRET.replace(/=+$/, '')] };
    const { subscription, unusableSecret } = parseStoredSubscription(stored, 'subscription old');
    assert.equal(subscription.id, 'old');
    assert.match(unusableSecret ?? '', /^subscription old\.secrets\[0\]: the signing secret is base64 without its "=" padding/);
    assert.equal(parseStoredSubscription({ ...stored, secrets: [SECRET] }).unusableSecret, undefined);
    assert.throws(() => parseStoredSubscription({ ...stored, tier: 9 }), SubscriptionError);
  });

  it('refuses the old "ordered: true", saying what to write for order and for one request at a time', () => {
    const entry = (ordered: string) =>
      `subscriptions:\n  - id: a\n    source: s\n    destination: d\n    url: https://x.example.com\n    eventTypes: ["*"]\n    tier: 1\n    secrets: ["${SECRET}"]\n    ordered: ${ordered}\n`;
    const [problem] = problemsOf(entry('true'));
    assert.match(problem!, /^subscriptions\[0\] \(a\)\.ordered: ordered: true was removed: .*ordered: \{ key: '\$\.customer\.id' \}.*maxInFlight: 1$/);
    assert.deepEqual(parseSubscriptionsYaml(entry('{ key: "$.customer.id" }'))[0]!.ordered, { key: '$.customer.id', onDeadLetter: 'continue' });
    assert.equal(parseSubscriptionsYaml(entry('false'))[0]!.ordered, undefined);
  });

  it('reads a stored "ordered: true" as the one request in flight it always meant', () => {
    const stored = { id: 'old', source: 's', destination: 'd', url: 'https://x.example.com', eventTypes: ['*'], tier: 2, secrets: [SECRET], maxInFlight: 8, ordered: true };
    const { subscription } = parseStoredSubscription(stored);
    assert.equal(subscription.maxInFlight, 1);
    assert.equal(subscription.ordered, undefined);
  });

  it('refuses the fields the registry sets from disable records, saying what to use instead', () => {
    const problems = problemsOf(
      `subscriptions:\n  - id: crm\n    source: s\n    destination: d\n    url: https://x.example.com\n    eventTypes: ["*"]\n    tier: 3\n    secrets: ["${SECRET}"]\n    disabled: { reason: r, at: t, by: me }\n    enabledAt: t\n`,
    );
    assert.deepEqual(problems, [
      'subscriptions[0] (crm).disabled: set by the registry, not in a file ("hookrail subscriptions disable|enable crm"; enabled: false stops routing instead)',
      'subscriptions[0] (crm).enabledAt: set by the registry, not in a file ("hookrail subscriptions disable|enable crm"; enabled: false stops routing instead)',
    ]);
  });
});
