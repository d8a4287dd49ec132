import { schedulerService } from '@slotwatch/scheduler';
import { runMain } from '@slotwatch/runtime';

runMain([schedulerService], 'scheduler');
