export { connectBus, type Bus, type Consumption, type ConsumeOptions, type DeliveryInfo } from './bus';
export { RetryLater, PermanentFailure } from './errors';
export { provision } from './provision';
