import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sourceTopicsProblem } from './source-topics.ts';

describe('sourceTopicsProblem', () => {
  it('names the missing source topics and the command that creates them', () => {
    const problem = sourceTopicsProblem({ sourceTopics: ['shop.events', 'crm.events', 'erp'] }, ['crm.events', 'hookrail.tier1']);
    assert.equal(problem, 'source topics shop.events, erp not found: create them with "hookrail topics create --source shop.events erp" (or ask the upstream team); waiting, not ready');
    assert.match(sourceTopicsProblem({ sourceTopics: ['erp'] }, [])!, /^source topic erp not found: create it with/);
  });

  it('says when no topic matches the source pattern', () => {
    assert.match(sourceTopicsProblem({ sourceTopics: [], sourcePattern: '^shop\\.' }, ['crm.events'])!, /^no topic matches the source pattern \/\^shop\\\.\/ \(HOOKRAIL_ROUTER_SOURCE_PATTERN\)/);
    assert.equal(sourceTopicsProblem({ sourceTopics: [], sourcePattern: '^shop\\.' }, ['shop.orders']), undefined);
  });

  it('has nothing to say when every source is there', () => {
    assert.equal(sourceTopicsProblem({ sourceTopics: ['crm.events'] }, ['crm.events']), undefined);
  });
});
