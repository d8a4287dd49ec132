export {
  createEmailChannel,
  listUnsubscribeHeaders,
  redactAddresses,
  DKIM_HEADER_FIELDS,
  type EmailChannel,
  type EmailChannelOptions,
  type MailMessage,
  type MailOutcome,
} from './email.channel';
export { renderAlertMail, renderConfirmationMail, type AlertGroup, type AlertMailModel, type RenderedMail } from './email.render';
export { slotDays, type Language, type SlotDay } from './email.format';
