export { startWebhookReceiver, type ReceivedWebhook, type ReceiverMode, type WebhookReceiver } from './webhook-receiver.fake';
export { stubResolver, type StubAnswers, type StubResolver } from './stub-resolver.fake';
