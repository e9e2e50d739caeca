import type { AlertRecord } from './engine.ts';

/** The zero time Alertmanager uses for "no end yet". */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One alert in the shape Alertmanager's webhook receivers get. */
export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** What Alertmanager POSTs to a webhook receiver (`version: "4"`). */
export interface AlertmanagerWebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

function toAlert(record: AlertRecord, generatorURL: string): AlertmanagerAlert {
  return {
    status: record.status,
    labels: record.labels,
    annotations: record.annotations,
    startsAt: record.startsAt,
    endsAt: record.endsAt ?? ZERO_TIME,
    generatorURL,
    fingerprint: record.fingerprint,
  };
}

function common(maps: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([key, value]) => rest.every((m) => m[key] === value)));
}

/**
 * The webhook payload for a group of alert changes of one alert name. `status` is firing when
 * any alert of the group fires, as Alertmanager sets it.
 */
export function webhookPayload(
  records: readonly AlertRecord[],
  options: { receiver?: string; externalURL: string },
): AlertmanagerWebhookPayload {
  const alerts = records.map((record) => toAlert(record, `${options.externalURL}/status.html`));
  const groupLabels: Record<string, string> = records[0] ? { alertname: records[0].name } : {};
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(groupLabels.alertname ?? '')}}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: options.receiver ?? 'hookrail-monitor',
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: options.externalURL,
    alerts,
  };
}

/** The body of Alertmanager's `POST /api/v2/alerts`: the monitor as an alert source. */
export function apiPayload(records: readonly AlertRecord[], externalURL: string): Array<Omit<AlertmanagerAlert, 'status' | 'fingerprint'>> {
  return records.map((record) => ({
    labels: record.labels,
    annotations: record.annotations,
    startsAt: record.startsAt,
    // A firing alert sent without endsAt would be resolved by Alertmanager after its
    // resolve_timeout; the monitor re-sends nothing, so it leaves endsAt open-ended.
    endsAt: record.endsAt ?? ZERO_TIME,
    generatorURL: `${externalURL}/status.html`,
  }));
}
