import { notifierService } from '@slotwatch/notifier';
import { runMain } from '@slotwatch/runtime';

runMain([notifierService], 'notifier');
