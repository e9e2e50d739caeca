import type { Scenario } from '../context.ts';
import { ceilings } from './ceilings.ts';
import { growthOrigins } from './growth-origins.ts';
import { growthPartitions } from './growth-partitions.ts';
import { growthSubscriptions } from './growth-subscriptions.ts';
import { latency } from './latency.ts';
import { memory } from './memory.ts';
import { naive } from './naive.ts';
import { peers } from './peers.ts';
import { retry } from './retry.ts';
import { scaling } from './scaling.ts';
import { slow } from './slow.ts';
import { storm } from './storm.ts';
import { throughput } from './throughput.ts';

/** In run order: later scenarios use earlier figures (max throughput, pipeline rates). */
export const scenarios: Scenario[] = [ceilings, throughput, latency, slow, naive, retry, memory, scaling, storm, peers, growthSubscriptions, growthOrigins, growthPartitions];
