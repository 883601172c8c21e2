import { runServiceMain } from '@saga/messaging';
import { orderService } from './index.js';

runServiceMain(orderService);
