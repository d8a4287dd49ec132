export { startFakeX, randomToken, type FakeTweet, type FakeX, type FakeXRequest } from './x-api.fake';
