import { runServiceMain } from '@saga/messaging';
import { paymentService } from './index.js';

runServiceMain(paymentService);
