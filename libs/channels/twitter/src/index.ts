export { createTwitterChannel, type PostingBudget, type PostOutcome, type TwitterChannel, type TwitterChannelOptions, type TwitterPost } from './twitter.channel';
export { composePost, weightedLength, MAX_POST_WEIGHT, type Language, type PostGroup, type PostModel } from './twitter.text';
