import { createHttpClient } from '@slotwatch/http';
import { TargetError } from '@slotwatch/provider-core';
import { fetchTeam, findPreset, listServices, resolveService, TROOV_BASE_URL, TROOV_PRESETS, type TroovTarget } from '@slotwatch/provider-troov';

const http = () => createHttpClient({ userAgent: 'slotwatch-cli/0.1 (+https://github.com/slotwatch/slotwatch)', timeoutMs: 20_000 });

export interface TroovTargetOptions {
  team?: string;
  service?: string;
  preset?: string;
  baseUrl?: string;
}

/**
 * A TROOV target from a preset, or from a team (slug or id) and an exact service name looked up
 * on the team itself, so nobody copies 24-hex ids by hand. Unknown names fail here, at `watch add`.
 */
export async function resolveTroovTarget(opts: TroovTargetOptions): Promise<{ target: TroovTarget; name: string }> {
  const baseUrl = opts.baseUrl ?? TROOV_BASE_URL;
  if (opts.preset) {
    const preset = findPreset(opts.preset);
    if (!preset) {
      throw new TargetError('preset', `no preset "${opts.preset}"; known: ${TROOV_PRESETS.map((p) => p.name).join(', ')}`);
    }
    return { target: { ...preset.target, ...(opts.baseUrl ? { baseUrl } : {}) }, name: preset.title };
  }
  if (!opts.team || !opts.service) {
    throw new TargetError(opts.team ? 'service' : 'team', 'give --preset <name>, or --team <slug|id> with --service "<exact name>" (list them with `slotwatch troov services <team>`)');
  }
  const team = await fetchTeam(http(), baseUrl, opts.team);
  const zone = resolveService(team, opts.service);
  return {
    target: {
      ...(opts.baseUrl ? { baseUrl } : {}),
      teamId: team._id,
      serviceId: zone._id,
      serviceName: zone.name,
      ...(team.timezone ? { timezone: team.timezone } : {}),
      ...(team.slug ? { slug: team.slug } : {}),
    },
    name: `${team.name} — ${zone.name}`,
  };
}

/** `slotwatch troov services <team>`: the team's services, ready to paste into `watch add`. */
export async function troovServicesTable(teamRef: string, baseUrl = TROOV_BASE_URL): Promise<string> {
  const team = await fetchTeam(http(), baseUrl, teamRef);
  const rows = listServices(team).map((s) => `${s.id}  ${s.isOpen ? 'open  ' : 'closed'}  ${s.horizonDays !== undefined ? `${s.horizonDays} d`.padStart(5) : '    ?'}  ${s.name}`);
  return [`${team.name} (${team._id}, ${team.timezone ?? 'time zone unknown'})`, 'service id                 state   ahead  name', ...rows].join('\n');
}

export function troovPresetsTable(): string {
  return TROOV_PRESETS.map((p) => `${p.name.padEnd(24)} ${p.title}`).join('\n');
}
