export { connectBus, type Bus, type Consumption, type ConsumeOptions, type ConsumerStats, type DeliveryInfo } from './bus';
export { currentTraceparent, withTraceparent } from './trace-context';
export { RetryLater, PermanentFailure } from './errors';
export { provision } from './provision';
