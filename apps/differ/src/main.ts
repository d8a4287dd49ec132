import { differService } from '@slotwatch/differ';
import { runMain } from '@slotwatch/runtime';

runMain([differService], 'differ');
