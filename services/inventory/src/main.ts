import { runServiceMain } from '@saga/messaging';
import { inventoryService } from './index.js';

runServiceMain(inventoryService);
