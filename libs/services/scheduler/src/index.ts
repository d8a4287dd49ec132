export { schedulerService } from './scheduler.service';
