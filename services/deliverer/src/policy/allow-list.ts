import { list } from '@hookrail/shared';
import { z } from 'zod';
import { ADDRESS_CATEGORIES, createAddressGuard } from './ssrf.ts';

/** HOOKRAIL_HTTP_ALLOW: validated at start-up exactly as the SSRF guard compiles it. */
export const allowList = list(z.string().min(1)).refine(
  (entries) => {
    try {
      createAddressGuard({ allow: entries });
      return true;
    } catch {
      return false;
    }
  },
  { error: `expected ${ADDRESS_CATEGORIES.join(', ')}, IPs or CIDRs such as 10.0.0.0/8` },
);
