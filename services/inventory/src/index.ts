import { Topics } from '@saga/contracts';
import type { ServiceModule } from '@saga/messaging';
import { createInventoryHandler } from './handler.js';

export const inventoryService: ServiceModule = {
  name: 'inventory',
  topics: [Topics.payments],
  createHandler: (deps) => createInventoryHandler(deps),
};

export { createInventoryHandler, type InventoryOptions } from './handler.js';
export {
  DEFAULT_CATALOG,
  getStock,
  reservationOf,
  seedCatalog,
  setStock,
  type StockLevel,
} from './adapters/stock-repository.js';
export { reservationKey, stockKey } from './adapters/keys.js';
export type { ReservationState } from './reservation/state.js';
