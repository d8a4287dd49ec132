export { notifierService } from './notifier.service';
export { webhookBody } from './webhook.body';
/** For the bench: the webhook fan-out and dispatcher without NATS. */
export { startDispatcher, type DispatcherOptions } from './dispatcher';
export { fanOut, type FanOutChannels, type FanOutResult } from './fanout.repository';
