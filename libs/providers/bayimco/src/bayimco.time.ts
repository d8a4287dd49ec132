/**
 * BayIMCO speaks in Bavarian wall-clock dates (`2021-04-12`, `14:35`); slotwatch in instants with an
 * offset. The zone arithmetic is shared with every provider.
 */
export { isoWithOffset, localDay, zonedIso } from '@slotwatch/provider-core';
