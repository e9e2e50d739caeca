// Moved to shared (ordered subscriptions read their key with it too).
export { compilePath, valueAtPath, type JsonPath } from '@hookrail/shared';
