export { notifierService } from './notifier.service';
export { webhookBody } from './webhook.body';
