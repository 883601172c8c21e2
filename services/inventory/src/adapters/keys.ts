/**
 * Every key of one SKU shares the hash tag `{<sku>}`, so the stock and all its reservations live in one Redis
 * Cluster slot and one Lua script may move stock and record a reservation atomically.
 */
export const stockKey = (sku: string): string => `inv:{${sku}}:stock`;
export const reservationKey = (sku: string, orderId: string): string => `inv:{${sku}}:res:${orderId}`;
