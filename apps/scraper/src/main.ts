import { scraperService } from '@slotwatch/scraper';
import { runMain } from '@slotwatch/runtime';

runMain([scraperService], 'scraper');
