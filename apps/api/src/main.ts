import { apiService } from '@slotwatch/api';
import { runMain } from '@slotwatch/runtime';

runMain([apiService], 'api');
