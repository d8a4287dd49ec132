export { scraperService } from './scraper.service';
export { dbProviderState, dbRequestBudget } from './state.repository';
