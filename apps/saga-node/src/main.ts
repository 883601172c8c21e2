import { runNodeMain } from '@saga/messaging';
import { sagaServices } from './index.js';

runNodeMain(sagaServices);
