import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssignerProtocol } from 'kafkajs';
import { assignedPartitions, isServiceGroup } from './offsets.ts';

const member = (assignment: Record<string, number[]>) => ({
  memberId: 'm', clientId: 'c', clientHost: 'h', memberMetadata: Buffer.alloc(0),
  memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
});

describe('offsets: which groups and partitions the monitor reads', () => {
  it('the partitions every member of a consumer group holds, from DescribeGroups', () => {
    const partitions = assignedPartitions({ protocolType: 'consumer', members: [member({ 'hr.tier2': [0, 2] }), member({ 'hr.tier2': [1], 'hr.tier2.retry.1s': [0] })] });
    assert.deepEqual(partitions, [
      { topic: 'hr.tier2', partition: 0 },
      { topic: 'hr.tier2', partition: 2 },
      { topic: 'hr.tier2', partition: 1 },
      { topic: 'hr.tier2.retry.1s', partition: 0 },
    ]);
    assert.deepEqual(assignedPartitions({ protocolType: 'consumer', members: [{ ...member({}), memberAssignment: Buffer.alloc(0) }] }), [], 'a member between rebalances holds nothing');
    assert.deepEqual(assignedPartitions({ protocolType: 'connect', members: [member({ x: [0] })] }), [], 'not a consumer group');
  });

  it('only the installation\'s services: router, deliverer per tier, monitor', () => {
    assert.deepEqual(
      ['hr-router', 'hr-deliverer-tier1', 'hr-monitor', 'hr-monitor-history-1a2b', 'hr-dlq-replay-all', 'hookrail-report-1a2b', 'hr-demo-viewer', 'other-router'].filter((g) => isServiceGroup(g, 'hr')),
      ['hr-router', 'hr-deliverer-tier1', 'hr-monitor'],
    );
  });
});
