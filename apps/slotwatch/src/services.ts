import { apiService } from '@slotwatch/api';
import { differService } from '@slotwatch/differ';
import { notifierService } from '@slotwatch/notifier';
import type { ServiceModule } from '@slotwatch/runtime';
import { schedulerService } from '@slotwatch/scheduler';
import { scraperService } from '@slotwatch/scraper';

/** Every service, in start order; `slotwatch run` is the node "all". */
export const allServices: ServiceModule[] = [differService, notifierService, scraperService, schedulerService, apiService];

/** `--services a,b` → modules; an unknown name is a start-up error naming the known ones. */
export function pickServices(list: string | undefined): ServiceModule[] {
  if (!list) return allServices;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !allServices.some((s) => s.name === n));
  if (unknown.length || names.length === 0) {
    throw new Error(`--services: unknown service ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; choose from ${allServices.map((s) => s.name).join(', ')}`);
  }
  return allServices.filter((s) => names.includes(s.name));
}
