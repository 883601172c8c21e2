import type { ServiceModule } from '@saga/messaging';
import { inventoryService } from '@saga/inventory-service';
import { orderService } from '@saga/order-service';
import { paymentService } from '@saga/payment-service';
import { shippingService } from '@saga/shipping-service';

/** Every service of the saga; `SAGA_SERVICES` picks which of them one node runs. */
export const sagaServices: readonly ServiceModule[] = [
  orderService,
  paymentService,
  inventoryService,
  shippingService,
];
