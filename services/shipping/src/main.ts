import { runServiceMain } from '@saga/messaging';
import { shippingService } from './index.js';

runServiceMain(shippingService);
