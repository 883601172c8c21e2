/** Both keys of one order share the hash tag `{<orderId>}` (one Redis Cluster slot). */
export const shipmentKey = (orderId: string): string => `ship:{${orderId}}`;
export const carrierKey = (orderId: string): string => `carrier:{${orderId}}`;
